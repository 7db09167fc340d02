package payments

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v79/webhook"
)

const (
	testSecret    = "whsec_test_secret_0123456789abcdefghij"
	testSecretOld = "whsec_old_secret_9876543210zyxwvutsrq"
	testCanister  = "bkyz2-fmaaa-aaaaa-qaaaq-cai"
	sessA         = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdefGHIJKLmnop"
	sessB         = "cs_test_b2"
)

var t0 = time.Unix(1_760_000_000, 0)

// env returns an Env at t0+offset with plenty of cycles.
func env(offset time.Duration) Env {
	return Env{Now: t0.Add(offset), CyclesBalance: 10_000_000_000_000}
}

// stripeSign signs body with stripe-go's own test helper: the reference implementation.
func stripeSign(body []byte, secret string, at time.Time) *webhook.SignedPayload {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
}

// multiHeader builds a header with one v1 entry per secret, each computed by stripe-go, plus
// a v0 entry that must be ignored.
func multiHeader(body []byte, at time.Time, secrets ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t=%d", at.Unix())
	for _, s := range secrets {
		fmt.Fprintf(&b, ",v1=%s", hex.EncodeToString(stripeSign(body, s, at).Signature))
	}
	b.WriteString(",v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39")
	return b.String()
}

// sessionObj is a Checkout Session object as Stripe sends it (trimmed).
func sessionObj(id, status, paymentStatus string, extra map[string]any) map[string]any {
	o := map[string]any{
		"id": id, "object": "checkout.session", "status": status, "payment_status": paymentStatus,
		"amount_total": 2500, "currency": "usd", "client_reference_id": "order-42",
		"created": t0.Unix() - 600, "payment_intent": "pi_" + id[len(id)-6:], "invoice": nil,
		"livemode": false, "mode": "payment", "url": nil,
		"customer_details": map[string]any{"email": "jenny@example.com", "name": "Jenny Rosen"},
		"metadata":         map[string]any{},
	}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

// eventJSON builds an event envelope.
func eventJSON(id, typ string, created int64, obj map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2024-06-20", "created": created,
		"livemode": false, "type": typ, "pending_webhooks": 1,
		"data":    map[string]any{"object": obj},
		"request": map[string]any{"id": nil, "idempotency_key": nil},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// fakeStripe answers outcalls like the proxy in front of Stripe would (after the
// transform), from a table of sessions.
type fakeStripe struct {
	sessions map[string]map[string]any // id -> object; missing -> 404
	status   int                       // forced status (e.g. 503), 0 for normal
	err      error                     // forced transport error
	requests []OutcallRequest
	during   func() // runs inside the outcall, like other messages during an await
	created  map[string]any
}

func newFakeStripe() *fakeStripe {
	return &fakeStripe{sessions: map[string]map[string]any{}}
}

func (f *fakeStripe) Outcall(_ context.Context, req OutcallRequest) (OutcallResponse, error) {
	f.requests = append(f.requests, req)
	if f.during != nil {
		d := f.during
		f.during = nil
		d()
	}
	if f.err != nil {
		return OutcallResponse{}, f.err
	}
	if f.status != 0 {
		return TransformResponse(OutcallResponse{Status: f.status, Body: []byte(`{"error":{"type":"api_error","message":"boom"}}`)}, req.TransformContext), nil
	}
	var raw OutcallResponse
	if req.Method == "POST" {
		b, _ := json.Marshal(f.created)
		raw = OutcallResponse{Status: 200, Body: b, Headers: []Header{{"request-id", "req_1"}, {"date", time.Now().String()}}}
	} else {
		id := req.URL[strings.LastIndexByte(req.URL, '/')+1:]
		obj, ok := f.sessions[id]
		if !ok {
			raw = OutcallResponse{Status: 404, Body: []byte(`{"error":{"code":"resource_missing","message":"No such checkout.session: '` + id + `'","type":"invalid_request_error"}}`)}
		} else {
			b, _ := json.Marshal(obj)
			raw = OutcallResponse{Status: 200, Body: b, Headers: []Header{{"request-id", "req_1"}}}
		}
	}
	return TransformResponse(raw, req.TransformContext), nil
}

func newTestService(t testing.TB, cfg Config, out Outcaller) *Service {
	t.Helper()
	if cfg.APIHost == "" {
		cfg.APIHost = "api.stripe.com"
	}
	if cfg.WebhookSecrets == nil {
		cfg.WebhookSecrets = []string{testSecret}
	}
	s, err := New(cfg, Deps{Store: NewMemStore(), Outcaller: out, CanisterID: testCanister})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func mustRecord(t testing.TB, s *Service, id string) Record {
	t.Helper()
	r, ok, err := s.Payment(id)
	if err != nil || !ok {
		t.Fatalf("Payment(%s) = ok %v, err %v", id, ok, err)
	}
	return r
}

func jsonMarshalString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
