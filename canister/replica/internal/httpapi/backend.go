package httpapi

import (
	"context"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Message is an authenticated ingress message (update or query call) handed to the Backend.
type Message struct {
	RequestID RequestID
	Sender    principal.Principal
	Canister  principal.Principal // canister_id of the request (empty for aaaaa-aa)
	// EffectiveCanister is the effective canister id of the URL. For calls to the management
	// canister it has been checked against the canister_id / target_canister field of the
	// argument (see EffectiveCanisterID) unless the method accepts any, e.g. create_canister.
	EffectiveCanister principal.Principal
	Method            string
	Arg               []byte
	IngressExpiry     uint64 // nanoseconds since 1970-01-01
	// Size is the size in bytes of the envelope as received: the IC charges the reception of
	// an ingress message per byte of it.
	Size uint64
}

// Result is the outcome of an executed message: Reply when Reject is nil.
type Result struct {
	Reply  []byte
	Reject *protocol.Reject
}

// CanisterInfo is what read_state reveals under /canister/<id>/.
type CanisterInfo struct {
	// ModuleHash is the SHA-256 of the installed module, nil when the canister is empty.
	ModuleHash  []byte
	Controllers []principal.Principal
	// Metadata holds the module's custom sections "icp:public <name>" and
	// "icp:private <name>", keyed by <name>.
	Metadata map[string]MetadataSection
}

// MetadataSection is one canister metadata custom section.
type MetadataSection struct {
	Private bool // icp:private: only controllers may read it
	Content []byte
}

// Backend executes messages for the HTTP interface. Implementations must be safe for
// concurrent use.
type Backend interface {
	// Call executes an update call and returns when its execution has finished, with the
	// reply or the reject (reject code 1-6, an IC error code and a message) that goes into
	// the certified request status. A *protocol.Reject error means the message was refused before
	// execution (no such canister, canister stopped, inspect_message rejected it...): it is
	// answered as "non_replicated_rejection" and leaves no request status. Other errors are
	// internal failures: the call is not acknowledged, its request id is forgotten. ctx is not
	// cancelled when the client goes away: an accepted call runs to completion.
	//
	// A durable backend saves the call's Record (RecordOf) together with the state the call
	// produced before returning, and hands the saved records back with Server.Restore after a
	// restart, so that a resubmitted call is not executed twice and its status stays readable.
	Call(ctx context.Context, m Message) (Result, error)

	// Query evaluates a query call and returns its reply or reject; a reject is a Result,
	// not an error, because query rejects are signed responses too.
	Query(ctx context.Context, m Message) (Result, error)

	// Canister returns the state read_state reveals about a canister; ok is false when the
	// canister does not exist.
	Canister(ctx context.Context, id principal.Principal) (info CanisterInfo, ok bool, err error)
}
