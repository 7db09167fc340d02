package e2e

import (
	"crypto/sha256"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/internal/statuscert"
	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/replica/verify"
)

// Targets of issue 12 (certified payment status).
const (
	maxCertifiedQueryInstructions = 1_000_000
	maxCertifyInstructions        = 500_000
)

// certBenchPayments is the number of certified payments of BenchmarkCertification
// (CERT_BENCH_PAYMENTS overrides it, e.g. for a quick run).
func certBenchPayments() int {
	if n, err := strconv.Atoi(os.Getenv("CERT_BENCH_PAYMENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var benchSigner = sync.OnceValues(verify.NewSigner)

// stripeLikeID is a Checkout Session id of Stripe's shape derived from i.
func stripeLikeID(i int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	seed := sha256.Sum256([]byte(strconv.Itoa(i)))
	b := []byte("cs_test_")
	for j := range 58 {
		b = append(b, alphabet[int(seed[j%32]^byte(j*31))%len(alphabet)])
	}
	return string(b)
}

// dataCertificate is what a replica gives a query: a certificate, signed with the test
// signer's key, of the canister's current certified data and time.
func (c *engineCanister) dataCertificate(t testing.TB) []byte {
	t.Helper()
	signer, err := benchSigner()
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.e.Info(c.id)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := signer.DataCertificate(c.id, info.CertifiedData, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// statusCertifier certifies answers natively exactly as the canister does (package
// statuscert, the store's certified map), for bulk loads.
type statusCertifier struct{ m *httpcert.ResponseMap }

func newStatusCertifier(st *stablestore.Store) payments.Certifier {
	return statusCertifier{httpcert.NewResponseMap(st.Merkle(), statuscert.Certification)}
}

func (s statusCertifier) Certify(id string, a payments.HTTPResponse) {
	if _, err := s.m.Put(id, statuscert.Hash(a)); err != nil {
		panic(err)
	}
}

func (s statusCertifier) Forget(id string) {
	if err := s.m.Remove(id); err != nil {
		panic(err)
	}
}

// verifyAnswer checks a query's answer with response verification against the test
// signer's root key: fully certified (v2, not skip).
func (c *engineCanister) verifyAnswer(t testing.TB, url string, resp gatewayResponse) {
	t.Helper()
	signer, err := benchSigner()
	if err != nil {
		t.Fatal(err)
	}
	var hs []verify.Header
	for _, h := range resp.Headers {
		hs = append(hs, verify.Header{Name: h.Name, Value: h.Value})
	}
	res, err := verify.Verify(verify.Request{Method: "GET", URL: url}, verify.Response{StatusCode: resp.StatusCode, Headers: hs, Body: resp.Body},
		verify.Params{CanisterID: c.id, RootKey: signer.RootKey(), Now: time.Now()})
	if err != nil || res.Skip || res.Version != 2 {
		t.Fatalf("GET %s: %+v, %v; want a fully certified answer", url, res, err)
	}
}

// BenchmarkCertification prints the figures of issue 12 with 1,000,000 certified payments
// (bulk-loaded natively into the canister's stable memory, as the canister would have
// certified them): the instructions of a certified GET /checkout/<id> query (answer,
// witness, certificate header), the instructions certifying a payment costs in the update
// that commits it (the canister measures them: certification query), and the upgrade
// instructions with none and with all the payments. Run with -benchtime 1x.
func BenchmarkCertification(b *testing.B) {
	n := certBenchPayments()
	arg := `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "` + whsec + `" } })`
	c := newEngineCanister(b, arg, nil)
	empty := c.upgrade(b)
	start := time.Now()
	bulkLoadWith(b, c, payments.Config{APIHost: "api.stripe.com", WebhookSecrets: []string{whsec}}, n, newStatusCertifier)
	b.Logf("built %d certified payments natively in %v", n, time.Since(start).Round(time.Second))
	full := c.upgrade(b)
	var cv certificationView
	c.query(b, "certification", nil, &cv)
	if cv.CertifiedStatuses != uint64(n) {
		b.Fatalf("%d certified statuses after the upgrade, want %d", cv.CertifiedStatuses, n)
	}

	var queryInstr, maxQuery int64
	var certify, maxCertify uint64
	rounds := 0
	b.ResetTimer()
	for range b.N {
		for i := range 10 {
			// A bulk payment (completed or expired), answered from state and certified.
			url := "/checkout/" + bulkSessionID((i*97_531+13)%n)
			resp, instr := c.httpQuery(b, gatewayRequest{Method: "GET", URL: url, Headers: []gatewayHeader{{"accept", "application/json"}}})
			if resp.Upgrade != nil && *resp.Upgrade || resp.StatusCode != 200 {
				b.Fatalf("GET %s = %d (upgrade %v), want a certified answer from state", url, resp.StatusCode, resp.Upgrade)
			}
			c.verifyAnswer(b, url, resp)
			queryInstr += instr
			maxQuery = max(maxQuery, instr)

			// A new payment committed by a webhook: certified by that update. Its id looks
			// like Stripe's: cs_test_ and 58 random letters and digits.
			now := time.Now()
			id := stripeLikeID(rounds*10 + i)
			s := stripeSession{ID: id, Status: "complete", PaymentStatus: "paid", Amount: 4200, Created: now.Unix() - 60, PaymentIntent: "pi_" + id}
			body := stripeEvent("evt_"+id, "checkout.session.completed", now.Unix(), s.object(0))
			if resp, _ := c.httpUpdate(b, webhookRequest(body, stripeSignature(body, whsec, now))); resp.StatusCode != 200 || !strings.Contains(string(resp.Body), "applied") {
				b.Fatalf("webhook = %d %s", resp.StatusCode, resp.Body)
			}
			c.query(b, "certification", nil, &cv)
			certify += cv.Last
			maxCertify = max(maxCertify, cv.Last)
			paidURL := "/checkout/" + id
			if resp, _ := c.httpQuery(b, gatewayRequest{Method: "GET", URL: paidURL}); resp.Upgrade != nil && *resp.Upgrade {
				b.Fatalf("GET %s after its webhook upgraded: not certified", paidURL)
			} else {
				c.verifyAnswer(b, paidURL, resp)
			}
		}
		rounds++
	}
	b.StopTimer()
	meanQuery := queryInstr / int64(10*rounds)
	meanCertify := certify / uint64(10*rounds)
	ratio := float64(full) / float64(empty)
	b.ReportMetric(float64(meanQuery), "query-instr")
	b.ReportMetric(float64(maxQuery), "max-query-instr")
	b.ReportMetric(float64(meanCertify), "certify-instr")
	b.ReportMetric(float64(maxCertify), "max-certify-instr")
	b.ReportMetric(float64(empty), "upgrade-instr-0")
	b.ReportMetric(float64(full), "upgrade-instr-n")
	b.Logf("%d certified payments: GET /checkout/<id> certified query %d instructions (max %d; target <= %d): %s; "+
		"certifying a payment in its update %d instructions (max %d; target <= %d): %s; "+
		"upgrade %d instructions with no payments, %d with %d (%.2fx; target: independent of the number): %s",
		n, meanQuery, maxQuery, maxCertifiedQueryInstructions, targetVerdict(maxQuery <= maxCertifiedQueryInstructions),
		meanCertify, maxCertify, maxCertifyInstructions, targetVerdict(maxCertify <= maxCertifyInstructions),
		empty, full, n, ratio, targetVerdict(ratio < 1.5))
}
