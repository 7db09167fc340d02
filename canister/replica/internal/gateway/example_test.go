package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway"
)

// exampleBackend stands in for the replica: its one canister answers every
// http_request query with "upgrade" and serves the update.
type exampleBackend struct{ canister principal.Principal }

type header struct {
	Name  string `ic:"0,tuple"`
	Value string `ic:"1,tuple"`
}

type response struct {
	StatusCode uint16   `ic:"status_code"`
	Headers    []header `ic:"headers"`
	Body       []byte   `ic:"body"`
	Upgrade    *bool    `ic:"upgrade,omitempty"`
}

func (b exampleBackend) Query(_ context.Context, id principal.Principal, method string, _ []byte) ([]byte, error) {
	if !id.Equal(b.canister) {
		return nil, &protocol.Reject{Code: protocol.DestinationInvalid, Message: "Canister " + id.String() + " not found"}
	}
	upgrade := true
	return candid.Marshal([]any{response{StatusCode: 200, Upgrade: &upgrade}})
}

func (b exampleBackend) Update(_ context.Context, _ principal.Principal, method string, _ []byte) ([]byte, error) {
	return candid.Marshal([]any{response{
		StatusCode: 200,
		Headers:    []header{{"content-type", "text/plain"}},
		Body:       []byte("hello from " + method),
	}})
}

func (exampleBackend) RootKey() []byte { return nil } // updates need no verification

func Example() {
	id := principal.MustDecode("bkyz2-fmaaa-aaaaa-qaaaq-cai")
	g, err := gateway.New(gateway.Config{Backend: exampleBackend{id}})
	if err != nil {
		panic(err)
	}
	// The replica serves the gateway next to its /api/ routes, e.g.
	//	mux.Handle("/api/", httpInterface); mux.Handle("/", g)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://"+id.String()+".localhost:4943/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	// Output: 200 text/plain hello from http_request_update
}
