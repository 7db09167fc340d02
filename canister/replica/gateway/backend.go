package gateway

import (
	"context"
	"fmt"

	"github.com/aviate-labs/agent-go/principal"
)

// Backend is what the gateway needs from the replica: query and update
// calls and the root key certificates are signed with.
//
// The gateway does not need the data certificate separately: a canister
// reads it with ic0.data_certificate_copy while answering the query and puts
// it in the IC-Certificate header itself. The replica must therefore make
// the certificate available to queries (and certify the canister's
// certified data and /time in it, signed with RootKey).
type Backend interface {
	// Query runs a query method and returns its Candid reply. A canister
	// reject or an unknown canister/method is returned as a *Reject.
	Query(ctx context.Context, canister principal.Principal, method string, arg []byte) ([]byte, error)
	// Update runs an update method to completion, with the same error
	// contract as Query.
	Update(ctx context.Context, canister principal.Principal, method string, arg []byte) ([]byte, error)
	// RootKey is the DER-encoded BLS public key of the replica (as in
	// /api/v2/status).
	RootKey() []byte
}

// RejectCode is the IC's reject code of a failed call.
type RejectCode int

// The reject codes of the IC interface specification.
const (
	SysFatal           RejectCode = 1
	SysTransient       RejectCode = 2
	DestinationInvalid RejectCode = 3
	CanisterReject     RejectCode = 4
	CanisterError      RejectCode = 5
	SysUnknown         RejectCode = 6
)

// String names the code as the reference gateway (agent-rs) prints it.
func (c RejectCode) String() string {
	switch c {
	case SysFatal:
		return "SysFatal"
	case SysTransient:
		return "SysTransient"
	case DestinationInvalid:
		return "DestinationInvalid"
	case CanisterReject:
		return "CanisterReject"
	case CanisterError:
		return "CanisterError"
	case SysUnknown:
		return "SysUnknown"
	default:
		return fmt.Sprintf("Unknown(%d)", int(c))
	}
}

// Reject is a call's reject: the canister trapped or rejected, or the
// canister or method does not exist (DestinationInvalid).
type Reject struct {
	Code    RejectCode
	Message string
	// ErrorCode is the optional IC error code, e.g. "IC0503".
	ErrorCode string
}

func (r *Reject) Error() string {
	return fmt.Sprintf("reject %s: %s", r.Code, r.Message)
}
