package payments

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"minimal", Config{APIHost: "api.stripe.com"}, ""},
		{"full", Config{APIHost: "api.stripe.com", APIKey: "sk_test_x", IdempotentProxy: "https://proxy.example.com:8443/URL_STRIPE", WebhookSecrets: []string{"whsec_a", "whsec_b"}, AllowedPrincipals: []string{"aaaaa-aa"}}, ""},
		{"host with port", Config{APIHost: "localhost:12111"}, ""},
		{"no host", Config{}, "api_host: empty host"},
		{"host with scheme", Config{APIHost: "https://api.stripe.com"}, "not a host name"},
		{"host with path", Config{APIHost: "api.stripe.com/v1"}, "not a host name"},
		{"bad port", Config{APIHost: "h:99999x"}, "invalid port"},
		{"http proxy", Config{APIHost: "a", IdempotentProxy: "http://proxy"}, "must use https"},
		{"proxy with query", Config{APIHost: "a", IdempotentProxy: "https://proxy/?x=1"}, "query or fragment"},
		{"empty secret", Config{APIHost: "a", WebhookSecrets: []string{"whsec_a", ""}}, "webhook_secrets[1] is empty"},
		{"blank principal", Config{APIHost: "a", AllowedPrincipals: []string{" aaaaa-aa"}}, "allowed_principals[0]"},
		{"negative limit", Config{APIHost: "a", Limits: Limits{MaxPending: -1, WebhookTolerance: -time.Second}}, "limits.max_pending"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestConfigRedacted(t *testing.T) {
	cfg := Config{
		APIHost:            "api.stripe.com",
		APIKey:             "sk_test_51AbCdEfGhIjKlMnOpQrStUv",
		IdempotentProxy:    "https://user:pass@proxy.example.com/URL_STRIPE",
		ProxyAuthorization: "short",
		WebhookSecrets:     []string{"whsec_1234567890abcdefWXYZ", "whsec_x"},
	}
	r := cfg.Redacted()
	if r.APIKey != "sk_test_...StUv" || r.WebhookSecrets[0] != "whsec_...WXYZ" || r.WebhookSecrets[1] != "***" || r.ProxyAuthorization != "***" {
		t.Fatalf("redacted = %+v", r)
	}
	if strings.Contains(r.IdempotentProxy, "pass") {
		t.Fatalf("proxy credentials shown: %s", r.IdempotentProxy)
	}
	if r.Limits != DefaultLimits() {
		t.Fatalf("limits not defaulted: %+v", r.Limits)
	}
	if (Config{}).Redacted().APIKey != "" {
		t.Fatal("unset key shown as set")
	}
}

func TestLimitsDefaults(t *testing.T) {
	got := Limits{MaxPending: 7}.withDefaults()
	want := DefaultLimits()
	want.MaxPending = 7
	if got != want {
		t.Fatalf("got %+v", got)
	}
}
