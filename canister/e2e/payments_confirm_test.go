package e2e

// Payments that must not be lost or mis-stated (issue 11), with the Wasm module: a model of
// Stripe drives the canister in an engine whose clock it owns (replica time, outcalls
// answered by the model); 200 payments confirmed at once; refunds racing confirmation;
// anonymous floods; direct update calls refused by canister_inspect_message. Webhooks are
// signed by the npm stripe library (stripe.webhooks.generateTestHeaderString) and by
// stripe-go, never by the canister's own code.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/payments/paymentstest"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/mgmt"
	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// npmSign returns the Stripe-Signature headers the npm stripe library computes for the
// payloads (one node process for all of them). The library is pinned in
// testdata/stripesign/package.json and installed with npm ci on first use.
func npmSign(t testing.TB, secret string, payloads [][]byte, at time.Time) []string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "stripesign"))
	if err != nil {
		t.Fatal(err)
	}
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "stripe")); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			npmErr = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
	type item struct {
		Payload   string `json:"payload"`
		Secret    string `json:"secret"`
		Timestamp int64  `json:"timestamp"`
	}
	in := make([]item, len(payloads))
	for i, p := range payloads {
		in[i] = item{string(p), secret, at.Unix()}
	}
	b, _ := json.Marshal(in)
	cmd := exec.Command("node", "sign.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sign.mjs: %v", err)
	}
	var headers []string
	if err := json.Unmarshal(out, &headers); err != nil || len(headers) != len(payloads) {
		t.Fatalf("node sign.mjs answered %q: %v", out, err)
	}
	return headers
}

var (
	npmOnce sync.Once
	npmErr  error
)

// modelOutcalls is the management canister's outcall client for an engine whose Stripe is
// a model: it answers session fetches through the canister's transform (as 13 replicas
// that agree would) and counts the outcalls in flight.
type modelOutcalls struct {
	fetch    func(id string) (int, []byte)
	inFlight atomic.Int64
	total    atomic.Int64
}

func (o *modelOutcalls) Nodes() int { return 13 }

func (o *modelOutcalls) Do(ctx context.Context, req outcall.Request, transform outcall.TransformFunc) (outcall.Response, *protocol.Reject) {
	o.inFlight.Add(1)
	defer o.inFlight.Add(-1)
	o.total.Add(1)
	id, ok := paymentstest.SessionFromURL(req.URL)
	if !ok {
		return outcall.Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: "unexpected outcall " + req.URL}
	}
	status, body := o.fetch(id)
	raw := outcall.Response{Status: uint64(status), Body: body, Headers: []outcall.Header{{Name: "request-id", Value: "req_" + strconv.FormatInt(o.total.Load(), 10)}}}
	if req.Transform == nil {
		return raw, nil
	}
	resp, rej := transform(ctx, *req.Transform, raw)
	if rej == nil && uint64(len(resp.Body)) > req.ResponseLimit() {
		return outcall.Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: fmt.Sprintf("Transformed http response exceeds limit: %d", req.ResponseLimit())}
	}
	return resp, rej
}

// clockedCanister is the payments canister on an engine whose clock and Stripe are the
// test's: timers fire when the test ticks, outcalls are answered by fetch.
type clockedCanister struct {
	*engineCanister
	out *modelOutcalls
	mu  sync.RWMutex // upgrades exclude every other operation
	t   testing.TB
}

func newClockedCanister(t testing.TB, arg string, now func() time.Time, fetch func(string) (int, []byte)) *clockedCanister {
	t.Helper()
	ctx := context.Background()
	out := &modelOutcalls{fetch: fetch}
	m := mgmt.New(mgmt.Config{Outcalls: out})
	c := &engineCanister{gz: stripeBackendGzip(t), x: &executionLog{}, ctrl: newIdentity(t).Sender()}
	e, err := engine.New(ctx, engine.Config{Observe: c.x.observe, Management: m, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	m.Bind(e)
	c.e = e
	if c.id, err = e.CreateCanister(engine.CreateOptions{Controllers: []principal.Principal{c.ctrl}, Cycles: 100_000_000_000_000}); err != nil {
		t.Fatal(err)
	}
	if err := e.InstallCode(ctx, c.id, engine.InstallArgs{Mode: engine.Install, Module: c.gz, Arg: mustArg(t, arg), Sender: c.ctrl}); err != nil {
		t.Fatal(err)
	}
	return &clockedCanister{engineCanister: c, out: out, t: t}
}

// call runs an update or query without failing the test from another goroutine.
func (c *clockedCanister) call(update bool, method string, args []any, outs ...any) error {
	arg, err := candid.Marshal(args)
	if err != nil {
		return err
	}
	var reply []byte
	if update {
		reply, err = c.e.Update(context.Background(), c.id, method, arg, principal.AnonymousID)
	} else {
		reply, err = c.e.Query(context.Background(), c.id, method, arg, c.ctrl, engine.QueryOptions{})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	return candid.Unmarshal(reply, outs)
}

// http sends a request the way the gateway does: the query, then the update when the
// query upgrades.
func (c *clockedCanister) http(req gatewayRequest) (int, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var q gatewayResponse
	if err := c.call(false, "http_request", []any{req}, &q); err != nil {
		return 599, err.Error()
	}
	if q.Upgrade == nil || !*q.Upgrade {
		return int(q.StatusCode), string(q.Body)
	}
	var u gatewayResponse
	if err := c.call(true, "http_request_update", []any{req}, &u); err != nil {
		return 599, err.Error()
	}
	return int(u.StatusCode), string(u.Body)
}

func (c *clockedCanister) Webhook(body []byte, sig string) (int, string) {
	return c.http(webhookRequest(body, sig))
}

func (c *clockedCanister) Poll(id string) (int, string) {
	return c.http(gatewayRequest{Method: "GET", URL: "/checkout/" + id, Headers: []gatewayHeader{}})
}

// Tick delivers the due timers and waits until the outcalls they started are answered.
func (c *clockedCanister) Tick() {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.e.Tick(context.Background())
	c.settle()
}

// settle waits until no outcall is in flight (their callbacks then run at once).
func (c *clockedCanister) settle() {
	for quiet := 0; quiet < 3; {
		time.Sleep(time.Millisecond)
		if c.out.inFlight.Load() == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

func (c *clockedCanister) Upgrade() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	c.upgrade(c.t)
}

func (c *clockedCanister) Payment(id string) (paymentstest.View, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var p *paymentView
	if err := c.call(false, "get_payment", []any{id}, &p); err != nil {
		c.t.Error(err)
		return paymentstest.View{}, false
	}
	if p == nil {
		return paymentstest.View{}, false
	}
	return paymentstest.View{Status: p.Status, PaymentStatus: p.PaymentStatus, AmountTotal: p.AmountTotal, Currency: p.Currency,
		Confirmed: p.Confirmed, AmountRefunded: p.AmountRefunded, Dispute: valueOf(p.Dispute)}, true
}

func (c *clockedCanister) stats(t testing.TB) statsView {
	var st statsView
	c.query(t, "stats", []any{}, &st)
	return st
}

// modelClock is a clock the test moves; the engine reads it.
type modelClock struct {
	mu  sync.Mutex
	now time.Time
}

func (k *modelClock) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.now
}

func (k *modelClock) Advance(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.now = k.now.Add(d)
}

// TestPaymentsModelSchedulesWasm plays the model-based schedules of package paymentstest
// against the Wasm module in the replica's engine: deliveries duplicated, delayed,
// reordered and retried, polls, timer firings, upgrades and anonymous floods, several at
// once; every session must end as Stripe's truth and nothing acknowledged may be lost.
func TestPaymentsModelSchedulesWasm(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 30
	}
	start := time.Now()
	var mu sync.Mutex
	current := (*paymentstest.Stripe)(nil)
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if current == nil {
			return time.Unix(1_760_000_000, 0)
		}
		return current.Now()
	}
	fetch := func(id string) (int, []byte) {
		mu.Lock()
		m := current
		mu.Unlock()
		return m.FetchSession(id)
	}
	// One canister per configuration serves every schedule (ids differ per schedule); the
	// model clocks of successive schedules move forward.
	canisters := map[bool]*clockedCanister{}
	for _, proxy := range []bool{true, false} {
		arg := `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "` + whsec + `" }; limits = opt record { outcall_budget = opt 240 : nat32; max_pending = opt 8 : nat32 } })`
		if proxy {
			arg = `(record { api_host = "api.stripe.com"; idempotent_proxy = opt "proxy.example.com"; webhook_secrets = opt vec { "` + whsec + `" }; limits = opt record { outcall_budget = opt 240 : nat32; max_pending = opt 8 : nat32 } })`
		}
		canisters[proxy] = newClockedCanister(t, arg, now, fetch)
	}
	clock := time.Unix(1_760_000_000, 0)
	var total paymentstest.Result
	for seed := range uint64(n) {
		proxy := seed%4 != 3
		m := paymentstest.NewStripe("w"+strconv.FormatUint(seed, 36), clock, rand.New(rand.NewPCG(seed, 11)))
		mu.Lock()
		current = m
		mu.Unlock()
		res, err := paymentstest.Run(canisters[proxy], m, seed, paymentstest.Options{Proxy: proxy, Steps: 40, Parallel: 4,
			Sign:     func(body []byte, at time.Time) string { return stripeSignature(body, whsec, at) },
			FailRate: float64(seed%3) * 0.1, Flood: 10})
		if err != nil {
			t.Fatalf("schedule %d (proxy %v): %v", seed, proxy, err)
		}
		clock = m.Now().Add(time.Hour) // the next schedule starts with a fresh budget window
		total.Sessions += res.Sessions
		total.Checked += res.Checked
		total.Deliveries += res.Deliveries
		total.Polls += res.Polls
		total.Upgrades += res.Upgrades
		total.Floods += res.Floods
	}
	t.Logf("%d schedules with the Wasm module in %v: %d sessions (%d checked against Stripe), %d deliveries, %d polls, %d upgrades, %d floods",
		n, time.Since(start).Round(time.Millisecond), total.Sessions, total.Checked, total.Deliveries, total.Polls, total.Upgrades, total.Floods)
}

// TestPaymentsBurstReplicaTime pays 200 sessions at the same moment (webhooks signed by the
// npm stripe library) on a canister with the default outcall budget, in an engine whose
// clock the test moves one second per round, with an upgrade (which drops every timer)
// half-way; all 200 must be confirmed at the budget's rate. It reports the replica time,
// the outcalls per payment and the instructions per confirmation.
func TestPaymentsBurstReplicaTime(t *testing.T) {
	const n = 200
	clock := &modelClock{now: time.Unix(1_760_000_000, 0)}
	var mu sync.Mutex
	open := map[string]bool{} // sessions Stripe still reports open
	paid := func(id string) (int, []byte) {
		mu.Lock()
		isOpen := open[id]
		mu.Unlock()
		s := stripeSession{ID: id, Status: "complete", PaymentStatus: "paid", Amount: 1000, Created: clock.Now().Unix() - 60, PaymentIntent: "pi_" + id[8:]}
		if isOpen {
			s.Status, s.PaymentStatus, s.PaymentIntent = "open", "unpaid", ""
		}
		b, _ := json.Marshal(s.object(0))
		return 200, b
	}
	c := newClockedCanister(t, `(record { api_host = "api.stripe.com"; idempotent_proxy = opt "proxy.example.com"; webhook_secrets = opt vec { "`+whsec+`" } })`, clock.Now, paid)
	ids := make([]string, n)
	bodies := make([][]byte, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("cs_test_burst%03d", i)
		if i%20 == 0 {
			open[ids[i]] = true // Stripe lags for these: open at their first fetches
		}
		s := stripeSession{ID: ids[i], Status: "complete", PaymentStatus: "paid", Amount: 1000, Created: clock.Now().Unix() - 60, PaymentIntent: "pi_" + ids[i][8:]}
		bodies[i] = stripeEvent("evt_burst"+strconv.Itoa(i), "checkout.session.completed", clock.Now().Unix(), s.object(0))
	}
	sigs := npmSign(t, whsec, bodies, clock.Now())
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 20 {
				if code, body := c.Webhook(bodies[i], sigs[i]); code != 200 || !strings.Contains(body, "needs_confirmation") {
					failed.Add(1)
					t.Errorf("webhook %d = %d %s", i, code, body)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.FailNow()
	}
	mark := c.x.mark()
	start := clock.Now()
	confirmed := func() int {
		var st statsView
		c.query(t, "stats", []any{}, &st)
		for _, e := range st.ByStatus {
			if e.Name == "completed" {
				return int(e.Count)
			}
		}
		return 0
	}
	upgraded := false
	for done := 0; done < n; done = confirmed() {
		if clock.Now().Sub(start) > 30*time.Minute {
			t.Fatalf("%d of %d confirmed after 30 min of replica time", done, n)
		}
		if !upgraded && done >= n/2 {
			c.Upgrade() // every timer is dropped; post_upgrade re-arms from the queue
			upgraded = true
			mu.Lock()
			clear(open) // Stripe has caught up
			mu.Unlock()
		}
		clock.Advance(time.Second)
		c.Tick()
	}
	took := clock.Now().Sub(start)
	st := c.stats(t)
	var timerInstr int64
	for _, x := range c.x.since(mark) {
		switch x.Kind {
		case "global timer", "reply callback", "reject callback", "transform":
			timerInstr += x.Instructions
		}
	}
	for _, id := range []string{ids[0], ids[1], ids[n-1]} {
		var p *paymentView
		c.query(t, "get_payment", []any{id}, &p)
		if p == nil || p.Status != "completed" || !p.Confirmed {
			t.Fatalf("get_payment(%s) = %+v", id, p)
		}
	}
	if st.ConfirmQueue != 0 || !upgraded {
		t.Fatalf("stats %+v (upgraded %v)", st, upgraded)
	}
	// The default budget is 60 outcalls per minute, of which known customers' polls keep a
	// quarter: about 45 confirmations per minute, so 200 fetches and the refetches of the
	// sessions Stripe still showed open take about 4.5 minutes (4m9s in quiet runs). Under
	// load the upgrade can fall early in a budget window, and the budget, kept on the heap,
	// starts afresh after it; what must always hold is the budget itself: never more than
	// 60 outcalls a minute, plus one fresh window after the upgrade.
	minTook := time.Duration(float64(st.Outcalls-60) / 60 * float64(time.Minute))
	if took < minTook || took > 7*time.Minute {
		t.Errorf("200 confirmations took %v of replica time with %d outcalls; want at least %v (60 outcalls a minute) and about 4.5 min", took, st.Outcalls, minTook)
	}
	t.Logf("200 concurrent payments (webhooks signed by npm stripe) confirmed in %v of replica time at the default budget (60 outcalls/min), upgrade half-way; "+
		"%d outcalls (%.2f per payment), %d confirmation fetches, %d instructions per confirmation (timer, callbacks and transforms)",
		took, st.Outcalls, float64(st.Outcalls)/n, st.Confirmations, timerInstr/int64(st.Confirmations))
}

// webhookOnce POSTs a delivery through the gateway without failing the test (for
// goroutines).
func (s *stripeCanister) webhookOnce(body []byte, signature string) (int, string, error) {
	req, err := http.NewRequest("POST", s.origin+"/webhook", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signature)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func (s *stripeCanister) pollOnce(id string) (int, string, error) {
	resp, err := s.client.Get(s.origin + "/checkout/" + id)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestPaymentsConfirmationsThroughGateway runs the whole stack (gateway, replica with 13
// replicas' outcalls, the fake proxy) with wall-clock time: 60 webhooks delivered at once
// (the replica saves the canister after every update, so 200 take minutes here; see
// TestPaymentsBurstReplicaTime for 200), all confirmed by the timer alone; refunds racing
// confirmation end refunded.
func TestPaymentsConfirmationsThroughGateway(t *testing.T) {
	ours(t, "outcalls to the local TLS server")
	proxy, proxyURL := newFakeProxy(t)
	s := deployStripe(t, `(record { api_host = "api.stripe.com"; idempotent_proxy = opt "`+proxyURL+`";
		webhook_secrets = opt vec { "`+whsec+`" }; limits = opt record { min_refetch_interval_seconds = opt 1 : nat64; outcall_budget = opt 3000 : nat32 } })`)
	now := time.Now()
	const n = 60
	bodies := make([][]byte, n)
	ids := make([]string, n)
	for i := range ids {
		sess := stripeSession{ID: fmt.Sprintf("cs_test_gw%03d", i), Status: "complete", PaymentStatus: "paid", Amount: int64(100 + i), Created: now.Unix() - 60, PaymentIntent: fmt.Sprintf("pi_gw%03d", i)}
		ids[i] = sess.ID
		proxy.set(sess)
		bodies[i] = stripeEvent(fmt.Sprintf("evt_gw%03d", i), "checkout.session.completed", now.Unix(), sess.object(0))
	}
	// Refunds racing confirmation: one right after its session's claim, one before the
	// session is known at all.
	// Stripe lags for the raced session: open at first, so the refund surely arrives
	// before the canister could confirm it.
	raced := stripeSession{ID: "cs_test_gwraced", Status: "complete", PaymentStatus: "paid", Amount: 4200, Created: now.Unix() - 60, PaymentIntent: "pi_gwraced"}
	early := stripeSession{ID: "cs_test_gwearly", Status: "complete", PaymentStatus: "paid", Amount: 900, Created: now.Unix() - 60, PaymentIntent: "pi_gwearly"}
	lagging := raced
	lagging.Status, lagging.PaymentStatus, lagging.PaymentIntent = "open", "unpaid", ""
	proxy.set(lagging)
	proxy.set(early)
	refund := func(s stripeSession, id string) []byte {
		return stripeEvent(id, "charge.refunded", now.Unix()+1, map[string]any{"id": "ch_" + s.PaymentIntent[3:], "object": "charge", "payment_intent": s.PaymentIntent, "refunded": true, "amount_refunded": s.Amount})
	}
	race := [][]byte{
		stripeEvent("evt_gwraced_paid", "checkout.session.completed", now.Unix(), raced.object(0)), refund(raced, "evt_gwraced_refund"),
		refund(early, "evt_gwearly_refund"), stripeEvent("evt_gwearly_paid", "checkout.session.completed", now.Unix(), early.object(0)),
	}
	sigs := npmSign(t, whsec, append(append([][]byte{}, bodies...), race...), now)

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				code, body, err := s.webhookOnce(bodies[i], sigs[i])
				if err == nil && (code != 200 || !strings.Contains(body, "needs_confirmation")) {
					err = fmt.Errorf("webhook %d = %d %s", i, code, body)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i, body := range race {
		code, ans, err := s.webhookOnce(body, sigs[n+i])
		want := []string{"needs_confirmation", "pending", "pending", "needs_confirmation"}[i]
		if err != nil || code != 200 || !strings.Contains(ans, want) {
			t.Fatalf("race delivery %d = %d %s (%v), want %s", i, code, ans, err, want)
		}
	}
	proxy.set(raced) // Stripe catches up
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	delivered := time.Since(start)
	waitUntil(t, "every confirmation by the timer", 3*time.Minute, func() bool {
		st := s.stats(t)
		for _, e := range st.ByStatus {
			if e.Name == "completed" {
				return e.Count == n
			}
		}
		return false
	})
	took := time.Since(start)
	for _, x := range []stripeSession{raced, early} {
		waitUntil(t, x.ID+" refunded", 30*time.Second, func() bool {
			p := s.payment(t, x.ID)
			return p != nil && p.Status == "refunded"
		})
		if p := s.payment(t, x.ID); !p.Confirmed || p.AmountRefunded != x.Amount || valueOf(p.AmountTotal) != x.Amount {
			t.Fatalf("%s = %+v", x.ID, p)
		}
	}
	st := s.stats(t)
	if st.ConfirmQueue != 0 || st.PendingEvents != 0 || st.EventsApplied != 2 {
		t.Fatalf("stats %+v", st)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if p := s.payment(t, ids[i]); p == nil || p.Status != "completed" || !p.Confirmed || valueOf(p.AmountTotal) != int64(100+i) {
			t.Fatalf("get_payment(%s) = %+v", ids[i], p)
		}
	}
	if reqs := proxy.requestsFor(ids[7]); len(reqs) != 13 {
		t.Fatalf("session 7 was fetched by %d replica requests, want one outcall (13)", len(reqs))
	}
	t.Logf("through the gateway: %d webhooks delivered in %v, all confirmed by the timer %v after the first; %d outcalls (%.2f per payment)",
		n, delivered.Round(time.Millisecond), took.Round(time.Millisecond), st.Outcalls, float64(st.Outcalls)/float64(n+2))
}

// TestPaymentsFloodEvictsNothing polls 1,000 random ids through the gateway, anonymously,
// at a canister with max_pending 40 (fewer than the 50 claims it holds) and a budget of 120
// outcalls per minute (so the flood gets its share: half): no payment a webhook
// acknowledged is evicted, the not-found cache stays within its bound, the claims are
// confirmed during the flood, and a real customer's poll still gets its outcall.
func TestPaymentsFloodEvictsNothing(t *testing.T) {
	ours(t, "outcalls to the local TLS server")
	proxy, proxyURL := newFakeProxy(t)
	s := deployStripe(t, `(record { api_host = "api.stripe.com"; idempotent_proxy = opt "`+proxyURL+`";
		webhook_secrets = opt vec { "`+whsec+`" }; limits = opt record { min_refetch_interval_seconds = opt 1 : nat64; max_pending = opt 40 : nat32; outcall_budget = opt 120 : nat32 } })`)
	now := time.Now()
	// A customer whose open session the page polled (known to the canister), then 50 paid
	// sessions whose webhooks arrive while Stripe still shows them open (their claims wait
	// in the confirmation queue, which keeps fetching them).
	customer := stripeSession{ID: "cs_test_flcustomer", Status: "open", PaymentStatus: "unpaid", Amount: 777, Created: now.Unix() - 60}
	proxy.set(customer)
	if code, ans := s.checkout(t, customer.ID); code != 200 || ans.Status != "checking" {
		t.Fatalf("the customer's first poll = %d %+v", code, ans)
	}
	var bodies [][]byte
	for i := range 50 {
		sess := stripeSession{ID: fmt.Sprintf("cs_test_fl%02d", i), Status: "open", PaymentStatus: "unpaid", Amount: 500, Created: now.Unix() - 60}
		proxy.set(sess)
		paid := sess
		paid.Status, paid.PaymentStatus, paid.PaymentIntent = "complete", "paid", fmt.Sprintf("pi_fl%02d", i)
		bodies = append(bodies, stripeEvent(fmt.Sprintf("evt_fl%02d", i), "checkout.session.completed", now.Unix(), paid.object(0)))
	}
	var hooks sync.WaitGroup
	hookErrs := make(chan error, len(bodies))
	for w := range 8 {
		hooks.Add(1)
		go func() {
			defer hooks.Done()
			for i := w; i < len(bodies); i += 8 {
				code, ans, err := s.webhookOnce(bodies[i], stripeSignature(bodies[i], whsec, time.Now()))
				if err == nil && (code != 200 || !strings.Contains(ans, "needs_confirmation")) {
					err = fmt.Errorf("webhook %d = %d %s", i, code, ans)
				}
				if err != nil {
					hookErrs <- err
				}
			}
		}()
	}
	hooks.Wait()
	close(hookErrs)
	for err := range hookErrs {
		t.Fatal(err)
	}
	before := s.stats(t)

	var codes sync.Map
	var wg sync.WaitGroup
	start := time.Now()
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 99))
			for range 100 {
				id := "cs_test_" + strconv.FormatUint(rnd.Uint64(), 36)
				code, _, err := s.pollOnce(id)
				if err != nil {
					code = -1
				}
				v, _ := codes.LoadOrStore(code, new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
			}
		}()
	}
	// During the flood Stripe catches up: the queue's fetches, which the flood cannot take,
	// confirm every claim.
	time.Sleep(time.Second)
	for i := range 50 {
		sess := stripeSession{ID: fmt.Sprintf("cs_test_fl%02d", i), Status: "complete", PaymentStatus: "paid", Amount: 500, Created: now.Unix() - 60, PaymentIntent: fmt.Sprintf("pi_fl%02d", i)}
		proxy.set(sess)
	}
	wg.Wait()
	flood := time.Since(start)
	counts := map[int]int64{}
	codes.Range(func(k, v any) bool { counts[k.(int)] = v.(*atomic.Int64).Load(); return true })
	if counts[200]+counts[429] != 1000 || counts[429] == 0 {
		t.Fatalf("flood answers %v, want 200s and 429s only", counts)
	}
	// The customer pays; the page's next poll must get its outcall, not a 429.
	paidCustomer := customer
	paidCustomer.Status, paidCustomer.PaymentStatus = "complete", "paid"
	proxy.set(paidCustomer)
	if code, ans := s.checkout(t, customer.ID); code != 200 || ans.Status != "completed" {
		t.Fatalf("the customer's poll after the flood = %d %+v", code, ans)
	}
	waitUntil(t, "the 50 claims confirmed", 3*time.Minute, func() bool { return s.stats(t).ConfirmQueue == 0 })
	st := s.stats(t)
	if st.Evicted != before.Evicted || st.NotFoundCached > 40 {
		t.Fatalf("the flood evicted records or overfilled the cache: before %+v, after %+v", before, st)
	}
	for i := range 50 {
		if p := s.payment(t, fmt.Sprintf("cs_test_fl%02d", i)); p == nil || p.Status != "completed" || !p.Confirmed {
			t.Fatalf("acknowledged session %d after the flood: %+v", i, p)
		}
	}
	t.Logf("1,000 anonymous polls of random ids in %v: %d answered from the budget's unknown-id share, %d refused (429); evicted %d; not-found cache %d; the customer's poll got its outcall",
		flood.Round(time.Millisecond), counts[200], counts[429], st.Evicted-before.Evicted, st.NotFoundCached)
}

// TestPaymentsInspectMessage calls http_request_update directly (agent-go, not through the
// gateway): what the query path refuses is refused by canister_inspect_message before it
// executes (no counter moves), and a signed delivery is accepted. An error under /checkout/
// is the exception: the certified query upgrades it (it can certify terminal statuses
// only), so the update answers it - without an outcall.
func TestPaymentsInspectMessage(t *testing.T) {
	s := deployStripe(t, `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "`+whsec+`" } })`)
	paid := stripeSession{ID: "cs_test_direct", Status: "complete", PaymentStatus: "paid", Amount: 300, Created: time.Now().Unix() - 60, PaymentIntent: "pi_direct"}
	body := stripeEvent("evt_direct", "checkout.session.completed", time.Now().Unix(), paid.object(0))
	update := func(req gatewayRequest) (gatewayResponse, error) {
		var resp gatewayResponse
		err := s.agent.Call(s.id, "http_request_update", []any{req}, []any{&resp})
		return resp, err
	}
	for name, req := range map[string]gatewayRequest{
		"forged signature":  webhookRequest(body, stripeSignature(body, "whsec_attacker", time.Now())),
		"no signature":      {Method: "POST", URL: "/webhook", Body: body, Headers: []gatewayHeader{}},
		"expired signature": webhookRequest(body, stripeSignature(body, whsec, time.Now().Add(-time.Hour))),
		"unknown route":     {Method: "GET", URL: "/admin", Headers: []gatewayHeader{}, Body: []byte{}},
		"oversize body":     webhookRequest(make([]byte, 300<<10), "t=1,v1=00"),
	} {
		if _, err := update(req); err == nil || !strings.Contains(err.Error(), "IC0406") && !strings.Contains(strings.ToLower(err.Error()), "inspect") {
			t.Errorf("%s: direct update answered (%v), want a refusal by canister_inspect_message", name, err)
		}
	}
	if st := s.stats(t); st.WebhooksRejected != 0 || st.WebhooksAccepted != 0 {
		t.Fatalf("refused calls executed: %+v", st)
	}
	bad, err := update(gatewayRequest{Method: "GET", URL: "/checkout/not-a-session", Headers: []gatewayHeader{}, Body: []byte{}})
	if err != nil || bad.StatusCode != 400 || !strings.Contains(string(bad.Body), "invalid checkout session id") {
		t.Errorf("bad session id: %+v %s, %v; want the update's 400", bad, bad.Body, err)
	}
	if st := s.stats(t); st.Outcalls != 0 {
		t.Errorf("a bad session id cost outcalls: %+v", st)
	}
	resp, err := update(webhookRequest(body, npmSign(t, whsec, [][]byte{body}, time.Now())[0]))
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(resp.Body), "applied") {
		t.Fatalf("a signed direct delivery = %+v %s, %v", resp, resp.Body, err)
	}
	if p := s.payment(t, paid.ID); p == nil || p.Status != "completed" {
		t.Fatalf("get_payment = %+v", p)
	}
}
