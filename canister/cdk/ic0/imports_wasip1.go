//go:build wasip1

package ic0

import "unsafe"

// The raw ic0 imports with the Wasm types of ic0-api.txt (wasm32: pointers and sizes are
// i32, so unsafe.Pointer and uint32). Go drops an import no reachable code calls, so
// listing them all costs nothing.

//go:wasmimport ic0 msg_arg_data_size
func msgArgDataSize() uint32

//go:wasmimport ic0 msg_arg_data_copy
func msgArgDataCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_caller_size
func msgCallerSize() uint32

//go:wasmimport ic0 msg_caller_copy
func msgCallerCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_caller_info_data_size
func msgCallerInfoDataSize() uint32

//go:wasmimport ic0 msg_caller_info_data_copy
func msgCallerInfoDataCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_caller_info_signer_size
func msgCallerInfoSignerSize() uint32

//go:wasmimport ic0 msg_caller_info_signer_copy
func msgCallerInfoSignerCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_reject_code
func msgRejectCode() uint32

//go:wasmimport ic0 msg_reject_msg_size
func msgRejectMsgSize() uint32

//go:wasmimport ic0 msg_reject_msg_copy
func msgRejectMsgCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_deadline
func msgDeadline() uint64

//go:wasmimport ic0 msg_reply_data_append
func msgReplyDataAppend(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 msg_reply
func msgReply()

//go:wasmimport ic0 msg_reject
func msgReject(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 msg_cycles_available128
func msgCyclesAvailable128(dst unsafe.Pointer)

//go:wasmimport ic0 msg_cycles_refunded128
func msgCyclesRefunded128(dst unsafe.Pointer)

//go:wasmimport ic0 msg_cycles_accept128
func msgCyclesAccept128(maxHigh, maxLow uint64, dst unsafe.Pointer)

//go:wasmimport ic0 cycles_burn128
func cyclesBurn128(high, low uint64, dst unsafe.Pointer)

//go:wasmimport ic0 canister_self_size
func canisterSelfSize() uint32

//go:wasmimport ic0 canister_self_copy
func canisterSelfCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 canister_cycle_balance128
func canisterCycleBalance128(dst unsafe.Pointer)

//go:wasmimport ic0 canister_liquid_cycle_balance128
func canisterLiquidCycleBalance128(dst unsafe.Pointer)

//go:wasmimport ic0 canister_status
func canisterStatus() uint32

//go:wasmimport ic0 canister_version
func canisterVersion() uint64

//go:wasmimport ic0 subnet_self_size
func subnetSelfSize() uint32

//go:wasmimport ic0 subnet_self_copy
func subnetSelfCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_method_name_size
func msgMethodNameSize() uint32

//go:wasmimport ic0 msg_method_name_copy
func msgMethodNameCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 accept_message
func acceptMessage()

//go:wasmimport ic0 call_new
func callNew(calleeSrc unsafe.Pointer, calleeSize uint32, nameSrc unsafe.Pointer, nameSize uint32, replyFun, replyEnv, rejectFun, rejectEnv uint32)

//go:wasmimport ic0 call_on_cleanup
func callOnCleanup(fun, env uint32)

//go:wasmimport ic0 call_data_append
func callDataAppend(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 call_with_best_effort_response
func callWithBestEffortResponse(timeoutSeconds uint32)

//go:wasmimport ic0 call_cycles_add128
func callCyclesAdd128(high, low uint64)

//go:wasmimport ic0 call_perform
func callPerform() uint32

//go:wasmimport ic0 stable64_size
func stable64Size() uint64

//go:wasmimport ic0 stable64_grow
func stable64Grow(newPages uint64) int64

//go:wasmimport ic0 stable64_write
func stable64Write(offset, src, size uint64)

//go:wasmimport ic0 stable64_read
func stable64Read(dst, offset, size uint64)

//go:wasmimport ic0 root_key_size
func rootKeySize() uint32

//go:wasmimport ic0 root_key_copy
func rootKeyCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 certified_data_set
func certifiedDataSet(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 data_certificate_present
func dataCertificatePresent() uint32

//go:wasmimport ic0 data_certificate_size
func dataCertificateSize() uint32

//go:wasmimport ic0 data_certificate_copy
func dataCertificateCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 time
func time() uint64

//go:wasmimport ic0 global_timer_set
func globalTimerSet(timestamp uint64) uint64

//go:wasmimport ic0 performance_counter
func performanceCounter(counterType uint32) uint64

//go:wasmimport ic0 is_controller
func isController(src unsafe.Pointer, size uint32) uint32

//go:wasmimport ic0 in_replicated_execution
func inReplicatedExecution() uint32

//go:wasmimport ic0 cost_call
func costCall(methodNameSize, payloadSize uint64, dst unsafe.Pointer)

//go:wasmimport ic0 cost_create_canister
func costCreateCanister(dst unsafe.Pointer)

//go:wasmimport ic0 cost_http_request
func costHTTPRequest(requestSize, maxResBytes uint64, dst unsafe.Pointer)

//go:wasmimport ic0 cost_sign_with_ecdsa
func costSignWithECDSA(src unsafe.Pointer, size uint32, curve uint32, dst unsafe.Pointer) uint32

//go:wasmimport ic0 cost_sign_with_schnorr
func costSignWithSchnorr(src unsafe.Pointer, size uint32, algorithm uint32, dst unsafe.Pointer) uint32

//go:wasmimport ic0 cost_vetkd_derive_key
func costVetKDDeriveKey(src unsafe.Pointer, size uint32, curve uint32, dst unsafe.Pointer) uint32

//go:wasmimport ic0 env_var_count
func envVarCount() uint32

//go:wasmimport ic0 env_var_name_size
func envVarNameSize(index uint32) uint32

//go:wasmimport ic0 env_var_name_copy
func envVarNameCopy(index uint32, dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 env_var_name_exists
func envVarNameExists(nameSrc unsafe.Pointer, nameSize uint32) uint32

//go:wasmimport ic0 env_var_value_size
func envVarValueSize(nameSrc unsafe.Pointer, nameSize uint32) uint32

//go:wasmimport ic0 env_var_value_copy
func envVarValueCopy(nameSrc unsafe.Pointer, nameSize uint32, dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 debug_print
func debugPrint(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 trap
func trap(src unsafe.Pointer, size uint32)
