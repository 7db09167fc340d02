package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
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
func (s *Service) Refresh(ctx context.Context, id string, env Env) (Record, error) {
	if err := checkSessionID(id); err != nil {
		return Record{}, err
	}
	rec, ok, err := s.led.get(id)
	if err != nil {
		return Record{}, err
	}
	if ok && rec.Status.Terminal() {
		return rec, nil
	}
	if !ok {
		rec = newRecord(id)
	}
	release, err := s.guard.begin(id, rec.LastFetchAt, !ok, env.Now, env.CyclesBalance)
	if err != nil {
		status := 200
		switch {
		case errors.Is(err, ErrOutcallBudget):
			status = 429
		case errors.Is(err, ErrLowCycles):
			status = 503
		}
		return rec, &LookupError{Status: status, RetryAfter: s.guard.retryAfter(err, env.Now), Err: err}
	}
	defer release()

	// Count the attempt and store it before the outcall: state commits when the message
	// yields, so even if the reply callback traps the next attempt uses a new key.
	nowNS := env.Now.UnixNano()
	attempt := rec.FetchAttempts
	next := rec
	next.FetchAttempts++
	next.LastFetchAt = nowNS
	s.led.m.outcalls++
	s.led.put(ptrIf(ok, &rec), next, nowNS)

	req := s.sessionFetchRequest(id, attempt)
	resp, oerr := s.outcall(ctx, req)
	if oerr != nil && req.MaxResponseBytes < maskedResponseBytes && responseTooLarge(oerr) {
		// A session larger than the usual budget (a long client_reference_id): fetch it
		// again with room for the largest one. The same idempotency key makes the proxy
		// answer from its cache instead of asking Stripe again.
		req.MaxResponseBytes = maskedResponseBytes
		s.led.m.outcalls++
		resp, oerr = s.outcall(ctx, req)
	}

	// Other messages ran during the outcall: start again from what is stored now.
	cur, found, err := s.led.get(id)
	if err != nil {
		return Record{}, err
	}
	if !found {
		cur = next // evicted meanwhile
	}
	updated, lerr := classifyFetch(cur, id, resp, oerr)
	if lerr != nil {
		s.led.m.outcallErrors++
		if !found {
			s.led.put(nil, cur, nowNS)
		} else {
			s.led.saveMeta(nowNS)
		}
		return cur, lerr
	}
	s.led.put(ptrIf(found, &cur), updated, nowNS)
	return updated, nil
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
		return resp, fmt.Errorf("outcall %s %s: %w", req.Method, req.URL, err)
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
		return cur, transient(fmt.Errorf("%w: status %d", errUpstream, resp.Status), 503)
	case resp.Status < 200 || resp.Status > 299:
		return cur, transient(fmt.Errorf("%w: status %d: %s", errUpstream, resp.Status, stripeMessage(resp.Body)), 502)
	}
	so, err := parseSessionObject(resp.Body)
	if err != nil {
		return cur, transient(fmt.Errorf("%w: %v", errUpstream, err), 502)
	}
	if so.ID != id {
		return cur, transient(fmt.Errorf("%w: asked for %s, got %s", errUpstream, id, so.ID), 502)
	}
	return applyFetched(cur, &so), nil
}

func stripeMessage(body []byte) string {
	var e stripeError
	if json.Unmarshal(body, &e) == nil && e.Error != nil {
		return clip(e.Error.Type + ": " + e.Error.Message)
	}
	return "no Stripe error body"
}

// ConfirmPending fetches up to max sessions that a webhook marked needs_confirmation
// (oldest session id first) and reports how many reached a terminal state. The canister
// calls it from a timer after a webhook, so a payment is confirmed even when nobody polls.
func (s *Service) ConfirmPending(ctx context.Context, env Env, max int) (int, error) {
	page, err := s.led.list(ListRequest{Status: StatusNeedsConfirmation, Limit: max})
	if err != nil {
		return 0, err
	}
	done := 0
	for _, r := range page.Records {
		got, err := s.Refresh(ctx, r.SessionID, env)
		var le *LookupError
		if errors.As(err, &le) && (errors.Is(err, ErrOutcallBudget) || errors.Is(err, ErrLowCycles)) {
			return done, err
		}
		if err == nil && got.Status.Terminal() {
			done++
		}
	}
	return done, nil
}
