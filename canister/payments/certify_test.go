package payments

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// recordingCertifier keeps what a canister would certify: the answer per session.
type recordingCertifier struct {
	answers map[string]HTTPResponse
	calls   int
}

func (c *recordingCertifier) Certify(id string, a HTTPResponse) {
	c.calls++
	c.answers[id] = a
}

func (c *recordingCertifier) Forget(id string) { delete(c.answers, id) }

// TestCertifierSeesEveryServedAnswer: each change that makes a terminal answer (a confirmed
// payment, a refund, a not-found ghost) is certified in the message that stores it, with
// exactly the answer HTTPQuery then serves; non-terminal sessions are not certified; an
// evicted terminal session is forgotten; and an upgraded query certifies an answer stored
// without a certifier.
func TestCertifierSeesEveryServedAnswer(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	cert := &recordingCertifier{answers: map[string]HTTPResponse{}}
	st := NewMemStore()
	cfg := proxyCfg
	cfg.APIHost, cfg.WebhookSecrets = "api.stripe.com", []string{testSecret}
	s, err := New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister, Certifier: cert})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	matches := func(id string, at time.Duration) {
		t.Helper()
		q := s.HTTPQuery(getCheckout(id), env(at))
		if q.Upgrade {
			t.Fatalf("%s: query upgraded, want an answer from state", id)
		}
		if got, ok := cert.answers[id]; !ok || !reflect.DeepEqual(got, q) {
			t.Fatalf("%s: certified %+v (%v), query serves %+v", id, got, ok, q)
		}
	}
	deliver(t, s, eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)), env(0))
	if len(cert.answers) != 0 {
		t.Fatalf("a claim awaiting confirmation was certified: %v", cert.answers)
	}
	if n, err := s.ConfirmPending(ctx, env(time.Second), 10); err != nil || n != 1 {
		t.Fatalf("ConfirmPending = %d, %v", n, err)
	}
	matches(sessA, 2*time.Second)
	r := mustRecord(t, s, sessA)
	deliver(t, s, eventJSON("evt_r", EventChargeRefunded, t0.Unix()+10, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": r.PaymentIntent, "refunded": true, "amount_refunded": 2500}), env(3*time.Second))
	matches(sessA, 4*time.Second)
	if string(cert.answers[sessA].Body) != `{"status":"failed","value":"refunded"}` {
		t.Fatalf("refund certified as %s", cert.answers[sessA].Body)
	}
	// A session Stripe does not know ends as not found: terminal, certified.
	ghost := "cs_test_ghost"
	s.HTTPUpdate(ctx, getCheckout(ghost), env(5*time.Second))
	if rec := mustRecord(t, s, ghost); rec.Status != StatusNotFound {
		t.Fatalf("ghost = %v, want not_found", rec.Status)
	}
	matches(ghost, 6*time.Second)
	// An answer stored before the certifier existed is certified by the update that serves
	// it (the query upgraded because it was not certified yet), once.
	plain, err := New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister})
	if err != nil {
		t.Fatal(err)
	}
	f.sessions["cs_test_c3"] = sessionObj("cs_test_c3", "complete", "paid", nil)
	if resp := plain.HTTPUpdate(ctx, getCheckout("cs_test_c3"), env(7*time.Second)); resp.Status != 200 {
		t.Fatalf("pull = %d %s", resp.Status, resp.Body)
	}
	if _, ok := cert.answers["cs_test_c3"]; ok {
		t.Fatal("certified without a certifier")
	}
	s, err = New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister, Certifier: cert})
	if err != nil {
		t.Fatal(err)
	}
	calls := cert.calls
	s.HTTPUpdate(ctx, getCheckout("cs_test_c3"), env(8*time.Second))
	matches("cs_test_c3", 9*time.Second)
	if cert.calls != calls+1 {
		t.Fatalf("%d Certify calls for one upgraded query, want 1", cert.calls-calls)
	}
}
