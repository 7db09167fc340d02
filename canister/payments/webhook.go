package payments

import (
	"errors"
	"fmt"
)

// WebhookResult is what a delivered webhook did.
type WebhookResult struct {
	EventID   string
	Type      string
	SessionID string // the session it applied to, if any
	Outcome   string // applied | needs_confirmation | stale | ignored | unmatched | duplicate
}

// WebhookError is a delivery refused with 400.
type WebhookError struct{ Err error }

func (e *WebhookError) Error() string { return "webhook rejected: " + e.Err.Error() }
func (e *WebhookError) Unwrap() error { return e.Err }

// verifyWebhook checks signature and envelope; it reads no state, so the query path uses it
// to refuse forged deliveries before they cost an update.
func (s *Service) verifyWebhook(body []byte, sigHeader string, env Env) (Event, error) {
	if _, err := s.verifier.Verify(body, sigHeader, env.Now); err != nil {
		return Event{}, &WebhookError{err}
	}
	ev, err := ParseEvent(body)
	if err != nil {
		return Event{}, &WebhookError{err}
	}
	return ev, nil
}

// HandleWebhook verifies and applies one delivery. A *WebhookError means 400; any other
// error is a storage failure (500, Stripe retries).
func (s *Service) HandleWebhook(body []byte, sigHeader string, env Env) (WebhookResult, error) {
	nowNS := env.Now.UnixNano()
	ev, err := s.verifyWebhook(body, sigHeader, env)
	if err != nil {
		s.led.m.hooksRejected++
		s.led.saveMeta(nowNS)
		return WebhookResult{}, err
	}
	res := WebhookResult{EventID: ev.ID, Type: ev.Type}
	if s.led.seenEvent(ev.ID) {
		s.led.m.hooksDuplicate++
		s.led.saveMeta(nowNS)
		res.Outcome = string(outcomeDuplicate)
		return res, nil
	}
	s.led.setCause(ev.ID, nowNS) // the event log names the Stripe event behind each change
	defer s.led.setCause("", 0)
	sid, c, out, err := s.eventClaim(ev)
	if err != nil {
		s.led.m.hooksRejected++
		s.led.saveMeta(nowNS)
		return WebhookResult{}, &WebhookError{err}
	}
	res.SessionID = sid
	if out == "" {
		old, ok, err := s.led.get(sid)
		if err != nil {
			return WebhookResult{}, err
		}
		switch {
		case !ok && c.session == nil:
			// Found through an index whose record is gone: nothing to apply to.
			out = outcomeUnmatched
		default:
			rec := old
			if !ok {
				rec = newRecord(sid)
			}
			var next Record
			next, out = applyClaim(rec, c, s.confirmRequired())
			s.led.put(ptrIf(ok, &old), next, nowNS)
		}
	}
	res.Outcome = string(out)
	s.led.m.hooksAccepted++
	if out == outcomeIgnored || out == outcomeUnmatched {
		s.led.m.hooksIgnore++
	}
	s.led.rememberEvent(ev.ID, nowNS)
	return res, nil
}

// eventClaim decodes the event's object and says which session it concerns and what it
// claims. A non-empty outcome means there is nothing to apply.
func (s *Service) eventClaim(ev Event) (string, claim, outcome, error) {
	c := claim{created: ev.Created, eventID: ev.ID, status: StatusChecking}
	if ev.Thin {
		return "", c, outcomeIgnored, nil
	}
	switch ev.Type {
	case EventSessionCompleted, EventSessionAsyncSucceeded, EventSessionAsyncFailed, EventSessionExpired:
		so, err := parseSessionObject(ev.Object)
		if err != nil {
			return "", c, "", fmt.Errorf("%s: %w", ev.Type, err)
		}
		c.session = &so
		switch ev.Type {
		case EventSessionCompleted:
			// Still unpaid for delayed methods: then it only teaches fields.
			if st, _ := sessionStatus(&so); st == StatusCompleted {
				c.status = StatusCompleted
			}
		case EventSessionAsyncSucceeded:
			c.status = StatusCompleted
		case EventSessionAsyncFailed:
			c.status, c.reason = StatusFailed, reasonPaymentFailed
		case EventSessionExpired:
			c.status, c.reason = StatusFailed, reasonExpired
		}
		return so.ID, c, "", nil

	case EventPaymentIntentSucceeded, EventPaymentIntentFailed:
		po, err := parsePaymentObject(ev.Object, "payment_intent")
		if err != nil {
			return "", c, "", fmt.Errorf("%s: %w", ev.Type, err)
		}
		if ev.Type == EventPaymentIntentFailed {
			// A failed attempt does not end a Checkout Session: the customer may retry.
			return "", c, outcomeIgnored, nil
		}
		sid, ok := s.led.lookup(pfxIntent, po.ID)
		if !ok {
			return "", c, outcomeUnmatched, nil
		}
		c.status = StatusCompleted
		return sid, c, "", nil

	case EventChargeRefunded:
		po, err := parsePaymentObject(ev.Object, "charge")
		if err != nil {
			return "", c, "", fmt.Errorf("%s: %w", ev.Type, err)
		}
		sid, ok := s.led.lookup(pfxIntent, string(po.PaymentIntent))
		if !ok {
			return "", c, outcomeUnmatched, nil
		}
		if !po.Refunded {
			return sid, c, outcomeIgnored, nil // partial refund: the payment stands
		}
		c.status, c.refund = StatusRefunded, po.AmountRefunded
		return sid, c, "", nil

	case EventInvoicePaid, EventInvoicePaymentSucceeded, EventInvoicePaymentFailed:
		po, err := parsePaymentObject(ev.Object, "invoice")
		if err != nil {
			return "", c, "", fmt.Errorf("%s: %w", ev.Type, err)
		}
		if ev.Type == EventInvoicePaymentFailed {
			// Stripe retries invoice payments; a failure is not final.
			return "", c, outcomeIgnored, nil
		}
		sid, ok := s.led.lookup(pfxInvoice, po.ID)
		if !ok {
			sid, ok = s.led.lookup(pfxIntent, string(po.PaymentIntent))
		}
		if !ok {
			return "", c, outcomeUnmatched, nil
		}
		c.status = StatusCompleted
		return sid, c, "", nil

	case EventChargeDisputeCreated:
		return s.disputeClaim(ev, c)
	}
	return "", c, outcomeIgnored, nil
}

// IsWebhookRejection reports whether err is a refusal (400) rather than a failure.
func IsWebhookRejection(err error) bool {
	var we *WebhookError
	return errors.As(err, &we)
}
