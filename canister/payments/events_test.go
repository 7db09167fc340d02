package payments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// logKeys is the number of store entries the event log justifies: its retained entries and
// its meta key once anything was logged.
func logKeys(s *Service) int {
	g := s.led.logState()
	if _, ok := s.led.st.Get([]byte(keyLogMeta)); !ok {
		return 0
	}
	return int(g.m.count) + 1
}

// realisticEntry is a log entry with Stripe's real id lengths (66-byte session ids, 28-byte
// event ids).
var realisticEntry = LogEntry{Seq: 123_456, Kind: KindCompleted, SessionID: sessA, OldStatus: StatusNeedsConfirmation,
	NewStatus: StatusCompleted, Amount: 2500, HasAmount: true, Currency: "usd",
	Time: t0.UnixNano(), StripeEventID: "evt_1PqRsTuVwXyZ0123456789ab"}

func TestLogEntryEncoding(t *testing.T) {
	for _, e := range []LogEntry{
		realisticEntry,
		{Seq: 1, Kind: KindCreated, SessionID: "cs_test_1", NewStatus: StatusChecking, Time: 1},
		{Seq: 2, Kind: KindRefunded, SessionID: sessB, OldStatus: StatusCompleted, NewStatus: StatusRefunded, Amount: -7, HasAmount: true, Time: -1},
		{Seq: 3, Kind: KindDisputed, SessionID: sessB, OldStatus: StatusRefunded, NewStatus: StatusRefunded, Currency: "jpy", Dispute: "won"},
		{Seq: 4, Kind: KindPartiallyRefunded, SessionID: sessB, OldStatus: StatusCompleted, NewStatus: StatusCompleted, AmountRefunded: 1},
	} {
		b, _ := e.MarshalBinary()
		got := LogEntry{Seq: e.Seq}
		if err := got.UnmarshalBinary(b); err != nil || got != e {
			t.Fatalf("round trip of %+v = %+v, %v", e, got, err)
		}
		again, _ := got.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("encoding is not deterministic")
		}
	}
	good, _ := realisticEntry.MarshalBinary()
	t.Logf("log entry size: %d bytes value + %d bytes key (66-byte session id, 28-byte event id)", len(good), len(pfxLog)+8)
	if len(good) > 128 {
		t.Fatalf("a realistic entry takes %d bytes, want <= 128", len(good))
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for name, b := range map[string][]byte{
		"empty":       nil,
		"version":     mutate(func(b []byte) []byte { b[0] = 9; return b }),
		"kind 0":      mutate(func(b []byte) []byte { b[1] = 0; return b }),
		"kind 8":      mutate(func(b []byte) []byte { b[1] = 8; return b }),
		"old status":  mutate(func(b []byte) []byte { b[2] = 9; return b }),
		"new status":  mutate(func(b []byte) []byte { b[3] = 0; return b }),
		"flags":       mutate(func(b []byte) []byte { b[4] = 2; return b }),
		"truncated":   good[:len(good)-1],
		"trailing":    append(bytes.Clone(good), 0),
		"non-minimal": mutate(func(b []byte) []byte { return append(b[:5], 0x80|b[5], 0x00) }),
	} {
		var e LogEntry
		if err := e.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// logged returns every retained entry.
func logged(t *testing.T, s *Service) []LogEntry {
	t.Helper()
	var out []LogEntry
	if err := s.led.ascendLog(0, func(e LogEntry) bool { out = append(out, e); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

// brief is the comparable part of an entry.
type brief struct {
	Kind     EventKind
	Session  string
	Old, New Status
	Cause    string
	Refunded int64
	Dispute  string
}

func briefs(es []LogEntry) []brief {
	out := make([]brief, len(es))
	for i, e := range es {
		out[i] = brief{e.Kind, e.SessionID, e.OldStatus, e.NewStatus, e.StripeEventID, e.AmountRefunded, e.Dispute}
	}
	return out
}

func hook(t *testing.T, s *Service, id, typ string, obj map[string]any, at time.Duration) WebhookResult {
	t.Helper()
	body := eventJSON(id, typ, t0.Add(at).Unix(), obj)
	res, err := s.HandleWebhook(body, SignatureHeaderFor(body, t0.Add(at), testSecret), env(at))
	if err != nil {
		t.Fatalf("%s %s: %v", typ, id, err)
	}
	return res
}

// wantLog checks the retained log against want, entry by entry.
func wantLog(t *testing.T, s *Service, want []brief) []LogEntry {
	t.Helper()
	es := logged(t, s)
	if got := briefs(es); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("log\n got %v\nwant %v", got, want)
	}
	return es
}

func TestEventLogRecordsEveryChange(t *testing.T) {
	paid := sessionObj(sessA, "complete", "paid", nil)
	pi := paid["payment_intent"]
	charge := func(amount int, full bool) map[string]any {
		return map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "refunded": full, "amount_refunded": amount}
	}
	dispute := func(status string) map[string]any {
		return map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "amount": 2500, "status": status}
	}

	t.Run("webhooks trusted", func(t *testing.T) {
		s := newTestService(t, Config{}, nil)
		hook(t, s, "evt_open", EventSessionCompleted, sessionObj(sessB, "complete", "unpaid", nil), 0) // unpaid: created, checking
		hook(t, s, "evt_paid", EventSessionCompleted, paid, time.Second)
		hook(t, s, "evt_paid", EventSessionCompleted, paid, 2*time.Second) // duplicate: nothing
		hook(t, s, "evt_stale", EventSessionExpired, sessionObj(sessA, "expired", "unpaid", nil), 3*time.Second)
		unknown := map[string]any{"id": "dp_0", "object": "dispute", "payment_intent": "pi_unknown", "status": "needs_response"}
		if res := hook(t, s, "evt_disp0", EventDisputeCreated, unknown, 4*time.Second); res.Outcome != "pending" {
			t.Fatalf("dispute of an unknown payment: %+v", res) // kept for its session: nothing logged yet
		}
		hook(t, s, "evt_part", EventChargeRefunded, charge(1000, false), 5*time.Second)
		if res := hook(t, s, "evt_part_old", EventChargeRefunded, charge(400, false), 5*time.Second); res.Outcome != "stale" {
			t.Fatalf("an older partial refund: %+v", res)
		}
		hook(t, s, "evt_refund", EventChargeRefunded, charge(2500, true), 6*time.Second)
		if res := hook(t, s, "evt_disp", EventDisputeCreated, dispute("needs_response"), 7*time.Second); res.Outcome != "applied" || res.SessionID != sessA {
			t.Fatalf("dispute: %+v", res)
		}
		if res := hook(t, s, "evt_disp_again", EventDisputeUpdated, dispute("needs_response"), 8*time.Second); res.Outcome != "stale" {
			t.Fatalf("an update that changes nothing: %+v", res)
		}
		hook(t, s, "evt_won", EventDisputeClosed, dispute("won"), 9*time.Second)
		es := wantLog(t, s, []brief{
			{KindCreated, sessB, 0, StatusChecking, "evt_open", 0, ""},
			{KindCompleted, sessA, 0, StatusCompleted, "evt_paid", 0, ""},
			{KindPartiallyRefunded, sessA, StatusCompleted, StatusCompleted, "evt_part", 1000, ""},
			{KindRefunded, sessA, StatusCompleted, StatusRefunded, "evt_refund", 2500, ""},
			{KindDisputed, sessA, StatusRefunded, StatusRefunded, "evt_disp", 2500, "needs_response"},
			{KindDisputed, sessA, StatusRefunded, StatusRefunded, "evt_won", 2500, "won"},
		})
		for i, e := range es {
			if e.Seq != uint64(i+1) || e.Amount != 2500 || !e.HasAmount || e.Currency != "usd" {
				t.Fatalf("entry %d: %+v", i, e)
			}
		}
		if es[1].Time != t0.Add(time.Second).UnixNano() || es[4].Time != t0.Add(7*time.Second).UnixNano() {
			t.Fatalf("times %d, %d", es[1].Time, es[4].Time)
		}
		st := s.EventStats()
		if st.Entries != 6 || st.LastSeq != 6 || st.FirstSeq != 1 || st.ByKind["payment.disputed"] != 2 ||
			st.ByKind["payment.partially_refunded"] != 1 || st.Bytes == 0 {
			t.Fatalf("stats %+v", st)
		}
	})

	t.Run("confirmed by a fetch", func(t *testing.T) {
		f := newFakeStripe()
		s := newTestService(t, proxyCfg, f)
		hook(t, s, "evt_paid", EventSessionCompleted, paid, 0)
		f.sessions[sessA] = paid
		if _, err := s.Refresh(context.Background(), sessA, env(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		wantLog(t, s, []brief{
			{KindCreated, sessA, 0, StatusNeedsConfirmation, "evt_paid", 0, ""},
			{KindCompleted, sessA, StatusNeedsConfirmation, StatusCompleted, "", 0, ""},
		})
	})
}

// TestEventLogOfEarlyEvents: refunds and disputes that arrive before their payment is
// confirmed wait as parked events (facts.go); when the confirmation queue settles the
// payment, each is applied in a write of its own, so the log shows the completion (a
// fetch: no Stripe event) and then each refund and dispute under its own Stripe event,
// whatever order they were delivered in.
func TestEventLogOfEarlyEvents(t *testing.T) {
	pi := "pi_" + sessA[len(sessA)-6:]
	paid := eventJSON("evt_paid", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
	partial := eventJSON("evt_part", EventChargeRefunded, t0.Unix()+1, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "refunded": false, "amount_refunded": 1000})
	refund := eventJSON("evt_refund", EventChargeRefunded, t0.Unix()+2, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "refunded": true, "amount_refunded": 2500})
	dispute := eventJSON("evt_dispute", EventDisputeCreated, t0.Unix()+3, map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": pi, "status": "needs_response"})
	for _, tc := range []struct {
		name   string
		events [][]byte
		want   []brief
	}{{
		name:   "refund before the session is known",
		events: [][]byte{refund, paid},
		want: []brief{
			{KindCreated, sessA, 0, StatusNeedsConfirmation, "evt_paid", 0, ""},
			{KindCompleted, sessA, StatusNeedsConfirmation, StatusCompleted, "", 0, ""},
			{KindRefunded, sessA, StatusCompleted, StatusRefunded, "evt_refund", 2500, ""},
		},
	}, {
		name:   "refund after the claim, before its confirmation",
		events: [][]byte{paid, refund},
		want: []brief{
			{KindCreated, sessA, 0, StatusNeedsConfirmation, "evt_paid", 0, ""},
			{KindCompleted, sessA, StatusNeedsConfirmation, StatusCompleted, "", 0, ""},
			{KindRefunded, sessA, StatusCompleted, StatusRefunded, "evt_refund", 2500, ""},
		},
	}, {
		name:   "partial refund, dispute and refund, in any order",
		events: [][]byte{dispute, refund, paid, partial},
		want: []brief{
			{KindCreated, sessA, 0, StatusNeedsConfirmation, "evt_paid", 0, ""},
			{KindCompleted, sessA, StatusNeedsConfirmation, StatusCompleted, "", 0, ""},
			// Parked events apply oldest first (by their place in the store: a hash of
			// the event id), each under its own id; the larger refund wins.
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStripe()
			f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
			s := newTestService(t, proxyCfg, f)
			for i, ev := range tc.events {
				res, err := deliver(t, s, ev, env(time.Duration(i)*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				if ev[8] != paid[8] && res.Outcome != "pending" {
					t.Fatalf("%s answered %s, want pending", res.EventID, res.Outcome)
				}
			}
			if n := len(logged(t, s)); n != 1 {
				t.Fatalf("%d entries before the confirmation, want 1 (the claim)", n)
			}
			drainQueue(t, s, t0.Add(10*time.Second), time.Second, 10, time.Minute)
			if tc.want[len(tc.want)-1].Kind == KindCompleted {
				checkEarlyMix(t, s, tc.want)
				return
			}
			es := wantLog(t, s, tc.want)
			if es[len(es)-1].Time != es[1].Time {
				t.Fatalf("the refund is logged at %d, the confirmation at %d: want the same message", es[len(es)-1].Time, es[1].Time)
			}
		})
	}
}

// checkEarlyMix checks the log after a partial refund, a full refund and a dispute were
// applied at once: the first entries are want; then each applied event that changed the
// payment has one entry under its own id, and the payment ends refunded and disputed.
func checkEarlyMix(t *testing.T, s *Service, want []brief) {
	t.Helper()
	es := logged(t, s)
	if len(es) < len(want) {
		t.Fatalf("log %v", briefs(es))
	}
	if got := briefs(es[:len(want)]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("log\n got %v\nwant %v", got, want)
	}
	byCause := map[string]LogEntry{}
	for _, e := range es[len(want):] {
		if _, dup := byCause[e.StripeEventID]; dup || e.StripeEventID == "" {
			t.Fatalf("entry %+v: each applied event logs once, under its id", e)
		}
		byCause[e.StripeEventID] = e
	}
	if e, ok := byCause["evt_refund"]; !ok || e.Kind != KindRefunded || e.NewStatus != StatusRefunded || e.AmountRefunded != 2500 {
		t.Fatalf("refund entry %+v in %v", e, briefs(es))
	}
	if e, ok := byCause["evt_dispute"]; !ok || e.Kind != KindDisputed || e.Dispute != "needs_response" || e.OldStatus != e.NewStatus {
		t.Fatalf("dispute entry %+v in %v", e, briefs(es))
	}
	if e, ok := byCause["evt_part"]; ok && (e.Kind != KindPartiallyRefunded || e.AmountRefunded != 1000 || e.Seq > byCause["evt_refund"].Seq) {
		// The partial refund changes the payment only when it applies before the full one.
		t.Fatalf("partial refund entry %+v in %v", e, briefs(es))
	}
	r := mustRecord(t, s, sessA)
	last := es[len(es)-1]
	if r.Status != StatusRefunded || r.AmountRefunded != 2500 || r.DisputeStatus != "needs_response" ||
		last.NewStatus != r.Status || last.AmountRefunded != r.AmountRefunded || last.Dispute != r.DisputeStatus {
		t.Fatalf("record %+v, last entry %+v", r, last)
	}
	if st := s.Stats(); st.PendingEvents != 0 || st.EventsApplied != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// put changes (or creates) a record's status directly through the ledger.
func put(t testing.TB, s *Service, id string, st Status, at time.Duration) {
	t.Helper()
	old, ok, err := s.led.get(id)
	if err != nil {
		t.Fatal(err)
	}
	r := old
	if !ok {
		r = Record{SessionID: id, Currency: "usd", AmountTotal: 100, HasAmountTotal: true}
	}
	r.Status = st
	s.led.put(ptrIf(ok, &old), r, t0.Add(at).UnixNano())
}

func TestListEvents(t *testing.T) {
	s := newTestService(t, Config{AllowedPrincipals: []string{"aaaaa-aa"}, Limits: Limits{MaxPageSize: 40}}, nil)
	for i := range 250 {
		put(t, s, fmt.Sprintf("cs_test_%04d", i), StatusCompleted, time.Duration(i)*time.Second)
	}
	for _, c := range []Caller{{Principal: anonymousPrincipal}, {Principal: "2ibo7-dia"}} {
		if _, err := s.ListEvents(c, EventsRequest{}); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%v listed the log: %v", c, err)
		}
	}
	for _, tc := range []struct {
		caller Caller
		limit  int
		pages  int
	}{{Caller{Principal: "aaaaa-aa"}, 0, 7}, {Caller{IsController: true}, 100, 7}, {Caller{IsController: true}, 25, 10}} {
		var after uint64
		var seqs []uint64
		pages := 0
		for {
			page, err := s.ListEvents(tc.caller, EventsRequest{After: after, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if page.First != 1 || page.Last != 250 || len(page.Events) > 40 {
				t.Fatalf("page %+v", page)
			}
			for _, e := range page.Events {
				seqs = append(seqs, e.Seq)
			}
			if page.Next == 0 {
				break
			}
			after = page.Next
		}
		if len(seqs) != 250 || pages != tc.pages {
			t.Fatalf("limit %d: %d entries in %d pages", tc.limit, len(seqs), pages)
		}
		for i, q := range seqs {
			if q != uint64(i+1) {
				t.Fatalf("entry %d has seq %d", i, q)
			}
		}
	}
}

func TestLogRetention(t *testing.T) {
	st := NewMemStore()
	open := func() *Service {
		s, err := New(Config{APIHost: "api.stripe.com", Events: EventConfig{LogRetention: 10}}, Deps{Store: st, CanisterID: testCanister})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	for i := range 30 {
		put(t, s, fmt.Sprintf("cs_test_%04d", i), StatusChecking, 0)
		if got := s.EventStats(); got.Entries != uint64(min(i+1, 10)) || got.LastSeq != uint64(i+1) || got.FirstSeq != got.LastSeq-got.Entries+1 {
			t.Fatalf("after %d appends: %+v", i+1, got)
		}
	}
	// A destination that has not passed entry 35 holds everything after 34.
	d, err := s.AddDestination(Caller{IsController: true}, DestinationSpec{Canister: "2ibo7-dia"}, env(0))
	if err != nil || d.Cursor != 30 {
		t.Fatalf("add: %+v, %v", d, err)
	}
	for i := range 20 {
		put(t, s, fmt.Sprintf("cs_test_b%04d", i), StatusChecking, 0)
	}
	got := s.EventStats()
	if got.FirstSeq != 31 || got.Entries != 20 || got.Pruned != 30 {
		t.Fatalf("with a destination at 30: %+v", got)
	}
	if countKeys(s)+1 != st.Len() { // +1: the destination
		t.Fatalf("store has %d entries, log and records justify %d", st.Len(), countKeys(s)+1)
	}
	// Reopened (an upgrade), the log goes on where it was.
	s = open()
	put(t, s, "cs_test_after", StatusChecking, 0)
	if es := logged(t, s); es[len(es)-1].Seq != 51 || es[0].Seq != 31 {
		t.Fatalf("after reopening: entries %d..%d", es[0].Seq, es[len(es)-1].Seq)
	}
	if s.EventStats().Pruned != 30 || s.EventStats().Entries != 21 {
		t.Fatalf("stats after reopening: %+v", s.EventStats())
	}
}
