package proxy_test

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/proxy"
	"github.com/gocanister/stripe-ic/proxy/internal/rules"
)

// echo is an upstream that sends back every request header it received, as a JSON object:
// the worst upstream to leak a secret to.
type echo struct {
	*httptest.Server
	calls atomic.Int64
}

func newEcho(t *testing.T, tlsServer bool, ln net.Listener) *echo {
	e := &echo{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls.Add(1)
		hdr := map[string]string{"_method": r.Method, "_path": r.URL.Path}
		for k, vs := range r.Header {
			hdr[k] = strings.Join(vs, ", ")
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(hdr)
	})
	e.Server = httptest.NewUnstartedServer(h)
	if ln != nil {
		e.Listener.Close()
		e.Listener = ln
	}
	if tlsServer {
		e.StartTLS()
	} else {
		e.Start()
	}
	t.Cleanup(e.Close)
	return e
}

func echoed(t *testing.T, a answer) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("%d %q is not the echo: %v", a.status, a.body, err)
	}
	return m
}

const secret = "rk_live_secret"

// secretRoute configures the route name to u with these rules, and the secret
// HEADER_STRIPE_KEY.
func secretRoute(name, u, allow string) func(*proxy.Options) {
	return func(o *proxy.Options) {
		o.URLs[name] = u
		o.Rules[name] = rules.MustParse(allow)
		o.Headers = map[string]string{"HEADER_STRIPE_KEY": secret}
	}
}

// signed is a proxy-authorization header value signed with key.
func signed(t *testing.T, key ed25519.PrivateKey, exp time.Time, agent string) string {
	t.Helper()
	b, err := auth.SignEd25519(key, uint64(exp.Unix()), agent)
	if err != nil {
		t.Fatal(err)
	}
	return auth.EncodeHeader(b)
}

// TestNewRefusesSecretsWithoutAuth: a handler with secrets and no token key is refused unless
// the insecure setting says so.
func TestNewRefusesSecretsWithoutAuth(t *testing.T) {
	anon, err := auth.NewVerifier(auth.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := proxy.Options{
		Store: newMemory(t), Verifier: anon, Metrics: metrics.New(),
		Logger:  slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Headers: map[string]string{"HEADER_STRIPE_KEY": secret},
	}
	if _, err := proxy.New(o); err == nil || !strings.Contains(err.Error(), "INSECURE_SECRETS_WITHOUT_AUTH") {
		t.Fatalf("New with secrets and no key: %v", err)
	}
	o.InsecureSecretsWithoutAuth = true
	if _, err := proxy.New(o); err != nil {
		t.Fatalf("New with the insecure setting: %v", err)
	}
	o.InsecureSecretsWithoutAuth, o.Verifier = false, testVerifier(t)
	if _, err := proxy.New(o); err != nil {
		t.Fatalf("New with a key: %v", err)
	}
}

// TestSecretsOnlyForAuthenticatedCallers sends what an attacker would to a proxy whose route
// reaches an echoing upstream: the secret must come back only to the authenticated caller,
// only from the Authorization header, only on the route.
func TestSecretsOnlyForAuthenticatedCallers(t *testing.T) {
	up := newEcho(t, false, nil)
	fwd := newEcho(t, true, nil)
	fwdHost := strings.TrimPrefix(fwd.URL, "https://")
	p := newInstance(t, newMemory(t), func(o *proxy.Options) {
		secretRoute("URL_ECHO", up.URL, "*")(o)
		o.AllowHosts, o.AllowPrivate = []string{fwdHost}, true
		o.RootCAs = fwd.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	})
	bait := map[string]string{"Authorization": "Bearer HEADER_STRIPE_KEY", "X-Echo": "HEADER_STRIPE_KEY",
		"Cookie": "k=HEADER_STRIPE_KEY", "User-Agent": "HEADER_STRIPE_KEY"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range bait {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	// Unauthenticated, with no token, an empty one, a forged or an expired one: refused
	// before the upstream sees anything.
	_, forgedKey, _ := ed25519.GenerateKey(nil)
	for name, tok := range map[string]string{
		"none": "", "garbage": "Bearer abc",
		"forged":  signed(t, forgedKey, time.Now().Add(time.Hour), testAgent),
		"expired": signed(t, testKey, time.Now().Add(-time.Hour), testAgent),
	} {
		for _, path := range []string{"/URL_ECHO/v1/x", "/v1/x"} {
			a := do(t, "GET", p.URL+path, with(map[string]string{"Proxy-Authorization": tok, "X-Forwarded-Host": fwdHost}), "")
			if a.status != http.StatusProxyAuthRequired || strings.Contains(a.body, secret) {
				t.Errorf("%s token on %s: %d %q, want 407 without the secret", name, path, a.status, a.body)
			}
		}
	}
	if up.calls.Load()+fwd.calls.Load() != 0 {
		t.Fatalf("unauthenticated requests reached the upstream %d times", up.calls.Load()+fwd.calls.Load())
	}

	// Authenticated, on the route: the secret is in Authorization, and nowhere else.
	got := echoed(t, do(t, "GET", p.URL+"/URL_ECHO/v1/x", bait, ""))
	if got["Authorization"] != "Bearer "+secret {
		t.Errorf("route: upstream Authorization = %q, want the secret", got["Authorization"])
	}
	for _, k := range []string{"X-Echo", "Cookie", "User-Agent"} {
		if strings.Contains(got[k], secret) {
			t.Errorf("route: secret substituted into %s", k)
		}
	}
	// Authenticated, on a forwarded host (not a route the operator bound the secret to): no
	// secret at all.
	got = echoed(t, do(t, "GET", p.URL+"/v1/x", with(map[string]string{"X-Forwarded-Host": fwdHost}), ""))
	for k, v := range got {
		if strings.Contains(v, secret) {
			t.Errorf("forwarded host: secret substituted into %s", k)
		}
	}
	if got["Authorization"] != "Bearer HEADER_STRIPE_KEY" {
		t.Errorf("forwarded host: Authorization = %q, want the name unchanged", got["Authorization"])
	}
}

// TestInsecureSecretsWithoutAuth: the explicit insecure setting gives secrets to anonymous
// callers (what the proxy used to do by default).
func TestInsecureSecretsWithoutAuth(t *testing.T) {
	up := newEcho(t, false, nil)
	anon, _ := auth.NewVerifier(auth.VerifierOptions{})
	p := newInstance(t, newMemory(t), func(o *proxy.Options) {
		secretRoute("URL_ECHO", up.URL, "GET /v1/{id}")(o)
		o.Verifier, o.InsecureSecretsWithoutAuth = anon, true
	})
	got := echoed(t, do(t, "GET", p.URL+"/URL_ECHO/v1/x", map[string]string{"Proxy-Authorization": "", "Authorization": "Bearer HEADER_STRIPE_KEY"}, ""))
	if got["Authorization"] != "Bearer "+secret {
		t.Fatalf("insecure mode: Authorization = %q", got["Authorization"])
	}
	// The route's rules still hold.
	if a := do(t, "POST", p.URL+"/URL_ECHO/v1/x", map[string]string{"Idempotency-Key": "k", "Authorization": "Bearer HEADER_STRIPE_KEY"}, ""); a.status != http.StatusForbidden {
		t.Fatalf("insecure mode, POST outside the rules: %d", a.status)
	}
}

// TestRouteRules: the stripe_backend canister's two requests pass; every other method or path
// on the route is 403 before any upstream call, for callers with a valid token too.
func TestRouteRules(t *testing.T) {
	up := newEcho(t, false, nil)
	p := newInstance(t, newMemory(t), secretRoute("URL_STRIPE", up.URL, "GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions"))
	key := 0
	send := func(method, path string) answer {
		key++
		return do(t, method, p.URL+path, map[string]string{"Idempotency-Key": fmt.Sprint("rules-", key),
			"Authorization": "Bearer HEADER_STRIPE_KEY", "Content-Type": "application/x-www-form-urlencoded"}, "mode=payment")
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/URL_STRIPE/v1/checkout/sessions/cs_test_1"},
		{"GET", "/URL_STRIPE/v1/checkout/sessions/cs_test_1?expand[]=line_items"},
		{"POST", "/URL_STRIPE/v1/checkout/sessions"},
	} {
		if a := send(tc.method, tc.path); a.status != 200 {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, a.status, a.body)
		}
	}
	calls := up.calls.Load()
	for _, tc := range []struct{ method, path string }{
		{"POST", "/URL_STRIPE/v1/refunds"},
		{"GET", "/URL_STRIPE/v1/checkout/sessions"},
		{"GET", "/URL_STRIPE/v1/customers/cus_1"},
		{"POST", "/URL_STRIPE/v1/checkout/sessions/cs_test_1"},
		{"POST", "/URL_STRIPE/v1/checkout/sessions/cs_test_1/expire"},
		{"DELETE", "/URL_STRIPE/v1/checkout/sessions/cs_test_1"},
		{"PUT", "/URL_STRIPE/v1/checkout/sessions"},
		{"GET", "/URL_STRIPE/v1/checkout/sessions/cs_1%2Fline_items"},
		{"GET", "/URL_STRIPE/v1/checkout/sessions/"},
		{"GET", "/URL_STRIPE"},
		{"POST", "/URL_STRIPE/v1/payment_links"},
	} {
		a := send(tc.method, tc.path)
		if a.status != http.StatusForbidden || !strings.Contains(a.body, "URL_STRIPE does not allow") {
			t.Errorf("%s %s: %d %q, want 403", tc.method, tc.path, a.status, a.body)
		}
	}
	if n := up.calls.Load() - calls; n != 0 {
		t.Fatalf("refused requests reached the upstream %d times", n)
	}
	// A route without rules is a configuration error, not an open route.
	_, err := proxy.New(proxy.Options{Store: newMemory(t), Verifier: testVerifier(t), Metrics: metrics.New(),
		URLs: map[string]string{"URL_OPEN": up.URL}})
	if err == nil || !strings.Contains(err.Error(), "ALLOW_URL_OPEN") {
		t.Fatalf("route without rules: %v", err)
	}
}

// TestConnectionCannotDropProtectedHeaders: "Connection: Idempotency-Key" (and the other
// headers the proxy relies on) must not make the proxy forward a request without them while
// it deduplicates on them.
func TestConnectionCannotDropProtectedHeaders(t *testing.T) {
	up := newEcho(t, false, nil)
	p := newInstance(t, newMemory(t), secretRoute("URL_ECHO", up.URL, "POST /v1/x"))
	hdr := map[string]string{
		"Connection":       "Idempotency-Key, Content-Type, Stripe-Account, X-Json-Mask, Response-Headers, Proxy-Authorization, X-Hop",
		"Idempotency-Key":  "conn-1",
		"Content-Type":     "application/x-www-form-urlencoded",
		"Stripe-Account":   "acct_1",
		"Authorization":    "Bearer HEADER_STRIPE_KEY",
		"X-Hop":            "dropped",
		"X-Json-Mask":      "Idempotency-Key,Content-Type,Stripe-Account,X-Hop,Authorization,Connection",
		"Response-Headers": "content-type",
	}
	first := do(t, "POST", p.URL+"/URL_ECHO/v1/x", hdr, "a=1")
	got := echoed(t, first)
	for k, want := range map[string]string{
		"Idempotency-Key": "conn-1", "Content-Type": "application/x-www-form-urlencoded", "Stripe-Account": "acct_1",
		"Authorization": "Bearer " + secret, "X-Hop": "", "Connection": "",
	} {
		if got[k] != want {
			t.Errorf("upstream saw %s = %q, want %q", k, got[k], want)
		}
	}
	// The mask and the token still applied (the mask kept only the listed fields), and the
	// key still deduplicates.
	if strings.Contains(first.body, "_path") {
		t.Errorf("x-json-mask ignored: %s", first.body)
	}
	if again := do(t, "POST", p.URL+"/URL_ECHO/v1/x", hdr, "a=1"); again != first || up.calls.Load() != 1 {
		t.Fatalf("duplicate: calls=%d, same answer=%v", up.calls.Load(), again == first)
	}
}

// TestForwardedIPv6Literal: bracketed IPv6 literals on the allow-list, with a port and
// without (port 443), reach the upstream (they used to fail with "invalid port").
func TestForwardedIPv6Literal(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatalf("IPv6 loopback: %v", err)
	}
	up := newEcho(t, true, ln)
	u, _ := url.Parse(up.URL)
	pool := up.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	p := newInstance(t, newMemory(t), func(o *proxy.Options) {
		o.AllowHosts = []string{u.Host, "[::1]"}
		o.AllowPrivate, o.RootCAs = true, pool
	})
	got := echoed(t, do(t, "GET", p.URL+"/v1/x", map[string]string{"X-Forwarded-Host": u.Host}, ""))
	if got["_path"] != "/v1/x" {
		t.Fatalf("forwarded to %s: %v", u.Host, got)
	}
	// Without a port the target is [::1]:443, where nothing listens here: the dial is
	// refused, which proves the URL was well formed.
	a := do(t, "GET", p.URL+"/v1/x", map[string]string{"X-Forwarded-Host": "[::1]"}, "")
	if a.status != http.StatusBadGateway || !strings.Contains(a.body, "[::1]:443") || strings.Contains(a.body, "invalid port") {
		t.Fatalf("forwarded to [::1]: %d %q, want a 502 naming [::1]:443", a.status, a.body)
	}
}
