// Package verify opens, to tests outside the replica (canister/e2e), the local HTTP
// gateway's response verification (internal/gateway/rv, which follows DFINITY's
// ic-response-verification), a gateway over a backend of the test's choosing (to alter
// answers on the way, as a dishonest boundary node would) and a signer of certificates
// under a test root key. The machinery itself stays internal; these are aliases.
package verify

import (
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

// Response verification (rv).
type (
	Request  = rv.Request
	Response = rv.Response
	Header   = rv.Header
	Params   = rv.Params
	Result   = rv.Result
)

// Verify checks a canister's answer to req as a gateway does.
func Verify(req Request, resp Response, p Params) (Result, error) { return rv.Verify(req, resp, p) }

// The gateway.
type (
	Gateway       = gateway.Gateway
	GatewayConfig = gateway.Config
	Backend       = gateway.Backend
)

// NewGateway is a gateway that reaches canisters through cfg.Backend and verifies their
// answers.
func NewGateway(cfg GatewayConfig) (*Gateway, error) { return gateway.New(cfg) }

// Signer signs certificates under a test root key (rvtest).
type Signer = rvtest.Signer

// NewSigner is a signer with a fresh random key.
func NewSigner() (*Signer, error) { return rvtest.NewSigner() }
