package payments

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// scenario plays a mix of polls, webhooks, failures and creations against s.
func scenario(t *testing.T, s *Service, f *fakeStripe) {
	ctx := context.Background()
	f.sessions[sessA] = sessionObj(sessA, "open", "unpaid", nil)
	s.HTTPUpdate(ctx, getCheckout(sessA), env(0))
	deliver(t, s, eventJSON("evt_1", EventSessionCompleted, t0.Unix()+1, sessionObj(sessA, "complete", "paid", nil)), env(time.Second))
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s.ConfirmPending(ctx, env(10*time.Second), 5)
	f.status = 503
	s.HTTPUpdate(ctx, getCheckout(sessB), env(11*time.Second))
	f.status = 0
	s.HTTPUpdate(ctx, getCheckout("cs_live_nothere"), env(12*time.Second))
	f.created = sessionObj("cs_test_made", "open", "unpaid", map[string]any{"url": "https://checkout.stripe.com/c/pay/cs_test_made"})
	s.CreateCheckoutSession(ctx, Caller{Principal: "ctl", IsController: true}, sampleCreate(), env(13*time.Second))
	deliver(t, s, eventJSON("evt_1", EventSessionCompleted, t0.Unix()+1, sessionObj(sessA, "complete", "paid", nil)), env(14*time.Second))
	deliver(t, s, []byte("{broken"), env(15*time.Second))
}

func dump(st *MemStore) []string {
	var out []string
	st.Ascend(nil, func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	})
	return out
}

// TestReplicasComputeIdenticalState: two replicas given the same messages end with
// byte-identical stores and made byte-identical outcalls.
func TestReplicasComputeIdenticalState(t *testing.T) {
	var stores [2]*MemStore
	var fakes [2]*fakeStripe
	for i := range stores {
		stores[i], fakes[i] = NewMemStore(), newFakeStripe()
		s, err := New(Config{APIHost: "api.stripe.com", IdempotentProxy: "proxy.example.com", WebhookSecrets: []string{testSecret}}, Deps{Store: stores[i], Outcaller: fakes[i], CanisterID: testCanister})
		if err != nil {
			t.Fatal(err)
		}
		scenario(t, s, fakes[i])
	}
	a, b := dump(stores[0]), dump(stores[1])
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("replicas diverged")
	}
	if len(a) < 10 {
		t.Fatalf("scenario stored only %d entries", len(a))
	}
	if len(fakes[0].requests) != len(fakes[1].requests) {
		t.Fatal("different outcalls")
	}
	for i := range fakes[0].requests {
		x, y := fakes[0].requests[i], fakes[1].requests[i]
		if x.URL != y.URL || !bytes.Equal(x.Body, y.Body) || header(x.Headers, "idempotency-key") != header(y.Headers, "idempotency-key") {
			t.Fatalf("outcall %d differs", i)
		}
	}
}

// TestUpgradeKeepsState: a new Service over the same store (post_upgrade) sees every
// record and counter and continues the attempt numbering and the idempotency epoch.
func TestUpgradeKeepsState(t *testing.T) {
	st := NewMemStore()
	f := newFakeStripe()
	cfg := Config{APIHost: "api.stripe.com", IdempotentProxy: "proxy.example.com", WebhookSecrets: []string{testSecret}}
	s1, _ := New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister})
	scenario(t, s1, f)
	before := s1.Stats()

	s2, err := New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister})
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Stats(); got.Payments != before.Payments || got.Outcalls != before.Outcalls || got.WebhooksAccepted != before.WebhooksAccepted {
		t.Fatalf("after upgrade %+v, before %+v", got, before)
	}
	n := len(f.requests)
	f.status = 503
	s2.HTTPUpdate(context.Background(), getCheckout(sessB), env(time.Hour))
	k1 := header(f.requests[n-3].Headers, "idempotency-key") // sessB, attempt 0, before the upgrade
	k2 := header(f.requests[n].Headers, "idempotency-key")
	if !strings.HasSuffix(k1, sessB+"/0") || !strings.HasSuffix(k2, sessB+"/1") || k1[:strings.LastIndexByte(k1, '/')] != k2[:strings.LastIndexByte(k2, '/')] {
		t.Fatalf("keys before/after upgrade: %s, %s", k1, k2)
	}
	// A reinstall (empty store) at another time uses another epoch: no key is reused.
	s3, _ := New(cfg, Deps{Store: NewMemStore(), Outcaller: f, CanisterID: testCanister})
	s3.HTTPUpdate(context.Background(), getCheckout(sessB), env(2*time.Hour))
	if k3 := header(f.requests[len(f.requests)-1].Headers, "idempotency-key"); k3 == k1 {
		t.Fatalf("reinstall reused key %s", k3)
	}
	// A corrupt store is reported, not silently reset.
	st.Set([]byte(keyMeta), []byte{9})
	if _, err := New(cfg, Deps{Store: st, CanisterID: testCanister}); !errors.Is(err, ErrCorruptStore) {
		t.Fatalf("corrupt meta: %v", err)
	}
}
