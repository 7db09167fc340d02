package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/mgmt"
	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// Targets of the payments canister (issue "payments canister").
const (
	// benchPayments is the number of payments the upgrade is measured at.
	benchPayments = 100_000
	// webhookBytes is the size of the benchmark's webhook delivery.
	webhookBytes = 3 << 10
)

// proxiedEngineCanister installs the payments canister on an engine whose management
// canister sends outcalls from 13 replicas to the shared TLS server, configured with the fake
// proxy (and a budget that a benchmark's b.N pulls do not exhaust).
func proxiedEngineCanister(b *testing.B) (*engineCanister, *fakeProxy) {
	b.Helper()
	oc, err := outcall.New(outcall.Config{Nodes: 13, ExtraCAFile: shared.caFile})
	if err != nil {
		b.Fatal(err)
	}
	proxy, proxyURL := newFakeProxy(b)
	c := newEngineCanister(b, `(record { api_host = "api.stripe.com"; idempotent_proxy = opt "`+proxyURL+`";
		webhook_secrets = opt vec { "`+whsec+`" }; limits = opt record { outcall_budget = opt 1_000_000 : nat32 } })`,
		mgmt.New(mgmt.Config{Outcalls: oc}))
	return c, proxy
}

// webhookEvent is a checkout.session.completed delivery of about webhookBytes.
func webhookEvent(i int, at time.Time) (body []byte, s stripeSession) {
	s = stripeSession{ID: fmt.Sprintf("cs_test_bench%07d", i), Status: "complete", PaymentStatus: "paid", Amount: 2500,
		Created: at.Unix() - 600, PaymentIntent: fmt.Sprintf("pi_bench%07d", i), ClientReference: "order-bench"}
	envelope := len(stripeEvent("evt_x", "checkout.session.completed", at.Unix(), map[string]any{}))
	body = stripeEvent(fmt.Sprintf("evt_bench%07d", i), "checkout.session.completed", at.Unix(), s.object(webhookBytes-envelope))
	return body, s
}

// byKind sums the instructions of executionLog of the given kinds.
func instructionsOf(xs []engine.Execution, kinds ...string) (sum int64, count int) {
	for _, x := range xs {
		for _, k := range kinds {
			if x.Kind == k {
				sum += x.Instructions
				count++
			}
		}
	}
	return sum, count
}

// BenchmarkPaymentsCanister prints the figures issue "payments canister" asks for, metered
// by the engine: instructions of a 3 KB webhook (the query that verifies it and the update
// that applies it), of a cached GET /checkout/<id> query and of the pull update (with its
// outcall callback; the transform separately, per replica), cycles per pull at 13 nodes
// against the seed demo's (8 KiB max_response_bytes, same request), upgrade instructions with
// none and with 100,000 payments, and the module's gzip size. Targets: gzip <= 1.5 MiB, cycles
// per pull <= half the seed's, upgrade instructions independent of the number of payments.
// Run with -benchtime 1x.
func BenchmarkPaymentsCanister(b *testing.B) {
	b.Run("module", func(b *testing.B) {
		var gz []byte
		for range b.N {
			gz = stripeBackendGzip(b)
		}
		b.ReportMetric(float64(len(gz)), "gzip-bytes")
		b.Logf("module gzip: %d bytes (budget <= %d, %.3f of it; one install message <= %d): %s",
			len(gz), sizeBudgetGzip, float64(len(gz))/sizeBudgetGzip, maxModuleGzip, targetVerdict(len(gz) <= sizeBudgetGzip))
	})

	b.Run("webhook", func(b *testing.B) {
		c, _ := proxiedEngineCanister(b)
		var queryInstr, updateInstr int64
		var size int
		for i := range b.N {
			at := time.Now()
			body, _ := webhookEvent(i, at)
			size = len(body)
			req := webhookRequest(body, stripeSignature(body, whsec, at))
			q, qi := c.httpQuery(b, req)
			if q.Upgrade == nil || !*q.Upgrade {
				b.Fatalf("webhook query = %d %s, want an upgrade", q.StatusCode, q.Body)
			}
			resp, xs := c.httpUpdate(b, req)
			if resp.StatusCode != 200 || !strings.Contains(string(resp.Body), "needs_confirmation") {
				b.Fatalf("webhook update = %d %s", resp.StatusCode, resp.Body)
			}
			queryInstr = qi
			updateInstr, _ = instructionsOf(xs, "update")
		}
		b.ReportMetric(float64(size), "body-bytes")
		b.ReportMetric(float64(queryInstr), "query-instr")
		b.ReportMetric(float64(updateInstr), "update-instr")
		b.Logf("webhook of %d bytes: %d instructions in the http_request query (verify, upgrade), %d in the http_request_update update (verify, apply, store)",
			size, queryInstr, updateInstr)
	})

	b.Run("checkout-query", func(b *testing.B) {
		c, proxy := proxiedEngineCanister(b)
		paid := stripeSession{ID: "cs_test_benchcached", Status: "complete", PaymentStatus: "paid", Amount: 2500, Created: time.Now().Unix(), PaymentIntent: "pi_benchcached"}
		proxy.set(paid)
		req := gatewayRequest{Method: "GET", URL: "/checkout/" + paid.ID, Headers: []gatewayHeader{{"accept", "application/json"}}}
		if resp, _ := c.httpUpdate(b, req); !strings.Contains(string(resp.Body), `"completed"`) {
			b.Fatalf("pull = %d %s", resp.StatusCode, resp.Body)
		}
		var instr int64
		for range b.N {
			resp, n := c.httpQuery(b, req)
			if resp.StatusCode != 200 || resp.Upgrade != nil && *resp.Upgrade || !strings.Contains(string(resp.Body), `"completed"`) {
				b.Fatalf("cached GET /checkout = %d %s (upgrade %v)", resp.StatusCode, resp.Body, resp.Upgrade)
			}
			instr = n
		}
		b.ReportMetric(float64(instr), "query-instr")
		b.Logf("cached GET /checkout/<id> (a completed session answered from state): %d instructions", instr)
	})

	b.Run("pull", func(b *testing.B) {
		c, proxy := proxiedEngineCanister(b)
		var updateInstr, transformInstr int64
		var spent, seed uint64
		var size uint64
		for i := range b.N {
			s := stripeSession{ID: fmt.Sprintf("cs_test_benchpull%07d", i), Status: "complete", PaymentStatus: "paid", Amount: 2500, Created: time.Now().Unix(), PaymentIntent: "pi_x"}
			proxy.set(s)
			before := canisterCycles(b, c)
			resp, xs := c.httpUpdate(b, gatewayRequest{Method: "GET", URL: "/checkout/" + s.ID})
			if resp.StatusCode != 200 || !strings.Contains(string(resp.Body), `"completed"`) {
				b.Fatalf("pull = %d %s", resp.StatusCode, resp.Body)
			}
			// The executions' fees (the update and the callback) are the seed's too: the
			// comparison is of the outcall and the call that carries it.
			spent = before - canisterCycles(b, c) - executionCycles(xs)
			updateInstr, _ = instructionsOf(xs, "update", "reply callback", "reject callback")
			var n int
			transformInstr, n = instructionsOf(xs, "transform")
			if n != 13 {
				b.Fatalf("%d transforms ran, want one per replica (13)", n)
			}
			transformInstr /= int64(n)
			reqs := proxy.requestsFor(s.ID)
			size = outcallSize(reqs[0])
			// The seed paid the same inter-canister call fees on top of its outcall.
			seed = protocol.OutcallCost(size, seedMaxResponseBytes, 13) + (spent - protocol.OutcallCost(size, fetchBudget, 13))
		}
		ratio := float64(spent) / float64(seed)
		b.ReportMetric(float64(updateInstr), "update-instr")
		b.ReportMetric(float64(transformInstr), "transform-instr")
		b.ReportMetric(float64(spent), "cycles/pull")
		b.ReportMetric(float64(seed), "seed-cycles/pull")
		b.ReportMetric(ratio, "cycles-ratio")
		b.Logf("pull update (GET /checkout/<id> of an unresolved session): %d instructions (update and outcall callback), %d per transform; "+
			"%d cycles per pull at 13 nodes for the outcall and its call (request %d bytes; executions aside) vs the seed's %d (8 KiB max_response_bytes): ratio %.3f (target <= 0.5): %s",
			updateInstr, transformInstr, spent, size, seed, ratio, targetVerdict(ratio <= 0.5))
	})

	b.Run("upgrade", func(b *testing.B) {
		arg := `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "` + whsec + `" } })`
		c := newEngineCanister(b, arg, nil)
		empty := c.upgrade(b)
		bulkLoad(b, c, payments.Config{APIHost: "api.stripe.com", WebhookSecrets: []string{whsec}}, benchPayments)
		b.ResetTimer()
		var full int64
		for range b.N {
			full = c.upgrade(b)
		}
		b.StopTimer()
		info, err := c.e.Info(c.id)
		if err != nil {
			b.Fatal(err)
		}
		ratio := float64(full) / float64(empty)
		b.ReportMetric(float64(empty), "instr-0-payments")
		b.ReportMetric(float64(full), "instr-100k-payments")
		b.ReportMetric(float64(info.StableSize), "stable-bytes")
		b.Logf("upgrade instructions: %d with no payments, %d with %d (%.2fx; target: independent of the number of payments): %s; stable memory %d MiB",
			empty, full, benchPayments, ratio, targetVerdict(ratio < 1.5), info.StableSize>>20)
	})
}

// executionCycles is the execution fees of xs.
func executionCycles(xs []engine.Execution) uint64 {
	var n uint64
	for _, x := range xs {
		n += x.Cycles
	}
	return n
}

func canisterCycles(b *testing.B, c *engineCanister) uint64 {
	b.Helper()
	info, err := c.e.Info(c.id)
	if err != nil {
		b.Fatal(err)
	}
	return info.Cycles
}

func targetVerdict(ok bool) string {
	if ok {
		return "meets the target"
	}
	return "MISSES the target"
}
