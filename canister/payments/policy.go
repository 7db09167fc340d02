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

// fetchClass says whose outcall a fetch is, for the shares of the budget.
type fetchClass int

const (
	// classUnknown: an id with no stored record, named only by a poll (anyone can poll
	// random ids).
	classUnknown fetchClass = iota
	// classKnown: a stored session no webhook claims (created, or learned by a poll).
	classKnown
	// classClaimed: a session a webhook told the canister about (the confirmation queue,
	// or its customer's poll), and the canister's own work (creating sessions).
	classClaimed
)

// guard is the cycles protection policy. Its state (fetches in flight, the budget window)
// lives on the heap on purpose: it only has to hold between messages, and an upgrade that
// resets it is harmless (the confirmation queue's leases are in stable memory). The
// per-session refetch interval uses the stored LastFetchAt.
//
// The budget has shares: polls of unknown ids may use at most half of it, and polls of
// sessions no webhook claims at most three quarters, so a flood of anonymous polls can
// neither starve known customers nor take the quarter kept for confirming what Stripe
// told the canister by webhook.
type guard struct {
	limits        Limits
	inFlight      map[string]time.Time
	windowStart   time.Time
	windowUsed    int
	windowPolls   int // of windowUsed, outcalls of classUnknown and classKnown
	windowUnknown int // of windowPolls, outcalls for sessions the canister did not know
}

func newGuard(l Limits) *guard {
	return &guard{limits: l, inFlight: make(map[string]time.Time)}
}

// check says whether an outcall may be made now without reserving anything. key is the
// session id ("" for outcalls not tied to a session); lastFetchNS is the stored time of
// its previous fetch (0 for none); class selects the share of the budget.
func (g *guard) check(key string, lastFetchNS int64, class fetchClass, now time.Time, balance uint64) error {
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
		if class == classUnknown && g.windowUnknown >= unknownShare(g.limits.OutcallBudget) {
			return fmt.Errorf("%w for unknown sessions (%d of %d per %s)", ErrOutcallBudget, unknownShare(g.limits.OutcallBudget), g.limits.OutcallBudget, g.limits.OutcallWindow)
		}
		if class != classClaimed && g.windowPolls >= pollShare(g.limits.OutcallBudget) {
			return fmt.Errorf("%w for sessions no webhook claims (%d of %d per %s)", ErrOutcallBudget, pollShare(g.limits.OutcallBudget), g.limits.OutcallBudget, g.limits.OutcallWindow)
		}
	}
	return nil
}

// unknownShare is the part of the budget sessions without a stored record may use.
func unknownShare(budget int) int { return max(budget/2, 1) }

// pollShare is the part of the budget sessions no webhook claims may use; the rest is kept
// for confirmations.
func pollShare(budget int) int { return max(budget-budget/4, 1) }

// blockedUntil says until when a fetch of class cannot be made (the zero time when it can
// now), for scheduling the confirmation timer.
func (g *guard) blockedUntil(class fetchClass, now time.Time, balance uint64) time.Time {
	err := g.check("", 0, class, now, balance)
	switch {
	case err == nil:
		return time.Time{}
	case errors.Is(err, ErrOutcallBudget):
		return g.windowStart.Add(g.limits.OutcallWindow)
	}
	return now.Add(time.Minute)
}

func (g *guard) windowOpen(now time.Time) bool {
	return !g.windowStart.IsZero() && now.Sub(g.windowStart) < g.limits.OutcallWindow && !now.Before(g.windowStart)
}

// begin checks and, when allowed, reserves budget and marks key in flight. The returned
// release must be called when the outcall finished (in any way).
func (g *guard) begin(key string, lastFetchNS int64, class fetchClass, now time.Time, balance uint64) (release func(), err error) {
	if err := g.check(key, lastFetchNS, class, now, balance); err != nil {
		return nil, err
	}
	if !g.windowOpen(now) {
		g.windowStart, g.windowUsed, g.windowPolls, g.windowUnknown = now, 0, 0, 0
	}
	g.windowUsed++
	if class != classClaimed {
		g.windowPolls++
	}
	if class == classUnknown {
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
