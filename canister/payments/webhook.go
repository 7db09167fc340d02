package payments

import (
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// WebhookResult is what a delivered webhook did.
type WebhookResult struct {
	EventID   string
	Type      string
	SessionID string // the session it applied to, if any
	Outcome   string // applied | needs_confirmation | stale | ignored | pending | duplicate
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
	s.led.setCause(ev.ID) // the event log names the Stripe event behind each change
	defer s.led.setCause("")
	c, tgt, out, err := s.eventClaim(ev, env)
	if err != nil {
		s.led.m.hooksRejected++
		s.led.saveMeta(nowNS)
		return WebhookResult{}, &WebhookError{err}
	}
	if out == "" {
		res.SessionID, out, err = s.applyEvent(c, tgt, env)
		if err != nil {
			return WebhookResult{}, err
		}
	}
	res.Outcome = string(out)
	s.led.m.hooksAccepted++
	switch out {
	case outcomeIgnored, outcomeUnmatched:
		s.led.m.hooksIgnore++
	case outcomePending:
		// Not done yet: a retry of this event must reach the update again (it parks the
		// same fact once), and its id is remembered when the fact is applied.
		s.led.saveMeta(nowNS)
		return res, nil
	}
	s.led.rememberEvent(ev.ID, nowNS)
	return res, nil
}

// eventTarget says what an event is about: a session (session events) or the payment
// intent and invoice its session is found by.
type eventTarget struct {
	session         string
	intent, invoice string
	kind            factKind
	dispute         string
}

// applyEvent applies a decoded claim to its session, or parks it when the session cannot
// be told (yet) or the claim needs a settled payment.
func (s *Service) applyEvent(c claim, tgt eventTarget, env Env) (string, outcome, error) {
	nowNS := env.Now.UnixNano()
	sid := tgt.session
	if sid == "" {
		var ok bool
		if sid, ok = s.led.lookup(pfxInvoice, tgt.invoice); !ok {
			sid, _ = s.led.lookup(pfxIntent, tgt.intent)
		}
	}
	if sid != "" {
		old, ok, err := s.led.get(sid)
		if err != nil {
			return "", "", err
		}
		if ok || c.session != nil {
			rec := old
			if !ok {
				rec = newRecord(sid)
			}
			next, out := applyClaim(rec, c, s.confirmRequired())
			if out != outcomeWait {
				if err := s.save(ptrIf(ok, &old), next, env.Now); err != nil {
					return "", "", err
				}
				return sid, out, nil
			}
		}
	}
	return s.park(c, tgt, env.Now, nowNS)
}

// park keeps an object event as a fact until its session is known (or confirmed). When a
// claim names the object, that session's confirmation is made due at once: the fact waits
// on it.
func (s *Service) park(c claim, tgt eventTarget, now time.Time, nowNS int64) (string, outcome, error) {
	okey := invoiceKey(tgt.invoice)
	if okey == "" {
		okey = intentKey(tgt.intent)
	}
	if okey == "" {
		return "", outcomeIgnored, nil // nothing would ever match it
	}
	f := fact{EventID: c.eventID, Kind: tgt.kind, Created: c.created, Amount: c.refund, Full: c.refundFull, Dispute: c.dispute}
	if s.led.parkFact(okey, f, nowNS) {
		s.led.m.hooksParked++
	}
	sid, ok := s.led.lookup(pfxClaimInvoice, tgt.invoice)
	if !ok {
		sid, ok = s.led.lookup(pfxClaimIntent, tgt.intent)
	}
	if !ok {
		sid, _ = s.led.lookup(pfxIntent, tgt.intent) // known but not settled yet
		return sid, outcomePending, nil
	}
	rec, found, err := s.led.get(sid)
	if err != nil || !found {
		return "", outcomePending, err
	}
	if rec.ConfirmAt > nowNS {
		next := rec
		next.ConfirmAt = nowNS
		s.led.put(&rec, next, nowNS)
	}
	return sid, outcomePending, nil
}

// eventClaim decodes the event's object and says what it claims about which session or
// object. A non-empty outcome means there is nothing to apply.
func (s *Service) eventClaim(ev Event, env Env) (claim, eventTarget, outcome, error) {
	c := claim{created: ev.Created, eventID: ev.ID, status: StatusChecking}
	var tgt eventTarget
	if ev.Thin {
		return c, tgt, outcomeIgnored, nil
	}
	// A claimed creation time is shown by get_payment: never one beyond the tolerance.
	limit := env.Now.Add(s.limits.WebhookFutureTolerance).Unix()
	switch ev.Type {
	case EventSessionCompleted, EventSessionAsyncSucceeded, EventSessionAsyncFailed, EventSessionExpired:
		so, err := parseSessionObject(ev.Object)
		if err != nil {
			return c, tgt, "", errfmt.Wrap(ev.Type+": ", err, "")
		}
		if so.Created > limit {
			return c, tgt, "", errors.New(ev.Type + ": session created " + errfmt.Int(so.Created) + " is beyond the future tolerance (" + errfmt.Int(limit) + ")")
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
		tgt.session = so.ID
		return c, tgt, "", nil

	case EventPaymentIntentSucceeded, EventPaymentIntentFailed:
		po, err := parsePaymentObject(ev.Object, "payment_intent")
		if err != nil {
			return c, tgt, "", errfmt.Wrap(ev.Type+": ", err, "")
		}
		if ev.Type == EventPaymentIntentFailed {
			// A failed attempt does not end a Checkout Session: the customer may retry.
			return c, tgt, outcomeIgnored, nil
		}
		c.status = StatusCompleted
		tgt.intent, tgt.kind = po.ID, factPaid
		return c, tgt, "", nil

	case EventChargeRefunded:
		po, err := parsePaymentObject(ev.Object, "charge")
		if err != nil {
			return c, tgt, "", errfmt.Wrap(ev.Type+": ", err, "")
		}
		c.isRefund, c.refund, c.refundFull = true, po.AmountRefunded, po.Refunded
		tgt.intent, tgt.kind = string(po.PaymentIntent), factRefund
		return c, tgt, "", nil

	case EventDisputeCreated, EventDisputeUpdated, EventDisputeClosed:
		do, err := parseDisputeObject(ev.Object)
		if err != nil {
			return c, tgt, "", errfmt.Wrap(ev.Type+": ", err, "")
		}
		c.dispute = do.Status
		tgt.intent, tgt.kind = string(do.PaymentIntent), factDispute
		return c, tgt, "", nil

	case EventInvoicePaid, EventInvoicePaymentSucceeded, EventInvoicePaymentFailed:
		po, err := parsePaymentObject(ev.Object, "invoice")
		if err != nil {
			return c, tgt, "", errfmt.Wrap(ev.Type+": ", err, "")
		}
		if ev.Type == EventInvoicePaymentFailed {
			// Stripe retries invoice payments; a failure is not final.
			return c, tgt, outcomeIgnored, nil
		}
		c.status = StatusCompleted
		tgt.invoice, tgt.intent, tgt.kind = po.ID, string(po.PaymentIntent), factPaid
		return c, tgt, "", nil
	}
	return c, tgt, outcomeIgnored, nil
}

// IsWebhookRejection reports whether err is a refusal (400) rather than a failure.
func IsWebhookRejection(err error) bool {
	var we *WebhookError
	return errors.As(err, &we)
}
