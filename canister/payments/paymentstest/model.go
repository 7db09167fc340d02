// Package paymentstest is a model-based test of the payments canister: a model of Stripe
// (Checkout Sessions, payments, asynchronous payments, refunds, disputes) whose webhook
// deliveries are duplicated, delayed, reordered and retried, driving a canister - package
// payments natively, or the Wasm module in the replica - through random schedules that
// interleave polls, confirmations, timer firings, upgrades and anonymous floods. After each
// schedule every session the canister learned of must show Stripe's truth, and nothing a
// webhook acknowledged may be missing.
//
// The model is independent of package payments' code: it speaks Stripe's JSON and the
// canister's public views only.
package paymentstest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// session is one Checkout Session at the model Stripe.
type session struct {
	id, intent     string
	amount         int64
	currency       string
	created        int64
	status         string // open | complete | expired
	paymentStatus  string // unpaid | paid
	asyncPending   bool   // paid by a delayed method, not settled yet
	asyncFailed    bool
	refunded       int64 // amount_refunded
	full           bool
	dispute        string
	disputeOpen    bool
	exists         bool // false for a forged claim's session: Stripe answers 404
	forgedClaim    bool // a leaked-secret claim was sent for it
	polledOrEvents bool
}

// event is one webhook event Stripe emits.
type event struct {
	id        string
	body      []byte
	delivered bool // answered 200 at least once
	session   string
}

// Stripe is the model: its sessions, its clock and the events it still has to deliver.
type Stripe struct {
	mu       sync.Mutex
	prefix   string
	now      time.Time
	sessions []*session
	byID     map[string]*session
	events   []*event
	nextEvt  int
	fetches  int
	failRate float64 // share of fetches answered 503
	rnd      *rand.Rand
}

// NewStripe returns a model Stripe whose ids start with prefix (letters and digits) and
// whose clock starts at now.
func NewStripe(prefix string, now time.Time, rnd *rand.Rand) *Stripe {
	return &Stripe{prefix: prefix, now: now, byID: map[string]*session{}, rnd: rnd}
}

// Now is the model's clock (the canister's time follows it).
func (m *Stripe) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Advance moves the clock.
func (m *Stripe) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

// Fetches is the number of session fetches Stripe answered.
func (m *Stripe) Fetches() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fetches
}

var currencies = []string{"usd", "eur", "jpy", "chf"}

func (m *Stripe) newSession(exists bool) *session {
	n := len(m.sessions)
	s := &session{
		id: "cs_test_" + m.prefix + "s" + strconv.Itoa(n), intent: "pi_" + m.prefix + "p" + strconv.Itoa(n),
		amount: 50 + m.rnd.Int64N(100_000), currency: currencies[m.rnd.IntN(len(currencies))],
		created: m.now.Unix() - 30, status: "open", paymentStatus: "unpaid", exists: exists,
	}
	m.sessions = append(m.sessions, s)
	m.byID[s.id] = s
	return s
}

func (s *session) object() map[string]any {
	o := map[string]any{
		"id": s.id, "object": "checkout.session", "status": s.status, "payment_status": s.paymentStatus,
		"amount_total": s.amount, "amount_subtotal": s.amount, "currency": s.currency,
		"client_reference_id": "order-" + s.id[len(s.id)-4:], "created": s.created, "expires_at": s.created + 86400,
		"payment_intent": nil, "invoice": nil, "livemode": false, "mode": "payment", "url": nil,
		"customer_details": map[string]any{"email": "jenny.rosen@example.com"}, "metadata": map[string]any{},
	}
	if s.status == "complete" {
		o["payment_intent"] = s.intent
	}
	return o
}

func (m *Stripe) emit(typ, sessionID string, object map[string]any) {
	m.nextEvt++
	m.now = m.now.Add(time.Second) // Stripe's actions are seconds apart
	id := "evt_" + m.prefix + "e" + strconv.Itoa(m.nextEvt)
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2024-06-20", "created": m.now.Unix(),
		"livemode": false, "type": typ, "pending_webhooks": 1,
		"data":    map[string]any{"object": object},
		"request": map[string]any{"id": nil, "idempotency_key": nil},
	})
	if err != nil {
		panic(err) // plain maps
	}
	m.events = append(m.events, &event{id: id, body: b, session: sessionID})
}

func (s *session) charge() map[string]any {
	return map[string]any{"id": "ch_" + s.intent[3:], "object": "charge", "payment_intent": s.intent,
		"amount": s.amount, "amount_refunded": s.refunded, "refunded": s.full, "currency": s.currency}
}

func (s *session) disputeObject() map[string]any {
	return map[string]any{"id": "dp_" + s.intent[3:], "object": "dispute", "charge": "ch_" + s.intent[3:],
		"payment_intent": s.intent, "amount": s.amount, "currency": s.currency, "status": s.dispute}
}

// Actions at Stripe. Each changes the truth and emits the events Stripe would.

func (m *Stripe) pay(s *session, async bool) {
	s.status = "complete"
	if async {
		s.asyncPending = true
		m.emit("checkout.session.completed", s.id, s.object())
		return
	}
	s.paymentStatus = "paid"
	m.emit("payment_intent.succeeded", s.id, map[string]any{"id": s.intent, "object": "payment_intent", "amount": s.amount, "status": "succeeded"})
	m.emit("checkout.session.completed", s.id, s.object())
}

func (m *Stripe) settleAsync(s *session, ok bool) {
	s.asyncPending = false
	if ok {
		s.paymentStatus = "paid"
		m.emit("payment_intent.succeeded", s.id, map[string]any{"id": s.intent, "object": "payment_intent", "amount": s.amount, "status": "succeeded"})
		m.emit("checkout.session.async_payment_succeeded", s.id, s.object())
		return
	}
	s.asyncFailed = true
	m.emit("checkout.session.async_payment_failed", s.id, s.object())
}

func (m *Stripe) expire(s *session) {
	s.status = "expired"
	m.emit("checkout.session.expired", s.id, s.object())
}

func (m *Stripe) refund(s *session, amount int64) {
	s.refunded = min(s.amount, s.refunded+amount)
	s.full = s.refunded == s.amount
	m.emit("charge.refunded", s.id, s.charge())
}

func (m *Stripe) disputeStep(s *session) {
	if !s.disputeOpen {
		s.dispute, s.disputeOpen = "needs_response", true
		m.emit("charge.dispute.created", s.id, s.disputeObject())
		return
	}
	s.dispute, s.disputeOpen = []string{"won", "lost"}[m.rnd.IntN(2)], false
	m.emit("charge.dispute.closed", s.id, s.disputeObject())
}

// forge emits a checkout.session.completed claim signed with the real secret (a leaked
// one) for s as if paid: s does not exist at Stripe, or is still open there.
func (m *Stripe) forge(s *session) {
	s.forgedClaim = true
	o := s.object()
	o["status"], o["payment_status"], o["payment_intent"] = "complete", "paid", s.intent
	o["amount_total"] = int64(999_999)
	m.nextEvt++
	id := "evt_" + m.prefix + "forged" + strconv.Itoa(m.nextEvt)
	b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2024-06-20",
		"created": m.now.Unix(), "livemode": false, "type": "checkout.session.completed",
		"data": map[string]any{"object": o}})
	m.events = append(m.events, &event{id: id, body: b, session: s.id})
}

// FetchSession answers GET /v1/checkout/sessions/<id> as Stripe (status and JSON body).
func (m *Stripe) FetchSession(id string) (int, []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fetches++
	if m.failRate > 0 && m.rnd.Float64() < m.failRate {
		return 503, []byte(`{"error":{"type":"api_error","message":"model outage"}}`)
	}
	s, ok := m.byID[id]
	if !ok || !s.exists {
		return 404, []byte(`{"error":{"code":"resource_missing","message":"No such checkout.session: '` + id + `'","param":"session","type":"invalid_request_error"}}`)
	}
	b, _ := json.Marshal(s.object())
	return 200, b
}

// SessionFromURL extracts the session id of a fetch URL.
func SessionFromURL(url string) (string, bool) {
	i := strings.Index(url, "/v1/checkout/sessions/")
	if i < 0 {
		return "", false
	}
	return url[i+len("/v1/checkout/sessions/"):], true
}

// View is the canister's public view of a payment (get_payment).
type View struct {
	Status         string
	PaymentStatus  string
	AmountTotal    *int64
	Currency       string
	Confirmed      bool
	AmountRefunded int64
	Dispute        string
}

// want is the view the canister must end with for s, and whether s is checked at all.
func (s *session) want(proxy bool) (View, bool) {
	switch {
	case !s.polledOrEvents:
		return View{}, false
	case !s.exists:
		return View{Status: "not_found", Confirmed: true}, true
	}
	v := View{Currency: s.currency, AmountRefunded: s.refunded, Dispute: s.dispute, Confirmed: proxy}
	amount := s.amount
	v.AmountTotal = &amount
	switch {
	case s.status == "expired" || s.asyncFailed:
		v.Status, v.PaymentStatus = "failed", s.paymentStatus
		v.AmountRefunded, v.Dispute = 0, ""
	case s.full:
		v.Status, v.PaymentStatus = "refunded", "paid"
	case s.paymentStatus == "paid":
		v.Status, v.PaymentStatus = "completed", "paid"
	default:
		return View{}, false // still open or pending at the end: not determinate
	}
	return v, true
}

func (v View) String() string {
	amount := "null"
	if v.AmountTotal != nil {
		amount = strconv.FormatInt(*v.AmountTotal, 10)
	}
	return fmt.Sprintf("{%s %s %s %s confirmed=%v refunded=%d dispute=%q}", v.Status, v.PaymentStatus, amount, v.Currency, v.Confirmed, v.AmountRefunded, v.Dispute)
}
