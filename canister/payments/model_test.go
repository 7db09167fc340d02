package payments_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v79/webhook"

	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/payments/paymentstest"
)

const modelSecret = "whsec_model_secret_0123456789abcdef"

// nativeCanister runs package payments the way cmd/stripe_backend wires it: the query
// answers or upgrades, the update changes state, a timer (on the heap, lost on upgrade,
// re-armed from the queue on every update and after an upgrade) confirms queued claims,
// and outcalls go to the model Stripe through the transform.
type nativeCanister struct {
	t       testing.TB
	cfg     payments.Config
	store   *payments.MemStore
	svc     *payments.Service
	m       *paymentstest.Stripe
	during  func()
	armed   bool
	timerAt time.Time
	// confirmations counts the fetches the timer made.
	confirmations int
}

func newNativeCanister(t testing.TB, m *paymentstest.Stripe, proxy bool, limits payments.Limits) *nativeCanister {
	c := &nativeCanister{t: t, m: m, store: payments.NewMemStore(),
		cfg: payments.Config{APIHost: "api.stripe.com", WebhookSecrets: []string{modelSecret}, Limits: limits}}
	if proxy {
		c.cfg.IdempotentProxy = "proxy.example.com"
	}
	c.Upgrade()
	return c
}

func (c *nativeCanister) env() payments.Env {
	return payments.Env{Now: c.m.Now(), CyclesBalance: 1 << 50}
}

func (c *nativeCanister) Outcall(_ context.Context, req payments.OutcallRequest) (payments.OutcallResponse, error) {
	if c.during != nil {
		c.during() // other messages run while this one awaits
	}
	id, ok := paymentstest.SessionFromURL(req.URL)
	if !ok {
		return payments.OutcallResponse{}, fmt.Errorf("unexpected outcall %s", req.URL)
	}
	status, body := c.m.FetchSession(id)
	return payments.TransformResponse(payments.OutcallResponse{Status: status, Body: body}, req.TransformContext), nil
}

func (c *nativeCanister) SetDuring(f func()) { c.during = f }

func (c *nativeCanister) arm() {
	at, ok := c.svc.NextConfirmation(c.env())
	if ok && (!c.armed || c.timerAt.After(at)) {
		c.armed, c.timerAt = true, at
	}
}

func (c *nativeCanister) http(req payments.HTTPRequest) (int, string) {
	q := c.svc.HTTPQuery(req, c.env())
	if !q.Upgrade {
		return q.Status, string(q.Body)
	}
	c.arm()
	u := c.svc.HTTPUpdate(context.Background(), req, c.env())
	c.arm()
	return u.Status, string(u.Body)
}

func (c *nativeCanister) Webhook(body []byte, sig string) (int, string) {
	return c.http(payments.HTTPRequest{Method: "POST", URL: "/webhook", Body: body, Headers: []payments.Header{{Name: "Stripe-Signature", Value: sig}}})
}

func (c *nativeCanister) Poll(id string) (int, string) {
	return c.http(payments.HTTPRequest{Method: "GET", URL: "/checkout/" + id})
}

func (c *nativeCanister) Tick() {
	if !c.armed || c.m.Now().Before(c.timerAt) {
		return
	}
	c.armed = false
	jobs := c.svc.StartConfirmations(c.env(), 10)
	c.arm()
	for _, j := range jobs {
		j.Run(context.Background())
		c.confirmations++
		c.arm()
	}
}

func (c *nativeCanister) Upgrade() {
	svc, err := payments.New(c.cfg, payments.Deps{Store: c.store, Outcaller: c, CanisterID: "bkyz2-fmaaa-aaaaa-qaaaq-cai"})
	if err != nil {
		c.t.Fatal(err)
	}
	c.svc, c.armed = svc, false // the heap (guard, timer) is gone
	c.arm()                     // post_upgrade re-arms from the queue
}

func (c *nativeCanister) Payment(id string) (paymentstest.View, bool) {
	r, ok, err := c.svc.Payment(id)
	if err != nil {
		c.t.Fatal(err)
	}
	return viewOf(r), ok
}

// viewOf is get_payment's view of a record (cmd/stripe_backend's paymentOf).
func viewOf(r payments.Record) paymentstest.View {
	v := paymentstest.View{Status: r.Status.String(), PaymentStatus: r.PaymentStatus, Currency: r.Currency,
		Confirmed: r.ConfirmedByStripe(), AmountRefunded: r.AmountRefunded, Dispute: r.DisputeStatus}
	if r.HasAmountTotal {
		a := r.AmountTotal
		v.AmountTotal = &a
	}
	return v
}

func modelSign(body []byte, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: modelSecret, Timestamp: at}).Header
}

// TestModelSchedules plays thousands of random schedules - payments, asynchronous payments,
// expiries, partial and full refunds, disputes, leaked-secret claims; deliveries
// duplicated, delayed, reordered, retried and interleaved with the outcalls of polls and
// confirmations; timer firings, upgrades, anonymous floods and Stripe outages - against
// package payments, with and without a proxy, and checks that every session ends as
// Stripe's truth and that nothing a webhook acknowledged is lost.
func TestModelSchedules(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	var total paymentstest.Result
	start := time.Now()
	for seed := range uint64(n) {
		proxy := seed%4 != 3
		rnd := rand.New(rand.NewPCG(seed, 7))
		m := paymentstest.NewStripe("m"+strconv.FormatUint(seed, 36), time.Unix(1_760_000_000, 0), rnd)
		limits := payments.Limits{OutcallBudget: 20 + int(seed%5)*10, MaxPending: 5 + int(seed%7)}
		c := newNativeCanister(t, m, proxy, limits)
		res, err := paymentstest.Run(c, m, seed, paymentstest.Options{Proxy: proxy, Sign: modelSign,
			FailRate: float64(seed%3) * 0.1, Flood: 5 + int(seed%20)})
		if err != nil {
			t.Fatalf("schedule %d (proxy %v): %v", seed, proxy, err)
		}
		if err := checkEventLog(c.svc); err != nil {
			t.Fatalf("schedule %d (proxy %v): event log: %v", seed, proxy, err)
		}
		total.Sessions += res.Sessions
		total.Checked += res.Checked
		total.Deliveries += res.Deliveries
		total.Polls += res.Polls
		total.Upgrades += res.Upgrades
		total.Floods += res.Floods
	}
	t.Logf("%d schedules in %v: %d sessions (%d checked against Stripe), %d deliveries, %d polls, %d upgrades, %d floods",
		n, time.Since(start).Round(time.Millisecond), total.Sessions, total.Checked, total.Deliveries, total.Polls, total.Upgrades, total.Floods)
}

// checkEventLog checks that the event log is the history of every stored payment: dense
// sequence numbers; per session, each entry starts where the previous one ended (an entry
// without an old status starts afresh: a new record, or one evicted and learned again); the
// last entry of each stored record shows its status, refunds and dispute. So no path that
// changes a payment (webhooks, polls, the confirmation queue, parked events applied later,
// refunds, disputes) escapes the log.
func checkEventLog(svc *payments.Service) error {
	last := map[string]payments.LogEntry{}
	var after, seq uint64
	for {
		page, err := svc.ListEvents(payments.Caller{IsController: true}, payments.EventsRequest{After: after})
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			if seq++; e.Seq != seq {
				return fmt.Errorf("entry %d has seq %d", seq, e.Seq)
			}
			prev, seen := last[e.SessionID]
			switch {
			case e.OldStatus == 0:
				// A new record (its first status may already be an outcome).
				if e.Kind == payments.KindUpdated || e.Kind == payments.KindDisputed || e.Kind == payments.KindPartiallyRefunded {
					return fmt.Errorf("entry %+v: a new record's entry must say what it is", e)
				}
			case !seen:
				return fmt.Errorf("entry %+v: the first entry of its session has an old status", e)
			case e.OldStatus != prev.NewStatus || e.AmountRefunded < prev.AmountRefunded:
				return fmt.Errorf("entry %+v does not follow %+v", e, prev)
			case e.Kind == payments.KindDisputed && e.Dispute == prev.Dispute,
				e.Kind == payments.KindPartiallyRefunded && e.AmountRefunded == prev.AmountRefunded:
				return fmt.Errorf("entry %+v changes nothing after %+v", e, prev)
			}
			last[e.SessionID] = e
		}
		if page.Next == 0 {
			break
		}
		after = page.Next
	}
	var cursor string
	for {
		page, err := svc.List(payments.ListRequest{After: cursor})
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			e, ok := last[r.SessionID]
			if !ok || e.NewStatus != r.Status || e.AmountRefunded != r.AmountRefunded || e.Dispute != r.DisputeStatus {
				return fmt.Errorf("%s is %v (refunded %d, dispute %q); its last entry is %+v", r.SessionID, r.Status,
					r.AmountRefunded, r.DisputeStatus, e)
			}
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}
