package payments

import (
	"errors"
	"fmt"
	"time"
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
	// EventsChanged, if set, is called in a message that gave destinations work (an entry
	// appended to the event log, a destination added, dead letters queued): the canister
	// arms its delivery timer there.
	EventsChanged func()
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
		return nil, fmt.Errorf("payments config: %w", err)
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
		return nil, fmt.Errorf("payments: open store: %w", err)
	}
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

// Payment returns the stored record of a session.
func (s *Service) Payment(sessionID string) (Record, bool, error) {
	return s.led.get(sessionID)
}

// List returns a page of stored records in session id order, optionally of one status.
func (s *Service) List(req ListRequest) (ListPage, error) { return s.led.list(req) }

// Stats returns the counters.
func (s *Service) Stats() Stats { return s.led.stats() }
