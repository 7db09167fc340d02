package payments

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// budgetOutcaller refuses responses over the request's max_response_bytes with the IC's
// reject text, like the replicas do.
type budgetOutcaller struct {
	f        *fakeStripe
	size     int // the raw response size the upstream sends
	requests []OutcallRequest
}

func (b *budgetOutcaller) Outcall(ctx context.Context, req OutcallRequest) (OutcallResponse, error) {
	b.requests = append(b.requests, req)
	if uint64(b.size) > req.MaxResponseBytes {
		return OutcallResponse{}, errors.New("call rejected (code 1): Http body exceeds size limit of 1024 bytes.")
	}
	return b.f.Outcall(ctx, req)
}

// TestFetchBudgetEscalates: a fetch starts with the small budget and repeats at once, with
// the same idempotency key, with the large one when the session does not fit.
func TestFetchBudgetEscalates(t *testing.T) {
	for _, tt := range []struct {
		name    string
		size    int
		budgets []uint64
	}{
		{"a usual session fits the first budget", 600, []uint64{fetchResponseBytes}},
		{"a large session is fetched again with room", 2500, []uint64{fetchResponseBytes, maskedResponseBytes}},
		{"beyond the largest budget it stays transient", 5000, []uint64{fetchResponseBytes, maskedResponseBytes}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStripe()
			f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
			out := &budgetOutcaller{f: f, size: tt.size}
			s := newTestService(t, proxyCfg, out)
			rec, err := s.Refresh(context.Background(), sessA, env(0))
			if len(out.requests) != len(tt.budgets) {
				t.Fatalf("%d outcalls, want %d", len(out.requests), len(tt.budgets))
			}
			for i, want := range tt.budgets {
				r := out.requests[i]
				if r.MaxResponseBytes != want || header(r.Headers, "idempotency-key") != header(out.requests[0].Headers, "idempotency-key") {
					t.Fatalf("outcall %d: max_response_bytes %d (want %d), key %q", i, r.MaxResponseBytes, want, header(r.Headers, "idempotency-key"))
				}
			}
			fits := uint64(tt.size) <= maskedResponseBytes
			if fits && (err != nil || rec.Status != StatusCompleted) {
				t.Fatalf("Refresh = %+v, %v", rec, err)
			}
			if !fits && (err == nil || rec.Status == StatusCompleted) {
				t.Fatalf("Refresh of an oversized session = %+v, %v; want a transient error", rec, err)
			}
			if got := s.Stats().Outcalls; got != uint64(len(tt.budgets)) {
				t.Fatalf("stats count %d outcalls, want %d", got, len(tt.budgets))
			}
		})
	}
	if responseTooLarge(errors.New("call rejected (code 2): No consensus could be reached.")) || !strings.Contains(fetchMask, "client_reference_id") || strings.Contains(fetchMask, "url") {
		t.Fatal("responseTooLarge or fetchMask is wrong")
	}
}
