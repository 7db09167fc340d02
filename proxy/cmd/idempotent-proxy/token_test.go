package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/config"
)

// mint runs the token subcommand and returns its KEY=VALUE output.
func mint(t *testing.T, args ...string) map[string]string {
	t.Helper()
	var out bytes.Buffer
	if err := runToken(args, &out, io.Discard, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The output is a dotenv file (and shell assignments).
	m, err := config.ParseDotenv(&out)
	if err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	return m
}

// TestTokenCommand: the printed key configures a proxy that accepts the printed token, for the
// named agent, within the default maximum lifetime; the key file is reused.
func TestTokenCommand(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "token.pem")
	first := mint(t, "-key", keyFile, "-agent", "stripe_backend")
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	again := mint(t, "-key", keyFile, "-agent", "stripe_backend", "-lifetime", "1h")
	if again["ED25519_PUB_KEY"] != first["ED25519_PUB_KEY"] {
		t.Fatal("the key file was not reused")
	}
	cfg, err := config.Load(nil, []string{"ED25519_PUB_KEY=" + first["ED25519_PUB_KEY"], "ALLOW_AGENTS=stripe_backend"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.VerifierOptions{Ed25519Keys: cfg.Ed25519Keys, AllowAgents: cfg.AllowAgents, MaxLifetime: cfg.TokenLifetime})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]string{first, again} {
		if agent, err := v.Authenticate(m["PROXY_AUTHORIZATION"]); err != nil || agent != "stripe_backend" {
			t.Fatalf("token %q: %q %v", m["PROXY_AUTHORIZATION"], agent, err)
		}
	}
	long := mint(t, "-key", keyFile, "-lifetime", "9000h")
	if _, err := v.Authenticate(long["PROXY_AUTHORIZATION"]); !errors.Is(err, auth.ErrTooLong) {
		t.Fatalf("a token beyond the proxy's maximum lifetime: %v", err)
	}
	os.WriteFile(keyFile, []byte("not a key"), 0o600)
	if err := runToken([]string{"-key", keyFile}, io.Discard, io.Discard, time.Now()); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}
