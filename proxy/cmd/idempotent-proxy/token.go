package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
)

// defaultTokenLifetime stays below the proxy's default TOKEN_MAX_LIFETIME (365 days) by a
// margin for clocks that disagree.
const defaultTokenLifetime = 360 * 24 * time.Hour

// runToken is the "token" subcommand: it signs a proxy-authorization token for an agent (the
// canister) with an Ed25519 key kept in a PEM file, creating the key on first use, and prints
// the proxy's setting and the canister's in KEY=VALUE lines that a shell (eval) and a dotenv
// file both read:
//
//	ED25519_PUB_KEY=<base64url public key>          for the proxy
//	PROXY_AUTHORIZATION='Bearer <token>'            the canister's proxy_authorization
func runToken(args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("idempotent-proxy token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "proxy-token.pem", "Ed25519 private key (PKCS#8 PEM); created if missing")
	agent := fs.String("agent", "stripe_backend", "the agent the token names (listed in the proxy's ALLOW_AGENTS)")
	lifetime := fs.Duration("lifetime", defaultTokenLifetime, "how long the token is valid (at most the proxy's TOKEN_MAX_LIFETIME)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: idempotent-proxy token [-key FILE] [-agent NAME] [-lifetime DURATION]\n\n"+
			"Signs a proxy-authorization token and prints ED25519_PUB_KEY (for the proxy) and\n"+
			"PROXY_AUTHORIZATION (for the canister's proxy_authorization init field).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *agent == "" || *lifetime <= 0 {
		fs.Usage()
		return errors.New("token: bad arguments")
	}
	key, created, err := loadOrCreateKey(*keyFile)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stderr, "created %s (keep it private: it signs tokens)\n", *keyFile)
	}
	exp := now.Add(*lifetime)
	tok, err := auth.SignEd25519(key, uint64(exp.Unix()), *agent)
	if err != nil {
		return err
	}
	pub := key.Public().(ed25519.PublicKey)
	// base64url and "Bearer " need no escaping inside single quotes.
	fmt.Fprintf(stdout, "ED25519_PUB_KEY=%s\nPROXY_AUTHORIZATION='%s'\n",
		base64.RawURLEncoding.EncodeToString(pub), auth.EncodeHeader(tok))
	fmt.Fprintf(stderr, "token for agent %q expires %s\n", *agent, exp.UTC().Format(time.RFC3339))
	return nil
}

// loadOrCreateKey reads an Ed25519 key from a PKCS#8 PEM file (as `openssl genpkey
// -algorithm ed25519` writes it), or creates one there.
func loadOrCreateKey(path string) (ed25519.PrivateKey, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, false, fmt.Errorf("generate key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, false, fmt.Errorf("encode key: %w", err)
		}
		out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return nil, false, fmt.Errorf("write key: %w", err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, false, fmt.Errorf("%s: no PKCS#8 PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, false, fmt.Errorf("%s: a %T, want an Ed25519 key", path, k)
	}
	return key, false, nil
}
