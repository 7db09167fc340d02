package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/replica/deploy"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// The figures of issue "replica fidelity": what a payment costs the payments canister on a
// 13-node application subnet, measured by the replica binary.
const (
	// cyclesBenchPayments are the payments measured per path (the figures are their mean).
	cyclesBenchPayments = 5
	// storageBulk is how many payments the storage per payment is measured over.
	storageBulk = 10_000
	// storageYear is how long a payment's record is assumed to be kept for its storage fee.
	storageYear = 365 * 24 * time.Hour
)

// feeSplit is a payment's cost, by the groups the figures are reported in.
type feeSplit struct {
	execution, ingress, outcall, xnet, storage uint64
}

func (f feeSplit) total() uint64 { return f.execution + f.ingress + f.outcall + f.xnet + f.storage }

func (f feeSplit) String() string {
	return fmt.Sprintf("%s cycles: execution %s, ingress %s, outcall %s (HTTPS outcall %s + the call carrying it %s), storage %s",
		formatCycles(f.total()), formatCycles(f.execution), formatCycles(f.ingress), formatCycles(f.outcall+f.xnet),
		formatCycles(f.outcall), formatCycles(f.xnet), formatCycles(f.storage))
}

// BenchmarkCyclesPerPayment prints what one payment costs the payments canister, all fees
// included, for the webhook path (a signed checkout.session.completed delivery, then the
// timer that confirms it with Stripe over an HTTPS outcall through the proxy) and the pull
// path (the payment page's GET /checkout/<id>, fetched over an outcall), with the split:
// execution, ingress reception, outcall (with the call to aaaaa-aa carrying it) and storage
// (the bytes a payment adds to stable memory, kept for a year). The fees are the replica
// binary's: its /_/metrics per canister; its -v log has the message lines shown. Run with
// -benchtime 1x.
func BenchmarkCyclesPerPayment(b *testing.B) {
	if shared.external {
		b.Skip("runs the replica binary")
	}
	bin := buildReplica(b)
	addr := freeAddr(b)
	p := startReplica(b, bin, filepath.Join(b.TempDir(), "state"), addr, "-v", "-outcall-ca", shared.caFile)
	proxy, proxyURL := newFakeProxy(b)
	owner := newIdentity(b)
	res, err := deploy.Deploy(deploy.Options{URL: p.url, Identity: owner, Name: "stripe_backend",
		IDsFile: filepath.Join(b.TempDir(), "ids.json"), Module: stripeBackendGzip(b), Mode: deploy.Install,
		Arg: mustArg(b, `(record { api_host = "api.stripe.com"; idempotent_proxy = opt "`+proxyURL+`";
			webhook_secrets = opt vec { "`+whsec+`" } })`)})
	if err != nil {
		b.Fatal(err)
	}
	id := res.CanisterID
	u, _ := url.Parse(p.url)
	a, err := agent.New(agent.Config{Identity: owner, FetchRootKey: true, ClientConfig: []agent.ClientOption{agent.WithHostURL(u)}})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	origin := "http://" + id.String() + ".localhost:" + u.Port()
	perPayment := storagePerPayment(b)

	for range b.N {
		webhook := measurePayments(b, p, id, perPayment, func(i int) {
			at := time.Now()
			body, s := webhookEvent(i, at)
			proxy.set(s)
			code, answer := send(b, client, "POST", origin+"/webhook", body, stripeSignature(body, whsec, at))
			if code != 200 || !strings.Contains(answer, "needs_confirmation") {
				b.Fatalf("webhook = %d %s", code, answer)
			}
			waitConfirmed(b, a, id, s.ID)
		})
		pull := measurePayments(b, p, id, perPayment, func(i int) {
			s := stripeSession{ID: fmt.Sprintf("cs_test_cyclespull%07d", i), Status: "complete", PaymentStatus: "paid",
				Amount: 2500, Created: time.Now().Unix(), PaymentIntent: fmt.Sprintf("pi_cyclespull%07d", i)}
			proxy.set(s)
			code, answer := send(b, client, "GET", origin+"/checkout/"+s.ID, nil, "")
			if code != 200 || !strings.Contains(answer, `"completed"`) {
				b.Fatalf("GET /checkout = %d %s", code, answer)
			}
		})
		for _, r := range []struct {
			path string
			f    feeSplit
		}{{"webhook", webhook}, {"pull", pull}} {
			b.ReportMetric(float64(r.f.total()), "cycles/"+r.path+"-payment")
			b.ReportMetric(float64(r.f.execution), r.path+"-execution")
			b.ReportMetric(float64(r.f.ingress), r.path+"-ingress")
			b.ReportMetric(float64(r.f.outcall+r.f.xnet), r.path+"-outcall")
			b.ReportMetric(float64(r.f.storage), r.path+"-storage")
			b.Logf("cycles per payment, %s path, 13 nodes: %s", r.path, r.f)
		}
		b.Logf("storage: %d bytes of stable memory per payment (measured over %d), kept a year at 127,000 cycles per GiB-second", perPayment, storageBulk)
	}
}

// measurePayments runs pay for cyclesBenchPayments payments and returns the mean fees the
// replica charged the canister for one (its /_/metrics before and after each), with the
// storage of perPayment bytes for a year. The idle storage charged while they ran is not a
// payment's: it is left out.
func measurePayments(b *testing.B, p *replicaProcess, id principal.Principal, perPayment uint64, pay func(i int)) feeSplit {
	b.Helper()
	var sum engine.Charges
	for i := range cyclesBenchPayments {
		mark := len(p.out.String())
		before := replicaCharges(b, p.url, id)
		pay(i)
		after := replicaCharges(b, p.url, id)
		for _, f := range engine.Fees() {
			sum[f] += after[f] - before[f]
		}
		if i == 0 {
			for _, line := range strings.Split(p.out.String()[mark:], "\n") {
				if strings.Contains(line, "msg=message") && strings.Contains(line, id.String()) {
					b.Logf("replica -v: %s", line[strings.Index(line, "msg="):])
				}
			}
		}
	}
	n := uint64(cyclesBenchPayments)
	return feeSplit{
		execution: sum[engine.FeeExecution] / n, ingress: sum[engine.FeeIngress] / n,
		outcall: sum[engine.FeeOutcall] / n, xnet: sum[engine.FeeXnet] / n,
		storage: engine.Costs{Nodes: 13}.Memory(perPayment, uint64(storageYear/time.Second)),
	}
}

var metricLine = regexp.MustCompile(`^replica_cycles_charged_total\{canister="([^"]+)",fee="([^"]+)"\} (\d+)$`)

// replicaCharges reads what canister id paid, by fee, from the replica's /_/metrics.
func replicaCharges(b *testing.B, replicaURL string, id principal.Principal) engine.Charges {
	b.Helper()
	resp, err := http.Get(replicaURL + "/_/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	byName := map[string]engine.Fee{}
	for _, f := range engine.Fees() {
		byName[f.String()] = f
	}
	var c engine.Charges
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		m := metricLine.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != id.String() {
			continue
		}
		n, err := strconv.ParseUint(m[3], 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		c[byName[m[2]]] = n
	}
	return c
}

func send(b *testing.B, c *http.Client, method, rawURL string, body []byte, signature string) (int, string) {
	b.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// waitConfirmed waits until the canister confirmed session id with Stripe.
func waitConfirmed(b *testing.B, a *agent.Agent, id principal.Principal, session string) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var p *paymentView
		if err := a.Query(id, "get_payment", []any{session}, []any{&p}); err != nil {
			b.Fatal(err)
		}
		if p != nil && p.Confirmed {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s not confirmed within 30 s: %+v", session, p)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// storagePerPayment is the stable memory one payment adds, measured over storageBulk
// payments stored natively in the canister's stable layout.
func storagePerPayment(b *testing.B) uint64 {
	b.Helper()
	c := newEngineCanister(b, `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "`+whsec+`" } })`, nil)
	before, err := c.e.Info(c.id)
	if err != nil {
		b.Fatal(err)
	}
	bulkLoad(b, c, payments.Config{APIHost: "api.stripe.com", WebhookSecrets: []string{whsec}}, storageBulk)
	after, err := c.e.Info(c.id)
	if err != nil {
		b.Fatal(err)
	}
	return (after.StableSize - before.StableSize) / storageBulk
}
