package payments

import (
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// fetchClass says whose outcall a fetch is, for the shares of the budget.
type fetchClass int

const (
	// classUnknown: an id with no stored record, named only by a poll (anyone can poll
	// random ids).
	classUnknown fetchClass = iota
	// classKnown: a stored session no webhook claims (created, or learned by a poll), and
	// creating sessions.
	classKnown
	// classClaimed: a session a webhook told the canister about: the confirmation queue's
	// fetches and its customer's polls.
	classClaimed
	numClasses
)

// guard is the cycles protection policy. Its state (fetches in flight, the budget window)
// lives on the heap on purpose: it only has to hold between messages, and an upgrade that
// resets it is harmless (the confirmation queue's leases are in stable memory). The
// per-session refetch interval uses the stored LastFetchAt.
//
// The budget has shares. Known and claimed sessions each have a quarter of it reserved:
// no other class may use what the other class has not used of its quarter. Unknown ids
// have no reserve and may use at most half. So a flood of anonymous polls takes neither
// the outcalls that confirm what Stripe told the canister by webhook nor those of known
// customers, and a burst of confirmations leaves known customers their quarter.
type guard struct {
	limits      Limits
	inFlight    map[string]time.Time
	windowStart time.Time
	windowUsed  int
	classUsed   [numClasses]int
}

func newGuard(l Limits) *guard {
	return &guard{limits: l, inFlight: make(map[string]time.Time)}
}

// check says whether an outcall may be made now without reserving anything. key is the
// session id ("" for outcalls not tied to a session); lastFetchNS is the stored time of
// its previous fetch (0 for none); class selects the share of the budget.
func (g *guard) check(key string, lastFetchNS int64, class fetchClass, now time.Time, balance uint64) error {
	if balance < g.limits.CyclesReserve {
		return errfmt.Wrap("", ErrLowCycles, " ("+errfmt.Int(balance)+" < "+errfmt.Int(g.limits.CyclesReserve)+")")
	}
	if key != "" {
		if started, ok := g.inFlight[key]; ok && now.Sub(started) < g.limits.InFlightTimeout {
			return ErrFetchInFlight
		}
		if lastFetchNS != 0 {
			if since := now.Sub(time.Unix(0, lastFetchNS)); since < g.limits.MinRefetchInterval {
				return errfmt.Wrap("", ErrRefetchTooSoon, " ("+since.Round(time.Millisecond).String()+" ago, minimum "+g.limits.MinRefetchInterval.String()+")")
			}
		}
	}
	b := g.limits.OutcallBudget
	used, classUsed := 0, [numClasses]int{}
	if g.windowOpen(now) {
		used, classUsed = g.windowUsed, g.classUsed
	}
	if used >= b {
		return errfmt.Wrap("", ErrOutcallBudget, " ("+errfmt.Int(b)+" per "+g.limits.OutcallWindow.String()+")")
	}
	if class == classUnknown && classUsed[classUnknown] >= unknownShare(b) {
		return errfmt.Wrap("", ErrOutcallBudget, " for unknown sessions ("+errfmt.Int(unknownShare(b))+" of "+errfmt.Int(b)+" per "+g.limits.OutcallWindow.String()+")")
	}
	reserved := 0
	for _, o := range [...]fetchClass{classKnown, classClaimed} {
		if o != class {
			reserved += max(reserveShare(b)-classUsed[o], 0)
		}
	}
	if used+reserved >= b {
		return errfmt.Wrap("", ErrOutcallBudget, ": the rest ("+errfmt.Int(b-used)+" of "+errfmt.Int(b)+" per "+g.limits.OutcallWindow.String()+") is reserved for other sessions")
	}
	return nil
}

// reserveShare is the part of the budget kept for known and for claimed sessions each.
func reserveShare(budget int) int { return budget / 4 }

// unknownShare is the part of the budget sessions without a stored record may use.
func unknownShare(budget int) int { return max(budget/2, 1) }

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
		g.windowStart, g.windowUsed, g.classUsed = now, 0, [numClasses]int{}
	}
	g.windowUsed++
	g.classUsed[class]++
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
	case errors.Is(err, ErrFetchInFlight):
		// The fetch in flight (often the webhook's confirmation) settles the session within
		// an outcall's time: the customer's page should ask again soon, not a whole
		// refetch interval later.
		return time.Second
	}
	return g.limits.MinRefetchInterval
}
