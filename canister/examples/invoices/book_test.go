package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/payments/eventsapi"
)

func newBook(t *testing.T) (*Book, *stablestore.Store) {
	t.Helper()
	st, err := stablestore.Open(stablestore.NewBuffer(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenBook(st)
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

func ev(seq uint64, kind, session string) eventsapi.Event {
	amount := int64(2500)
	return eventsapi.Event{Seq: seq, Kind: kind, SessionID: session, NewStatus: "completed", Amount: &amount, Currency: "usd", Time: 1000 * seq}
}

func refundEv(seq uint64, session string, amount int64) eventsapi.Event {
	e := ev(seq, "payment.partially_refunded", session)
	e.AmountRefunded = amount
	return e
}

func disputeEv(seq uint64, session, status string) eventsapi.Event {
	e := ev(seq, "payment.disputed", session)
	e.Dispute = &status
	return e
}

func TestBookApply(t *testing.T) {
	type want struct {
		status             string
		refunded, disputed bool
		number             uint64
	}
	for _, tc := range []struct {
		name   string
		events []eventsapi.Event
		want   map[string]want // session -> invoice; absent: no invoice
		stats  Stats
	}{
		{
			name:   "one invoice per completed payment",
			events: []eventsapi.Event{ev(1, "payment.created", "cs_a"), ev(2, "payment.completed", "cs_a"), ev(3, "payment.completed", "cs_b")},
			want:   map[string]want{"cs_a": {"paid", false, false, 1}, "cs_b": {"paid", false, false, 2}},
			stats:  Stats{Invoices: 2, Paid: 2, Events: 3, Ignored: 1, LastSeq: 3},
		},
		{
			name:   "redelivered batches change nothing",
			events: []eventsapi.Event{ev(1, "payment.completed", "cs_a"), ev(1, "payment.completed", "cs_a"), ev(2, "payment.refunded", "cs_a"), ev(1, "payment.completed", "cs_a"), ev(2, "payment.refunded", "cs_a")},
			want:   map[string]want{"cs_a": {"refunded", true, false, 1}},
			stats:  Stats{Invoices: 1, Refunded: 1, Events: 5, Duplicates: 3, LastSeq: 2},
		},
		{
			name:   "refunded then disputed",
			events: []eventsapi.Event{ev(4, "payment.completed", "cs_a"), ev(9, "payment.refunded", "cs_a"), ev(12, "payment.disputed", "cs_a")},
			want:   map[string]want{"cs_a": {"disputed", true, true, 1}},
			stats:  Stats{Invoices: 1, Disputed: 1, Events: 3, LastSeq: 12},
		},
		{
			name: "partial refunds keep it paid; a dispute won gives the status back",
			events: []eventsapi.Event{ev(1, "payment.completed", "cs_a"), refundEv(2, "cs_a", 700), disputeEv(3, "cs_a", "needs_response"),
				disputeEv(4, "cs_a", "won"), refundEv(5, "cs_b", 300)},
			want:  map[string]want{"cs_a": {"paid", false, true, 1}, "cs_b": {"paid", false, false, 2}},
			stats: Stats{Invoices: 2, Paid: 2, Events: 5, LastSeq: 5},
		},
		{
			name:   "a dispute lost stays disputed",
			events: []eventsapi.Event{ev(1, "payment.completed", "cs_a"), disputeEv(2, "cs_a", "needs_response"), disputeEv(3, "cs_a", "lost")},
			want:   map[string]want{"cs_a": {"disputed", false, true, 1}},
			stats:  Stats{Invoices: 1, Disputed: 1, Events: 3, LastSeq: 3},
		},
		{
			name:   "failed payments get no invoice; a reversed completion is void",
			events: []eventsapi.Event{ev(1, "payment.failed", "cs_a"), ev(2, "payment.completed", "cs_b"), ev(3, "payment.failed", "cs_b")},
			want:   map[string]want{"cs_b": {"void", false, false, 1}},
			stats:  Stats{Invoices: 1, Void: 1, Events: 3, Ignored: 1, LastSeq: 3},
		},
		{
			name:   "a refund of a payment completed before the subscriber existed",
			events: []eventsapi.Event{ev(7, "payment.refunded", "cs_old")},
			want:   map[string]want{"cs_old": {"refunded", true, false, 1}},
			stats:  Stats{Invoices: 1, Refunded: 1, Events: 1, LastSeq: 7},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newBook(t)
			for _, e := range tc.events { // one batch per event: redeliveries come as batches too
				if err := b.Apply([]eventsapi.Event{e}, 5); err != nil {
					t.Fatal(err)
				}
			}
			if b.Stats() != tc.stats {
				t.Fatalf("stats %+v, want %+v", b.Stats(), tc.stats)
			}
			all, _, err := b.List("", 100)
			if err != nil || len(all) != len(tc.want) {
				t.Fatalf("%d invoices, want %d (%v)", len(all), len(tc.want), err)
			}
			for _, inv := range all {
				w, ok := tc.want[inv.SessionID]
				if !ok || inv.Status != w.status || inv.Refunded != w.refunded || inv.Disputed != w.disputed || inv.Number != w.number || *inv.Amount != 2500 || inv.ReceivedAt != 5 {
					t.Fatalf("invoice %+v, want %+v", inv, w)
				}
			}
		})
	}
}

func TestBookPersistsAndPages(t *testing.T) {
	b, st := newBook(t)
	var batch []eventsapi.Event
	for i := range 25 {
		batch = append(batch, ev(uint64(i+1), "payment.completed", fmt.Sprintf("cs_%03d", i)))
	}
	if err := b.Apply(batch, 1); err != nil {
		t.Fatal(err)
	}
	b.SetPayments([]byte{1, 2, 3})
	// Reopened over the same store (an upgrade): everything is there.
	b, err := OpenBook(st)
	if err != nil || b.Stats().Invoices != 25 || !slices.Equal(b.Payments(), []byte{1, 2, 3}) {
		t.Fatalf("reopened: %+v %v", b.Stats(), err)
	}
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		invs, next, err := b.List(after, 10)
		if err != nil || pages > 3 {
			t.Fatal(err, pages)
		}
		for _, inv := range invs {
			seen = append(seen, inv.SessionID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(seen) != 25 || !slices.IsSorted(seen) {
		t.Fatalf("listed %v", seen)
	}
}

func TestBookKeepsRefundsAndDispute(t *testing.T) {
	b, _ := newBook(t)
	events := []eventsapi.Event{ev(1, "payment.completed", "cs_a"), refundEv(2, "cs_a", 700), refundEv(3, "cs_a", 1200),
		disputeEv(4, "cs_a", "needs_response"), disputeEv(5, "cs_a", "under_review")}
	if err := b.Apply(events, 5); err != nil {
		t.Fatal(err)
	}
	inv, ok, err := b.Invoice("cs_a")
	if err != nil || !ok || inv.AmountRefunded != 1200 || inv.Dispute == nil || *inv.Dispute != "under_review" ||
		inv.Status != "disputed" || !inv.Disputed || inv.Refunded || inv.LastSeq != 5 {
		t.Fatalf("invoice %+v (dispute %v), %v", inv, inv.Dispute, err)
	}
}
