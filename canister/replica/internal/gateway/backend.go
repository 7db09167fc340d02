package gateway

import (
	"context"

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
	// reject or an unknown canister/method is returned as a *protocol.Reject.
	Query(ctx context.Context, canister principal.Principal, method string, arg []byte) ([]byte, error)
	// Update runs an update method to completion, with the same error
	// contract as Query.
	Update(ctx context.Context, canister principal.Principal, method string, arg []byte) ([]byte, error)
	// RootKey is the DER-encoded BLS public key of the replica (as in
	// /api/v2/status).
	RootKey() []byte
}
