package payments

import (
	"fmt"
	"testing"
	"time"
)

// fill stores n records directly through the ledger: every 10th failed, the rest
// completed, with payment intents.
func fill(tb testing.TB, s *Service, n int) {
	tb.Helper()
	nowNS := t0.UnixNano()
	for i := range n {
		r := Record{SessionID: fmt.Sprintf("cs_test_%08d", i), Status: StatusCompleted, Confirmed: true,
			StripeStatus: "complete", PaymentStatus: "paid", AmountTotal: int64(i), HasAmountTotal: true,
			Currency: "usd", Created: t0.Unix(), PaymentIntent: fmt.Sprintf("pi_%08d", i)}
		if i%10 == 0 {
			r.Status, r.Reason, r.StripeStatus, r.PaymentStatus = StatusFailed, reasonExpired, "expired", "unpaid"
		}
		s.led.put(nil, r, nowNS)
	}
}

func TestListPaging(t *testing.T) {
	s := newTestService(t, Config{Limits: Limits{MaxPageSize: 7}}, nil)
	fill(t, s, 100)
	for _, tc := range []struct {
		filter Status
		want   int
	}{{0, 100}, {StatusCompleted, 90}, {StatusFailed, 10}, {StatusRefunded, 0}} {
		seen := map[string]bool{}
		after, pages := "", 0
		for {
			page, err := s.List(ListRequest{Status: tc.filter, After: after, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page.Records) > 7 {
				t.Fatalf("page of %d records, max 7", len(page.Records))
			}
			for _, r := range page.Records {
				if seen[r.SessionID] || r.SessionID <= after || tc.filter != 0 && r.Status != tc.filter {
					t.Fatalf("filter %v: bad record %s after %s", tc.filter, r.SessionID, after)
				}
				seen[r.SessionID] = true
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		if len(seen) != tc.want {
			t.Fatalf("filter %v: listed %d, want %d (in %d pages)", tc.filter, len(seen), tc.want, pages)
		}
	}
	if _, err := s.List(ListRequest{Status: 9}); err == nil {
		t.Fatal("invalid status accepted")
	}
}

// TestMillionPayments stores 1,000,000 records and checks that lookups, filtered pages,
// counters and the upgrade path (reopening the store) stay correct and fast.
func TestMillionPayments(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000 records take a few seconds; run without -short")
	}
	const n = 1_000_000
	st := NewMemStore()
	s, err := New(Config{APIHost: "api.stripe.com"}, Deps{Store: st, CanisterID: testCanister})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fill(t, s, n)
	insert := time.Since(start)
	stats := s.Stats()
	if stats.Payments != n || stats.ByStatus["failed"] != n/10 {
		t.Fatalf("stats %+v", stats)
	}
	// An upgrade: a new Service over the same store sees everything.
	s2, err := New(Config{APIHost: "api.stripe.com"}, Deps{Store: st, CanisterID: testCanister})
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	page, err := s2.List(ListRequest{Status: StatusFailed, After: "cs_test_00500000", Limit: 100})
	if err != nil || len(page.Records) != 100 || page.Records[0].SessionID != "cs_test_00500010" {
		t.Fatalf("page: %v %d", err, len(page.Records))
	}
	listTime := time.Since(start)
	r := mustRecord(t, s2, "cs_test_00999999")
	if r.AmountTotal != 999_999 {
		t.Fatalf("record %+v", r)
	}
	if sid, ok := s2.led.lookup(pfxIntent, "pi_00123456"); !ok || sid != "cs_test_00123456" {
		t.Fatal("payment intent index")
	}
	t.Logf("1M records: insert %v (%v/record), store entries %d, filtered page %v", insert, insert/n, st.Len(), listTime)
}
