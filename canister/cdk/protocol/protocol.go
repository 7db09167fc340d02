// Package protocol is the Internet Computer's protocol vocabulary, defined once for both sides:
// the CDK (inside a canister) and the local replica (outside) import it, so the two cannot
// drift. It holds reject codes and IC error codes, the reject value, the IC's limits and fees,
// and the HTTP gateway's skip-certification expression.
//
// It imports neither fmt nor os, so a canister can link it without growing (see
// cdk/internal/sizeprobe).
package protocol

import "strconv"

// RejectCode classifies a rejected call (interface spec, "Reject codes"); it is what
// ic0.msg_reject_code returns and what the HTTP interface reports as reject_code.
type RejectCode uint32

// The reject codes of the interface specification.
const (
	SysFatal           RejectCode = 1
	SysTransient       RejectCode = 2
	DestinationInvalid RejectCode = 3
	CanisterReject     RejectCode = 4
	CanisterError      RejectCode = 5
	SysUnknown         RejectCode = 6
)

// rejectCodeNames are the codes' names as the reference implementation (agent-rs) prints them.
var rejectCodeNames = [...]string{
	SysFatal:           "SysFatal",
	SysTransient:       "SysTransient",
	DestinationInvalid: "DestinationInvalid",
	CanisterReject:     "CanisterReject",
	CanisterError:      "CanisterError",
	SysUnknown:         "SysUnknown",
}

// String names the code as the reference implementation (agent-rs) prints it.
func (c RejectCode) String() string {
	if c >= SysFatal && c <= SysUnknown {
		return rejectCodeNames[c]
	}
	return "Unknown(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// IC error codes: the "IC0xxx" strings of the replica's user errors, reported by the HTTP
// interface in error_code fields and shown by agents.
const (
	ErrCanisterOutOfCycles              = "IC0207"
	ErrCanisterNotFound                 = "IC0301"
	ErrCanisterSnapshotNotFound         = "IC0305"
	ErrCanisterRejectedMessage          = "IC0406"
	ErrInvalidManagementPayload         = "IC0408"
	ErrCanisterSnapshotImmutable        = "IC0409"
	ErrCanisterTrapped                  = "IC0502"
	ErrCanisterCalledTrap               = "IC0503"
	ErrCanisterContractViolation        = "IC0504"
	ErrCanisterInvalidWasm              = "IC0505"
	ErrCanisterDidNotReply              = "IC0506"
	ErrCanisterOutOfMemory              = "IC0507"
	ErrCanisterStopped                  = "IC0508"
	ErrCanisterStopping                 = "IC0509"
	ErrCanisterNotStopped               = "IC0510"
	ErrCanisterInvalidController        = "IC0512"
	ErrCanisterFunctionNotFound         = "IC0513"
	ErrCanisterNonEmpty                 = "IC0514"
	ErrQueryCallGraphLoopDetected       = "IC0517"
	ErrInsufficientCyclesInCall         = "IC0520"
	ErrCanisterInstructionLimitExceeded = "IC0522"
	ErrCanisterMethodNotFound           = "IC0536"
	ErrCanisterWasmModuleNotFound       = "IC0537"
	ErrCanisterWasmMemoryLimitExceeded  = "IC0539"
)

// Reject is the negative outcome of a call: what the HTTP interface reports as
// reject_code/reject_message/error_code and what a calling canister's reject callback sees.
// It is an error, so functions can return it directly.
type Reject struct {
	Code    RejectCode
	Message string
	// ErrorCode is the IC error code ("IC0503"); empty for rejects made by canister code
	// (msg_reject) and for outcall rejects.
	ErrorCode string
}

func (r *Reject) Error() string {
	s := "reject code " + strconv.FormatUint(uint64(r.Code), 10)
	if r.ErrorCode != "" {
		s += " (" + r.ErrorCode + ")"
	}
	return s + ": " + r.Message
}
