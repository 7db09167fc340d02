package payments_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gocanister/stripe-ic/canister/payments"
)

// Example shows the wiring a canister does: the gateway's query, the upgrade to the update
// call, and the outcall (here answered by a stand-in for the proxy).
func Example() {
	stripe := payments.OutcallerFunc(func(_ context.Context, req payments.OutcallRequest) (payments.OutcallResponse, error) {
		fmt.Println("outcall:", req.Method, req.URL)
		body := `{"id":"cs_test_a1","object":"checkout.session","status":"complete","payment_status":"paid",
			"amount_total":1500,"currency":"eur","client_reference_id":null,"created":1760000000}`
		return payments.TransformResponse(payments.OutcallResponse{Status: 200, Body: []byte(body)}, req.TransformContext), nil
	})
	svc, err := payments.New(payments.Config{
		APIHost:         "api.stripe.com",
		IdempotentProxy: "proxy.example.com",
		WebhookSecrets:  []string{"whsec_example_secret_0123456789"},
	}, payments.Deps{Store: payments.NewMemStore(), Outcaller: stripe, CanisterID: "bkyz2-fmaaa-aaaaa-qaaaq-cai"})
	if err != nil {
		panic(err)
	}
	env := payments.Env{Now: time.Unix(1_760_000_100, 0), CyclesBalance: 5_000_000_000_000}
	req := payments.HTTPRequest{Method: "GET", URL: "/checkout/cs_test_a1"}

	q := svc.HTTPQuery(req, env)
	fmt.Println("query upgrade:", q.Upgrade)
	u := svc.HTTPUpdate(context.Background(), req, env)
	fmt.Println("update:", u.Status, string(u.Body))
	q = svc.HTTPQuery(req, env)
	fmt.Println("query:", q.Status, q.Upgrade)
	// Output:
	// query upgrade: true
	// outcall: GET https://proxy.example.com/v1/checkout/sessions/cs_test_a1
	// update: 200 {"status":"completed","value":{"id":"cs_test_a1","status":"complete","payment_status":"paid","amount_total":1500,"currency":"eur","client_reference_id":null,"created":1760000000}}
	// query: 200 false
}
