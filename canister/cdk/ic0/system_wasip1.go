//go:build wasip1

package ic0

import (
	"runtime"
	"unsafe"
)

// System is the real System API: each method calls the ic0 imports. It has no state.
type System struct{}

var _ API = System{}

// ptr is the Wasm address of b's first byte (0 for an empty slice; the IC reads nothing).
func ptr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// sptr is the Wasm address of s's first byte.
func sptr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// blob reads a size/copy pair into a fresh slice.
func blob(size func() uint32, copyFn func(dst unsafe.Pointer, offset, size uint32)) []byte {
	n := size()
	b := make([]byte, n)
	if n > 0 {
		copyFn(ptr(b), 0, n)
	}
	return b
}

// u128 calls f with a 16-byte result buffer and decodes it.
func u128(f func(dst unsafe.Pointer)) U128 {
	var b [16]byte
	f(unsafe.Pointer(&b))
	return U128FromBytes(b)
}

func (System) MsgArgData() []byte        { return blob(msgArgDataSize, msgArgDataCopy) }
func (System) MsgCaller() []byte         { return blob(msgCallerSize, msgCallerCopy) }
func (System) MsgCallerInfoData() []byte { return blob(msgCallerInfoDataSize, msgCallerInfoDataCopy) }
func (System) MsgCallerInfoSigner() []byte {
	return blob(msgCallerInfoSignerSize, msgCallerInfoSignerCopy)
}
func (System) MsgMethodName() string { return string(blob(msgMethodNameSize, msgMethodNameCopy)) }
func (System) MsgRejectCode() uint32 { return msgRejectCode() }
func (System) MsgRejectMsg() string  { return string(blob(msgRejectMsgSize, msgRejectMsgCopy)) }
func (System) MsgDeadline() uint64   { return msgDeadline() }

func (System) MsgReplyDataAppend(data []byte) {
	msgReplyDataAppend(ptr(data), uint32(len(data)))
	runtime.KeepAlive(data)
}

func (System) MsgReply() { msgReply() }

func (System) MsgReject(msg string) {
	msgReject(sptr(msg), uint32(len(msg)))
	runtime.KeepAlive(msg)
}

func (System) AcceptMessage() { acceptMessage() }

func (System) MsgCyclesAvailable() U128 { return u128(msgCyclesAvailable128) }
func (System) MsgCyclesRefunded() U128  { return u128(msgCyclesRefunded128) }

func (System) MsgCyclesAccept(max U128) U128 {
	return u128(func(dst unsafe.Pointer) { msgCyclesAccept128(max.Hi, max.Lo, dst) })
}

func (System) CyclesBurn(amount U128) U128 {
	return u128(func(dst unsafe.Pointer) { cyclesBurn128(amount.Hi, amount.Lo, dst) })
}

func (System) CanisterCycleBalance() U128       { return u128(canisterCycleBalance128) }
func (System) CanisterLiquidCycleBalance() U128 { return u128(canisterLiquidCycleBalance128) }
func (System) CanisterSelf() []byte             { return blob(canisterSelfSize, canisterSelfCopy) }
func (System) CanisterStatus() uint32           { return canisterStatus() }
func (System) CanisterVersion() uint64          { return canisterVersion() }
func (System) SubnetSelf() []byte               { return blob(subnetSelfSize, subnetSelfCopy) }

func (System) IsController(principal []byte) bool {
	r := isController(ptr(principal), uint32(len(principal)))
	runtime.KeepAlive(principal)
	return r == 1
}

func (System) InReplicatedExecution() bool { return inReplicatedExecution() == 1 }
func (System) RootKey() []byte             { return blob(rootKeySize, rootKeyCopy) }

func (System) CallNew(callee []byte, method string, replyFun, replyEnv, rejectFun, rejectEnv uint32) {
	callNew(ptr(callee), uint32(len(callee)), sptr(method), uint32(len(method)),
		replyFun, replyEnv, rejectFun, rejectEnv)
	runtime.KeepAlive(callee)
	runtime.KeepAlive(method)
}

func (System) CallOnCleanup(fun, env uint32) { callOnCleanup(fun, env) }

func (System) CallDataAppend(data []byte) {
	callDataAppend(ptr(data), uint32(len(data)))
	runtime.KeepAlive(data)
}

func (System) CallWithBestEffortResponse(timeoutSeconds uint32) {
	callWithBestEffortResponse(timeoutSeconds)
}

func (System) CallCyclesAdd(amount U128) { callCyclesAdd128(amount.Hi, amount.Lo) }
func (System) CallPerform() uint32       { return callPerform() }

func (System) Stable64Size() uint64               { return stable64Size() }
func (System) Stable64Grow(newPages uint64) int64 { return stable64Grow(newPages) }

func (System) Stable64Write(offset uint64, src []byte) {
	stable64Write(offset, uint64(uintptr(ptr(src))), uint64(len(src)))
	runtime.KeepAlive(src)
}

func (System) Stable64Read(dst []byte, offset uint64) {
	stable64Read(uint64(uintptr(ptr(dst))), offset, uint64(len(dst)))
	runtime.KeepAlive(dst)
}

func (System) CertifiedDataSet(data []byte) {
	certifiedDataSet(ptr(data), uint32(len(data)))
	runtime.KeepAlive(data)
}

func (System) DataCertificatePresent() bool { return dataCertificatePresent() == 1 }
func (System) DataCertificate() []byte      { return blob(dataCertificateSize, dataCertificateCopy) }

func (System) Time() uint64                                 { return time() }
func (System) GlobalTimerSet(timestamp uint64) uint64       { return globalTimerSet(timestamp) }
func (System) PerformanceCounter(counterType uint32) uint64 { return performanceCounter(counterType) }

func (System) CostCall(methodNameSize, payloadSize uint64) U128 {
	return u128(func(dst unsafe.Pointer) { costCall(methodNameSize, payloadSize, dst) })
}

func (System) CostCreateCanister() U128 { return u128(costCreateCanister) }

func (System) CostHTTPRequest(requestSize, maxResponseBytes uint64) U128 {
	return u128(func(dst unsafe.Pointer) { costHTTPRequest(requestSize, maxResponseBytes, dst) })
}

// costByKey calls one of the cost_* imports that take a key name and return a status.
func costByKey(f func(src unsafe.Pointer, size, kind uint32, dst unsafe.Pointer) uint32, key string, kind uint32) (U128, uint32) {
	var status uint32
	c := u128(func(dst unsafe.Pointer) { status = f(sptr(key), uint32(len(key)), kind, dst) })
	runtime.KeepAlive(key)
	return c, status
}

func (System) CostSignWithECDSA(keyName string, curve uint32) (U128, uint32) {
	return costByKey(costSignWithECDSA, keyName, curve)
}

func (System) CostSignWithSchnorr(keyName string, algorithm uint32) (U128, uint32) {
	return costByKey(costSignWithSchnorr, keyName, algorithm)
}

func (System) CostVetKDDeriveKey(keyName string, curve uint32) (U128, uint32) {
	return costByKey(costVetKDDeriveKey, keyName, curve)
}

func (System) EnvVarCount() uint32 { return envVarCount() }

func (System) EnvVarName(index uint32) string {
	n := envVarNameSize(index)
	b := make([]byte, n)
	if n > 0 {
		envVarNameCopy(index, ptr(b), 0, n)
	}
	return string(b)
}

func (System) EnvVarNameExists(name string) bool {
	r := envVarNameExists(sptr(name), uint32(len(name)))
	runtime.KeepAlive(name)
	return r == 1
}

func (System) EnvVarValue(name string) string {
	n := envVarValueSize(sptr(name), uint32(len(name)))
	b := make([]byte, n)
	if n > 0 {
		envVarValueCopy(sptr(name), uint32(len(name)), ptr(b), 0, n)
	}
	runtime.KeepAlive(name)
	return string(b)
}

func (System) DebugPrint(msg string) {
	debugPrint(sptr(msg), uint32(len(msg)))
	runtime.KeepAlive(msg)
}

func (System) Trap(msg string) {
	trap(sptr(msg), uint32(len(msg)))
	runtime.KeepAlive(msg)
}
