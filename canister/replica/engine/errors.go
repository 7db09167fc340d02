package engine

import (
	"fmt"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// docRef links to the IC's execution-errors documentation, as the replica does.
func docRef(section string) string {
	return "http://internetcomputer.org/docs/current/references/execution-errors#" + section
}

// execError is an error raised while executing canister code (the replica's HypervisorError):
// Text is the description, Help the optional suggestion with its documentation link.
type execError struct {
	code       protocol.RejectCode
	errorCode  string
	text       string
	suggestion string
	doc        string
}

func (e *execError) Error() string { return e.text }

// reject turns the execution error into the user-visible reject of canister id, formatted
// like the replica: "Error from Canister <id>: <text>.\n<suggestion> See documentation: <link>".
func (e *execError) reject(id principal.Principal) *protocol.Reject {
	msg := fmt.Sprintf("Error from Canister %s: %s", id, e.text)
	if e.suggestion != "" {
		msg = fmt.Sprintf("%s.\n%s See documentation: %s", msg, e.suggestion, e.doc)
	}
	return &protocol.Reject{Code: e.code, Message: msg, ErrorCode: e.errorCode}
}

const trapSuggestion = "Consider gracefully handling failures from this canister or altering the canister to handle exceptions."

func errCalledTrap(msg string) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterCalledTrap,
		fmt.Sprintf("Canister called `ic0.trap` with message: '%s'", msg),
		trapSuggestion, docRef("trapped-explicitly")}
}

func errTrapped(what string) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterTrapped, "Canister trapped: " + what,
		trapSuggestion, docRef("trapped")}
}

func errInstructionLimit(limit int64) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterInstructionLimitExceeded,
		fmt.Sprintf("Canister exceeded the limit of %d instructions for single message execution.", limit),
		"Try optimizing this method to consume fewer instructions or split the work across multiple messages.",
		docRef("instruction-limit-exceeded")}
}

// errWrongMode is the replica's error for a System API call from a context that may not use it.
func errWrongMode(fn string, mode apiType) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterContractViolation,
		fmt.Sprintf("Canister violated contract: \"ic0_%s\" cannot be executed in %s mode", fn, mode),
		"Check the ICP documentation to make sure APIs are being called in the correct message types.",
		docRef("calling-a-system-api-from-the-wrong-mode")}
}

// errContract is any other System API contract violation (bad arguments, sizes, double reply).
func errContract(format string, args ...any) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterContractViolation,
		"Canister violated contract: " + fmt.Sprintf(format, args...),
		"", ""}
}

func errMethodNotFound(kind, name string) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterMethodNotFound,
		fmt.Sprintf("Canister has no %s method '%s'", kind, name),
		"Check that the method being called is exported by the target canister.",
		docRef("method-not-found")}
}

func errFunctionNotFound(table, index uint32) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterFunctionNotFound,
		fmt.Sprintf("Canister requested to invoke a non-existent Wasm function %d from table %d", index, table),
		"", ""}
}

func errModuleNotFound() *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterWasmModuleNotFound,
		"Attempted to execute a message, but the canister contains no Wasm module.",
		"Please install code to this canister before calling it.", docRef("wasm-module-not-found")}
}

func errOutOfCycles(id principal.Principal, available, requested uint64) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterContractViolation,
		fmt.Sprintf("Canister %s is out of cycles: please top up the canister with at least %d additional cycles",
			id, requested-available), "", ""}
}

func errInvalidWasm(err error) *execError {
	return &execError{protocol.CanisterError, protocol.ErrCanisterInvalidWasm,
		fmt.Sprintf("Canister's Wasm module is not valid: %v", err), "", ""}
}

// Rejects that do not come from an execution (no "Error from Canister" prefix).

func rejectNotFound(id principal.Principal) *protocol.Reject {
	return &protocol.Reject{Code: protocol.DestinationInvalid, Message: fmt.Sprintf("Canister %s not found", id), ErrorCode: protocol.ErrCanisterNotFound}
}

func rejectDidNotReply(id principal.Principal) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterError, Message: fmt.Sprintf("Canister %s did not reply to the call", id), ErrorCode: protocol.ErrCanisterDidNotReply}
}

func rejectStopped(id principal.Principal) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterError, Message: fmt.Sprintf("Canister %s is stopped", id), ErrorCode: protocol.ErrCanisterStopped}
}

func rejectStopping(id principal.Principal) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterError, Message: fmt.Sprintf("Canister %s is stopping", id), ErrorCode: protocol.ErrCanisterStopping}
}

func rejectNotAccepted(id principal.Principal) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterReject, Message: fmt.Sprintf("Canister %s rejected the message", id), ErrorCode: protocol.ErrCanisterRejectedMessage}
}
