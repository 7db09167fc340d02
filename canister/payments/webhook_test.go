package payments

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// deliver signs body with stripe-go at the canister time and hands it to HandleWebhook.
func deliver(t *testing.T, s *Service, body []byte, e Env) (WebhookResult, error) {
	t.Helper()
	return s.HandleWebhook(body, stripeSign(body, testSecret, e.Now).Header, e)
}

func TestWebhookAppliesEventsWithoutProxy(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	body := eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
	res, err := deliver(t, s, body, env(0))
	if err != nil || res.Outcome != "applied" || res.SessionID != sessA {
		t.Fatalf("deliver = %+v, %v", res, err)
	}
	r := mustRecord(t, s, sessA)
	if r.Status != StatusCompleted || r.AmountTotal != 2500 || r.Currency != "usd" || r.ClientReferenceID != "order-42" || r.Confirmed {
		t.Fatalf("record = %+v", r)
	}
	// The same event again (Stripe retried): acknowledged, nothing changes.
	res, err = deliver(t, s, body, env(time.Minute))
	if err != nil || res.Outcome != "duplicate" {
		t.Fatalf("duplicate = %+v, %v", res, err)
	}
	if r2 := mustRecord(t, s, sessA); r2.UpdatedAt != r.UpdatedAt {
		t.Fatal("duplicate changed the record")
	}
	st := s.Stats()
	if st.WebhooksAccepted != 1 || st.WebhooksDuplicate != 1 || st.ByStatus["completed"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestWebhookRejections(t *testing.T) {
	s := newTestService(t, Config{WebhookSecrets: []string{testSecretOld, testSecret}}, nil)
	good := eventJSON("evt_ok", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
	cases := []struct {
		name   string
		body   []byte
		header string
		want   error
	}{
		{"forged: attacker's secret", good, stripeSign(good, "whsec_attacker_0000000000000000000", t0).Header, ErrSignatureMismatch},
		{"forged: body edited", []byte(strings.Replace(string(good), "2500", "1", 1)), stripeSign(good, testSecret, t0).Header, ErrSignatureMismatch},
		{"replayed: signed 10 min ago", good, stripeSign(good, testSecret, t0.Add(-10*time.Minute)).Header, ErrSignatureTooOld},
		{"future timestamp", good, stripeSign(good, testSecret, t0.Add(10*time.Minute)).Header, ErrSignatureInFuture},
		{"missing header", good, "", ErrNoSignature},
		{"malformed JSON", []byte(`{"id":"evt_x",`), stripeSign([]byte(`{"id":"evt_x",`), testSecret, t0).Header, ErrMalformedEvent},
		{"not an event", []byte(`{"id":"evt_x","object":"charge","type":"x","created":1}`), stripeSign([]byte(`{"id":"evt_x","object":"charge","type":"x","created":1}`), testSecret, t0).Header, ErrMalformedEvent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.HandleWebhook(tc.body, tc.header, env(0))
			if !errors.Is(err, tc.want) || !IsWebhookRejection(err) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, ok, _ := s.Payment(sessA); ok {
		t.Fatal("a rejected webhook created a record")
	}
	if st := s.Stats(); st.WebhooksRejected != uint64(len(cases)) || st.WebhooksAccepted != 0 {
		t.Fatalf("stats = %+v", st)
	}
	// Signed with the old secret of a rotation: accepted.
	if _, err := s.HandleWebhook(good, stripeSign(good, testSecretOld, t0).Header, env(0)); err != nil {
		t.Fatalf("old secret: %v", err)
	}
}

func TestWebhookOutOfOrder(t *testing.T) {
	cases := []struct {
		name   string
		events [][]byte // delivery order
		want   Status
		reason string
	}{
		{
			name: "async success before the older unpaid completion",
			events: [][]byte{
				eventJSON("evt_2", EventSessionAsyncSucceeded, t0.Unix()+100, sessionObj(sessA, "complete", "paid", nil)),
				eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "unpaid", nil)),
			},
			want: StatusCompleted,
		},
		{
			name: "async failure, then the older unpaid completion",
			events: [][]byte{
				eventJSON("evt_2", EventSessionAsyncFailed, t0.Unix()+100, sessionObj(sessA, "complete", "unpaid", nil)),
				eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "unpaid", nil)),
			},
			want: StatusFailed, reason: reasonPaymentFailed,
		},
		{
			name: "unpaid completion leaves checking until the async result",
			events: [][]byte{
				eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "unpaid", nil)),
			},
			want: StatusChecking,
		},
		{
			name: "completed then a stale expiry",
			events: [][]byte{
				eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)),
				eventJSON("evt_0", EventSessionExpired, t0.Unix()-50, sessionObj(sessA, "expired", "unpaid", nil)),
			},
			want: StatusCompleted,
		},
		{
			name: "refund after completion, then the completion redelivered with a new id",
			events: [][]byte{
				eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)),
				eventJSON("evt_r", EventChargeRefunded, t0.Unix()+500, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": "pi_" + sessA[len(sessA)-6:], "refunded": true, "amount_refunded": 2500}),
				eventJSON("evt_1b", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)),
			},
			want: StatusRefunded, reason: reasonRefunded,
		},
		{
			name: "refund arriving before the payment is not applied",
			events: [][]byte{
				eventJSON("evt_r", EventChargeRefunded, t0.Unix()+500, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": "pi_" + sessA[len(sessA)-6:], "refunded": true, "amount_refunded": 2500}),
				eventJSON("evt_0", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "unpaid", nil)),
			},
			want: StatusChecking,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t, Config{}, nil)
			for i, ev := range tc.events {
				if _, err := deliver(t, s, ev, env(time.Duration(i)*time.Second)); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			r := mustRecord(t, s, sessA)
			if r.Status != tc.want || r.Reason != tc.reason {
				t.Fatalf("status %v %q, want %v %q", r.Status, r.Reason, tc.want, tc.reason)
			}
		})
	}
}

func TestWebhookOtherEventTypes(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	pi := "pi_" + sessA[len(sessA)-6:]
	// The session is known (unpaid) and maps its payment intent and invoice.
	steps := []struct {
		body    []byte
		outcome string
		status  Status
	}{
		// About a payment intent no session names (yet): kept until one does.
		{eventJSON("evt_u", EventPaymentIntentSucceeded, t0.Unix(), map[string]any{"id": "pi_unknown", "object": "payment_intent"}), "pending", 0},
		{eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "unpaid", map[string]any{"invoice": "in_1"})), "applied", StatusChecking},
		{eventJSON("evt_f", EventPaymentIntentFailed, t0.Unix()+1, map[string]any{"id": pi, "object": "payment_intent"}), "ignored", StatusChecking},
		{eventJSON("evt_if", EventInvoicePaymentFailed, t0.Unix()+2, map[string]any{"id": "in_1", "object": "invoice"}), "ignored", StatusChecking},
		{eventJSON("evt_ip", EventInvoicePaid, t0.Unix()+3, map[string]any{"id": "in_1", "object": "invoice"}), "applied", StatusCompleted},
		{eventJSON("evt_ps", EventPaymentIntentSucceeded, t0.Unix()+4, map[string]any{"id": pi, "object": "payment_intent"}), "stale", StatusCompleted},
		// A partial refund leaves the payment standing, with the amount refunded.
		{eventJSON("evt_pr", EventChargeRefunded, t0.Unix()+5, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "refunded": false, "amount_refunded": 100}), "applied", StatusCompleted},
		{eventJSON("evt_other", "customer.created", t0.Unix()+6, map[string]any{"id": "cus_1", "object": "customer"}), "ignored", StatusCompleted},
		{[]byte(`{"id":"evt_thin","object":"v2.core.event","type":"v1.checkout.session.completed","created":"2025-01-01T00:00:00Z","related_object":{"id":"` + sessA + `"}}`), "ignored", StatusCompleted},
	}
	for i, st := range steps {
		res, err := deliver(t, s, st.body, env(0))
		if err != nil || res.Outcome != st.outcome {
			t.Fatalf("step %d: %+v, %v; want outcome %s", i, res, err, st.outcome)
		}
		if st.status != 0 {
			if r := mustRecord(t, s, sessA); r.Status != st.status {
				t.Fatalf("step %d: status %v, want %v", i, r.Status, st.status)
			}
		}
	}
	if r := mustRecord(t, s, sessA); r.StripeStatus != "complete" || r.PaymentStatus != "paid" || r.AmountRefunded != 100 {
		t.Fatalf("completed through the invoice but shows %s/%s, %d refunded", r.StripeStatus, r.PaymentStatus, r.AmountRefunded)
	}
	if st := s.Stats(); st.WebhooksIgnored != 4 || st.WebhooksPending != 1 || st.PendingEvents != 1 || st.WebhooksAccepted != uint64(len(steps)) {
		t.Fatalf("stats = %+v", st)
	}
	// A handled type whose object does not decode is refused.
	bad := eventJSON("evt_bad", EventChargeRefunded, t0.Unix(), map[string]any{"id": 5, "object": "charge"})
	if _, err := deliver(t, s, bad, env(0)); !IsWebhookRejection(err) {
		t.Fatalf("bad object: %v", err)
	}
}

func TestWebhookDedupIsBounded(t *testing.T) {
	s := newTestService(t, Config{Limits: Limits{DedupCapacity: 3}}, nil)
	for i := range 5 {
		id := "evt_" + string(rune('a'+i))
		body := eventJSON(id, "customer.created", t0.Unix(), map[string]any{"id": "cus", "object": "customer"})
		if _, err := deliver(t, s, body, env(0)); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Stats().RememberedEvents; got != 3 {
		t.Fatalf("remembered %d event ids, want 3", got)
	}
	if s.led.seenEvent("evt_a") || s.led.seenEvent("evt_b") || !s.led.seenEvent("evt_c") || !s.led.seenEvent("evt_e") {
		t.Fatal("the oldest ids should be forgotten first")
	}
}
