package payments

import (
	"testing"
	"time"
)

func TestRetryAfterFetchInFlight(t *testing.T) {
	g := &guard{limits: DefaultLimits()}
	tests := []struct {
		err  error
		want time.Duration
	}{
		{ErrFetchInFlight, time.Second},
		{ErrRefetchTooSoon, g.limits.MinRefetchInterval},
		{ErrLowCycles, time.Minute},
	}
	for _, tc := range tests {
		if got := g.retryAfter(tc.err, time.Unix(0, 0)); got != tc.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
