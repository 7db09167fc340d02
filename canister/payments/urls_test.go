package payments

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The configured proxy, its redaction and the create request's URLs are checked with
// internal/weburl instead of net/url (which links fmt into the canister). These oracles are
// the net/url versions the package used before, verbatim; both must agree on every input.

func proxyBaseNetURL(p string) (string, error) {
	if !strings.Contains(p, "://") {
		if err := validHost(p); err != nil {
			return "", err
		}
		return "https://" + p, nil
	}
	u, err := url.Parse(p)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", p, err)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("%q: outcalls must use https", p)
	}
	if err := validHost(u.Host); err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: a query or fragment is not allowed", p)
	}
	return "https://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

func redactURLNetURL(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.User == nil {
		return p
	}
	u.User = url.User("***")
	return u.String()
}

func absHTTPNetURL(s string) bool {
	p, err := url.Parse(s)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}

var urlCases = []string{
	"", "proxy.example.com", "proxy.example.com:8443", "https://proxy.example.com:8443/URL_STRIPE",
	"https://proxy.example.com/URL_STRIPE/", "HTTPS://Proxy.Example.com/x", "http://proxy", "https://proxy/?x=1",
	"https://proxy/?", "https://proxy/#", "https://proxy/#f", "https://user:pass@proxy.example.com/URL_STRIPE",
	"https://u@proxy/", "https://u:p@q@proxy/", "https://u%zz@proxy/", "https://u x@proxy/", "https:///x",
	"https:proxy", "https://", "https://:443", "https://proxy:", "https://proxy:99999", "https://a:1:2",
	"https://a b/", "https://a_b/", "https://a%C3%A9/", "https://a%41/", "https://[::1]/", "https://[::1]:8/x",
	"https://[zz]/", "https://[1.2.3.4]/", "https://proxy/a b", "https://proxy/a%2Fb", "https://proxy/a%2fb c",
	"https://proxy/%zz", "https://proxy/é", "https://proxy/\x01", "https://proxy/#\x01", "1https://x",
	"a b://x", "://x", "ftp://proxy", "https://proxy/p;a,b=c&d$e+f:g@h[i]!'()*",
	"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}", "http://localhost:5173/cancel", "//host/x",
	"https://h/#%zz", "https://h/#a b",
}

func TestURLHelpersMatchNetURL(t *testing.T) {
	for _, s := range urlCases {
		got, err := proxyBase(s)
		want, wantErr := proxyBaseNetURL(s)
		switch {
		case got != want || (err == nil) != (wantErr == nil):
			t.Errorf("proxyBase(%q) = %q, %v; net/url: %q, %v", s, got, err, want, wantErr)
		case err != nil && err.Error() != wantErr.Error() && !strings.Contains(wantErr.Error(), "ParseAddr("):
			t.Errorf("proxyBase(%q) error %q; net/url: %q", s, err, wantErr)
		}
		if got, want := redactURL(s), redactURLNetURL(s); got != want {
			t.Errorf("redactURL(%q) = %q; net/url: %q", s, got, want)
		}
		req := CreateSessionRequest{SuccessURL: s, LineItems: []LineItem{{Price: "price_1", Quantity: 1}}}
		err = req.Validate()
		if bad := err != nil && strings.Contains(err.Error(), "is not an absolute http(s) URL"); bad == absHTTPNetURL(s) {
			t.Errorf("success_url %q: Validate says %v; net/url accepts it: %v", s, err, absHTTPNetURL(s))
		}
	}
}

// The redaction of the documented example keeps its exact form.
func TestRedactURLExample(t *testing.T) {
	got := redactURL("https://user:pass@proxy.example.com/URL_STRIPE")
	if want := "https://%2A%2A%2A@proxy.example.com/URL_STRIPE"; got != want {
		t.Fatalf("redactURL = %q, want %q", got, want)
	}
}
