package rules

import (
	"strings"
	"testing"
)

// stripe is what the stripe_backend canister needs from its Stripe route.
const stripe = "GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions"

func TestAllow(t *testing.T) {
	tests := []struct {
		rules, method, path string
		want                bool
	}{
		{stripe, "GET", "/v1/checkout/sessions/cs_test_123", true},
		{stripe, "POST", "/v1/checkout/sessions", true},
		{stripe, "POST", "/v1/checkout/sessions/cs_test_123", false},    // update a session
		{stripe, "POST", "/v1/checkout/sessions/cs_1/expire", false},    // expire it
		{stripe, "GET", "/v1/checkout/sessions", false},                 // list sessions
		{stripe, "GET", "/v1/checkout/sessions/", false},                // empty id
		{stripe, "GET", "/v1/checkout/sessions/cs_1/line_items", false}, // one segment only
		{stripe, "DELETE", "/v1/checkout/sessions/cs_1", false},
		{stripe, "HEAD", "/v1/checkout/sessions/cs_1", false}, // GET does not imply HEAD
		{stripe, "POST", "/v1/refunds", false},
		{stripe, "GET", "/v1/customers/cus_1", false},
		{stripe, "POST", "/v1/checkout/sessions/", false},
		{stripe, "POST", "", false},
		{stripe, "GET", "v1/checkout/sessions/cs_1", false},
		{"*", "PATCH", "/anything/at/all", true},
		{"* /v1/payment_links/{id}", "POST", "/v1/payment_links/plink_1", true},
		{"GET /files/{path...}", "GET", "/files/a/b/c", true},
		{"GET /files/{path...}", "GET", "/files", true},
		{"GET /files/{path...}", "GET", "/other/a", false},
		{"GET /", "GET", "", true},
		{"GET /", "GET", "/", true},
		{"GET /", "GET", "/x", false},
	}
	for _, tc := range tests {
		r, err := Parse(tc.rules)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.rules, err)
		}
		if got := r.Allow(tc.method, tc.path); got != tc.want {
			t.Errorf("%q allows %s %q = %v, want %v", tc.rules, tc.method, tc.path, got, tc.want)
		}
	}
	var none *Rules
	if none.Allow("GET", "/") {
		t.Error("nil rules allow a request")
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		"", " , ", "GET", "/v1/x", "get /v1/x", "GET v1/x", "GET /v1/{}", "GET /v1/{a...}/x",
		"GET /v1/x{id}", "GET /v1/../x", "GET /v1/{a-b}", "G3T /x",
		strings.Repeat("GET /x,", maxEntries+1),
	} {
		if r, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", s, r)
		}
	}
}

func TestString(t *testing.T) {
	if got := MustParse(" GET /a/{id} ,POST /b ").String(); got != "GET /a/{id}, POST /b" {
		t.Fatalf("String() = %q", got)
	}
	if got := MustParse("*").String(); got != "*" {
		t.Fatalf("String() = %q", got)
	}
}

// FuzzAllow: whatever the path, a request allowed by the Stripe rules is one of the two
// shapes the canister needs.
func FuzzAllow(f *testing.F) {
	for _, p := range []string{"/v1/checkout/sessions", "/v1/checkout/sessions/cs_1", "/v1/checkout/sessions//", "/v1/x"} {
		f.Add("GET", p)
		f.Add("POST", p)
	}
	r := MustParse(stripe)
	f.Fuzz(func(t *testing.T, method, path string) {
		if !r.Allow(method, path) {
			return
		}
		switch method {
		case "POST":
			if path != "/v1/checkout/sessions" {
				t.Fatalf("POST %q allowed", path)
			}
		case "GET":
			id, ok := strings.CutPrefix(path, "/v1/checkout/sessions/")
			if !ok || id == "" || strings.Contains(id, "/") {
				t.Fatalf("GET %q allowed", path)
			}
		default:
			t.Fatalf("%s %q allowed", method, path)
		}
	})
}
