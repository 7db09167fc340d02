package httpapi_test

import (
	"context"
	"log"
	"net/http"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
	"github.com/gocanister/stripe-ic/canister/replica/internal/httpapi"
)

// engineBackend stands for the replica's adapter over its execution engine.
type engineBackend struct{}

func (engineBackend) Call(ctx context.Context, m httpapi.Message) (httpapi.Result, error) {
	// Refuse before execution with a *protocol.Reject error; report canister rejects and
	// traps in Result.Reject.
	return httpapi.Result{Reply: []byte("DIDL\x00\x00")}, nil
}

func (engineBackend) Query(ctx context.Context, m httpapi.Message) (httpapi.Result, error) {
	return httpapi.Result{Reject: &protocol.Reject{Code: protocol.DestinationInvalid, ErrorCode: "IC0301", Message: "no canisters"}}, nil
}

func (engineBackend) Canister(ctx context.Context, id principal.Principal) (httpapi.CanisterInfo, bool, error) {
	return httpapi.CanisterInfo{}, false, nil
}

// Wiring the HTTP interface to a backend; keys derived from fixed seeds keep the root key
// stable across restarts.
func ExampleNew() {
	subnetKey, err := certify.NewSubnetKey([]byte("local replica"))
	if err != nil {
		log.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{
		Backend:   engineBackend{},
		SubnetKey: subnetKey,
		NodeKey:   certify.NewNodeKey([]byte("local replica node")),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	srv := &http.Server{Addr: "127.0.0.1:4943", Handler: mux}
	_ = srv // srv.ListenAndServe() serves agents at http://127.0.0.1:4943
}
