package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/client"

	"github.com/gocanister/stripe-ic/proxy/internal/app"
	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/config"
	"github.com/gocanister/stripe-ic/proxy/internal/testenv"
)

// startProxy runs the whole service (app.Run) on loopback ports, IPv4 and IPv6, and returns
// its base URLs and a stop function that shuts it down gracefully and returns Run's error.
func startProxy(t *testing.T, args []string, env []string) (urls []string, stop func() error) {
	t.Helper()
	return startProxyB(t, args, env)
}

// startProxyB is startProxy for tests and benchmarks alike.
func startProxyB(t testing.TB, args []string, env []string) (urls []string, stop func() error) {
	t.Helper()
	return startProxyLog(t, io.Discard, args, env)
}

// startProxyLog is startProxyB with the service's log (level warn) written to log.
func startProxyLog(t testing.TB, log io.Writer, args []string, env []string) (urls []string, stop func() error) {
	t.Helper()
	cfg, err := config.Load(append([]string{"-addr", "127.0.0.1:0,[::1]:0", "-log-level", "warn"}, args...), env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan []net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, cfg, app.NewLogger(log, "warn"), func(a []net.Addr) { ready <- a })
	}()
	scheme := "http"
	if cfg.TLSSelfSigned {
		scheme = "https"
	}
	select {
	case addrs := <-ready:
		for _, a := range addrs {
			urls = append(urls, scheme+"://"+a.String())
		}
	case err := <-done:
		t.Fatalf("proxy exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("proxy did not start")
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(20 * time.Second):
				runErr = fmt.Errorf("proxy did not stop")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return urls, stop
}

var upstreamCounter = regexp.MustCompile(`(?m)^idempotent_proxy_upstream_requests_total\{result="(\w+)"\} (\d+)$`)

// upstreamCalls scrapes /metrics for the number of upstream calls made.
func upstreamCalls(t *testing.T, base string) int {
	t.Helper()
	n := 0
	for _, m := range upstreamCounter.FindAllStringSubmatch(metricsText(t, base), -1) {
		v, _ := strconv.Atoi(m[2])
		n += v
	}
	return n
}

// TestStripeContract drives the proxy with the official stripe-go v79 client against
// stripe-mock: the client is given the secret's *name* as its API key and the proxy route as
// its backend URL, exactly as a canister would be configured.
func TestStripeContract(t *testing.T) {
	mock := testenv.StartStripeMock(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	urls, _ := startProxy(t, nil, []string{
		"URL_STRIPE=" + mock.HTTPURL,
		"ALLOW_URL_STRIPE=GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions", // what the canister needs
		"HEADER_STRIPE_KEY=sk_test_123",                                               // stripe-mock accepts any sk_test_ key, nothing else
		"ED25519_PUB_KEY=" + base64.RawURLEncoding.EncodeToString(pub),
		"ALLOW_AGENTS=stripe_backend",
	})
	base := urls[0]
	tok, err := auth.SignEd25519(priv, uint64(time.Now().Add(24*time.Hour).Unix()), "stripe_backend")
	if err != nil {
		t.Fatal(err)
	}
	token := auth.EncodeHeader(tok)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: withHeader{"Proxy-Authorization", token}}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:               stripe.String(base + "/URL_STRIPE"),
		HTTPClient:        hc,
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	sc := client.New("HEADER_STRIPE_KEY", &stripe.Backends{API: backend, Connect: backend, Uploads: backend})

	params := func(successURL string) *stripe.CheckoutSessionParams {
		p := &stripe.CheckoutSessionParams{
			Mode:       stripe.String(string(stripe.CheckoutSessionModePayment)),
			SuccessURL: stripe.String(successURL),
			LineItems: []*stripe.CheckoutSessionLineItemParams{{
				Price: stripe.String("price_123"), Quantity: stripe.Int64(1),
			}},
		}
		p.SetIdempotencyKey("canister-aaaaa-aa:create:order-1")
		return p
	}
	first, err := sc.CheckoutSessions.New(params("https://example.com/ok"))
	if err != nil {
		t.Fatalf("create checkout session through the proxy: %v", err)
	}
	if !strings.HasPrefix(first.ID, "cs_") || first.Object != "checkout.session" {
		t.Fatalf("unexpected session %+v", first)
	}
	if n := upstreamCalls(t, base); n != 1 {
		t.Fatalf("upstream calls = %d, want 1", n)
	}
	// The retry a replica (or stripe-go itself) sends is replayed, not executed.
	again, err := sc.CheckoutSessions.New(params("https://example.com/ok"))
	if err != nil || again.ID != first.ID || again.LastResponse.RequestID != first.LastResponse.RequestID {
		t.Fatalf("replay: %v %+v", err, again)
	}
	if n := upstreamCalls(t, base); n != 1 {
		t.Fatalf("upstream calls after replay = %d, want 1", n)
	}
	// Same key, other parameters: refused by the proxy before Stripe sees it.
	if _, err := sc.CheckoutSessions.New(params("https://example.com/other")); err == nil {
		t.Fatal("key reused with other parameters was accepted")
	}
	if n := upstreamCalls(t, base); n != 1 {
		t.Fatalf("upstream calls after refused reuse = %d, want 1", n)
	}
	// A GET needs no key and passes through; stripe-go parses the answer.
	got, err := sc.CheckoutSessions.Get("cs_test_123", nil)
	if err != nil || got.ID != "cs_test_123" {
		t.Fatalf("get session: %v %+v", err, got)
	}

	// What a canister does to pay for fewer bytes: filter the answer.
	req, _ := http.NewRequest("GET", base+"/URL_STRIPE/v1/checkout/sessions/cs_test_9", nil)
	req.Header.Set("Authorization", "Bearer HEADER_STRIPE_KEY")
	req.Header.Set("Idempotency-Key", "get-cs_test_9")
	req.Header.Set("Response-Headers", "request-id")
	req.Header.Set("X-Json-Mask", "id,object,status,payment_status,amount_total")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), `{"amount_total":`) || !strings.Contains(string(body), `"id":"cs_test_9"`) || strings.Contains(string(body), "line_items") {
		t.Fatalf("masked session: %d %s", resp.StatusCode, body)
	}
	if len(resp.Header) != 3 || resp.Header.Get("Request-Id") == "" { // Content-Type, Content-Length, Request-Id
		t.Fatalf("filtered headers: %v", resp.Header)
	}

	// Without the injected secret, stripe-mock refuses: the proxy really did inject it.
	req, _ = http.NewRequest("GET", base+"/URL_STRIPE/v1/checkout/sessions/cs_test_9", nil)
	req.Header.Set("Authorization", "Bearer HEADER_NOT_CONFIGURED")
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown secret name: status %d, want 401 from stripe-mock", resp.StatusCode)
	}

	// What the canister's token does not allow: no token (407), or a Stripe call beyond the
	// route's rules (403), both before stripe-mock sees anything.
	calls := upstreamCalls(t, base)
	noToken := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL: stripe.String(base + "/URL_STRIPE"), HTTPClient: &http.Client{Timeout: 10 * time.Second},
		MaxNetworkRetries: stripe.Int64(0), LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	anon := client.New("HEADER_STRIPE_KEY", &stripe.Backends{API: noToken, Connect: noToken, Uploads: noToken})
	if _, err := anon.CheckoutSessions.Get("cs_test_123", nil); err == nil || !strings.Contains(err.Error(), "407") {
		t.Fatalf("get session without a token: %v, want 407", err)
	}
	if _, err := sc.Refunds.New(&stripe.RefundParams{PaymentIntent: stripe.String("pi_123")}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("refund through the Stripe route: %v, want 403", err)
	}
	if _, err := sc.Customers.Get("cus_123", nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("customer through the Stripe route: %v, want 403", err)
	}
	if n := upstreamCalls(t, base); n != calls {
		t.Fatalf("refused requests reached stripe-mock: %d calls", n-calls)
	}
}

// withHeader is a RoundTripper adding one header to every request, as the canister adds its
// proxy-authorization token.
type withHeader struct{ name, value string }

func (h withHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// TestServiceOperations covers what an operator relies on: both address families, TLS with a
// generated certificate, health and metrics endpoints, and graceful shutdown that lets an
// in-flight request finish.
func TestServiceOperations(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "done")
	}))
	defer slow.Close()
	certFile := filepath.Join(t.TempDir(), "proxy.pem")
	urls, stop := startProxy(t, []string{"-tls-self-signed", "-tls-cert-out", certFile}, []string{"URL_SLOW=" + slow.URL, "ALLOW_URL_SLOW=POST /"})
	if len(urls) != 2 || !strings.Contains(urls[1], "[::1]") {
		t.Fatalf("listening on %v, want IPv4 and IPv6", urls)
	}
	// Clients verify the proxy with the certificate it wrote out.
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("TLS_CERT_OUT holds no certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for _, base := range urls {
		for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "idempotent_proxy_in_flight_requests"} {
			resp, err := c.Get(base + path)
			if err != nil {
				t.Fatalf("%s%s: %v", base, path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), want) || resp.TLS == nil {
				t.Fatalf("%s%s: %d %.80s", base, path, resp.StatusCode, b)
			}
		}
	}
	result := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("POST", urls[1]+"/URL_SLOW/", strings.NewReader("x"))
		req.Header.Set("Idempotency-Key", "shutdown")
		resp, err := c.Do(req)
		if err != nil {
			result <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- string(b)
	}()
	time.Sleep(100 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	if got := <-result; got != "done" {
		t.Fatalf("in-flight request during shutdown got %q", got)
	}
	if _, err := c.Get(urls[0] + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// TestRedisConfigured runs the service with REDIS_URL and checks /readyz follows Redis.
func TestRedisConfigured(t *testing.T) {
	r := testenv.StartRedis(t)
	urls, _ := startProxy(t, nil, []string{"REDIS_URL=" + r.Addr()})
	status := func() int {
		resp, err := http.Get(urls[0] + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(); s != 200 {
		t.Fatalf("readyz with Redis up: %d", s)
	}
	r.Kill()
	if s := status(); s != http.StatusServiceUnavailable {
		t.Fatalf("readyz with Redis down: %d", s)
	}
}

// TestTokenConfiguration configures keys and agents the way an operator does (environment
// variables with the reference proxy's names) and checks both token kinds end to end.
func TestTokenConfiguration(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()
	edPub, edPriv, _ := ed25519.GenerateKey(nil)
	ecPriv, _ := secp256k1.GeneratePrivateKey()
	b64 := base64.RawURLEncoding.EncodeToString
	urls, _ := startProxy(t, nil, []string{
		"URL_UP=" + up.URL,
		"ALLOW_URL_UP=POST /",
		"ED25519_PUB_KEY=" + b64(edPub),
		"ECDSA_PUB_KEY_1=" + b64(ecPriv.PubKey().SerializeCompressed()),
		"ALLOW_AGENTS=canister-a,canister-b",
	})
	exp := uint64(time.Now().Add(time.Hour).Unix())
	edTok, _ := auth.SignEd25519(edPriv, exp, "canister-a")
	ecTok, _ := auth.SignECDSA(ecPriv, exp, "canister-b")
	other, _ := auth.SignECDSA(ecPriv, exp, "canister-c")
	tests := []struct {
		name, token string
		status      int
	}{
		{"ed25519", auth.EncodeHeader(edTok), 200},
		{"secp256k1", auth.EncodeHeader(ecTok), 200},
		{"agent not allowed", auth.EncodeHeader(other), http.StatusForbidden},
		{"none", "", http.StatusProxyAuthRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", urls[1]+"/URL_UP/", nil)
			req.Header.Set("Idempotency-Key", "tok-"+tc.name)
			if tc.token != "" {
				req.Header.Set("Proxy-Authorization", tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

// syncBuffer is a log sink the service writes from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestSecretsNeedAuthentication: the service refuses to start with a secret and no token key;
// the explicit insecure setting starts it, says so at error level in the log and in /metrics,
// and then (only then) gives the secret to an anonymous caller.
func TestSecretsNeedAuthentication(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	env := []string{"URL_ECHO=" + echo.URL, "ALLOW_URL_ECHO=GET /v1/x", "HEADER_STRIPE_KEY=rk_live_secret"}
	if _, err := config.Load(nil, env, io.Discard); err == nil || !strings.Contains(err.Error(), "INSECURE_SECRETS_WITHOUT_AUTH") {
		t.Fatalf("start with a secret and no key: %v", err)
	}

	var log syncBuffer
	urls, _ := startProxyLog(t, &log, nil, append(env, "INSECURE_SECRETS_WITHOUT_AUTH=true"))
	if !regexp.MustCompile(`"level":"ERROR","msg":"INSECURE: .*ANYONE`).MatchString(log.String()) {
		t.Fatalf("start-up log does not shout:\n%s", log.String())
	}
	if m := metricsText(t, urls[0]); !strings.Contains(m, `idempotent_proxy_insecure{setting="secrets_without_auth"} 1`) {
		t.Fatal("/metrics does not show the insecure setting")
	}
	req, _ := http.NewRequest("GET", urls[0]+"/URL_ECHO/v1/x", nil)
	req.Header.Set("Authorization", "Bearer HEADER_STRIPE_KEY")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "Bearer rk_live_secret" {
		t.Fatalf("insecure mode: upstream got %q", b)
	}

	// With a key, the same secret is the authenticated caller's only, and nothing is insecure.
	pub, priv, _ := ed25519.GenerateKey(nil)
	urls, _ = startProxy(t, nil, append(env, "ED25519_PUB_KEY="+base64.RawURLEncoding.EncodeToString(pub)))
	if m := metricsText(t, urls[0]); strings.Contains(m, `idempotent_proxy_insecure{`) {
		t.Fatal("/metrics reports an insecure setting for a secure configuration")
	}
	for _, auth := range []string{"", tokenHeader(t, priv, "stripe_backend")} {
		req, _ := http.NewRequest("GET", urls[0]+"/URL_ECHO/v1/x", nil)
		req.Header.Set("Authorization", "Bearer HEADER_STRIPE_KEY")
		if auth != "" {
			req.Header.Set("Proxy-Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case auth == "" && (resp.StatusCode != http.StatusProxyAuthRequired || strings.Contains(string(b), "rk_live")):
			t.Fatalf("anonymous caller: %d %q", resp.StatusCode, b)
		case auth != "" && string(b) != "Bearer rk_live_secret":
			t.Fatalf("authenticated caller: %d %q", resp.StatusCode, b)
		}
	}
}

func tokenHeader(t *testing.T, key ed25519.PrivateKey, agent string) string {
	t.Helper()
	b, err := auth.SignEd25519(key, uint64(time.Now().Add(time.Hour).Unix()), agent)
	if err != nil {
		t.Fatal(err)
	}
	return auth.EncodeHeader(b)
}
