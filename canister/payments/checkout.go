package payments

import (
	"context"
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// LookupError explains why a session could not be resolved now. The session stays (or
// becomes) "checking" and a later poll retries; Status is the HTTP status to answer.
type LookupError struct {
	Status     int           // 200 for a per-session throttle, else 429/502/503
	RetryAfter time.Duration // a hint for Retry-After
	Err        error
}

func (e *LookupError) Error() string { return "checkout session lookup: " + e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// errUpstream marks answers from Stripe that are neither a session nor a 404.
var errUpstream = errors.New("unexpected answer from Stripe")

// Refresh resolves a session: a terminal stored state is returned as is; otherwise the
// session is fetched from Stripe (subject to the cycles policies), stored and returned. A
// *LookupError means the session is still unresolved; the returned record is then the
// stored one, or a fresh "checking" record.
//
// An id with no stored record that Stripe does not know is kept in the not-found cache,
// not as a record: it can neither fill the store nor evict a payment.
func (s *Service) Refresh(ctx context.Context, id string, env Env) (Record, error) {
	if err := checkSessionID(id); err != nil {
		return Record{}, err
	}
	if rec, done, err := s.resolved(id); err != nil || done {
		return rec, err
	}
	f, rec, err := s.beginFetch(id, env)
	if err != nil {
		return rec, err
	}
	return f.run(ctx)
}

// resolved returns the answer for id from state when it is final: a terminal record, or a
// cached 404 of an id nobody claimed.
func (s *Service) resolved(id string) (Record, bool, error) {
	rec, ok, err := s.led.get(id)
	if err != nil {
		return Record{}, false, err
	}
	if ok {
		return rec, rec.Status.Terminal(), nil
	}
	u, ok, err := s.led.getUnknown(id)
	if err != nil || !ok || !u.NotFound {
		return newRecord(id), false, err
	}
	return notFoundRecord(id, u), true, nil
}

// notFoundRecord is how a cached 404 reads as a record.
func notFoundRecord(id string, u unknownEntry) Record {
	return Record{SessionID: id, Status: StatusNotFound, Reason: reasonNotFound, Confirmed: true,
		FetchAttempts: u.Attempts, LastFetchAt: u.LastFetchAt}
}

// fetch is a session fetch that passed the policies: its budget is reserved, the session
// is marked in flight and the attempt is stored.
type fetch struct {
	s         *Service
	id        string
	env       Env
	attempt   uint32
	fromQueue bool
	release   func()
}

// beginFetch checks the policies for fetching id now and reserves the outcall. It stores
// the attempt before the outcall (state commits when the message awaits, so even if the
// reply callback traps the next attempt uses a new key) and leases a queued confirmation
// for InFlightTimeout (so the timer does not pick it again meanwhile, and an upgrade or a
// trap only delays it).
func (s *Service) beginFetch(id string, env Env) (*fetch, Record, error) {
	rec, ok, err := s.led.get(id)
	if err != nil {
		return nil, Record{}, err
	}
	var u unknownEntry
	class, lastFetch := classUnknown, int64(0)
	if ok {
		class, lastFetch = classKnown, rec.LastFetchAt
		if rec.Acknowledged() || rec.ConfirmAt != 0 {
			class = classClaimed
		}
	} else {
		if u, _, err = s.led.getUnknown(id); err != nil {
			return nil, Record{}, err
		}
		rec, lastFetch = newRecord(id), u.LastFetchAt
	}
	release, err := s.guard.begin(id, lastFetch, class, env.Now, env.CyclesBalance)
	if err != nil {
		status := 200
		switch {
		case errors.Is(err, ErrOutcallBudget):
			status = 429
		case errors.Is(err, ErrLowCycles):
			status = 503
		}
		return nil, rec, &LookupError{Status: status, RetryAfter: s.guard.retryAfter(err, env.Now), Err: err}
	}
	nowNS := env.Now.UnixNano()
	f := &fetch{s: s, id: id, env: env, release: release, fromQueue: ok && rec.ConfirmAt != 0}
	s.led.m.outcalls++
	if ok {
		f.attempt = rec.FetchAttempts
		next := rec
		next.FetchAttempts++
		next.LastFetchAt = nowNS
		if next.ConfirmAt != 0 {
			next.ConfirmAt = nowNS + int64(s.limits.InFlightTimeout)
		}
		s.led.put(&rec, next, nowNS)
	} else {
		f.attempt = u.Attempts
		u.Attempts++
		u.LastFetchAt = nowNS
		s.led.putUnknown(id, u, nowNS)
	}
	return f, rec, nil
}

// run makes the outcall and applies its answer.
func (f *fetch) run(ctx context.Context) (Record, error) {
	defer f.release()
	s, id, nowNS := f.s, f.id, f.env.Now.UnixNano()
	req := s.sessionFetchRequest(id, f.attempt)
	resp, oerr := s.outcall(ctx, req)
	if oerr != nil && req.MaxResponseBytes < maskedResponseBytes && responseTooLarge(oerr) {
		// A session larger than the usual budget (a long client_reference_id): fetch it
		// again with room for the largest one. The same idempotency key makes the proxy
		// answer from its cache instead of asking Stripe again.
		req.MaxResponseBytes = maskedResponseBytes
		s.led.m.outcalls++
		resp, oerr = s.outcall(ctx, req)
	}
	if f.fromQueue {
		s.led.m.confirmations++
	}

	// Other messages ran during the outcall: start again from what is stored now.
	cur, found, err := s.led.get(id)
	if err != nil {
		return Record{}, err
	}
	if !found {
		// Unknown at the start (or evicted meanwhile: only records nobody claimed are).
		cur = newRecord(id)
		cur.FetchAttempts, cur.LastFetchAt = f.attempt+1, nowNS
	}
	updated, lerr := classifyFetch(cur, id, resp, oerr)
	if lerr != nil {
		s.led.m.outcallErrors++
		if found && cur.ConfirmAt != 0 {
			next := cur
			backoff(&next, s.limits, nowNS)
			s.led.put(&cur, next, nowNS)
		} else {
			s.led.saveMeta(nowNS)
		}
		return cur, lerr
	}
	if !found && updated.Status == StatusNotFound {
		u, _, err := s.led.getUnknown(id)
		if err != nil {
			return Record{}, err
		}
		u.NotFound, u.Attempts, u.LastFetchAt = true, max(u.Attempts, f.attempt+1), nowNS
		s.led.putUnknown(id, u, nowNS)
		return notFoundRecord(id, u), nil
	}
	if updated.Status == StatusNeedsConfirmation {
		// Stripe still says open while a webhook claims an outcome: ask again later, less
		// and less often.
		backoff(&updated, s.limits, nowNS)
	}
	if err := s.save(ptrIf(found, &cur), updated, f.env.Now); err != nil {
		return Record{}, err
	}
	return updated, nil
}

// maxConfirmBackoff bounds the wait between two confirmation fetches of one session; a
// session Stripe keeps open expires after at most 24 hours, which ends the claim.
const maxConfirmBackoff = 10 * time.Minute

// backoff schedules the next confirmation of a claim Stripe did not settle: after
// MinRefetchInterval, doubling with every try up to maxConfirmBackoff.
func backoff(r *Record, l Limits, nowNS int64) {
	r.ConfirmTries++
	d := l.MinRefetchInterval
	for i := uint32(1); i < r.ConfirmTries && d < maxConfirmBackoff; i++ {
		d *= 2
	}
	r.ConfirmAt = nowNS + int64(min(d, maxConfirmBackoff))
}

func ptrIf(ok bool, r *Record) *Record {
	if !ok {
		return nil
	}
	return r
}

func (s *Service) outcall(ctx context.Context, req OutcallRequest) (OutcallResponse, error) {
	if s.out == nil {
		return OutcallResponse{}, errors.New("no outcaller configured")
	}
	resp, err := s.out.Outcall(ctx, req)
	if err != nil {
		return resp, errfmt.Wrap("outcall "+req.Method+" "+req.URL+": ", err, "")
	}
	return resp, nil
}

// classifyFetch turns an outcall result into the new record or a LookupError. Only a
// session or a 404 changes state; 429, 5xx and network errors are transient, and other
// 4xx (a bad key, a wrong account) are configuration problems that must not mark the
// customer's payment as failed.
func classifyFetch(cur Record, id string, resp OutcallResponse, oerr error) (Record, *LookupError) {
	transient := func(err error, status int) *LookupError {
		return &LookupError{Status: status, RetryAfter: 5 * time.Second, Err: err}
	}
	switch {
	case oerr != nil:
		return cur, transient(oerr, 503)
	case resp.Status == 404:
		return applyNotFound(cur), nil
	case resp.Status == 429 || resp.Status >= 500:
		return cur, transient(errfmt.Wrap("", errUpstream, ": status "+errfmt.Int(resp.Status)), 503)
	case resp.Status < 200 || resp.Status > 299:
		return cur, transient(errfmt.Wrap("", errUpstream, ": status "+errfmt.Int(resp.Status)+": "+stripeMessage(resp.Body)), 502)
	}
	so, err := parseSessionObject(resp.Body)
	if err != nil {
		return cur, transient(errfmt.Wrap("", errUpstream, ": "+err.Error()), 502)
	}
	if so.ID != id {
		return cur, transient(errfmt.Wrap("", errUpstream, ": asked for "+id+", got "+so.ID), 502)
	}
	return applyFetched(cur, &so), nil
}

func stripeMessage(body []byte) string {
	if e, ok := parseStripeError(body); ok {
		return clip(e.Type + ": " + e.Message)
	}
	return "no Stripe error body"
}

// Confirmation is a fetch of a queued session that StartConfirmations reserved. Run makes
// it; the canister runs each in an execution of its own, so their outcalls overlap.
type Confirmation struct{ f *fetch }

// SessionID is the session being confirmed.
func (c *Confirmation) SessionID() string { return c.f.id }

// Run fetches the session from Stripe and applies the answer (see Refresh).
func (c *Confirmation) Run(ctx context.Context) (Record, error) { return c.f.run(ctx) }

// StartConfirmations reserves up to n fetches of sessions whose confirmation is due
// (earliest first), within the outcall budget. It stops at the budget or the cycles
// reserve; a session fetched too recently by a poll is put back for later. Each returned
// Confirmation must be Run.
func (s *Service) StartConfirmations(env Env, n int) []*Confirmation {
	nowNS := env.Now.UnixNano()
	var out []*Confirmation
	for _, id := range s.led.dueIDs(nowNS, n) {
		f, _, err := s.beginFetch(id, env)
		switch {
		case err == nil:
			out = append(out, &Confirmation{f})
			continue
		case errors.Is(err, ErrOutcallBudget) || errors.Is(err, ErrLowCycles):
			return out
		}
		// In flight or fetched too recently by a poll: that fetch reschedules it; make
		// sure it is not due again before the refetch interval.
		cur, ok, gerr := s.led.get(id)
		if gerr != nil || !ok || cur.ConfirmAt == 0 {
			continue
		}
		next := cur
		next.ConfirmAt = max(cur.LastFetchAt+int64(s.limits.MinRefetchInterval), nowNS+int64(time.Second))
		s.led.put(&cur, next, nowNS)
	}
	return out
}

// NextConfirmation is when the earliest queued confirmation can be made: when it is due,
// or later when the outcall budget or the cycles reserve holds it back. ok is false when
// nothing is queued. The canister keeps a timer armed for it.
func (s *Service) NextConfirmation(env Env) (at time.Time, ok bool) {
	dueNS, _, ok := s.led.firstDue()
	if !ok {
		return time.Time{}, false
	}
	at = time.Unix(0, dueNS)
	if until := s.guard.blockedUntil(classClaimed, env.Now, env.CyclesBalance); until.After(at) {
		at = until
	}
	return at, true
}

// ConfirmPending confirms up to n due sessions one after another and reports how many
// reached a terminal state (StartConfirmations and Run in one execution).
func (s *Service) ConfirmPending(ctx context.Context, env Env, n int) (int, error) {
	done := 0
	for _, c := range s.StartConfirmations(env, n) {
		got, err := c.Run(ctx)
		var le *LookupError
		if err != nil && !errors.As(err, &le) {
			return done, err
		}
		if err == nil && got.Status.Terminal() {
			done++
		}
	}
	return done, nil
}
