package payments

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// drainQueue plays the canister's confirmation timer: whenever the next confirmation is
// due, it starts up to parallel of them and runs them; the clock advances by step between
// firings. It returns the time the queue took to empty and the number of fetches.
func drainQueue(t *testing.T, s *Service, from time.Time, step time.Duration, parallel int, limit time.Duration) (time.Duration, int) {
	t.Helper()
	now, fetches := from, 0
	for now.Sub(from) <= limit {
		e := Env{Now: now, CyclesBalance: 1 << 50}
		at, ok := s.NextConfirmation(e)
		if !ok {
			return now.Sub(from), fetches
		}
		if !at.After(now) {
			for _, c := range s.StartConfirmations(e, parallel) {
				c.Run(context.Background())
				fetches++
			}
			continue
		}
		now = now.Add(step)
	}
	t.Fatalf("the queue still holds %d sessions after %v", s.Stats().ConfirmQueue, limit)
	return 0, 0
}

// TestBurstDrainsAtBudgetRate: 200 sessions paid at once are all confirmed, at the budget's
// rate (60 per minute by default, of which a quarter stays reserved for known customers'
// polls), whatever Stripe says meanwhile about sessions still open.
func TestBurstDrainsAtBudgetRate(t *testing.T) {
	f := newFakeStripe()
	s := newTestService(t, proxyCfg, f)
	const n = 200
	for i := range n {
		id := "cs_test_burst" + itoa(int64(i))
		f.sessions[id] = sessionObj(id, "complete", "paid", map[string]any{"payment_intent": "pi_burst" + itoa(int64(i))})
		if i%10 == 0 {
			// Stripe has not caught up yet for these: open for their first fetches.
			f.sessions[id] = sessionObj(id, "open", "unpaid", nil)
		}
		deliver(t, s, eventJSON("evt_burst"+itoa(int64(i)), EventSessionCompleted, t0.Unix(), sessionObj(id, "complete", "paid", nil)), env(0))
	}
	if st := s.Stats(); st.ConfirmQueue != n {
		t.Fatalf("queued %d, want %d", st.ConfirmQueue, n)
	}
	// Stripe catches up 30 s later.
	catchUp := func() {
		for i := 0; i < n; i += 10 {
			id := "cs_test_burst" + itoa(int64(i))
			f.sessions[id] = sessionObj(id, "complete", "paid", nil)
		}
	}
	f.during = nil
	took, fetches := 0*time.Second, 0
	{
		now := t0
		for now.Sub(t0) < 30*time.Second {
			e := Env{Now: now, CyclesBalance: 1 << 50}
			if at, ok := s.NextConfirmation(e); ok && !at.After(now) {
				for _, c := range s.StartConfirmations(e, 10) {
					c.Run(context.Background())
					fetches++
				}
				continue
			}
			now = now.Add(time.Second)
		}
		catchUp()
		d, more := drainQueue(t, s, now, time.Second, 10, time.Hour)
		took, fetches = now.Sub(t0)+d, fetches+more
	}
	st := s.Stats()
	if st.ByStatus["completed"] != n || st.ConfirmQueue != 0 {
		t.Fatalf("after draining: %+v", st)
	}
	// 60 per minute of which known sessions keep a quarter: 45 confirmations per minute;
	// 200 fetches plus the refetches of the 20 open ones need a bit more than 4.5 minutes.
	if took < 4*time.Minute || took > 6*time.Minute {
		t.Fatalf("200 confirmations took %v of canister time, want 4-6 min at 45 confirmations per minute", took)
	}
	t.Logf("200 concurrent payments confirmed in %v of canister time with %d fetches (%.2f per payment)", took, fetches, float64(fetches)/n)
}

// TestQueueBackoffAndLease: a claim Stripe keeps open is asked again less and less often, a
// fetch in flight is leased (not picked twice), and the queue survives an upgrade.
func TestQueueBackoffAndLease(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "open", "unpaid", nil)
	st := NewMemStore()
	cfg := Config{APIHost: "api.stripe.com", IdempotentProxy: "proxy.example.com", WebhookSecrets: []string{testSecret}}
	s, _ := New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister})
	deliver(t, s, eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)), env(0))
	var gaps []time.Duration
	last := t0
	now := t0
	f.during = func() {
		// While the fetch is in flight the session is leased: nothing else is due.
		if at, ok := s.NextConfirmation(Env{Now: now, CyclesBalance: 1 << 50}); !ok || !at.After(now.Add(time.Minute)) {
			t.Errorf("in flight, the next confirmation is at %v (ok %v)", at, ok)
		}
	}
	for len(gaps) < 8 {
		e := Env{Now: now, CyclesBalance: 1 << 50}
		at, ok := s.NextConfirmation(e)
		if !ok {
			t.Fatal("the claim left the queue while Stripe says open")
		}
		if at.After(now) {
			now = at
			continue
		}
		cs := s.StartConfirmations(e, 10)
		if len(cs) != 1 {
			t.Fatalf("%d confirmations started", len(cs))
		}
		f.during = nil
		cs[0].Run(context.Background())
		gaps = append(gaps, now.Sub(last))
		last = now
		if len(gaps) == 4 {
			// An upgrade: the heap goes, the queue stays.
			s, _ = New(cfg, Deps{Store: st, Outcaller: f, CanisterID: testCanister})
		}
	}
	want := []time.Duration{0, 5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 320 * time.Second}
	for i := range want {
		if gaps[i] != want[i] {
			t.Fatalf("gaps between fetches %v, want %v", gaps, want)
		}
	}
	// Stripe settles; the next fetch confirms and the session leaves the queue.
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	drainQueue(t, s, now, time.Second, 10, 11*time.Minute)
	if r := mustRecord(t, s, sessA); r.Status != StatusCompleted || !r.ConfirmedByStripe() || r.ConfirmAt != 0 {
		t.Fatalf("after Stripe settled: %+v", r)
	}
}

// TestRefundRacingConfirmation: refunds delivered before the session is confirmed, and
// before it is known at all, end refunded; their event ids are remembered only then.
func TestRefundRacingConfirmation(t *testing.T) {
	for _, order := range []string{"refund after the claim", "refund before the session is known"} {
		t.Run(order, func(t *testing.T) {
			f := newFakeStripe()
			f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
			s := newTestService(t, proxyCfg, f)
			pi := "pi_" + sessA[len(sessA)-6:]
			paid := eventJSON("evt_paid", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
			refund := eventJSON("evt_refund", EventChargeRefunded, t0.Unix()+1, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "refunded": true, "amount_refunded": 2500})
			dispute := eventJSON("evt_dispute", EventDisputeCreated, t0.Unix()+2, map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "status": "needs_response"})
			events := [][]byte{paid, refund, dispute}
			if order != "refund after the claim" {
				events = [][]byte{refund, dispute, paid}
			}
			for i, ev := range events {
				res, err := deliver(t, s, ev, env(time.Duration(i)*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				if ev[8] != paid[8] && res.Outcome != "pending" && strings.Contains(string(ev), "ch_1") {
					t.Fatalf("%s answered %s, want pending", res.EventID, res.Outcome)
				}
			}
			// The retry Stripe would send is not a duplicate: the event is not done yet.
			if q := s.HTTPQuery(HTTPRequest{Method: "POST", URL: "/webhook", Body: refund, Headers: []Header{{"Stripe-Signature", stripeSign(refund, testSecret, t0).Header}}}, env(3*time.Second)); !q.Upgrade {
				t.Fatalf("a retry of the pending refund is answered by the query: %s", q.Body)
			}
			if res, _ := deliver(t, s, refund, env(3*time.Second)); res.Outcome != "pending" || s.Stats().PendingEvents != 2 {
				t.Fatalf("retry = %+v, stats %+v", res, s.Stats())
			}
			drainQueue(t, s, t0.Add(4*time.Second), time.Second, 10, time.Minute)
			r := mustRecord(t, s, sessA)
			if r.Status != StatusRefunded || r.AmountRefunded != 2500 || r.DisputeStatus != "needs_response" || !r.ConfirmedByStripe() {
				t.Fatalf("after confirmation: %+v", r)
			}
			if st := s.Stats(); st.PendingEvents != 0 || st.EventsApplied != 2 || !s.led.seenEvent("evt_refund") {
				t.Fatalf("stats %+v", st)
			}
			if q := s.HTTPQuery(getCheckout(sessA), env(time.Minute)); string(q.Body) != `{"status":"failed","value":"refunded"}` {
				t.Fatalf("page view %s", q.Body)
			}
		})
	}
}

// TestPartialRefundsAndDisputes: amount_refunded accumulates (the largest wins, in any
// order), a full refund refunds, and a closed dispute is never reopened by a late event.
func TestPartialRefundsAndDisputes(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	pi := "pi_" + sessA[len(sessA)-6:]
	charge := func(id string, at int64, amount int64, full bool) []byte {
		return eventJSON(id, EventChargeRefunded, at, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "refunded": full, "amount_refunded": amount})
	}
	disp := func(id, typ string, at int64, status string) []byte {
		return eventJSON(id, typ, at, map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "status": status})
	}
	steps := []struct {
		body     []byte
		outcome  string
		status   Status
		refunded int64
		dispute  string
	}{
		{eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)), "applied", StatusCompleted, 0, ""},
		{charge("evt_r2", t0.Unix()+20, 700, false), "applied", StatusCompleted, 700, ""},
		{charge("evt_r1", t0.Unix()+10, 300, false), "stale", StatusCompleted, 700, ""},
		{disp("evt_d2", EventDisputeClosed, t0.Unix()+40, "lost"), "applied", StatusCompleted, 700, "lost"},
		{disp("evt_d1", EventDisputeCreated, t0.Unix()+30, "needs_response"), "stale", StatusCompleted, 700, "lost"},
		{charge("evt_r3", t0.Unix()+50, 2500, true), "applied", StatusRefunded, 2500, "lost"},
	}
	for i, st := range steps {
		res, err := deliver(t, s, st.body, env(0))
		if err != nil || res.Outcome != st.outcome {
			t.Fatalf("step %d: %+v, %v; want %s", i, res, err, st.outcome)
		}
		r := mustRecord(t, s, sessA)
		if r.Status != st.status || r.AmountRefunded != st.refunded || r.DisputeStatus != st.dispute {
			t.Fatalf("step %d: %+v", i, r)
		}
	}
}

// TestFloodEvictsNothingAcknowledged: 1,000 anonymous polls of random ids with a small
// max_pending neither evict a payment a webhook told about nor take the outcalls its
// customer's poll needs.
func TestFloodEvictsNothingAcknowledged(t *testing.T) {
	f := newFakeStripe()
	s := newTestService(t, Config{IdempotentProxy: "proxy.example.com", Limits: Limits{MaxPending: 150, OutcallBudget: 1000}}, f)
	ctx := context.Background()
	for i := range 50 {
		id := "cs_test_real" + itoa(int64(i))
		f.sessions[id] = sessionObj(id, "complete", "paid", nil)
		deliver(t, s, eventJSON("evt_real"+itoa(int64(i)), EventSessionCompleted, t0.Unix(), sessionObj(id, "complete", "paid", nil)), env(0))
	}
	refused := 0
	for i := range 1000 {
		r := s.HTTPUpdate(ctx, getCheckout("cs_test_random"+itoa(int64(i))), env(time.Duration(i)*10*time.Millisecond))
		if r.Status == 429 {
			refused++
		}
	}
	st := s.Stats()
	if st.ByStatus["needs_confirmation"] != 50 || st.Evicted != 0 || st.NotFoundCached != 150 {
		t.Fatalf("after the flood: %+v", st)
	}
	if refused != 500 {
		t.Fatalf("%d of 1,000 random polls were refused by the budget, want the half beyond the unknown ids' share", refused)
	}
	// The real customer's poll still gets its outcall.
	r := s.HTTPUpdate(ctx, getCheckout("cs_test_real7"), env(10*time.Second+time.Millisecond))
	if r.Status != 200 || !strings.Contains(string(r.Body), `"completed"`) {
		t.Fatalf("the customer's poll = %d %s", r.Status, r.Body)
	}
}

// TestForgedClaimsNeverConfirmed: a signed claim for a session Stripe does not know ends
// not_found without any claimed field, and impossible claimed values are refused.
func TestForgedClaimsNeverConfirmed(t *testing.T) {
	f := newFakeStripe()
	s := newTestService(t, proxyCfg, f)
	ghost := "cs_test_ghost"
	deliver(t, s, eventJSON("evt_ghost", EventSessionCompleted, t0.Unix(), sessionObj(ghost, "complete", "paid", map[string]any{"amount_total": 999999, "payment_intent": "pi_ghost"})), env(0))
	if r := mustRecord(t, s, ghost); r.ConfirmedByStripe() || r.Status != StatusNeedsConfirmation {
		t.Fatalf("the claim shows as %+v", r)
	}
	drainQueue(t, s, t0, time.Second, 10, time.Minute)
	r := mustRecord(t, s, ghost)
	want := Record{SessionID: ghost, Status: StatusNotFound, Reason: reasonNotFound, Confirmed: true}
	if r.Status != want.Status || r.HasAmountTotal || r.AmountTotal != 0 || r.PaymentStatus != "" || r.StripeStatus != "" ||
		r.Currency != "" || r.ClientReferenceID != "" || r.PaymentIntent != "" || r.Created != 0 {
		t.Fatalf("not_found keeps claimed fields: %+v", r)
	}
	if _, ok := s.led.lookup(pfxClaimIntent, "pi_ghost"); ok {
		t.Fatal("the claimed payment intent is still indexed")
	}
	for name, extra := range map[string]map[string]any{
		"negative amount":      {"amount_total": -5},
		"amount beyond Stripe": {"amount_total": int64(1) << 62},
		"currency not ISO":     {"currency": "<script>x</script>"},
		"uppercase currency":   {"currency": "USD"},
		"created in 2100":      {"created": 4_102_444_800},
	} {
		body := eventJSON("evt_bad_"+strings.ReplaceAll(name, " ", "_"), EventSessionCompleted, t0.Unix(), sessionObj("cs_test_bad", "complete", "paid", extra))
		if _, err := deliver(t, s, body, env(0)); !IsWebhookRejection(err) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	if _, ok, _ := s.Payment("cs_test_bad"); ok {
		t.Fatal("a refused claim was stored")
	}
}

// TestInspectHTTPUpdate: what the query would refuse is refused before an update runs.
func TestInspectHTTPUpdate(t *testing.T) {
	s := newTestService(t, Config{Limits: Limits{MaxBodyBytes: 1024}}, nil)
	good := eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
	hook := func(body []byte, sig string) HTTPRequest {
		return HTTPRequest{Method: "POST", URL: "/webhook", Body: body, Headers: []Header{{"Stripe-Signature", sig}}}
	}
	cases := []struct {
		name string
		req  HTTPRequest
		ok   bool
	}{
		{"signed webhook", hook(good, stripeSign(good, testSecret, t0).Header), true},
		{"poll", getCheckout(sessA), true},
		{"bad signature", hook(good, stripeSign(good, "whsec_other", t0).Header), false},
		{"no signature", HTTPRequest{Method: "POST", URL: "/webhook", Body: good}, false},
		{"expired signature", hook(good, stripeSign(good, testSecret, t0.Add(-time.Hour)).Header), false},
		{"malformed envelope", hook([]byte(`{}`), stripeSign([]byte(`{}`), testSecret, t0).Header), false},
		{"unknown route", HTTPRequest{Method: "GET", URL: "/admin"}, false},
		{"wrong method", HTTPRequest{Method: "PUT", URL: "/webhook"}, false},
		{"bad session id", getCheckout("cs_test_$$"), false},
		{"oversize body", hook(make([]byte, 2048), "t=1,v1=00"), false},
	}
	for _, tc := range cases {
		err := s.InspectHTTPUpdate(tc.req, env(0))
		q := s.HTTPQuery(tc.req, env(0))
		if (err == nil) != tc.ok || q.Upgrade != tc.ok {
			t.Errorf("%s: inspect %v, query upgrade %v; want accepted %v", tc.name, err, q.Upgrade, tc.ok)
		}
	}
}

// TestUpgradeFromVersion1Store: a store written by the previous build (record and meta
// version 1, every pending record evictable) opens with its webhook claims in the
// confirmation queue and out of the evictable set, and they get confirmed.
func TestUpgradeFromVersion1Store(t *testing.T) {
	st := NewMemStore()
	v1 := func(r Record) []byte {
		b := r.appendBinary(nil)
		b[0] = recordVersion1
		return b[:len(b)-4] // no dispute and queue fields
	}
	recs := []Record{
		{SessionID: "cs_test_claimed", Status: StatusNeedsConfirmation, LastEventID: "evt_1", PendingSeq: 1, Reason: claimReason(StatusCompleted)},
		{SessionID: "cs_test_polled", Status: StatusChecking, PendingSeq: 2, FirstSeenAt: t0.UnixNano()},
		{SessionID: "cs_test_done", Status: StatusCompleted, Confirmed: true},
	}
	var m meta
	m.seq = 2
	for _, r := range recs {
		st.Set([]byte(pfxRecord+r.SessionID), v1(r))
		st.Set([]byte(pfxStatus+statusKey(r.Status, r.SessionID)), nil)
		m.byStatus[r.Status]++
		if r.PendingSeq != 0 {
			st.Set([]byte(pfxPending+be8(r.PendingSeq)), append(be8bytes(uint64(t0.UnixNano())), r.SessionID...))
		}
	}
	mb := []byte{metaVersion1}
	mb = appendMetaV1(mb, &m)
	st.Set([]byte(keyMeta), mb)

	f := newFakeStripe()
	f.sessions["cs_test_claimed"] = sessionObj("cs_test_claimed", "complete", "paid", nil)
	s, err := New(Config{APIHost: "api.stripe.com", IdempotentProxy: "proxy.example.com", WebhookSecrets: []string{testSecret}}, Deps{Store: st, Outcaller: f, CanisterID: testCanister})
	if err != nil {
		t.Fatal(err)
	}
	if stt := s.Stats(); stt.ConfirmQueue != 1 || s.led.m.evictable != 1 || stt.Payments != 3 {
		t.Fatalf("after opening a version-1 store: %+v, evictable %d", stt, s.led.m.evictable)
	}
	drainQueue(t, s, t0, time.Second, 10, time.Minute)
	if r := mustRecord(t, s, "cs_test_claimed"); r.Status != StatusCompleted || !r.ConfirmedByStripe() {
		t.Fatalf("the version-1 claim = %+v", r)
	}
	if s.led.st.Len() != countKeys(s)+eventKeys(s) {
		t.Fatalf("%d entries, records justify %d", s.led.st.Len(), countKeys(s)+eventKeys(s))
	}
}

func be8bytes(v uint64) []byte { return []byte(be8(v)) }

// appendMetaV1 writes the version-1 meta layout (no version-2 counters).
func appendMetaV1(b []byte, m *meta) []byte {
	b = binary.AppendVarint(b, m.epoch)
	for _, p := range m.fields(metaVersion1) {
		b = binary.AppendUvarint(b, *p)
	}
	return b
}
