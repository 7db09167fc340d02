package e2e

// Event destinations end to end: the payments canister (cmd/stripe_backend) delivers its
// event log to the example subscriber (examples/invoices) by inter-canister calls in the
// replica, while the subscriber is stopped, upgraded, misconfigured or missing.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/deploy"
)

// Candid views of the event API of stripe_backend.did and of examples/invoices/invoices.did.
type (
	paymentEventView struct {
		Seq           uint64  `ic:"seq"`
		Kind          string  `ic:"kind"`
		SessionID     string  `ic:"session_id"`
		OldStatus     *string `ic:"old_status"`
		NewStatus     string  `ic:"new_status"`
		Amount        *int64  `ic:"amount"`
		Currency      string  `ic:"currency"`
		Time          uint64  `ic:"time"`
		StripeEventID *string `ic:"stripe_event_id"`
		// Refunds and disputes recorded on the payment.
		AmountRefunded int64   `ic:"amount_refunded"`
		Dispute        *string `ic:"dispute"`
	}
	eventsRequestView struct {
		After *uint64 `ic:"after"`
		Limit *uint32 `ic:"limit"`
	}
	eventPageView struct {
		Events []paymentEventView `ic:"events"`
		Next   *uint64            `ic:"next"`
		First  uint64             `ic:"first"`
		Last   uint64             `ic:"last"`
	}
	destinationArgsView struct {
		Canister    principal.Principal `ic:"canister"`
		Method      *string             `ic:"method"`
		Kinds       *[]string           `ic:"kinds"`
		Statuses    *[]string           `ic:"statuses"`
		MaxAttempts *uint32             `ic:"max_attempts"`
		StartAfter  *uint64             `ic:"start_after"`
	}
	destinationView struct {
		ID           uint16              `ic:"id"`
		Canister     principal.Principal `ic:"canister"`
		Method       string              `ic:"method"`
		Kinds        []string            `ic:"kinds"`
		Statuses     []string            `ic:"statuses"`
		MaxAttempts  uint32              `ic:"max_attempts"`
		Cursor       uint64              `ic:"cursor"`
		Behind       uint64              `ic:"behind"`
		InFlight     bool                `ic:"in_flight"`
		Failures     uint32              `ic:"failures"`
		LastError    *string             `ic:"last_error"`
		Delivered    uint64              `ic:"delivered"`
		Calls        uint64              `ic:"calls"`
		FailedCalls  uint64              `ic:"failed_calls"`
		DeadLetters  uint64              `ic:"dead_letters"`
		DeadLettered uint64              `ic:"dead_lettered"`
		Queued       uint64              `ic:"queued"`
		Replayed     uint64              `ic:"replayed"`
		Cycles       uint64              `ic:"cycles"`
	}
	deadLetterView struct {
		Event  paymentEventView `ic:"event"`
		Reason string           `ic:"reason"`
		At     uint64           `ic:"at"`
	}
	deadLetterPageView struct {
		DeadLetters []deadLetterView `ic:"dead_letters"`
		Next        *uint64          `ic:"next"`
	}
	deadLettersRequestView struct {
		Destination uint16  `ic:"destination"`
		After       *uint64 `ic:"after"`
		Limit       *uint32 `ic:"limit"`
	}
	eventStatsView struct {
		Entries       uint64      `ic:"entries"`
		First         uint64      `ic:"first"`
		Last          uint64      `ic:"last"`
		Bytes         uint64      `ic:"bytes"`
		ByKind        []countView `ic:"by_kind"`
		Calls         uint64      `ic:"calls"`
		FailedCalls   uint64      `ic:"failed_calls"`
		Delivered     uint64      `ic:"delivered"`
		DeadLettered  uint64      `ic:"dead_lettered"`
		DeadLetters   uint64      `ic:"dead_letters"`
		Replayed      uint64      `ic:"replayed"`
		Cycles        uint64      `ic:"cycles"`
		MaxCallCycles uint64      `ic:"max_call_cycles"`
	}
	statsWithEventsView struct {
		Cycles uint64         `ic:"cycles"`
		Events eventStatsView `ic:"events"`
	}
	invoiceView struct {
		Number     uint64 `ic:"number"`
		SessionID  string `ic:"session_id"`
		Amount     *int64 `ic:"amount"`
		Currency   string `ic:"currency"`
		Status     string `ic:"status"`
		Refunded   bool   `ic:"refunded"`
		Disputed   bool   `ic:"disputed"`
		PaidAt     uint64 `ic:"paid_at"`
		ReceivedAt uint64 `ic:"received_at"`
		LastSeq    uint64 `ic:"last_seq"`
	}
	invoicePageView struct {
		Invoices []invoiceView `ic:"invoices"`
		Next     *string       `ic:"next"`
	}
	invoiceListView struct {
		After *string `ic:"after"`
		Limit *uint32 `ic:"limit"`
	}
	invoiceStatsView struct {
		Invoices   uint64 `ic:"invoices"`
		Paid       uint64 `ic:"paid"`
		Refunded   uint64 `ic:"refunded"`
		Disputed   uint64 `ic:"disputed"`
		Void       uint64 `ic:"void"`
		Events     uint64 `ic:"events"`
		Duplicates uint64 `ic:"duplicates"`
		Ignored    uint64 `ic:"ignored"`
		LastSeq    uint64 `ic:"last_seq"`
	}
	invoicesInitView struct {
		PaymentsCanister principal.Principal `ic:"payments_canister"`
	}
)

// publisher is a payments canister deployed for the event tests (testing.TB, so the
// benchmark shares it).
type publisher struct {
	id      principal.Principal
	owner   *identity.Ed25519Identity
	agent   *agent.Agent
	client  *http.Client
	origin  string
	idsFile string
}

// eventsArg deploys without a proxy (webhooks are trusted, so each completed webhook
// completes its payment) and with short retry delays, so the tests' outages stay short.
const eventsArg = `(record { api_host = "api.stripe.com"; api_key = "sk_test_seed"; webhook_secrets = opt vec { "` + whsec + `" };
	events = opt record { retry_base_seconds = opt 1 : nat64; retry_max_seconds = opt 4 : nat64 } })`

func deployPublisher(tb testing.TB) *publisher {
	tb.Helper()
	owner := newIdentity(tb)
	p := &publisher{owner: owner, agent: newAgent(tb, owner), idsFile: filepath.Join(tb.TempDir(), "ids.json")}
	res, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: owner, Name: "stripe_backend",
		IDsFile: p.idsFile, Module: stripeBackendGzip(tb), Arg: mustArg(tb, eventsArg), Mode: deploy.Install})
	if err != nil {
		tb.Fatal(err)
	}
	p.id = res.CanisterID
	var port string
	p.client, port = browser(tb)
	p.origin = "http://" + p.id.String() + ".localhost:" + port
	return p
}

// pay completes session id with a signed checkout.session.completed webhook through the
// gateway; the canister logs it and its destinations get it.
func (p *publisher) pay(tb testing.TB, id string, amount int64) {
	tb.Helper()
	now := time.Now()
	s := stripeSession{ID: id, Status: "complete", PaymentStatus: "paid", Amount: amount, Created: now.Unix() - 60,
		PaymentIntent: "pi_" + id[len("cs_test_"):], ClientReference: "order-" + id}
	p.hook(tb, stripeEvent(eventID(id), "checkout.session.completed", now.Unix(), s.object(0)))
}

// eventID is an event id of Stripe's length (28 bytes) for the session.
func eventID(session string) string {
	suffix := session[len("cs_test_"):]
	return "evt_" + suffix[:min(len(suffix), 24)]
}

// hook POSTs a signed event and wants it applied.
func (p *publisher) hook(tb testing.TB, body []byte) {
	tb.Helper()
	req, err := http.NewRequest("POST", p.origin+"/webhook", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", stripeSignature(body, whsec, time.Now()))
	resp, err := p.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"applied"`)) {
		tb.Fatalf("webhook = %d %s", resp.StatusCode, b)
	}
}

func (p *publisher) refund(tb testing.TB, id string) {
	tb.Helper()
	pi := "pi_" + id[len("cs_test_"):]
	p.hook(tb, stripeEvent("evt_refund_"+id, "charge.refunded", time.Now().Unix(),
		map[string]any{"id": "ch_" + id, "object": "charge", "payment_intent": pi, "refunded": true, "amount_refunded": 2500}))
}

func (p *publisher) dispute(tb testing.TB, id string) {
	tb.Helper()
	pi := "pi_" + id[len("cs_test_"):]
	p.hook(tb, stripeEvent("evt_dispute_"+id, "charge.dispute.created", time.Now().Unix(),
		map[string]any{"id": "dp_" + id, "object": "dispute", "charge": "ch_" + id, "payment_intent": pi, "amount": 2500, "status": "needs_response"}))
}

func (p *publisher) addDestination(tb testing.TB, a destinationArgsView) destinationView {
	tb.Helper()
	var d destinationView
	if err := p.agent.Call(p.id, "add_destination", []any{a}, []any{&d}); err != nil {
		tb.Fatal(err)
	}
	return d
}

func (p *publisher) destinations(tb testing.TB) map[uint16]destinationView {
	tb.Helper()
	var ds []destinationView
	if err := p.agent.Query(p.id, "list_destinations", []any{}, []any{&ds}); err != nil {
		tb.Fatal(err)
	}
	out := map[uint16]destinationView{}
	for _, d := range ds {
		out[d.ID] = d
	}
	return out
}

func (p *publisher) stats(tb testing.TB) statsWithEventsView {
	tb.Helper()
	var st statsWithEventsView
	if err := p.agent.Query(p.id, "stats", []any{}, []any{&st}); err != nil {
		tb.Fatal(err)
	}
	return st
}

// upgrade stops the canister (its calls in flight finish), upgrades it and starts it.
func upgradeStopped(tb testing.TB, a *agent.Agent, owner identity.Identity, id principal.Principal, name, idsFile string, module []byte, arg string) {
	tb.Helper()
	if err := a.CallWithEffectiveCanisterID(managementCanister, id, "stop_canister", []any{canisterIDRecord{CanisterID: id}}, []any{}); err != nil {
		tb.Fatal(err)
	}
	if _, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: owner, Name: name, IDsFile: idsFile,
		Module: module, Arg: mustArg(tb, arg), Mode: deploy.Upgrade}); err != nil {
		tb.Fatal(err)
	}
	if err := a.CallWithEffectiveCanisterID(managementCanister, id, "start_canister", []any{canisterIDRecord{CanisterID: id}}, []any{}); err != nil {
		tb.Fatal(err)
	}
}

// subscriber is a deployed examples/invoices canister.
type subscriber struct {
	id      principal.Principal
	owner   *identity.Ed25519Identity
	agent   *agent.Agent
	idsFile string
}

func invoicesGzip(tb testing.TB) []byte {
	tb.Helper()
	const key = "examples/invoices (gzip)"
	if m, ok := modules.Load(key); ok {
		return m.([]byte)
	}
	gz := gzipped(tb, module(tb, "examples/invoices", "invoices.did"))
	modules.Store(key, gz)
	return gz
}

// invoicesArg is (opt record { payments_canister = writer }), encoded with agent-go's
// Candid (its text parser does not take principal literals).
func invoicesArg(tb testing.TB, writer principal.Principal) []byte {
	tb.Helper()
	b, err := candid.Marshal([]any{&invoicesInitView{PaymentsCanister: writer}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func deploySubscriber(tb testing.TB, writer principal.Principal) *subscriber {
	tb.Helper()
	owner := newIdentity(tb)
	s := &subscriber{owner: owner, agent: newAgent(tb, owner), idsFile: filepath.Join(tb.TempDir(), "ids.json")}
	res, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: owner, Name: "invoices", IDsFile: s.idsFile,
		Module: invoicesGzip(tb), Arg: invoicesArg(tb, writer), Mode: deploy.Install})
	if err != nil {
		tb.Fatal(err)
	}
	s.id = res.CanisterID
	return s
}

func (s *subscriber) stats(tb testing.TB) invoiceStatsView {
	tb.Helper()
	var st invoiceStatsView
	if err := s.agent.Query(s.id, "invoice_stats", []any{}, []any{&st}); err != nil {
		tb.Fatal(err)
	}
	return st
}

func (s *subscriber) invoices(tb testing.TB) []invoiceView {
	tb.Helper()
	var all []invoiceView
	var after *string
	for {
		var page invoicePageView
		limit := uint32(37)
		if err := s.agent.Query(s.id, "list_invoices", []any{invoiceListView{After: after, Limit: &limit}}, []any{&page}); err != nil {
			tb.Fatal(err)
		}
		all = append(all, page.Invoices...)
		if page.Next == nil {
			return all
		}
		after = page.Next
	}
}

func (s *subscriber) manage(tb testing.TB, method string) {
	tb.Helper()
	if err := s.agent.CallWithEffectiveCanisterID(managementCanister, s.id, method, []any{canisterIDRecord{CanisterID: s.id}}, []any{}); err != nil {
		tb.Fatal(err)
	}
}

func sessionN(i int) string { return fmt.Sprintf("cs_test_ev%04d", i) }

func strs(v ...string) *[]string { return &v }

// TestEventDestinations is issue "event destinations" end to end: 100 payments make 100
// invoices exactly once while the subscriber is stopped for a while and upgraded mid-run;
// refunds and disputes mark invoices; filtered destinations get only their kinds; a
// destination that rejects everything and one that does not exist end with dead letters and
// hold nobody up; a replay after fixing the subscriber (and upgrading the payments canister)
// delivers the dead letters in order; the event log pages through every change.
func TestEventDestinations(t *testing.T) {
	ours(t, "builds and installs the payments canister and the example subscriber")
	pub := deployPublisher(t)
	inv := deploySubscriber(t, pub.id)
	refunds := deploySubscriber(t, pub.id)
	stranger := deploySubscriber(t, inv.id) // writer is not the payments canister: rejects every delivery
	missing := principal.MustDecode("rdmx6-jaaaa-aaaaa-aaadq-cai")

	main := pub.addDestination(t, destinationArgsView{Canister: inv.id,
		Kinds: strs("payment.completed", "payment.refunded", "payment.disputed", "payment.failed")})
	filtered := pub.addDestination(t, destinationArgsView{Canister: refunds.id, Statuses: strs("refunded")})
	two := uint32(2)
	rejecting := pub.addDestination(t, destinationArgsView{Canister: stranger.id, MaxAttempts: &two})
	nowhere := pub.addDestination(t, destinationArgsView{Canister: missing, MaxAttempts: &two})
	if main.Method != "on_payment_event" || main.MaxAttempts != 12 || len(main.Kinds) != 4 || filtered.ID != 2 || nowhere.ID != 4 {
		t.Fatalf("destinations %+v %+v %+v", main, filtered, nowhere)
	}
	stranger2 := newAgent(t, newIdentity(t))
	if err := stranger2.Call(pub.id, "add_destination", []any{destinationArgsView{Canister: inv.id}}, []any{&destinationView{}}); err == nil {
		t.Fatal("a non-controller added a destination")
	}
	startCycles := pub.stats(t).Cycles

	const n = 100
	for i := range n {
		switch i {
		case 30:
			inv.manage(t, "stop_canister")
			t.Logf("subscriber stopped after %d payments", i)
		case 60:
			time.Sleep(3 * time.Second) // stopped for a while: deliveries fail and back off
			inv.manage(t, "start_canister")
			t.Logf("subscriber started after %d payments: %+v", i, pub.destinations(t)[main.ID])
		case 75:
			// Upgraded mid-run, with deliveries going on (no stop: upgrading a canister that
			// only receives calls is safe).
			if _, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: inv.owner, Name: "invoices", IDsFile: inv.idsFile,
				Module: invoicesGzip(t), Arg: mustArg(t, "(null)"), Mode: deploy.Upgrade}); err != nil {
				t.Fatal(err)
			}
			t.Logf("subscriber upgraded after %d payments", i)
		}
		pub.pay(t, sessionN(i), 2500)
	}
	for i := range 5 {
		pub.refund(t, sessionN(i))
	}
	for i := 10; i < 13; i++ {
		pub.dispute(t, sessionN(i))
	}

	waitUntil(t, "100 invoices with 5 refunds and 3 disputes", 60*time.Second, func() bool {
		st := inv.stats(t)
		return st.Invoices == n && st.Refunded == 5 && st.Disputed == 3
	})
	invs := inv.invoices(t)
	numbers := map[uint64]bool{}
	var latencies []time.Duration
	for _, x := range invs {
		numbers[x.Number] = true
		if x.Amount == nil || *x.Amount != 2500 || x.Currency != "usd" {
			t.Fatalf("invoice %+v", x)
		}
		latencies = append(latencies, time.Duration(x.ReceivedAt-x.PaidAt))
	}
	if len(invs) != n || len(numbers) != n || !numbers[1] || !numbers[n] {
		t.Fatalf("%d invoices with %d distinct numbers", len(invs), len(numbers))
	}
	st := inv.stats(t)
	if st.Paid != n-8 || st.Void != 0 || st.LastSeq != n+8 {
		t.Fatalf("subscriber stats %+v", st)
	}
	t.Logf("subscriber: %+v", st)

	// The filtered destination got the refunds only.
	waitUntil(t, "the refunds at the filtered destination", 20*time.Second, func() bool { return refunds.stats(t).Events == 5 })
	if rs := refunds.stats(t); rs.Invoices != 5 || rs.Refunded != 5 || rs.Paid != 0 {
		t.Fatalf("filtered destination: %+v", rs)
	}

	// The rejecting and the missing destination end with every event as a dead letter,
	// without holding up the others (checked above).
	waitUntil(t, "dead letters", 90*time.Second, func() bool {
		ds := pub.destinations(t)
		return ds[rejecting.ID].DeadLetters == n+8 && ds[nowhere.ID].DeadLetters == n+8
	})
	ds := pub.destinations(t)
	if d := ds[main.ID]; d.DeadLetters != 0 || d.Delivered != n+8 || d.Behind != 0 {
		t.Fatalf("main destination %+v", d)
	}
	t.Logf("main destination: %d events in %d calls (%d failed), cycles %d", ds[main.ID].Delivered, ds[main.ID].Calls, ds[main.ID].FailedCalls, ds[main.ID].Cycles)
	var letters deadLetterPageView
	if err := pub.agent.Query(pub.id, "list_dead_letters", []any{deadLettersRequestView{Destination: rejecting.ID}}, []any{&letters}); err != nil {
		t.Fatal(err)
	}
	if len(letters.DeadLetters) == 0 || letters.DeadLetters[0].Event.Seq != 1 || !bytes.Contains([]byte(letters.DeadLetters[0].Reason), []byte("only the payments canister")) {
		t.Fatalf("dead letters %+v", letters.DeadLetters[:min(1, len(letters.DeadLetters))])
	}

	// Fix the subscriber, upgrade the payments canister (its delivery state is in stable
	// memory), replay: the subscriber gets every event in order and makes its 100 invoices.
	if _, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: stranger.owner, Name: "invoices", IDsFile: stranger.idsFile,
		Module: invoicesGzip(t), Arg: invoicesArg(t, pub.id), Mode: deploy.Upgrade}); err != nil {
		t.Fatal(err)
	}
	upgradeStopped(t, pub.agent, pub.owner, pub.id, "stripe_backend", pub.idsFile, stripeBackendGzip(t), "(null)")
	var queued uint32
	id := rejecting.ID
	if err := pub.agent.Call(pub.id, "retry_dead_letters", []any{&id}, []any{&queued}); err != nil || queued != n+8 {
		t.Fatalf("retry_dead_letters = %d, %v", queued, err)
	}
	waitUntil(t, "the replay", 30*time.Second, func() bool { return stranger.stats(t).Invoices == n })
	if ss := stranger.stats(t); ss.Refunded != 5 || ss.Disputed != 3 || ss.Duplicates != 0 || ss.LastSeq != n+8 {
		t.Fatalf("replayed subscriber %+v", ss)
	}
	if d := pub.destinations(t)[rejecting.ID]; d.DeadLetters != 0 || d.Queued != 0 || d.Replayed != n+8 {
		t.Fatalf("after the replay %+v", d)
	}
	if d := pub.destinations(t)[nowhere.ID]; d.DeadLetters != n+8 || d.LastError == nil {
		t.Fatalf("missing destination %+v", d)
	}

	// The event log pages through every change, for controllers only.
	var seqs []uint64
	var after *uint64
	kinds := map[string]int{}
	for {
		var page eventPageView
		limit := uint32(7)
		if err := pub.agent.Query(pub.id, "list_events", []any{eventsRequestView{After: after, Limit: &limit}}, []any{&page}); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			seqs = append(seqs, e.Seq)
			kinds[e.Kind]++
			if e.StripeEventID == nil || e.Time == 0 {
				t.Fatalf("entry %+v", e)
			}
			switch e.Kind {
			case "payment.refunded":
				if e.AmountRefunded != 2500 || e.Dispute != nil || e.NewStatus != "refunded" {
					t.Fatalf("refund entry %+v", e)
				}
			case "payment.disputed":
				if e.Dispute == nil || *e.Dispute != "needs_response" || e.AmountRefunded != 0 || e.NewStatus != "completed" {
					t.Fatalf("dispute entry %+v", e)
				}
			}
		}
		if page.Next == nil {
			break
		}
		after = page.Next
	}
	want := make([]uint64, n+8)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	if !slices.Equal(seqs, want) || kinds["payment.completed"] != n || kinds["payment.refunded"] != 5 || kinds["payment.disputed"] != 3 {
		t.Fatalf("log: %d entries, kinds %v", len(seqs), kinds)
	}
	if err := stranger2.Query(pub.id, "list_events", []any{eventsRequestView{}}, []any{&eventPageView{}}); err == nil {
		t.Fatal("a stranger read the event log")
	}

	es := pub.stats(t).Events
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("event log: %d entries, %d bytes (%.0f per entry); deliveries: %d calls (%d failed), %d events delivered, %d dead-lettered, %d replayed; call cycles %d (max %d per call); balance %d -> %d",
		es.Entries, es.Bytes, float64(es.Bytes)/float64(es.Entries), es.Calls, es.FailedCalls, es.Delivered, es.DeadLettered, es.Replayed, es.Cycles, es.MaxCallCycles, startCycles, pub.stats(t).Cycles)
	t.Logf("delivery latency after the payment's update (with a stop of the subscriber): median %s, max %s",
		latencies[len(latencies)/2], latencies[len(latencies)-1])
}
