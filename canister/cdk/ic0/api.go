// Package ic0 is the Internet Computer System API (the "ic0" Wasm imports) with Go types.
//
// API is the interface the CDK programs against. In a GOOS=wasip1 build, System implements
// it with the real imports (one //go:wasmimport each, see system_wasip1.go); on any other
// platform there is no System, and tests use the in-memory fake of package ic0test. The
// method names follow the import names; blobs that the API exposes as a size/copy pair are
// returned as one []byte.
package ic0

import "github.com/gocanister/stripe-ic/canister/cdk/protocol"

// API is the IC System API as seen from Go. Each method calls the ic0 function of the same
// name (with _size/_copy pairs folded into one call). Calling a method from a context where
// the IC forbids the import traps, as the import itself would.
type API interface {
	// Message arguments and caller.
	MsgArgData() []byte
	MsgCaller() []byte
	MsgCallerInfoData() []byte
	MsgCallerInfoSigner() []byte
	MsgMethodName() string
	MsgRejectCode() uint32
	MsgRejectMsg() string
	MsgDeadline() uint64

	// Replying.
	MsgReplyDataAppend(data []byte)
	MsgReply()
	MsgReject(msg string)
	AcceptMessage()

	// Cycles.
	MsgCyclesAvailable() U128
	MsgCyclesRefunded() U128
	MsgCyclesAccept(max U128) U128
	CyclesBurn(amount U128) U128
	CanisterCycleBalance() U128
	CanisterLiquidCycleBalance() U128

	// This canister.
	CanisterSelf() []byte
	CanisterStatus() uint32
	CanisterVersion() uint64
	SubnetSelf() []byte
	IsController(principal []byte) bool
	InReplicatedExecution() bool
	RootKey() []byte

	// Inter-canister calls. replyFun, rejectFun and cleanup funs are table-0 indices.
	CallNew(callee []byte, method string, replyFun, replyEnv, rejectFun, rejectEnv uint32)
	CallOnCleanup(fun, env uint32)
	CallDataAppend(data []byte)
	CallWithBestEffortResponse(timeoutSeconds uint32)
	CallCyclesAdd(amount U128)
	CallPerform() uint32

	// Stable memory (64-bit API; the 32-bit one is deprecated).
	Stable64Size() uint64
	Stable64Grow(newPages uint64) int64
	Stable64Write(offset uint64, src []byte)
	Stable64Read(dst []byte, offset uint64)

	// Certified data.
	CertifiedDataSet(data []byte)
	DataCertificatePresent() bool
	DataCertificate() []byte

	// Time, timers, counters.
	Time() uint64
	GlobalTimerSet(timestamp uint64) uint64
	PerformanceCounter(counterType uint32) uint64

	// Costs.
	CostCall(methodNameSize, payloadSize uint64) U128
	CostCreateCanister() U128
	CostHTTPRequest(requestSize, maxResponseBytes uint64) U128
	CostSignWithECDSA(keyName string, curve uint32) (U128, uint32)
	CostSignWithSchnorr(keyName string, algorithm uint32) (U128, uint32)
	CostVetKDDeriveKey(keyName string, curve uint32) (U128, uint32)

	// Environment variables.
	EnvVarCount() uint32
	EnvVarName(index uint32) string
	EnvVarNameExists(name string) bool
	EnvVarValue(name string) string

	// Debugging. Trap does not return.
	DebugPrint(msg string)
	Trap(msg string)
}

// U128 is a 128-bit unsigned amount (cycles), as the IC passes it: a high and a low half.
type U128 struct {
	Hi, Lo uint64
}

// U128From returns v as a U128.
func U128From(v uint64) U128 { return U128{Lo: v} }

// Uint64 returns the amount if it fits in 64 bits; ok is false otherwise.
func (u U128) Uint64() (v uint64, ok bool) { return u.Lo, u.Hi == 0 }

// Bytes is the 16-byte little-endian form the IC writes at a dst pointer.
func (u U128) Bytes() [16]byte {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(u.Lo >> (8 * i))
		b[8+i] = byte(u.Hi >> (8 * i))
	}
	return b
}

// U128FromBytes reads the 16-byte little-endian form.
func U128FromBytes(b [16]byte) U128 {
	var u U128
	for i := 0; i < 8; i++ {
		u.Lo |= uint64(b[i]) << (8 * i)
		u.Hi |= uint64(b[8+i]) << (8 * i)
	}
	return u
}

// Reject codes as MsgRejectCode returns them (uint32), for the CDK's CallResult. The codes
// themselves are package protocol's; prefer protocol.RejectCode in new code.
const (
	RejectSysFatal           = uint32(protocol.SysFatal)
	RejectSysTransient       = uint32(protocol.SysTransient)
	RejectDestinationInvalid = uint32(protocol.DestinationInvalid)
	RejectCanisterReject     = uint32(protocol.CanisterReject)
	RejectCanisterError      = uint32(protocol.CanisterError)
	RejectSysUnknown         = uint32(protocol.SysUnknown)
)

// PageSize is the size of a stable memory page.
const PageSize = protocol.StablePageBytes

// Performance counter types.
const (
	CounterInstructions            = 0
	CounterCallContextInstructions = 1
)

// TrapPanic is implemented by the panic value an API's Trap raises when it cannot stop
// execution itself (a host fake): the CDK lets such panics through instead of turning them
// into a second trap. The real System's Trap never returns.
type TrapPanic interface {
	error
	IsTrap()
}
