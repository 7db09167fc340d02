package proxy

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/store"
)

func newTestHandler(t testing.TB) *Handler {
	v, _ := auth.NewVerifier(nil, nil, nil, nil)
	m := store.NewMemory(0, time.Minute)
	t.Cleanup(func() { m.Close() })
	h, err := New(Options{
		Store: m, Verifier: v, Metrics: metrics.New(),
		URLs:           map[string]string{"URL_API": "https://internal.example/api/public?k=1"},
		Headers:        map[string]string{"HEADER_KEY": "secret", "HEADER_KEY_2": "other"},
		AllowHosts:     []string{"api.stripe.com", "[2001:db8::1]", "files.stripe.com:8443"},
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
		"[2001:db8::1]": "2001:db8::1", "files.stripe.com:8443": "files.stripe.com:8443",
		"files.stripe.com": "", "api.stripe.com:80": "", "evil.com": "", "api.stripe.com@evil.com": "",
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
		u, trusted, err := h.target(req)
		if err != nil {
			return
		}
		if !trusted || u.Scheme != "https" || u.Host != "internal.example" {
			t.Fatalf("%q resolved to %v (trusted=%v)", path, u, trusted)
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
