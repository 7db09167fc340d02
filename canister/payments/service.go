package payments

import (
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Env carries the facts of the current message that are not derivable from state: the
// canister time (ic0.time, identical on every replica) and the cycles balance (ic0
// canister_cycle_balance128, saturated to uint64 by the caller).
type Env struct {
	Now           time.Time
	CyclesBalance uint64
}

// Deps are the effects the Service uses.
type Deps struct {
	// Store keeps the records; in the canister a stable-memory B-tree.
	Store Store
	// Outcaller performs HTTPS outcalls; nil disables them (every outcall is then a
	// transient failure).
	Outcaller Outcaller
	// CanisterID is the canister's textual principal, part of every idempotency key so two
	// deployments never share keys at the proxy or at Stripe.
	CanisterID string
	// Certifier, when set, is told about every answer HTTPQuery serves from state as the
	// change that makes it is stored, so the canister can certify it (see Certifier).
	Certifier Certifier
	// EventsChanged, if set, is called in a message that gave destinations work (an entry
	// appended to the event log, a destination added, dead letters queued): the canister
	// arms its delivery timer there.
	EventsChanged func()
}

// Certifier certifies the answers the query path serves from state: GET /checkout/<id> of
// a terminal session. Certify receives the answer exactly as HTTPQuery renders it, in the
// same message that stores the record (so a canister adds it to its certified data in the
// update that commits the payment); Forget is called when a session's answer is no longer
// served from state. HTTPUpdate also calls Certify when it answers a terminal session, so
// answers stored before a certifier existed get certified on their first upgraded query.
// Implementations must not call back into the Service.
type Certifier interface {
	Certify(sessionID string, answer HTTPResponse)
	Forget(sessionID string)
}

// Service is the payments domain of the canister: HTTP routes, webhook processing,
// session lookups, session creation, listing and stats.
//
// A canister runs one message at a time, but a message that makes an outcall yields until
// the reply and other messages run meanwhile. Service is written for exactly that: it keeps
// no lock across an outcall and re-reads the record afterwards. It is not safe for use by
// several goroutines at once.
type Service struct {
	cfg        Config
	limits     Limits
	proxyBase  string
	canisterID string
	verifier   Verifier
	allowed    map[string]bool
	led        *ledger
	guard      *guard
	out        Outcaller
	events     EventConfig
}

// New validates cfg and opens the store (keeping every record an earlier version stored).
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, errfmt.Wrap("payments config: ", err, "")
	}
	if deps.Store == nil {
		return nil, errors.New("payments: a Store is required")
	}
	if deps.CanisterID == "" {
		return nil, errors.New("payments: the canister id is required (idempotency keys)")
	}
	s := &Service{
		cfg:        cfg,
		limits:     cfg.Limits.withDefaults(),
		canisterID: deps.CanisterID,
		allowed:    make(map[string]bool),
		out:        deps.Outcaller,
	}
	if cfg.IdempotentProxy != "" {
		s.proxyBase, _ = proxyBase(cfg.IdempotentProxy) // validated above
	}
	s.verifier = NewVerifier(cfg.WebhookSecrets, s.limits.WebhookTolerance, s.limits.WebhookFutureTolerance)
	for _, p := range cfg.AllowedPrincipals {
		s.allowed[p] = true
	}
	led, err := openLedger(deps.Store, s.limits, s.proxyBase == "")
	if err != nil {
		return nil, errfmt.Wrap("payments: open store: ", err, "")
	}
	led.cert = deps.Certifier
	s.led = led
	if err := s.openEvents(cfg.Events, deps.EventsChanged); err != nil {
		return nil, err
	}
	s.guard = newGuard(s.limits)
	return s, nil
}

// RedactedConfig is the get_config view.
func (s *Service) RedactedConfig() RedactedConfig { return s.cfg.Redacted() }

// Limits are the effective policies (defaults applied).
func (s *Service) Limits() Limits { return s.limits }

// confirmRequired: with a proxy, webhooks only hint and fetches decide.
func (s *Service) confirmRequired() bool { return s.proxyBase != "" }

// Payment returns the stored record of a session, or a not_found record for an id Stripe
// answered 404 for (the not-found cache).
func (s *Service) Payment(sessionID string) (Record, bool, error) {
	r, ok, err := s.led.get(sessionID)
	if ok || err != nil {
		return r, ok, err
	}
	u, ok, err := s.led.getUnknown(sessionID)
	if !ok || err != nil || !u.NotFound {
		return Record{}, false, err
	}
	return notFoundRecord(sessionID, u), true, nil
}

// List returns a page of stored records in session id order, optionally of one status.
func (s *Service) List(req ListRequest) (ListPage, error) { return s.led.list(req) }

// Stats returns the counters.
func (s *Service) Stats() Stats { return s.led.stats() }

// save stores next in place of old (nil for a new record), keeping the confirmation queue's
// rule (a record is queued exactly while a webhook claim awaits Stripe's word) and applying
// the parked events that waited for this session.
func (s *Service) save(old *Record, next Record, now time.Time) error {
	nowNS := now.UnixNano()
	queue(&next, nowNS)
	stored := s.led.put(old, next, nowNS)
	return s.applyFacts(stored, nowNS)
}

// queue enforces the queue's rule on r: a claim awaiting confirmation is due at once when
// it was not queued yet (so the oldest claim goes first); anything else leaves the queue.
func queue(r *Record, nowNS int64) {
	if r.Status != StatusNeedsConfirmation {
		r.ConfirmAt, r.ConfirmTries = 0, 0
		return
	}
	if r.ConfirmAt == 0 {
		r.ConfirmAt = nowNS
	}
}

// applyFacts applies the parked events about rec's payment intent and invoice, once its ids
// may be trusted (confirmed by Stripe, or no proxy). A refund or dispute of a payment that
// is not settled keeps waiting.
func (s *Service) applyFacts(rec Record, nowNS int64) error {
	if s.led.m.facts == 0 || !s.led.indexable(&rec) {
		return nil
	}
	cur := rec
	for _, okey := range [...]string{intentKey(rec.PaymentIntent), invoiceKey(rec.Invoice)} {
		facts, err := s.led.factsFor(okey)
		if err != nil {
			return err
		}
		for _, f := range facts {
			next, out := applyClaim(cur, f.claim(), s.confirmRequired())
			if out == outcomeWait {
				continue
			}
			s.led.dropFact(f.loc)
			s.led.rememberEvent(f.EventID, nowNS)
			s.led.m.factsApplied++
			queue(&next, nowNS)
			if next != cur {
				// One write per applied event, so that the event log names each change's
				// own Stripe event.
				prev := s.led.setCause(f.EventID)
				cur = s.led.put(&cur, next, nowNS)
				s.led.setCause(prev)
			}
		}
	}
	return nil
}
