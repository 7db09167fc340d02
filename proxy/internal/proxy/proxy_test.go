package proxy_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/proxy"
	"github.com/gocanister/stripe-ic/proxy/internal/rules"
	"github.com/gocanister/stripe-ic/proxy/internal/store"
	"github.com/gocanister/stripe-ic/proxy/internal/testenv"
)

// upstream is a counting test server. Each answer differs (a sequence number, a Date), so a
// second execution would show in the bodies.
type upstream struct {
	*httptest.Server
	calls   atomic.Int64
	delay   time.Duration
	mu      sync.Mutex
	lastHdr http.Header
	status  atomic.Int64 // 0: 200
}

func newUpstream(t *testing.T, tlsServer bool) *upstream {
	u := &upstream{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := u.calls.Add(1)
		time.Sleep(u.delay)
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.lastHdr = r.Header.Clone()
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", fmt.Sprintf("req_%d", n))
		w.Header().Set("X-Upstream-Extra", "1")
		status := int(u.status.Load())
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{
			"id": fmt.Sprintf("cs_%d", n), "object": "checkout.session", "seq": n,
			"method": r.Method, "path": r.URL.RequestURI(), "body": string(body),
			"customer_details": map[string]any{"email": "a@example.com", "name": "A"},
			"at":               time.Now().UnixNano(),
		})
	})
	if tlsServer {
		u.Server = httptest.NewTLSServer(h)
	} else {
		u.Server = httptest.NewServer(h)
	}
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) header() http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lastHdr
}

type instance struct {
	*httptest.Server
	h *proxy.Handler
	m *metrics.Metrics
}

// testKey signs the token do() sends unless a test sends its own; every test instance
// accepts it, as the canister's key would be.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

const testAgent = "canister-test"

// testToken is a proxy-authorization header value for testKey and agent.
func testToken(t *testing.T, agent string) string {
	t.Helper()
	b, err := auth.SignEd25519(testKey, uint64(time.Now().Add(time.Hour).Unix()), agent)
	if err != nil {
		t.Fatal(err)
	}
	return auth.EncodeHeader(b)
}

func testVerifier(t *testing.T) *auth.Verifier {
	t.Helper()
	pub := testKey.Public().(ed25519.PublicKey)
	ver, err := auth.NewVerifier(auth.VerifierOptions{Ed25519Keys: []string{base64.RawURLEncoding.EncodeToString(pub)}})
	if err != nil {
		t.Fatal(err)
	}
	return ver
}

func newInstance(t *testing.T, st store.Store, mod func(*proxy.Options)) *instance {
	t.Helper()
	m := metrics.New()
	o := proxy.Options{
		Store: st, Verifier: testVerifier(t), Metrics: m,
		Logger:         slog.New(slog.NewJSONHandler(io.Discard, nil)),
		URLs:           map[string]string{},
		Rules:          map[string]*rules.Rules{},
		Headers:        map[string]string{"HEADER_API_KEY": "sk_test_secret"},
		AllowHosts:     []string{"api.stripe.com"},
		RequestTimeout: 5 * time.Second, IdempotencyTTL: time.Hour, FailureTTL: 300 * time.Millisecond,
		MaxRequestBody: 1 << 20, MaxResponseBody: 1 << 20,
	}
	if mod != nil {
		mod(&o)
	}
	h, err := proxy.New(o)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(h)
	t.Cleanup(func() { s.Close(); h.Close() })
	return &instance{Server: s, h: h, m: m}
}

// route configures URL_UP to up, allowing every method and path.
func route(up *upstream) func(*proxy.Options) {
	return func(o *proxy.Options) {
		o.URLs["URL_UP"] = up.URL + "/base?fixed=1"
		o.Rules["URL_UP"] = rules.MustParse("*")
	}
}

func newMemory(t *testing.T) store.Store {
	m := store.NewMemory(0, time.Minute)
	t.Cleanup(func() { m.Close() })
	return m
}

// warmUp sends a request through each instance so that the Redis epoch's first quarantine
// (new keys wait while it lasts) is over before a test times its steps.
func warmUp(t *testing.T, insts ...*instance) {
	t.Helper()
	for i, p := range insts {
		if a := do(t, "GET", p.URL+"/URL_UP/warm-up", map[string]string{"Idempotency-Key": fmt.Sprint("warm-up-", i)}, ""); a.status != 200 {
			t.Fatalf("warm-up: %d %s", a.status, a.body)
		}
	}
}

func newRedisStore(t *testing.T, srv *testenv.Redis, quarantine time.Duration) store.Store {
	r, err := store.NewRedis(store.RedisOptions{URL: srv.URL(), PollInterval: 10 * time.Millisecond, Timeout: 300 * time.Millisecond,
		Quarantine: quarantine})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// twoInstances are two proxies sharing srv, routing URL_UP to up.
func twoInstances(t *testing.T, srv *testenv.Redis, up *upstream, quarantine time.Duration) (a, b *instance) {
	t.Helper()
	return newInstance(t, newRedisStore(t, srv, quarantine), route(up)), newInstance(t, newRedisStore(t, srv, quarantine), route(up))
}

// answer is everything a replica receives: it must be identical for all replicas.
type answer struct {
	status int
	header string
	body   string
}

// do sends one request, with testKey's token unless hdr names a Proxy-Authorization (an
// empty one is sent empty). It reports errors with t.Errorf (not Fatal) because replicas
// call it from their own goroutines; a failed request yields the zero answer.
func do(t *testing.T, method, u string, hdr map[string]string, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Errorf("build request: %v", err)
		return answer{}
	}
	req.Header.Set("Proxy-Authorization", testToken(t, testAgent))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, u, err)
		return answer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var lines []string
	for k, vs := range resp.Header {
		lines = append(lines, k+": "+strings.Join(vs, ", "))
	}
	sort.Strings(lines)
	return answer{resp.StatusCode, strings.Join(lines, "\n"), string(b)}
}

// TestThirteenReplicasTwoInstances is the IC scenario: 13 replicas send the same POST at
// once, split across two proxy instances sharing Redis. The upstream must run once and every
// replica must receive the same bytes.
func TestThirteenReplicasTwoInstances(t *testing.T) {
	up := newUpstream(t, false)
	up.delay = 150 * time.Millisecond
	a, b := twoInstances(t, testenv.StartRedis(t), up, 500*time.Millisecond)

	for round := range 3 { // several keys, each must execute exactly once
		key := fmt.Sprintf("canister-1:cs_create:%d", round)
		answers := make([]answer, 13)
		var wg sync.WaitGroup
		for i := range 13 {
			inst := []*instance{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = do(t, "POST", inst.URL+"/URL_UP/v1/checkout/sessions?x=2",
					map[string]string{"Idempotency-Key": key, "Content-Type": "application/x-www-form-urlencoded"},
					"mode=payment&amount=1000")
			}()
		}
		wg.Wait()
		if got := up.calls.Load(); got != int64(round+1) {
			t.Fatalf("round %d: upstream called %d times in total, want %d", round, got, round+1)
		}
		for i, an := range answers {
			if an != answers[0] {
				t.Fatalf("round %d: replica %d got\n%+v\nreplica 0 got\n%+v", round, i, an, answers[0])
			}
		}
		if answers[0].status != 200 || !strings.Contains(answers[0].body, `"path":"/base/v1/checkout/sessions?fixed=1\u0026x=2"`) {
			t.Fatalf("unexpected answer %+v", answers[0])
		}
		if strings.Contains(answers[0].header, "Date:") {
			t.Fatalf("answer carries a Date header, which differs between replicas:\n%s", answers[0].header)
		}
	}
	// A later duplicate (after the round) is a replay too.
	late := do(t, "POST", b.URL+"/URL_UP/v1/checkout/sessions?x=2",
		map[string]string{"Idempotency-Key": "canister-1:cs_create:0", "Content-Type": "application/x-www-form-urlencoded"},
		"mode=payment&amount=1000")
	if up.calls.Load() != 3 || !strings.Contains(late.body, `"id":"cs_1"`) {
		t.Fatalf("late duplicate executed again or got another answer: calls=%d %s", up.calls.Load(), late.body)
	}
	// The metrics tell the same story: 3 executions and 3*12+1 replays across both instances.
	executed := testutil.ToFloat64(a.m.Requests.WithLabelValues("executed")) + testutil.ToFloat64(b.m.Requests.WithLabelValues("executed"))
	replays := testutil.ToFloat64(a.m.Replays) + testutil.ToFloat64(b.m.Replays)
	upstreamOK := testutil.ToFloat64(a.m.Upstream.WithLabelValues("2xx")) + testutil.ToFloat64(b.m.Upstream.WithLabelValues("2xx"))
	if executed != 3 || replays != 37 || upstreamOK != 3 {
		t.Fatalf("metrics: executed=%v replays=%v upstream 2xx=%v, want 3, 37, 3", executed, replays, upstreamOK)
	}
}

func TestThirteenReplicasMemory(t *testing.T) {
	up := newUpstream(t, false)
	up.delay = 100 * time.Millisecond
	p := newInstance(t, newMemory(t), route(up))
	answers := make([]answer, 13)
	var wg sync.WaitGroup
	for i := range 13 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "k"}, "b")
		}()
	}
	wg.Wait()
	if up.calls.Load() != 1 {
		t.Fatalf("upstream called %d times", up.calls.Load())
	}
	for i := range answers {
		if answers[i] != answers[0] {
			t.Fatalf("replica %d differs", i)
		}
	}
}

func TestKeyReuseRefused(t *testing.T) {
	up := newUpstream(t, false)
	p := newInstance(t, newMemory(t), route(up))
	k := map[string]string{"Idempotency-Key": "k1"}
	if a := do(t, "POST", p.URL+"/URL_UP/v1/x", k, "amount=1"); a.status != 200 {
		t.Fatalf("first: %+v", a)
	}
	tests := []struct {
		name, method, path, body string
		hdr                      map[string]string
	}{
		{"other body", "POST", "/URL_UP/v1/x", "amount=2", k},
		{"other path", "POST", "/URL_UP/v1/y", "amount=1", k},
		{"other query", "POST", "/URL_UP/v1/x?a=1", "amount=1", k},
		{"other method", "PUT", "/URL_UP/v1/x", "amount=1", k},
		{"other mask", "POST", "/URL_UP/v1/x", "amount=1", map[string]string{"Idempotency-Key": "k1", "X-Json-Mask": "id"}},
		{"other stripe account", "POST", "/URL_UP/v1/x", "amount=1", map[string]string{"Idempotency-Key": "k1", "Stripe-Account": "acct_1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, tc.method, p.URL+tc.path, tc.hdr, tc.body)
			if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "different request") {
				t.Fatalf("got %d %q, want 422 with a reason", a.status, a.body)
			}
			if strings.Contains(a.header, "Date:") {
				t.Fatalf("refusal carries a Date header:\n%s", a.header)
			}
		})
	}
	if up.calls.Load() != 1 {
		t.Fatalf("upstream called %d times", up.calls.Load())
	}
	// The same request with a harmless header difference (User-Agent) is still a replay.
	if a := do(t, "POST", p.URL+"/URL_UP/v1/x", map[string]string{"Idempotency-Key": "k1", "User-Agent": "replica-7"}, "amount=1"); a.status != 200 || up.calls.Load() != 1 {
		t.Fatalf("replay with another User-Agent: %d, calls %d", a.status, up.calls.Load())
	}
}

func TestAuthTokens(t *testing.T) {
	up := newUpstream(t, false)
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, forgedKey, _ := ed25519.GenerateKey(nil)
	st := newMemory(t)
	p := newInstance(t, st, func(o *proxy.Options) {
		route(up)(o)
		v, err := auth.NewVerifier(auth.VerifierOptions{Ed25519Keys: []string{base64.RawURLEncoding.EncodeToString(pub)},
			AllowAgents: []string{"canister-a", "canister-b"}})
		if err != nil {
			t.Fatal(err)
		}
		o.Verifier = v
	})
	tok := func(key ed25519.PrivateKey, exp time.Time, agent string) string {
		b, err := auth.SignEd25519(key, uint64(exp.Unix()), agent)
		if err != nil {
			t.Fatal(err)
		}
		return auth.EncodeHeader(b)
	}
	soon := time.Now().Add(time.Minute)
	tests := []struct {
		name, token string
		status      int
	}{
		{"valid", tok(priv, soon, "canister-a"), 200},
		{"expired", tok(priv, time.Now().Add(-time.Minute), "canister-a"), http.StatusProxyAuthRequired},
		{"forged", tok(forgedKey, soon, "canister-a"), http.StatusProxyAuthRequired},
		{"missing", "", http.StatusProxyAuthRequired},
		{"100 years", tok(priv, time.Now().AddDate(100, 0, 0), "canister-a"), http.StatusProxyAuthRequired},
		{"agent not allowed", tok(priv, soon, "mallory"), http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Idempotency-Key": "auth-" + tc.name, "Proxy-Authorization": tc.token}
			if a := do(t, "POST", p.URL+"/URL_UP/x", hdr, ""); a.status != tc.status {
				t.Fatalf("status %d (%s), want %d", a.status, a.body, tc.status)
			}
		})
	}
	if up.calls.Load() != 1 {
		t.Fatalf("upstream called %d times, want 1 (only the valid token)", up.calls.Load())
	}
	if h := up.header(); h.Get("Proxy-Authorization") != "" {
		t.Fatal("proxy-authorization token forwarded upstream")
	}
	// Keys are namespaced by agent: the same key from another agent is another request.
	for _, agent := range []string{"canister-a", "canister-b", "canister-a"} {
		a := do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "shared", "Proxy-Authorization": tok(priv, soon, agent)}, "")
		if a.status != 200 {
			t.Fatalf("%s: %d", agent, a.status)
		}
	}
	if up.calls.Load() != 3 {
		t.Fatalf("upstream called %d times, want 3 (one per agent)", up.calls.Load())
	}
}

func TestForwardedHostAllowList(t *testing.T) {
	up := newUpstream(t, true)
	upURL, _ := url.Parse(up.URL)
	pool := up.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	// Not allow-listed: refused before any connection.
	strict := newInstance(t, newMemory(t), nil)
	for _, host := range []string{"evil.example", upURL.Host, "api.stripe.com.evil.example", "api.stripe.com:8443", "user@api.stripe.com", "[::1]", "api.stripe.com/x"} {
		a := do(t, "GET", strict.URL+"/v1/x", map[string]string{"X-Forwarded-Host": host}, "")
		if a.status != http.StatusForbidden && a.status != http.StatusBadRequest {
			t.Fatalf("host %q: status %d, want 403/400", host, a.status)
		}
	}
	// Allow-listed but resolving to a loopback address: the dialer refuses (no SSRF).
	ssrf := newInstance(t, newMemory(t), func(o *proxy.Options) { o.AllowHosts = []string{upURL.Host}; o.RootCAs = pool })
	a := do(t, "GET", ssrf.URL+"/v1/x", map[string]string{"X-Forwarded-Host": upURL.Host}, "")
	if a.status != http.StatusBadGateway || !strings.Contains(a.body, "non-public address") {
		t.Fatalf("loopback upstream: %d %q, want 502 refusing a non-public address", a.status, a.body)
	}
	// With private addresses allowed (tests only), the request goes over verified HTTPS.
	open := newInstance(t, newMemory(t), func(o *proxy.Options) {
		o.AllowHosts = []string{upURL.Host}
		o.AllowPrivate = true
		o.RootCAs = pool
	})
	a = do(t, "GET", open.URL+"/v1/x?q=1", map[string]string{"X-Forwarded-Host": upURL.Host}, "")
	if a.status != 200 || !strings.Contains(a.body, `"path":"/v1/x?q=1"`) {
		t.Fatalf("allowed host: %d %q", a.status, a.body)
	}
	if up.calls.Load() != 1 {
		t.Fatalf("upstream called %d times", up.calls.Load())
	}
	if a := do(t, "GET", open.URL+"/v1/x", nil, ""); a.status != http.StatusBadRequest {
		t.Fatalf("no upstream named: %d", a.status)
	}
	if a := do(t, "GET", open.URL+"/URL_NOPE/x", nil, ""); a.status != http.StatusNotFound {
		t.Fatalf("unknown route: %d", a.status)
	}
}

func TestRoutePaths(t *testing.T) {
	up := newUpstream(t, false)
	p := newInstance(t, newMemory(t), route(up)) // URL_UP = <up>/base?fixed=1
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/URL_UP", 200, `"path":"/base?fixed=1"`},
		{"/URL_UP/", 200, `"path":"/base/?fixed=1"`},
		{"/URL_UP/v1/a%2Fb?q=%20", 200, `"path":"/base/v1/a%2Fb?fixed=1\u0026q=%20"`},
		{"/URL_UP/../admin", 400, "segment"},
		{"/URL_UP/v1/%2e%2e/admin", 400, "segment"},
		{"/URL_UP/./x", 400, "segment"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			req, _ := http.NewRequest("GET", p.URL, nil)
			req.Header.Set("Proxy-Authorization", testToken(t, testAgent))
			path, query, _ := strings.Cut(tc.path, "?")
			req.URL.Opaque, req.URL.RawQuery = path, query // sent as is, not cleaned by the client
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%d %s, want %d containing %s", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.1": false, "10.1.2.3": false,
		"192.168.1.1": false, "169.254.169.254": false, "::1": false, "fd00::1": false,
		"::ffff:127.0.0.1": false, "100.64.0.1": false, "0.0.0.0": false, "fe80::1": false,
	} {
		if got := proxy.PublicAddr(mustAddr(t, addr)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestHeaderRewriting(t *testing.T) {
	up := newUpstream(t, false)
	p := newInstance(t, newMemory(t), func(o *proxy.Options) {
		route(up)(o)
		o.SecretHeaders = []string{"authorization", "X-Api-Key"}
	})
	a := do(t, "POST", p.URL+"/URL_UP/x", map[string]string{
		"Idempotency-Key":  "h1",
		"Authorization":    "Bearer HEADER_API_KEY",
		"X-Api-Key":        "HEADER_API_KEY",
		"X-Echo-Me":        "HEADER_API_KEY", // not a secret header: passes as it is
		"X-Other":          "HEADER_UNKNOWN",
		"X-Forwarded-For":  "10.0.0.1",
		"Forwarded":        "for=10.0.0.1",
		"Connection":       "X-Conn-Only",
		"X-Conn-Only":      "1",
		"Response-Headers": "request-id",
		"X-Json-Mask":      "id,customer_details.email",
	}, "")
	if a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	h := up.header()
	for k, want := range map[string]string{
		"Authorization": "Bearer sk_test_secret", "X-Api-Key": "sk_test_secret", "X-Other": "HEADER_UNKNOWN",
		"X-Echo-Me":       "HEADER_API_KEY",
		"X-Forwarded-For": "", "Forwarded": "", "X-Conn-Only": "", "Response-Headers": "", "X-Json-Mask": "",
		"Idempotency-Key": "h1",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("upstream saw %s = %q, want %q", k, got, want)
		}
	}
	// response-headers keeps only Request-Id (and Content-Type); x-json-mask only two fields.
	if a.body != `{"customer_details":{"email":"a@example.com"},"id":"cs_1"}` {
		t.Errorf("masked body = %s", a.body)
	}
	if strings.Contains(a.header, "X-Upstream-Extra") || !strings.Contains(a.header, "Request-Id: req_1") {
		t.Errorf("filtered headers:\n%s", a.header)
	}
}

func TestFailureRule(t *testing.T) {
	up := newUpstream(t, false)
	p := newInstance(t, newMemory(t), route(up))
	hdr := map[string]string{"Idempotency-Key": "f1"}
	up.status.Store(503)
	first := do(t, "POST", p.URL+"/URL_UP/x", hdr, "")
	second := do(t, "POST", p.URL+"/URL_UP/x", hdr, "")
	if first.status != 503 || first != second || up.calls.Load() != 1 {
		t.Fatalf("within the failure TTL a 5xx must be replayed identically: %d/%d calls=%d", first.status, second.status, up.calls.Load())
	}
	up.status.Store(0)
	time.Sleep(400 * time.Millisecond) // FailureTTL is 300ms in these tests
	retry := do(t, "POST", p.URL+"/URL_UP/x", hdr, "")
	if retry.status != 200 || up.calls.Load() != 2 {
		t.Fatalf("after the failure TTL the retry must execute: %d calls=%d", retry.status, up.calls.Load())
	}
	time.Sleep(400 * time.Millisecond)
	if again := do(t, "POST", p.URL+"/URL_UP/x", hdr, ""); again != retry || up.calls.Load() != 2 {
		t.Fatal("a 2xx must be replayed beyond the failure TTL")
	}

	// A 4xx is final.
	up.status.Store(402)
	do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "f2"}, "")
	up.status.Store(0)
	time.Sleep(400 * time.Millisecond)
	if a := do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "f2"}, ""); a.status != 402 || up.calls.Load() != 3 {
		t.Fatalf("4xx not final: %d calls=%d", a.status, up.calls.Load())
	}

	// A network failure becomes a stored 502 for the failure TTL.
	dead := newInstance(t, newMemory(t), func(o *proxy.Options) {
		o.URLs["URL_DEAD"] = "http://127.0.0.1:1"
		o.Rules["URL_DEAD"] = rules.MustParse("POST /x")
	})
	n1 := do(t, "POST", dead.URL+"/URL_DEAD/x", map[string]string{"Idempotency-Key": "n"}, "")
	n2 := do(t, "POST", dead.URL+"/URL_DEAD/x", map[string]string{"Idempotency-Key": "n"}, "")
	if n1.status != http.StatusBadGateway || n1 != n2 {
		t.Fatalf("network failure: %+v vs %+v", n1, n2)
	}
}

func TestRequestValidation(t *testing.T) {
	up := newUpstream(t, false)
	p := newInstance(t, newMemory(t), func(o *proxy.Options) {
		route(up)(o)
		o.MaxRequestBody = 100
		o.MaxResponseBody = 50
	})
	tests := []struct {
		name, method, body string
		hdr                map[string]string
		status             int
	}{
		{"POST without key", "POST", "", nil, 400},
		{"key too long", "POST", "", map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}, 400},
		{"body too large", "POST", strings.Repeat("x", 101), map[string]string{"Idempotency-Key": "big"}, 413},
		{"bad mask", "POST", "", map[string]string{"Idempotency-Key": "m", "X-Json-Mask": "a..b"}, 400},
		{"answer too large", "POST", "", map[string]string{"Idempotency-Key": "large"}, 502},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if a := do(t, tc.method, p.URL+"/URL_UP/x", tc.hdr, tc.body); a.status != tc.status {
				t.Fatalf("status %d (%s), want %d", a.status, a.body, tc.status)
			}
		})
	}
}

func TestPassThroughWithoutKey(t *testing.T) {
	up := newUpstream(t, false)
	p := newInstance(t, newMemory(t), route(up))
	a := do(t, "GET", p.URL+"/URL_UP/x", nil, "")
	b := do(t, "GET", p.URL+"/URL_UP/x", nil, "")
	if a.status != 200 || b.status != 200 || a.body == b.body || up.calls.Load() != 2 {
		t.Fatalf("GET without a key must pass through each time: calls=%d", up.calls.Load())
	}
	// HEAD gets headers only.
	if h := do(t, "HEAD", p.URL+"/URL_UP/x", nil, ""); h.status != 200 || h.body != "" {
		t.Fatalf("HEAD: %+v", h)
	}
}

func TestRedisDown(t *testing.T) {
	up := newUpstream(t, false)
	srv := testenv.StartRedis(t)
	p := newInstance(t, newRedisStore(t, srv, 500*time.Millisecond), func(o *proxy.Options) {
		route(up)(o)
		// The owner keeps trying to store its answer until its claim's deadline, 1 s + 5 s.
		o.RequestTimeout = time.Second
	})
	if a := do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "before"}, ""); a.status != 200 {
		t.Fatalf("before: %d", a.status)
	}
	// In flight when Redis dies: the answer cannot be stored, so nobody gets it.
	up.delay = 300 * time.Millisecond
	inflight := make(chan answer)
	go func() {
		inflight <- do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "during"}, "")
	}()
	time.Sleep(100 * time.Millisecond)
	srv.Kill()
	if a := <-inflight; a.status != http.StatusServiceUnavailable {
		t.Fatalf("request in flight when Redis died: %d %s", a.status, a.body)
	}
	calls := up.calls.Load()
	up.delay = 0
	for i := range 5 {
		a := do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": fmt.Sprintf("down-%d", i)}, "")
		if a.status != http.StatusServiceUnavailable {
			t.Fatalf("Redis down: status %d, want 503", a.status)
		}
	}
	if up.calls.Load() != calls {
		t.Fatalf("upstream called %d times while Redis was down", up.calls.Load()-calls)
	}
	srv.Start()
	// go-redis's dial circuit breaker, tripped by the failures above, fails commands for up
	// to a second after Redis is back; a caller retries with the same key.
	var a answer
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if a = do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "after"}, ""); a.status != http.StatusServiceUnavailable {
			break
		}
	}
	if a.status != 200 || up.calls.Load() != calls+1 {
		t.Fatalf("after restart: %d %s, %d upstream calls", a.status, a.body, up.calls.Load()-calls)
	}
}

func TestClientGoneStillStores(t *testing.T) {
	up := newUpstream(t, false)
	up.delay = 200 * time.Millisecond
	p := newInstance(t, newMemory(t), route(up))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", p.URL+"/URL_UP/x", bytes.NewReader(nil))
	req.Header.Set("Idempotency-Key", "gone")
	req.Header.Set("Proxy-Authorization", testToken(t, testAgent))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("expected the client to time out")
	}
	a := do(t, "POST", p.URL+"/URL_UP/x", map[string]string{"Idempotency-Key": "gone"}, "")
	if a.status != 200 || up.calls.Load() != 1 {
		t.Fatalf("duplicate after the first client left: %d, calls=%d", a.status, up.calls.Load())
	}
}

// TestRedisRestartMidCall: Redis restarts empty while the first request of a key runs on one
// instance and a duplicate waits on the other. Nobody may execute it a second time: the
// owner writes its claim back and stores its answer, the duplicate replays it.
func TestRedisRestartMidCall(t *testing.T) {
	up := newUpstream(t, false)
	up.delay = 400 * time.Millisecond
	srv := testenv.StartRedis(t)
	a, b := twoInstances(t, srv, up, 500*time.Millisecond)
	warmUp(t, a, b)
	before := up.calls.Load()
	hdr := map[string]string{"Idempotency-Key": "restart"}
	results := make(chan answer, 2)
	go func() { results <- do(t, "POST", a.URL+"/URL_UP/x", hdr, "") }()
	time.Sleep(100 * time.Millisecond)
	go func() { results <- do(t, "POST", b.URL+"/URL_UP/x", hdr, "") }()
	time.Sleep(100 * time.Millisecond)
	srv.Kill()
	srv.Start()
	first, second := <-results, <-results
	if first.status != 200 || first != second {
		t.Fatalf("answers %+v and %+v, want the same 200 for both", first, second)
	}
	if n := up.calls.Load() - before; n != 1 {
		t.Fatalf("upstream called %d times for one key", n)
	}
}
