package sandbox

import (
	"maps"
	"sync"
)

// Stats is the JSON document served at GET /_sandbox/stats. APICalls counts
// every /v1 request by route pattern ("GET /v1/checkout/sessions/{id}"), so a
// benchmark can count how many upstream Stripe calls one payment costs.
type Stats struct {
	APICalls          map[string]int64 `json:"api_calls"`
	APICallsTotal     int64            `json:"api_calls_total"`
	IdempotentReplays int64            `json:"idempotent_replays"`
	Unauthorized      int64            `json:"unauthorized"`
	Payments          PaymentStats     `json:"payments"`
	Webhooks          WebhookStats     `json:"webhooks"`
}

// PaymentStats counts checkout page submissions by outcome.
type PaymentStats struct {
	Succeeded int64 `json:"succeeded"`
	Declined  int64 `json:"declined"`
}

// WebhookStats counts deliveries (one per event and endpoint).
type WebhookStats struct {
	Events         int64 `json:"events"`
	Delivered      int64 `json:"delivered"`
	FailedAttempts int64 `json:"failed_attempts"`
	Abandoned      int64 `json:"abandoned"`
	Pending        int64 `json:"pending"`
}

type stats struct {
	mu sync.Mutex
	s  Stats
}

func newStats() *stats { return &stats{s: Stats{APICalls: map[string]int64{}}} }

func (st *stats) apiCall(route string) {
	st.mu.Lock()
	st.s.APICalls[route]++
	st.s.APICallsTotal++
	st.mu.Unlock()
}

func (st *stats) update(f func(*Stats)) {
	st.mu.Lock()
	f(&st.s)
	st.mu.Unlock()
}

func (st *stats) replay()       { st.update(func(s *Stats) { s.IdempotentReplays++ }) }
func (st *stats) unauthorized() { st.update(func(s *Stats) { s.Unauthorized++ }) }
func (st *stats) payment(ok bool) {
	st.update(func(s *Stats) {
		if ok {
			s.Payments.Succeeded++
		} else {
			s.Payments.Declined++
		}
	})
}
func (st *stats) event() { st.update(func(s *Stats) { s.Webhooks.Events++ }) }
func (st *stats) webhookQueued() {
	st.update(func(s *Stats) { s.Webhooks.Pending++ })
}
func (st *stats) webhookFailedAttempt() { st.update(func(s *Stats) { s.Webhooks.FailedAttempts++ }) }
func (st *stats) webhookDone(ok bool) {
	st.update(func(s *Stats) {
		s.Webhooks.Pending--
		if ok {
			s.Webhooks.Delivered++
		} else {
			s.Webhooks.Abandoned++
		}
	})
}

// snapshot returns a copy safe to encode without the lock.
func (st *stats) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := st.s
	out.APICalls = maps.Clone(st.s.APICalls)
	return out
}

// reset zeroes the counters except pending deliveries, which are still real.
func (st *stats) reset() {
	st.mu.Lock()
	pending := st.s.Webhooks.Pending
	st.s = Stats{APICalls: map[string]int64{}}
	st.s.Webhooks.Pending = pending
	st.mu.Unlock()
}
