package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/deploy"
)

// stack is `make run` started by a test: the real replica, proxy, sandbox and canister,
// on free ports and in a temporary state directory.
type stack struct {
	Page        string `json:"page"`
	PaymentLink string `json:"payment_link"`
	Replica     string `json:"replica"`
	CanisterID  string `json:"canister_id"`
	Proxy       string `json:"proxy"`
	Sandbox     string `json:"sandbox"`
	Identity    string `json:"identity"`
}

// startStack builds the binaries and the canister and runs localnet until the test ends.
func startStack(t testing.TB) *stack {
	t.Helper()
	bin := absTempDir(t)
	for _, b := range []struct{ dir, pkg, out string }{
		{"..", "./cmd/replica", "replica"},
		{"..", "./cmd/localnet", "localnet"},
		{"../../proxy", "./cmd/idempotent-proxy", "idempotent-proxy"},
		{"../../proxy", "./cmd/stripe-sandbox", "stripe-sandbox"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, b.out), b.pkg)
		cmd.Dir = b.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", b.pkg, err, out)
		}
	}
	wasm := filepath.Join(bin, "stripe_backend.wasm.gz")
	if err := os.WriteFile(wasm, gzipped(t, module(t, "cmd/stripe_backend", "../../stripe_backend.did")), 0o644); err != nil {
		t.Fatal(err)
	}
	state := absTempDir(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "localnet"), "-root", root, "-bin", bin, "-module", wasm,
		"-state", state, "-replica-addr", freeAddr(t), "-proxy-addr", freeAddr(t), "-sandbox-addr", freeAddr(t))
	cmd.Env = append(os.Environ(), "STRIPE_SECRET_KEY=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
		}
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
		cmd.Wait()
		if t.Failed() {
			for _, name := range []string{"replica", "proxy", "sandbox"} {
				b, _ := os.ReadFile(filepath.Join(state, "logs", name+".log"))
				t.Logf("%s.log (tail):\n%s", name, tail(string(b), 3000))
			}
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		b, err := os.ReadFile(filepath.Join(state, "localnet.json"))
		if err == nil {
			var s stack
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			return &s
		}
		select {
		case <-done:
			t.Fatalf("localnet exited:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("localnet not ready after 3 minutes:\n%s", log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// absTempDir is t.TempDir as an absolute path. localnet changes into -root before it uses
// its paths, so a relative one (t.TempDir is relative when TMPDIR is) would put the stack's
// state, identity key included, inside the repository.
func absTempDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var formAction = regexp.MustCompile(`action="(/c/pay/cs_test_[A-Za-z0-9]+)"`)

// pay opens the Payment Link like a browser, submits the card and returns the session id and
// where Stripe (the sandbox) redirects to; it does not follow the redirect, so the canister is
// never polled.
func pay(t testing.TB, s *stack, card, ref string) (sessionID string, status int, location string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.PaymentLink + "?client_reference_id=" + url.QueryEscape(ref))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	checkout := s.Sandbox + resp.Header.Get("Location")
	resp, err = c.Get(checkout)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formAction.FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("no checkout form at %s:\n%s", checkout, tail(string(page), 500))
	}
	sessionID = m[1][len("/c/pay/"):]
	resp, err = c.PostForm(s.Sandbox+m[1], url.Values{"card_number": {card}, "card_expiry": {"12/34"}, "card_cvc": {"123"}, "email": {"payer@example.com"}, "name": {"Test Payer"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return sessionID, resp.StatusCode, resp.Header.Get("Location")
}

func getPayment(t testing.TB, s *stack, id string) map[string]any {
	t.Helper()
	ident, err := deploy.LoadIdentity(s.Identity) // absolute: inside the stack's state directory
	if err != nil {
		t.Fatal(err)
	}
	old := sharedURL()
	setSharedURL(s.Replica)
	defer setSharedURL(old)
	a := newAgent(t, ident)
	var p *struct {
		Status        string  `ic:"status"`
		PaymentStatus string  `ic:"payment_status"`
		AmountTotal   *int64  `ic:"amount_total"`
		Currency      string  `ic:"currency"`
		ClientRef     *string `ic:"client_reference_id"`
		Confirmed     bool    `ic:"confirmed"`
	}
	if err := a.Query(principal.MustDecode(s.CanisterID), "get_payment", []any{id}, []any{&p}); err != nil {
		t.Fatal(err)
	}
	if p == nil {
		return nil
	}
	out := map[string]any{"status": p.Status, "payment_status": p.PaymentStatus, "currency": p.Currency, "confirmed": p.Confirmed}
	if p.AmountTotal != nil {
		out["amount_total"] = *p.AmountTotal
	}
	if p.ClientRef != nil {
		out["client_reference_id"] = *p.ClientRef
	}
	return out
}

// proxyCounter reads a counter from the proxy's Prometheus metrics (summing label sets).
func proxyCounter(t testing.TB, s *stack, name string) float64 {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the local self-signed proxy
	resp, err := c.Get(s.Proxy + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}

// TestPaymentFlowWebhookOnly pays through the sandbox and never polls: Stripe's webhook
// reaches the canister through the gateway, the canister confirms the session with Stripe
// through the idempotent proxy, and get_payment shows it paid. Every distinct outcall (one
// idempotency key) reaches Stripe once although 13 replicas send it.
func TestPaymentFlowWebhookOnly(t *testing.T) {
	ours(t, "starts the whole local stack")
	if testing.Short() {
		t.Skip("the full stack takes a minute to build and start")
	}
	s := startStack(t)

	id, status, location := pay(t, s, "4242 4242 4242 4242", "ref_webhook_only")
	if status != http.StatusSeeOther || !strings.Contains(location, id) || !strings.HasPrefix(location, s.Page) {
		t.Fatalf("payment answered %d to %q; want a redirect to the page with the session id", status, location)
	}
	var got map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got = getPayment(t, s, id)
		if got != nil && got["status"] == "completed" && got["confirmed"] == true {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got == nil || got["status"] != "completed" || got["payment_status"] != "paid" || got["confirmed"] != true ||
		got["amount_total"] != int64(1234) || got["currency"] != "usd" || got["client_reference_id"] != "ref_webhook_only" {
		t.Fatalf("get_payment after the webhook = %v; want a confirmed paid payment of 1234 usd", got)
	}

	declined, status, _ := pay(t, s, "4000 0000 0000 0002", "ref_declined")
	if status != http.StatusPaymentRequired {
		t.Fatalf("declined card answered %d, want 402", status)
	}
	time.Sleep(3 * time.Second)
	if p := getPayment(t, s, declined); p != nil && p["status"] == "completed" {
		t.Fatalf("a declined payment shows as %v", p)
	}

	upstream := proxyCounter(t, s, "idempotent_proxy_upstream_requests_total")
	replays := proxyCounter(t, s, "idempotent_proxy_replays_total")
	if upstream < 1 || replays != 12*upstream {
		t.Fatalf("proxy: %v upstream calls, %v replays; want 12 replays per upstream call (13 replicas, one call each)", upstream, replays)
	}
	t.Logf("proxy: %v upstream calls for %v replica requests", upstream, upstream+replays)
}

// BenchmarkPaymentFlow pays through the whole local stack (sandbox, webhooks, canister,
// idempotent proxy, 13 simulated replicas) and reports how many calls reached Stripe per
// payment and per distinct outcall (target: exactly 1 per distinct request, whatever the
// replica count).
func BenchmarkPaymentFlow(b *testing.B) {
	if shared.external {
		b.Skip("needs the in-process replica")
	}
	s := startStack(b)
	const payments = 3
	for i := 0; i < b.N; i++ {
		before := proxyCounter(b, s, "idempotent_proxy_upstream_requests_total")
		beforeReplays := proxyCounter(b, s, "idempotent_proxy_replays_total")
		for j := 0; j < payments; j++ {
			id, _, _ := pay(b, s, "4242 4242 4242 4242", fmt.Sprintf("ref_bench_%d_%d", i, j))
			deadline := time.Now().Add(60 * time.Second)
			for {
				p := getPayment(b, s, id)
				if p != nil && p["status"] == "completed" && p["confirmed"] == true {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("payment %s not confirmed: %v", id, p)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
		upstream := proxyCounter(b, s, "idempotent_proxy_upstream_requests_total") - before
		replays := proxyCounter(b, s, "idempotent_proxy_replays_total") - beforeReplays
		perDistinct := upstream / (upstream + replays) * 13
		b.ReportMetric(upstream/payments, "stripe-calls/payment")
		b.ReportMetric(perDistinct, "stripe-calls/distinct-request")
		b.Logf("%d payments (webhook-confirmed): %v calls reached Stripe for %v replica requests: %.2f per distinct request (target 1), %.2f per payment",
			payments, upstream, upstream+replays, perDistinct, upstream/payments)
	}
}
