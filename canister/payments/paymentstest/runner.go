package paymentstest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Canister is what a schedule drives: the canister through its public entry points.
type Canister interface {
	// Webhook delivers one event as the gateway does (the http_request query, then the
	// update when the query upgrades) and returns the HTTP status and body.
	Webhook(body []byte, signature string) (int, string)
	// Poll is the payment page's GET /checkout/<id>.
	Poll(id string) (int, string)
	// Tick lets the canister's timers that are due at the model's time run, and waits for
	// the work they started.
	Tick()
	// Upgrade upgrades the canister: stable state stays, the heap (timers) goes.
	Upgrade()
	// Payment is get_payment.
	Payment(id string) (View, bool)
}

// Options shape the schedules.
type Options struct {
	// Proxy: the canister is configured with a proxy, so webhooks only hint and fetches
	// decide (and forged claims, signed with a leaked secret, are part of the schedules).
	Proxy bool
	// Steps per schedule (default 60).
	Steps int
	// Parallel > 1 runs consecutive steps in batches of up to that many at once (the
	// replica interleaves them at their awaits); 1 runs them one by one.
	Parallel int
	// Sign returns the Stripe-Signature header of body at time at (the real secret).
	Sign func(body []byte, at time.Time) string
	// FailRate is the share of fetches Stripe answers 503.
	FailRate float64
	// Flood is the number of random ids one flood step polls (default 20).
	Flood int
}

// Result is what a schedule did, for figures.
type Result struct {
	Sessions, Checked, Deliveries, Polls, Fetches, Upgrades, Floods int
	SimulatedTime                                                   time.Duration
}

// Run plays one random schedule (seeded by seed) against c, whose outcalls must be answered
// by m.FetchSession, then settles Stripe, delivers every event and lets the timers run
// until the canister has nothing left to do. It returns an error describing the first
// session whose final state differs from Stripe's truth, or the first acknowledged payment
// that is missing.
func Run(c Canister, m *Stripe, seed uint64, o Options) (Result, error) {
	if o.Steps == 0 {
		o.Steps = 60
	}
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Flood == 0 {
		o.Flood = 20
	}
	m.mu.Lock()
	m.failRate = o.FailRate
	m.mu.Unlock()
	r := &run{c: c, m: m, o: o, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), acked: map[string]bool{}}
	if il, ok := c.(Interleaver); ok && o.Parallel == 1 {
		il.SetDuring(r.nested)
		defer il.SetDuring(nil)
	}
	start := m.Now()
	for i := 0; i < o.Steps; {
		n := 1
		if o.Parallel > 1 {
			n = 1 + r.intn(o.Parallel)
		}
		steps := make([]func(), 0, n)
		for ; n > 0 && i < o.Steps; n, i = n-1, i+1 {
			steps = append(steps, r.pick())
		}
		if len(steps) == 1 {
			steps[0]()
			continue
		}
		var wg sync.WaitGroup
		for _, f := range steps {
			wg.Add(1)
			go func() { defer wg.Done(); f() }()
		}
		wg.Wait()
	}
	if r.err != nil {
		return r.res, r.err
	}
	err := r.finish()
	r.res.Sessions = len(m.sessions)
	r.res.Fetches = m.Fetches()
	r.res.SimulatedTime = m.Now().Sub(start)
	return r.res, err
}

type run struct {
	c   Canister
	m   *Stripe
	o   Options
	mu  sync.Mutex // guards rnd, res, acked, err
	rnd *rand.Rand
	res Result
	// acked are the sessions a webhook about was answered 200 (and not kept pending).
	acked map[string]bool
	err   error
	depth int // nesting inside an outcall (Interleaver)
}

func (r *run) intn(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rnd.IntN(n)
}

func (r *run) fail(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
}

// pick chooses the next step. Model changes happen when the step is chosen (under the
// model's lock), calls into the canister when it runs.
func (r *run) pick() func() {
	m := r.m
	m.mu.Lock()
	defer m.mu.Unlock()
	roll := r.intn(100)
	sessionWhere := func(ok func(*session) bool) *session {
		var cands []*session
		for _, s := range m.sessions {
			if s.exists && ok(s) {
				cands = append(cands, s)
			}
		}
		if len(cands) == 0 {
			return nil
		}
		return cands[r.intn(len(cands))]
	}
	switch {
	case roll < 10 || len(m.sessions) == 0:
		s := m.newSession(true)
		if r.intn(2) == 0 {
			return r.poll(s.id) // the customer's page starts polling
		}
		return func() {}
	case roll < 22:
		if s := sessionWhere(func(s *session) bool { return s.status == "open" }); s != nil {
			m.pay(s, r.intn(4) == 0)
		}
	case roll < 25:
		if s := sessionWhere(func(s *session) bool { return s.asyncPending }); s != nil {
			m.settleAsync(s, r.intn(3) != 0)
		}
	case roll < 28:
		if s := sessionWhere(func(s *session) bool { return s.status == "open" }); s != nil {
			m.expire(s)
		}
	case roll < 34:
		if s := sessionWhere(func(s *session) bool { return s.paymentStatus == "paid" && !s.full }); s != nil {
			amount := s.amount - s.refunded
			if r.intn(2) == 0 {
				amount = 1 + int64(r.intn(int(max(amount/2, 1))))
			}
			m.refund(s, amount)
		}
	case roll < 38:
		if s := sessionWhere(func(s *session) bool { return s.paymentStatus == "paid" && s.dispute != "won" && s.dispute != "lost" }); s != nil {
			m.disputeStep(s)
		}
	case roll < 41 && r.o.Proxy:
		// A claim signed with a leaked secret: for a session Stripe does not know, or for
		// one still open there.
		s := sessionWhere(func(s *session) bool { return s.status == "open" && !s.forgedClaim })
		if s == nil || r.intn(2) == 0 {
			s = m.newSession(false)
		}
		m.forge(s)
	case roll < 66:
		if e := r.pendingEvent(false); e != nil {
			return r.deliver(e, r.intn(8) == 0) // sometimes Stripe never sees the answer
		}
	case roll < 71:
		if e := r.pendingEvent(true); e != nil {
			return r.deliver(e, false) // a duplicate delivery
		}
	case roll < 80:
		if s := sessionWhere(func(*session) bool { return true }); s != nil {
			return r.poll(s.id)
		}
	case roll < 83:
		return r.flood()
	case roll < 97:
		d := time.Duration(1+r.intn(120)) * time.Second
		return func() { m.Advance(d); r.c.Tick() }
	default:
		return func() {
			r.c.Upgrade()
			r.mu.Lock()
			r.res.Upgrades++
			r.mu.Unlock()
		}
	}
	return func() {}
}

// pendingEvent picks an undelivered event (Stripe delivers in no particular order), or a
// delivered one for a duplicate.
func (r *run) pendingEvent(delivered bool) *event {
	var cands []*event
	for _, e := range r.m.events {
		if e.delivered == delivered {
			cands = append(cands, e)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return cands[r.intn(len(cands))]
}

// deliver sends e, signed now; lost means Stripe does not see the answer and retries.
func (r *run) deliver(e *event, lost bool) func() {
	return func() {
		code, body := r.c.Webhook(e.body, r.o.Sign(e.body, r.m.Now()))
		r.mu.Lock()
		r.res.Deliveries++
		r.mu.Unlock()
		if code != 200 {
			r.fail("delivery of %s = %d %s", e.id, code, body)
			return
		}
		r.m.mu.Lock()
		if s := r.m.byID[e.session]; s != nil {
			s.polledOrEvents = true
		}
		if !lost {
			e.delivered = true
		}
		r.m.mu.Unlock()
		if !strings.Contains(body, `"pending"`) && !strings.Contains(body, `"ignored"`) {
			r.mu.Lock()
			r.acked[e.session] = true
			r.mu.Unlock()
		}
	}
}

// Interleaver is implemented by a Canister that runs other messages while one awaits an
// outcall (package payments natively: its outcaller calls the hook). Run then plays
// deliveries and polls inside outcalls, as the IC interleaves messages at awaits.
type Interleaver interface {
	SetDuring(func())
}

// nested runs, sometimes, a delivery, a duplicate or a poll inside an outcall.
func (r *run) nested() {
	if r.depth > 0 || r.intn(3) != 0 {
		return
	}
	r.depth++
	defer func() { r.depth-- }()
	r.m.mu.Lock()
	var step func()
	switch r.intn(3) {
	case 0:
		if e := r.pendingEvent(false); e != nil {
			step = r.deliver(e, false)
		}
	case 1:
		if e := r.pendingEvent(true); e != nil {
			step = r.deliver(e, false)
		}
	default:
		if len(r.m.sessions) > 0 {
			step = r.poll(r.m.sessions[r.intn(len(r.m.sessions))].id)
		}
	}
	r.m.mu.Unlock()
	if step != nil {
		step()
	}
}

func (r *run) poll(id string) func() {
	return func() {
		code, body := r.c.Poll(id)
		r.mu.Lock()
		r.res.Polls++
		r.mu.Unlock()
		switch code {
		case 200, 429, 503:
		default:
			r.fail("poll of %s = %d %s", id, code, body)
			return
		}
		if code == 200 && strings.Contains(body, `"completed"`) {
			r.m.mu.Lock()
			s := r.m.byID[id]
			paid := s != nil && s.exists && s.paymentStatus == "paid"
			r.m.mu.Unlock()
			if !paid {
				r.fail("poll of %s shows completed, but Stripe says it is not paid: %s", id, body)
			}
		}
		r.m.mu.Lock()
		if s := r.m.byID[id]; s != nil {
			s.polledOrEvents = true
		}
		r.m.mu.Unlock()
	}
}

// flood polls random ids, as anonymous traffic would.
func (r *run) flood() func() {
	ids := make([]string, r.o.Flood)
	for i := range ids {
		ids[i] = "cs_test_" + r.m.prefix + "rnd" + strconv.FormatUint(uint64(r.intn(1<<30)), 36)
	}
	return func() {
		for _, id := range ids {
			if code, body := r.c.Poll(id); code == 200 && strings.Contains(body, `"completed"`) {
				r.fail("a random id %s shows completed: %s", id, body)
			}
		}
		r.mu.Lock()
		r.res.Floods++
		r.mu.Unlock()
	}
}

// finish settles every session at Stripe (as its 24 hours would), delivers every event
// until answered, and lets the canister's timers run until each checked session shows
// Stripe's truth; then it compares.
func (r *run) finish() error {
	m := r.m
	m.mu.Lock()
	for _, s := range m.sessions {
		switch {
		case !s.exists:
		case s.asyncPending:
			m.settleAsync(s, r.intn(2) == 0)
		case s.status == "open" && s.forgedClaim:
			m.expire(s) // a forged claim's session: nobody pays it
		case s.status == "open" && r.intn(2) == 0:
			m.pay(s, false)
		case s.status == "open":
			m.expire(s)
		}
	}
	m.failRate = 0
	m.mu.Unlock()
	var last error
	for round := 0; round < 400; round++ {
		m.mu.Lock()
		var pending []*event
		for _, e := range m.events {
			if !e.delivered {
				pending = append(pending, e)
			}
		}
		m.mu.Unlock()
		for _, e := range pending {
			r.deliver(e, false)()
		}
		if r.err != nil {
			return r.err
		}
		if last = r.compare(); last == nil && len(pending) == 0 {
			return nil
		}
		m.Advance(30 * time.Second)
		r.c.Tick()
	}
	return fmt.Errorf("after draining for %v of model time: %w", 400*30*time.Second, last)
}

// compare checks every session against Stripe's truth and every acknowledged one for
// presence.
func (r *run) compare() error {
	m := r.m
	m.mu.Lock()
	sessions := append([]*session(nil), m.sessions...)
	m.mu.Unlock()
	checked := 0
	for _, s := range sessions {
		m.mu.Lock()
		want, ok := s.want(r.o.Proxy)
		acked := r.acked[s.id]
		m.mu.Unlock()
		got, found := r.c.Payment(s.id)
		if acked && !found {
			return fmt.Errorf("%s: a webhook about it was acknowledged, but the canister has no record", s.id)
		}
		if !ok {
			continue
		}
		checked++
		if !found {
			return fmt.Errorf("%s: no record, want %v", s.id, want)
		}
		if !r.o.Proxy {
			got.Confirmed = want.Confirmed // without a proxy, polls may or may not have fetched it
		}
		if want.Status == "not_found" {
			if got.Status != "not_found" || !got.Confirmed || got.AmountTotal != nil || got.PaymentStatus != "" || got.Currency != "" {
				return fmt.Errorf("%s: Stripe does not know it; canister shows %v", s.id, got)
			}
			continue
		}
		if got.Status != want.Status || got.PaymentStatus != want.PaymentStatus || got.AmountTotal == nil ||
			*got.AmountTotal != *want.AmountTotal || got.Currency != want.Currency || got.Confirmed != want.Confirmed ||
			got.AmountRefunded != want.AmountRefunded || got.Dispute != want.Dispute {
			return fmt.Errorf("%s: canister shows %v, Stripe says %v", s.id, got, want)
		}
	}
	r.res.Checked = checked
	return nil
}
