package config

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Load(nil, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.ServerAddrs, []string{"127.0.0.1:8080", "[::1]:8080"}) ||
		c.RequestTimeout != 10*time.Second || c.PollInterval != 100*time.Millisecond ||
		c.IdempotencyTTL != 24*time.Hour || c.RedisURL != "" ||
		!reflect.DeepEqual(c.AllowHosts, []string{"api.stripe.com"}) ||
		c.TokenLifetime != 365*24*time.Hour || !reflect.DeepEqual(c.SecretHeaders, []string{"Authorization"}) ||
		c.InsecureSecrets || c.RedisQuarantine != 15*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "proxy.env")
	os.WriteFile(file, []byte(`# reference-style .env
SERVER_ADDR=0.0.0.0:443
REDIS_URL=127.0.0.1:6379
POLL_INTERVAL=50 # in milliseconds
REQUEST_TIMEOUT=2000
URL_STRIPE="https://api.stripe.com"
ALLOW_URL_STRIPE="GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions"
HEADER_STRIPE_KEY='Bearer sk_test_x'
ECDSA_PUB_KEY_1="A44DZpzDwDvq9HwW3_dynOfDgkMJHKgOxUyCOrv5Pl3O"
export ALLOW_AGENTS=ICPanda, other
`), 0o600)
	env := []string{"REQUEST_TIMEOUT=3s", "URL_LOCAL=http://127.0.0.1:1234/base", "ALLOW_URL_LOCAL=*", "ED25519_PUB_KEY=abc",
		"TOKEN_MAX_LIFETIME=720h"}
	c, err := Load([]string{"-config", file, "-addr", "[::]:8443"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		ServerAddrs: []string{"[::]:8443"}, RedisURL: "127.0.0.1:6379", PollInterval: 50 * time.Millisecond,
		RequestTimeout: 3 * time.Second,
		URLs:           map[string]string{"URL_STRIPE": "https://api.stripe.com", "URL_LOCAL": "http://127.0.0.1:1234/base"},
		Headers:        map[string]string{"HEADER_STRIPE_KEY": "Bearer sk_test_x"},
		AllowAgents:    []string{"ICPanda", "other"},
		ECDSAKeys:      []string{"A44DZpzDwDvq9HwW3_dynOfDgkMJHKgOxUyCOrv5Pl3O"},
		Ed25519Keys:    []string{"abc"},
	}
	// The fields set above, side by side.
	type view struct {
		a          []string
		r          string
		p, t       time.Duration
		u, h       map[string]string
		ag, ec, ed []string
	}
	of := func(c *Config) view {
		return view{c.ServerAddrs, c.RedisURL, c.PollInterval, c.RequestTimeout, c.URLs, c.Headers, c.AllowAgents, c.ECDSAKeys, c.Ed25519Keys}
	}
	got, exp := of(c), of(want)
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("got  %+v\nwant %+v", got, exp)
	}
	if c.Rules["URL_STRIPE"].String() != "GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions" ||
		c.Rules["URL_LOCAL"].String() != "*" || len(c.Rules) != 2 || c.TokenLifetime != 30*24*time.Hour {
		t.Fatalf("rules %v, token lifetime %v", c.Rules, c.TokenLifetime)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"-request-timeout", "5"}, nil, "REQUEST_TIMEOUT"},
		{nil, []string{"POLL_INTERVAL=soon"}, "POLL_INTERVAL"},
		{nil, []string{"URL_X=ftp://x", "ALLOW_URL_X=*"}, "URL_X"},
		{nil, []string{"URL_X=https://x"}, "ALLOW_URL_X"},
		{nil, []string{"URL_X=https://x", "ALLOW_URL_X=GET v1"}, "ALLOW_URL_X"},
		{nil, []string{"ALLOW_URL_Y=*"}, "no URL_Y route"},
		{nil, []string{"HEADER_STRIPE_KEY=rk_live_x"}, "INSECURE_SECRETS_WITHOUT_AUTH"},
		{nil, []string{"TOKEN_MAX_LIFETIME=30s"}, "TOKEN_MAX_LIFETIME"},
		{nil, []string{"REDIS_QUARANTINE=1s"}, "REDIS_QUARANTINE"},
		{nil, []string{"TLS_CERT_FILE=a.pem"}, "TLS_KEY_FILE"},
		{nil, []string{"SERVER_ADDR=nohost"}, "SERVER_ADDR"},
		{nil, []string{"HEADER_X=a\nb", "ED25519_PUB_KEY=abc"}, "HEADER_X"},
		{nil, []string{"POLL_INTERVAL=2s", "FAILURE_TTL=5s"}, "POLL_INTERVAL"},
		{[]string{"-tls-cert-out", "x.pem"}, nil, "TLS_CERT_OUT"},
		{[]string{"-nope"}, nil, "nope"},
		{[]string{"-config", "/does/not/exist"}, nil, "config file"},
	}
	for _, tc := range tests {
		_, err := Load(tc.args, tc.env, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q, %q) = %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}

// TestSecretsNeedAuthentication: secrets start only with token keys, or with the explicit
// insecure setting.
func TestSecretsNeedAuthentication(t *testing.T) {
	for _, tc := range []struct {
		env []string
		ok  bool
	}{
		{[]string{"HEADER_K=v"}, false},
		{[]string{"HEADER_K=v", "ALLOW_AGENTS=a"}, false}, // agents come from tokens: no key, no agent
		{[]string{"HEADER_K=v", "ED25519_PUB_KEY_1=abc"}, true},
		{[]string{"HEADER_K=v", "ECDSA_PUB_KEY=abc"}, true},
		{[]string{"HEADER_K=v", "INSECURE_SECRETS_WITHOUT_AUTH=true"}, true},
		{nil, true}, // no secret: an anonymous idempotent relay is allowed
	} {
		c, err := Load(nil, tc.env, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("Load(%q): %v, want ok=%v", tc.env, err, tc.ok)
		}
		if err == nil && c.InsecureSecrets != slices.Contains(tc.env, "INSECURE_SECRETS_WITHOUT_AUTH=true") {
			t.Errorf("Load(%q): InsecureSecrets = %v", tc.env, c.InsecureSecrets)
		}
	}
}

func TestParseDotenv(t *testing.T) {
	got, err := ParseDotenv(strings.NewReader("A=1\n\n# c\nB = \"x\\ty\" # c\nC='a # b'\nD=plain # c\nexport E=e\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "x\ty", "C": "a # b", "D": "plain", "E": "e"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	for _, bad := range []string{"novalue", "=x", "A=\"open", "A='open", "A B=1"} {
		if _, err := ParseDotenv(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseDotenv(%q) accepted", bad)
		}
	}
}

func FuzzParseDotenv(f *testing.F) {
	f.Add("A=1\nB=\"q\\\"\"\nC='x'\n# c\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseDotenv(strings.NewReader(s))
		if err != nil {
			return
		}
		for k := range m {
			if k == "" || strings.ContainsAny(k, " \t\"'=\n") {
				t.Fatalf("bad key %q", k)
			}
		}
	})
}
