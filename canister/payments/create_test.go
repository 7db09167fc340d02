package payments

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/form"
)

func sampleCreate() CreateSessionRequest {
	return CreateSessionRequest{
		LineItems: []LineItem{
			{Price: "price_123", Quantity: 2},
			{PriceData: &PriceData{Currency: "eur", UnitAmount: 1999, ProductName: "Tea & cake"}, Quantity: 1},
		},
		SuccessURL:        "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:         "https://shop.example/cancel",
		ClientReferenceID: "order-7",
		Metadata:          map[string]string{"z": "last", "a": "first"},
	}
}

// TestCreateFormMatchesStripeGo: our form body decodes to the same parameters stripe-go's own
// encoder produces for the equivalent CheckoutSessionParams.
func TestCreateFormMatchesStripeGo(t *testing.T) {
	req := sampleCreate()
	params := &stripe.CheckoutSessionParams{
		Mode: stripe.String("payment"),
		LineItems: []*stripe.CheckoutSessionLineItemParams{
			{Price: stripe.String("price_123"), Quantity: stripe.Int64(2)},
			{PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{Currency: stripe.String("eur"), UnitAmount: stripe.Int64(1999),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String("Tea & cake")}}, Quantity: stripe.Int64(1)},
		},
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		ClientReferenceID: stripe.String("order-7"),
	}
	params.AddMetadata("z", "last")
	params.AddMetadata("a", "first")
	theirs := &form.Values{}
	form.AppendTo(theirs, params)
	want, _ := url.ParseQuery(theirs.Encode())
	got, err := url.ParseQuery(req.Form())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d params, stripe-go %d:\n%v\n%v", len(got), len(want), got, want)
	}
	for k, v := range want {
		if got.Get(k) != v[0] {
			t.Errorf("%s = %q, stripe-go %q", k, got.Get(k), v[0])
		}
	}
	if req.Form() != req.Form() {
		t.Fatal("form is not deterministic")
	}
}

func TestCreateCheckoutSession(t *testing.T) {
	f := newFakeStripe()
	checkoutURL := "https://checkout.stripe.com/c/pay/cs_test_new123#fidkdWxOYHwnPyd1blpxYHZxWjA0"
	f.created = sessionObj("cs_test_new123", "open", "unpaid", map[string]any{"url": checkoutURL})
	s := newTestService(t, Config{IdempotentProxy: "proxy.example.com", AllowedPrincipals: []string{"aaaaa-aa"}}, f)
	ctx := context.Background()

	if _, err := s.CreateCheckoutSession(ctx, Caller{Principal: "someone-else"}, sampleCreate(), env(0)); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("stranger: %v", err)
	}
	if _, err := s.CreateCheckoutSession(ctx, Caller{Principal: anonymousPrincipal, IsController: true}, sampleCreate(), env(0)); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("anonymous: %v", err)
	}
	bad := sampleCreate()
	bad.LineItems[0].Quantity = 0
	if _, err := s.CreateCheckoutSession(ctx, Caller{IsController: true, Principal: "ctl"}, bad, env(0)); err == nil || !strings.Contains(err.Error(), "quantity") {
		t.Fatalf("invalid request: %v", err)
	}
	if len(f.requests) != 0 {
		t.Fatal("a refused request made an outcall")
	}

	got, err := s.CreateCheckoutSession(ctx, Caller{Principal: "aaaaa-aa"}, sampleCreate(), env(0))
	if err != nil || got.ID != "cs_test_new123" || got.URL != checkoutURL {
		t.Fatalf("create = %+v, %v", got, err)
	}
	req := f.requests[0]
	if req.Method != "POST" || req.URL != "https://proxy.example.com/v1/checkout/sessions" ||
		header(req.Headers, "content-type") != "application/x-www-form-urlencoded" || string(req.Body) != sampleCreate().Form() {
		t.Fatalf("request = %+v", req)
	}
	key := header(req.Headers, "idempotency-key")
	if !strings.HasPrefix(key, testCanister+"/create/") || len(key) > maxIdempotencyKey {
		t.Fatalf("key %q", key)
	}
	if r := mustRecord(t, s, "cs_test_new123"); r.Status != StatusChecking || r.ClientReferenceID != "order-42" {
		t.Fatalf("stored %+v", r)
	}
	// Same request again: same key (Stripe answers with the same session). Other
	// RequestID or another caller: another key.
	s.CreateCheckoutSession(ctx, Caller{Principal: "aaaaa-aa"}, sampleCreate(), env(0))
	other := sampleCreate()
	other.RequestID = "second cart"
	s.CreateCheckoutSession(ctx, Caller{Principal: "aaaaa-aa"}, other, env(0))
	s.CreateCheckoutSession(ctx, Caller{Principal: "ctl", IsController: true}, sampleCreate(), env(0))
	keys := []string{}
	for _, r := range f.requests {
		keys = append(keys, header(r.Headers, "idempotency-key"))
	}
	if keys[0] != keys[1] || keys[0] == keys[2] || keys[0] == keys[3] || keys[2] == keys[3] {
		t.Fatalf("keys %q", keys)
	}
	// Stripe refuses: the error carries Stripe's message.
	f.created = nil
	f.status = 400
	if _, err := s.CreateCheckoutSession(ctx, Caller{IsController: true, Principal: "ctl"}, other, env(0)); err == nil || !strings.Contains(err.Error(), "status 400") {
		t.Fatalf("stripe 400: %v", err)
	}
}

func TestParseCreateResponse(t *testing.T) {
	cases := []struct {
		name string
		resp OutcallResponse
		ok   bool
	}{
		{"ok", OutcallResponse{Status: 200, Body: []byte(`{"id":"cs_test_1","object":"checkout.session","url":"https://checkout.stripe.com/x"}`)}, true},
		{"no url", OutcallResponse{Status: 200, Body: []byte(`{"id":"cs_test_1","object":"checkout.session","url":null}`)}, false},
		{"bad id", OutcallResponse{Status: 200, Body: []byte(`{"id":"pi_1","url":"https://x"}`)}, false},
		{"wrong object", OutcallResponse{Status: 200, Body: []byte(`{"id":"cs_test_1","object":"payment_link","url":"https://x"}`)}, false},
		{"not json", OutcallResponse{Status: 200, Body: []byte(`<html>`)}, false},
		{"error", OutcallResponse{Status: 402, Body: []byte(`{"error":{"type":"card_error","message":"no"}}`)}, false},
	}
	for _, tc := range cases {
		_, err := parseCreateResponse(tc.resp)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}
