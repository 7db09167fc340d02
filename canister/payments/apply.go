package payments

// The state machine. Every change of a Record goes through one of these pure functions so
// the rules sit in one place:
//
//   - Fetched state is the truth: a fetched final state (or a 404) overrides whatever a
//     webhook claimed and sets Confirmed; a confirmed final state (completed, failed,
//     refunded) is never changed again by a fetch. A fetched open/unpaid snapshot does not
//     lower a pending webhook claim (see applyFetched).
//   - Webhook claims are monotonic: a claim whose status rank is not above the current one
//     changes no status, and session fields are only taken from an event at least as new
//     (event.created) as the last one applied. So late, duplicated or reordered deliveries
//     never undo a newer state.
//   - With a proxy configured (confirm == true), a webhook never sets a final state of a
//     session itself: it records needs_confirmation and a fetch decides.
//   - A refund or a dispute applies to a completed payment directly: it can only take value
//     away, so a forged one cannot create a payment. One about a payment that is not
//     completed (yet: its confirmation is pending, or its session event is late) waits as a
//     parked fact (see facts.go) and applies once the payment is.
//   - A 404 from Stripe clears whatever a webhook claimed: a not_found record shows nothing
//     Stripe did not say.

// outcome says what a webhook did; it is reported in the 200 answer.
type outcome string

const (
	outcomeApplied      outcome = "applied"
	outcomeNeedsConfirm outcome = "needs_confirmation"
	outcomeStale        outcome = "stale"
	outcomeIgnored      outcome = "ignored"
	outcomeUnmatched    outcome = "unmatched"
	outcomeDuplicate    outcome = "duplicate"
	// outcomePending: kept as a parked fact until its session is known or confirmed.
	outcomePending outcome = "pending"
	// outcomeWait (internal): the claim needs a completed payment; park it.
	outcomeWait outcome = "wait"
)

const (
	reasonExpired       = "expired"
	reasonPaymentFailed = "payment failed"
	reasonNotFound      = "no such checkout session"
	reasonRefunded      = "refunded"
)

func newRecord(id string) Record {
	return Record{SessionID: id, Status: StatusChecking}
}

// finalConfirmed reports a state nothing but a refund may change.
func (r *Record) finalConfirmed() bool {
	return r.Confirmed && (r.Status == StatusCompleted || r.Status == StatusFailed || r.Status == StatusRefunded)
}

// sessionStatus maps a Checkout Session to a status and failure reason.
func sessionStatus(s *SessionObject) (Status, string) {
	switch {
	case s.Status == "complete" && (s.PaymentStatus == "paid" || s.PaymentStatus == "no_payment_required"):
		return StatusCompleted, ""
	case s.Status == "expired":
		return StatusFailed, reasonExpired
	}
	// open, or complete but unpaid (a delayed payment method still pending).
	return StatusChecking, ""
}

func mergeSession(r *Record, s *SessionObject) {
	r.StripeStatus = s.Status
	r.PaymentStatus = s.PaymentStatus
	r.HasAmountTotal = s.AmountTotal != nil
	r.AmountTotal = 0
	if s.AmountTotal != nil {
		r.AmountTotal = *s.AmountTotal
	}
	r.Currency = deref(s.Currency)
	r.ClientReferenceID = deref(s.ClientReferenceID)
	r.Created = s.Created
	r.Livemode = s.Livemode
	if s.PaymentIntent != "" {
		r.PaymentIntent = string(s.PaymentIntent)
	}
	if s.Invoice != "" {
		r.Invoice = string(s.Invoice)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// applyFetched applies a session fetched from Stripe. A final state is taken as fetched. A
// snapshot that is not final (open, or unpaid) never lowers a webhook's claim: the claim may
// have arrived while the fetch was in flight, newer than the snapshot, so the status stays
// and a later fetch decides.
func applyFetched(r Record, s *SessionObject) Record {
	if r.finalConfirmed() {
		return r
	}
	st, reason := sessionStatus(s)
	if st == StatusChecking && r.Status == StatusNeedsConfirmation && r.AsyncFailureClaimed &&
		s.Status == "complete" && s.PaymentStatus == "unpaid" {
		// A failed asynchronous payment leaves the session complete and unpaid at Stripe for
		// good: that is Stripe's word on a failure claim. (Taking it cannot create a
		// payment; waiting for more would never end.)
		mergeSession(&r, s)
		r.Status, r.Reason, r.Confirmed = StatusFailed, reasonPaymentFailed, true
		return r
	}
	if st != StatusChecking || r.Status.rank() <= st.rank() {
		mergeSession(&r, s)
		r.Status, r.Reason, r.Confirmed = st, reason, true
		return r
	}
	learnIDs(&r, s)
	return r
}

// learnIDs keeps the ids that let later payment_intent, charge and invoice events find the
// session, without touching anything else. Fetched ids are Stripe's: they replace claimed
// ones.
func learnIDs(r *Record, s *SessionObject) {
	if s.PaymentIntent != "" {
		r.PaymentIntent = string(s.PaymentIntent)
	}
	if s.Invoice != "" {
		r.Invoice = string(s.Invoice)
	}
}

// applyNotFound applies a Stripe 404 for the session: whatever a webhook claimed about it
// (amounts, currency, payment status, ids) goes, since Stripe knows no such session.
func applyNotFound(r Record) Record {
	if r.finalConfirmed() {
		return r
	}
	return Record{
		SessionID: r.SessionID, Status: StatusNotFound, Reason: reasonNotFound, Confirmed: true,
		LastEventID: r.LastEventID, LastEventCreated: r.LastEventCreated, FetchAttempts: r.FetchAttempts,
		LastFetchAt: r.LastFetchAt, FirstSeenAt: r.FirstSeenAt, UpdatedAt: r.UpdatedAt,
		PendingSeq: r.PendingSeq, ConfirmAt: r.ConfirmAt, ConfirmTries: r.ConfirmTries,
	}
}

// claim is what a webhook event says about a session.
type claim struct {
	status     Status // StatusChecking: no claim about the outcome, only fields
	reason     string
	session    *SessionObject // fields to merge, nil for non-session events
	isRefund   bool           // a charge.refunded event:
	refund     int64          // its amount_refunded
	refundFull bool           // and whether the charge is fully refunded
	dispute    string         // a charge.dispute.* event: the dispute's status
	created    int64
	eventID    string
}

// settled reports a payment that refunds and disputes may apply to.
func (r *Record) settled() bool {
	return r.Status == StatusCompleted || r.Status == StatusRefunded
}

// applyMoneyBack applies a refund or a dispute to a settled payment; outcomeWait when the
// payment is not settled (yet).
func applyMoneyBack(r Record, c claim) (Record, outcome) {
	if !r.settled() {
		return r, outcomeWait
	}
	changed := false
	if c.isRefund {
		if c.refund > r.AmountRefunded {
			r.AmountRefunded, changed = c.refund, true
		}
		if c.refundFull && r.Status != StatusRefunded {
			r.Status, r.Reason, changed = StatusRefunded, reasonRefunded, true
		}
	} else {
		// Disputes move forward: a closed status is never replaced by an open one, and
		// among equals the newest event wins.
		newClosed, curClosed := disputeClosed(c.dispute), disputeClosed(r.DisputeStatus)
		if c.dispute != r.DisputeStatus && (newClosed && !curClosed || newClosed == curClosed && c.created >= r.DisputeAt) {
			r.DisputeStatus, r.DisputeAt, changed = c.dispute, c.created, true
		}
	}
	if !changed {
		return r, outcomeStale
	}
	if c.created >= r.LastEventCreated {
		r.LastEventCreated, r.LastEventID = c.created, c.eventID
	}
	return r, outcomeApplied
}

// applyClaim applies a verified webhook's claim to r (the stored record, or a new one).
func applyClaim(r Record, c claim, confirm bool) (Record, outcome) {
	if c.isRefund || c.dispute != "" {
		return applyMoneyBack(r, c)
	}
	// Events of one second are not ordered by created: of those, one whose session is
	// behind the record (complete but unpaid, after the payment) teaches nothing.
	newer := c.created > r.LastEventCreated || c.created == r.LastEventCreated && claimRank(c) >= r.Status.rank()
	if c.session != nil {
		switch {
		case newer && (!r.Confirmed || !confirm && !r.finalConfirmed()):
			// Without a proxy a newer claim is the truth, also over an older fetch of the
			// open session; with one, fetched fields stay until the next fetch.
			mergeSession(&r, c.session)
		default:
			// Confirmed data stays, but ids that let later events find this session are
			// still worth learning.
			learnIDs(&r, c.session)
		}
	}
	if newer {
		r.LastEventCreated, r.LastEventID = c.created, c.eventID
	}
	if c.status == StatusFailed && c.reason == reasonPaymentFailed {
		r.AsyncFailureClaimed = true
	}
	target := c.status
	if target == StatusChecking {
		if !newer {
			return r, outcomeStale
		}
		return r, outcomeApplied
	}
	if r.finalConfirmed() {
		return r, outcomeStale
	}
	out := outcomeApplied
	if confirm {
		target, out = StatusNeedsConfirmation, outcomeNeedsConfirm
	}
	if target.rank() <= r.Status.rank() {
		return r, outcomeStale
	}
	r.Status = target
	r.Reason = c.reason
	if target == StatusCompleted && c.session == nil {
		// Completed through its payment intent or invoice: the session reads so at Stripe
		// now, and the answer must not show a stale "unpaid".
		r.StripeStatus, r.PaymentStatus = "complete", "paid"
	}
	if confirm {
		// Remember what was claimed; the fetch decides.
		r.Reason = claimReason(c.status)
	}
	return r, out
}

// claimRank is the rank of what a claim says about the session.
func claimRank(c claim) int {
	if c.session == nil {
		return c.status.rank()
	}
	st, _ := sessionStatus(c.session)
	return max(st.rank(), c.status.rank())
}

// claimReason is the Reason of a record whose claim of status awaits confirmation.
func claimReason(status Status) string { return "webhook claims " + status.String() }
