package payments

import (
	"errors"
	"fmt"
	"time"
)

// Outcall refusals. None of them is an error of the request: the caller answers "checking"
// (or 429/503) and the page polls again.
var (
	ErrFetchInFlight  = errors.New("a fetch of this session is already in flight")
	ErrRefetchTooSoon = errors.New("this session was fetched too recently")
	ErrOutcallBudget  = errors.New("outcall budget of this window is spent")
	ErrLowCycles      = errors.New("cycles balance is below the reserve; no outcalls")
)

// guard is the cycles protection policy. Its state (fetches in flight, the budget window)
// lives on the heap on purpose: it only has to hold between messages, and an upgrade that
// resets it is harmless. The per-session refetch interval uses the stored LastFetchAt.
type guard struct {
	limits        Limits
	inFlight      map[string]time.Time
	windowStart   time.Time
	windowUsed    int
	windowUnknown int // of windowUsed, outcalls for sessions the canister did not know
}

func newGuard(l Limits) *guard {
	return &guard{limits: l, inFlight: make(map[string]time.Time)}
}

// check says whether an outcall may be made now without reserving anything. key is the
// session id ("" for outcalls not tied to a session); lastFetchNS is the stored time of
// its previous fetch (0 for none); unknown marks a session with no stored record, which may
// use at most half of the budget so that polling random ids cannot starve real customers.
func (g *guard) check(key string, lastFetchNS int64, unknown bool, now time.Time, balance uint64) error {
	if balance < g.limits.CyclesReserve {
		return fmt.Errorf("%w (%d < %d)", ErrLowCycles, balance, g.limits.CyclesReserve)
	}
	if key != "" {
		if started, ok := g.inFlight[key]; ok && now.Sub(started) < g.limits.InFlightTimeout {
			return ErrFetchInFlight
		}
		if lastFetchNS != 0 {
			if since := now.Sub(time.Unix(0, lastFetchNS)); since < g.limits.MinRefetchInterval {
				return fmt.Errorf("%w (%s ago, minimum %s)", ErrRefetchTooSoon, since.Round(time.Millisecond), g.limits.MinRefetchInterval)
			}
		}
	}
	if g.windowOpen(now) {
		if g.windowUsed >= g.limits.OutcallBudget {
			return fmt.Errorf("%w (%d per %s)", ErrOutcallBudget, g.limits.OutcallBudget, g.limits.OutcallWindow)
		}
		if unknown && g.windowUnknown >= unknownShare(g.limits.OutcallBudget) {
			return fmt.Errorf("%w for unknown sessions (%d of %d per %s)", ErrOutcallBudget, unknownShare(g.limits.OutcallBudget), g.limits.OutcallBudget, g.limits.OutcallWindow)
		}
	}
	return nil
}

// unknownShare is the part of the budget sessions without a stored record may use.
func unknownShare(budget int) int { return max(budget/2, 1) }

func (g *guard) windowOpen(now time.Time) bool {
	return !g.windowStart.IsZero() && now.Sub(g.windowStart) < g.limits.OutcallWindow && !now.Before(g.windowStart)
}

// begin checks and, when allowed, reserves budget and marks key in flight. The returned
// release must be called when the outcall finished (in any way).
func (g *guard) begin(key string, lastFetchNS int64, unknown bool, now time.Time, balance uint64) (release func(), err error) {
	if err := g.check(key, lastFetchNS, unknown, now, balance); err != nil {
		return nil, err
	}
	if !g.windowOpen(now) {
		g.windowStart, g.windowUsed, g.windowUnknown = now, 0, 0
	}
	g.windowUsed++
	if unknown {
		g.windowUnknown++
	}
	if key == "" {
		return func() {}, nil
	}
	g.inFlight[key] = now
	return func() { delete(g.inFlight, key) }, nil
}

// retryAfter suggests when a refused request is worth repeating.
func (g *guard) retryAfter(err error, now time.Time) time.Duration {
	switch {
	case errors.Is(err, ErrOutcallBudget):
		return g.limits.OutcallWindow - now.Sub(g.windowStart)
	case errors.Is(err, ErrLowCycles):
		return time.Minute
	}
	return g.limits.MinRefetchInterval
}
