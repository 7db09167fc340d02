package engine

import (
	"fmt"

	"github.com/aviate-labs/agent-go/principal"
)

// RejectCode is the IC's reject code of a failed call (interface spec, "Reject codes").
type RejectCode uint64

// The IC's reject codes.
const (
	SysFatal           RejectCode = 1
	SysTransient       RejectCode = 2
	DestinationInvalid RejectCode = 3
	CanisterReject     RejectCode = 4
	CanisterError      RejectCode = 5
	SysUnknown         RejectCode = 6
)

// IC error codes (the "IC0xxx" strings of the replica's UserError), used by the HTTP interface in
// error_code fields and visible in agent error messages.
const (
	ErrCanisterNotFound                 = "IC0301"
	ErrCanisterRejectedMessage          = "IC0406"
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
	ErrInsufficientCyclesInCall         = "IC0520"
	ErrCanisterInstructionLimitExceeded = "IC0522"
	ErrCanisterMethodNotFound           = "IC0536"
	ErrCanisterWasmModuleNotFound       = "IC0537"
)

// Reject is the negative outcome of a call: what the IC HTTP interface reports as
// reject_code/reject_message/error_code and what a caller canister's reject callback sees.
// It implements error so engine methods can return it directly.
type Reject struct {
	Code      RejectCode
	Message   string
	ErrorCode string // "IC0503"...; empty for rejects made by canister code (msg_reject)
}

func (r *Reject) Error() string {
	if r.ErrorCode == "" {
		return fmt.Sprintf("reject code %d: %s", r.Code, r.Message)
	}
	return fmt.Sprintf("reject code %d (%s): %s", r.Code, r.ErrorCode, r.Message)
}

// docRef links to the IC's execution-errors documentation, as the replica does.
func docRef(section string) string {
	return "http://internetcomputer.org/docs/current/references/execution-errors#" + section
}

// execError is an error raised while executing canister code (the replica's HypervisorError):
// Text is the description, Help the optional suggestion with its documentation link.
type execError struct {
	code       RejectCode
	errorCode  string
	text       string
	suggestion string
	doc        string
}

func (e *execError) Error() string { return e.text }

// reject turns the execution error into the user-visible reject of canister id, formatted
// like the replica: "Error from Canister <id>: <text>.\n<suggestion> See documentation: <link>".
func (e *execError) reject(id principal.Principal) *Reject {
	msg := fmt.Sprintf("Error from Canister %s: %s", id, e.text)
	if e.suggestion != "" {
		msg = fmt.Sprintf("%s.\n%s See documentation: %s", msg, e.suggestion, e.doc)
	}
	return &Reject{Code: e.code, Message: msg, ErrorCode: e.errorCode}
}

const trapSuggestion = "Consider gracefully handling failures from this canister or altering the canister to handle exceptions."

func errCalledTrap(msg string) *execError {
	return &execError{CanisterError, ErrCanisterCalledTrap,
		fmt.Sprintf("Canister called `ic0.trap` with message: '%s'", msg),
		trapSuggestion, docRef("trapped-explicitly")}
}

func errTrapped(what string) *execError {
	return &execError{CanisterError, ErrCanisterTrapped, "Canister trapped: " + what,
		trapSuggestion, docRef("trapped")}
}

func errInstructionLimit(limit int64) *execError {
	return &execError{CanisterError, ErrCanisterInstructionLimitExceeded,
		fmt.Sprintf("Canister exceeded the limit of %d instructions for single message execution.", limit),
		"Try optimizing this method to consume fewer instructions or split the work across multiple messages.",
		docRef("instruction-limit-exceeded")}
}

// errWrongMode is the replica's error for a System API call from a context that may not use it.
func errWrongMode(fn string, mode apiType) *execError {
	return &execError{CanisterError, ErrCanisterContractViolation,
		fmt.Sprintf("Canister violated contract: \"ic0_%s\" cannot be executed in %s mode", fn, mode),
		"Check the ICP documentation to make sure APIs are being called in the correct message types.",
		docRef("calling-a-system-api-from-the-wrong-mode")}
}

// errContract is any other System API contract violation (bad arguments, sizes, double reply).
func errContract(format string, args ...any) *execError {
	return &execError{CanisterError, ErrCanisterContractViolation,
		"Canister violated contract: " + fmt.Sprintf(format, args...),
		"", ""}
}

func errMethodNotFound(kind, name string) *execError {
	return &execError{CanisterError, ErrCanisterMethodNotFound,
		fmt.Sprintf("Canister has no %s method '%s'", kind, name),
		"Check that the method being called is exported by the target canister.",
		docRef("method-not-found")}
}

func errFunctionNotFound(table, index uint32) *execError {
	return &execError{CanisterError, ErrCanisterFunctionNotFound,
		fmt.Sprintf("Canister requested to invoke a non-existent Wasm function %d from table %d", index, table),
		"", ""}
}

func errModuleNotFound() *execError {
	return &execError{CanisterError, ErrCanisterWasmModuleNotFound,
		"Attempted to execute a message, but the canister contains no Wasm module.",
		"Please install code to this canister before calling it.", docRef("wasm-module-not-found")}
}

func errOutOfCycles(id principal.Principal, available, requested uint64) *execError {
	return &execError{CanisterError, ErrCanisterContractViolation,
		fmt.Sprintf("Canister %s is out of cycles: please top up the canister with at least %d additional cycles",
			id, requested-available), "", ""}
}

func errInvalidWasm(err error) *execError {
	return &execError{CanisterError, ErrCanisterInvalidWasm,
		fmt.Sprintf("Canister's Wasm module is not valid: %v", err), "", ""}
}

// Rejects that do not come from an execution (no "Error from Canister" prefix).

func rejectNotFound(id principal.Principal) *Reject {
	return &Reject{DestinationInvalid, fmt.Sprintf("Canister %s not found", id), ErrCanisterNotFound}
}

func rejectDidNotReply(id principal.Principal) *Reject {
	return &Reject{CanisterError, fmt.Sprintf("Canister %s did not reply to the call", id), ErrCanisterDidNotReply}
}

func rejectStopped(id principal.Principal) *Reject {
	return &Reject{CanisterError, fmt.Sprintf("Canister %s is stopped", id), ErrCanisterStopped}
}

func rejectStopping(id principal.Principal) *Reject {
	return &Reject{CanisterError, fmt.Sprintf("Canister %s is stopping", id), ErrCanisterStopping}
}

func rejectNotAccepted(id principal.Principal) *Reject {
	return &Reject{CanisterReject, fmt.Sprintf("Canister %s rejected the message", id), ErrCanisterRejectedMessage}
}
