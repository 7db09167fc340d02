package proxy

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/rules"
	"github.com/gocanister/stripe-ic/proxy/internal/store"
)

func newTestHandler(t testing.TB) *Handler {
	pub, _, _ := ed25519.GenerateKey(nil)
	v, _ := auth.NewVerifier(auth.VerifierOptions{Ed25519Keys: []string{base64.RawURLEncoding.EncodeToString(pub)}})
	m := store.NewMemory(0, time.Minute)
	t.Cleanup(func() { m.Close() })
	h, err := New(Options{
		Store: m, Verifier: v, Metrics: metrics.New(),
		URLs:           map[string]string{"URL_API": "https://internal.example/api/public?k=1"},
		Rules:          map[string]*rules.Rules{"URL_API": rules.MustParse("*")},
		Headers:        map[string]string{"HEADER_KEY": "secret", "HEADER_KEY_2": "other"},
		AllowHosts:     []string{"api.stripe.com", "[2001:db8::1]", "files.stripe.com:8443", "[fd00::1]", "[2001:DB8:0::2]:8443", "fd00::3"},
		RequestTimeout: time.Second, IdempotencyTTL: time.Hour, FailureTTL: time.Second,
		MaxRequestBody: 1 << 10, MaxResponseBody: 1 << 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAllowedHost(t *testing.T) {
	h := newTestHandler(t)
	for in, want := range map[string]string{
		"api.stripe.com": "api.stripe.com", "API.Stripe.com": "api.stripe.com", "api.stripe.com:443": "api.stripe.com",
		"[2001:db8::1]": "[2001:db8::1]", "[2001:DB8::1]:443": "[2001:db8::1]", "[fd00::1]": "[fd00::1]",
		"[2001:db8::2]:8443": "[2001:db8::2]:8443", "files.stripe.com:8443": "files.stripe.com:8443",
		"files.stripe.com": "", "api.stripe.com:80": "", "evil.com": "", "api.stripe.com@evil.com": "",
		"[fd00::3]": "[fd00::3]", "[fd00:0::3]": "[fd00::3]", "[fd00::3%eth0]": "",
		"[2001:db8::2]": "", "2001:db8::1": "", "[fd00::1]:80": "",
	} {
		got, err := h.allowedHost(in)
		if want == "" {
			if err == nil {
				t.Errorf("allowedHost(%q) = %q, want refusal", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("allowedHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestForwardedIPv6Target: a bracketed IPv6 literal on the allow-list, with or without a
// port, gives an upstream URL that net/http can send to (it used to fail: "invalid port").
func TestForwardedIPv6Target(t *testing.T) {
	h := newTestHandler(t)
	for host, want := range map[string]string{
		"[fd00::1]":          "https://[fd00::1]/v1/x?q=1",
		"[2001:db8::2]:8443": "https://[2001:db8::2]:8443/v1/x?q=1",
	} {
		r, _ := http.NewRequest("GET", "http://proxy/v1/x?q=1", nil)
		r.Header.Set("X-Forwarded-Host", host)
		u, rt, err := h.target(r)
		if err != nil || rt != nil {
			t.Fatalf("target for %s: %v (route %v)", host, err, rt)
		}
		if u.String() != want {
			t.Errorf("target for %s = %s, want %s", host, u, want)
		}
		req, err := http.NewRequest("GET", u.String(), nil)
		if err != nil {
			t.Fatalf("%s: net/http refuses the target: %v", host, err)
		}
		if got := req.URL.Hostname(); got != strings.Trim(strings.Split(host, "]")[0], "[") {
			t.Errorf("%s: request host %q", host, got)
		}
	}
}

func TestInjectSecrets(t *testing.T) {
	h := newTestHandler(t)
	for in, want := range map[string]string{
		"HEADER_KEY":                      "secret",
		"Bearer HEADER_KEY":               "Bearer secret",
		"HEADER_KEY_2":                    "other",
		"HEADER_KEY,HEADER_KEY_2":         "secret,other",
		"xHEADER_KEY":                     "xHEADER_KEY", // not a token of its own
		"HEADER_KEYS":                     "HEADER_KEYS",
		"HEADER_":                         "HEADER_",
		"plain":                           "plain",
		"Basic HEADER_UNKNOWN HEADER_KEY": "Basic HEADER_UNKNOWN secret",
	} {
		if got := h.injectSecrets(in); got != want {
			t.Errorf("injectSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRouteTarget: whatever the request path, a route's target stays on the route's host and
// under its base path.
func FuzzRouteTarget(f *testing.F) {
	for _, p := range []string{"/URL_API", "/URL_API/", "/URL_API/v1/x?y=1", "/URL_API/../x", "/URL_API/%2e%2e/x",
		"/URL_API//evil.com/x", "/URL_API/%2F%2Fevil.com", "/URL_API@evil.com/", "/URL_API%2F..%2Fx"} {
		f.Add(p)
	}
	h := newTestHandler(f)
	f.Fuzz(func(t *testing.T, path string) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + path + " HTTP/1.1\r\nHost: p\r\n\r\n")))
		if err != nil {
			return
		}
		u, rt, err := h.target(req)
		if err != nil {
			return
		}
		if rt == nil || u.Scheme != "https" || u.Host != "internal.example" {
			t.Fatalf("%q resolved to %v (route %v)", path, u, rt)
		}
		if u.Path != "/api/public" && !strings.HasPrefix(u.Path, "/api/public/") {
			t.Fatalf("%q escaped the base path: %q", path, u.Path)
		}
		for seg := range strings.SplitSeq(u.Path, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("%q kept a dot segment: %q", path, u.Path)
			}
		}
		if !strings.HasPrefix(u.RawQuery, "k=1") {
			t.Fatalf("%q lost the route's query: %q", path, u.RawQuery)
		}
	})
}

// TestRouteRefusals: each request the proxy does not route is answered with its own status
// and names its reason.
func TestRouteRefusals(t *testing.T) {
	h := newTestHandler(t)
	for _, tc := range []struct {
		name, path, host string
		status           int
		reason           string
	}{
		{"dot segment", "/URL_API/../admin", "", http.StatusBadRequest, `path has a . or .. segment: "/URL_API/../admin"`},
		{"unknown route", "/URL_NOPE/x", "", http.StatusNotFound, "unknown /URL_ route: URL_NOPE"},
		{"no upstream", "/v1/x", "", http.StatusBadRequest, "no upstream: send x-forwarded-host or use a /URL_<NAME> route"},
		{"malformed host", "/v1/x", "user@api.stripe.com", http.StatusBadRequest, `malformed x-forwarded-host: "user@api.stripe.com"`},
		{"malformed port", "/v1/x", "api.stripe.com:1:2", http.StatusBadRequest, `malformed x-forwarded-host: "api.stripe.com:1:2"`},
		{"host not allowed", "/v1/x", "evil.example", http.StatusForbidden, `x-forwarded-host is not in the allow-list: "evil.example"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest("GET", "http://proxy.local"+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.URL.Path = tc.path // keep dot segments as a raw request line would
			if tc.host != "" {
				r.Header.Set("X-Forwarded-Host", tc.host)
			}
			_, _, err = h.target(r)
			var re *routeError
			if !errors.As(err, &re) || re.status != tc.status || err.Error() != tc.reason {
				t.Fatalf("target = %v (%T), want %d %q", err, err, tc.status, tc.reason)
			}
		})
	}
}
