package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// PermittedDrift is the clock skew tolerated past a token's expiry, as in the reference proxy.
const PermittedDrift = 10 * time.Second

// Errors a Verifier returns, wrapped with detail; callers map them to HTTP statuses.
var (
	ErrMissing         = errors.New("missing proxy-authorization token")
	ErrMalformed       = errors.New("malformed proxy-authorization token")
	ErrExpired         = errors.New("proxy-authorization token expired")
	ErrForged          = errors.New("proxy-authorization token signature invalid")
	ErrAgentNotAllowed = errors.New("agent not allowed")
)

// Verifier checks tokens against a set of public keys and an optional agent allow-list.
type Verifier struct {
	ed     []ed25519.PublicKey
	ec     []*secp256k1.PublicKey
	agents map[string]bool
	now    func() time.Time
}

// NewVerifier parses base64url public keys: Ed25519 keys are 32 raw bytes, secp256k1 keys SEC1
// (compressed or not). An empty allowAgents list admits every agent with a valid token.
func NewVerifier(ed25519Keys, ecdsaKeys, allowAgents []string, now func() time.Time) (*Verifier, error) {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{now: now}
	for i, k := range ed25519Keys {
		b, err := decodeB64(k)
		if err != nil {
			return nil, fmt.Errorf("ed25519 public key %d: %w", i+1, err)
		}
		if len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("ed25519 public key %d: %d bytes, want %d", i+1, len(b), ed25519.PublicKeySize)
		}
		v.ed = append(v.ed, ed25519.PublicKey(b))
	}
	for i, k := range ecdsaKeys {
		b, err := decodeB64(k)
		if err != nil {
			return nil, fmt.Errorf("ecdsa public key %d: %w", i+1, err)
		}
		pub, err := secp256k1.ParsePubKey(b)
		if err != nil {
			return nil, fmt.Errorf("ecdsa public key %d: %w", i+1, err)
		}
		v.ec = append(v.ec, pub)
	}
	if len(allowAgents) > 0 {
		v.agents = make(map[string]bool, len(allowAgents))
		for _, a := range allowAgents {
			v.agents[a] = true
		}
	}
	return v, nil
}

// Enabled reports whether any key is configured; without keys the proxy is unauthenticated
// and every caller is the anonymous agent "".
func (v *Verifier) Enabled() bool { return len(v.ed)+len(v.ec) > 0 }

// Authenticate verifies a proxy-authorization header value ("Bearer <base64url token>") and
// returns the token's agent.
func (v *Verifier) Authenticate(header string) (string, error) {
	if !v.Enabled() {
		return "", nil
	}
	if header == "" {
		return "", ErrMissing
	}
	scheme, raw, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: want \"Bearer <token>\"", ErrMalformed)
	}
	data, err := decodeB64(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	tok, err := Decode(data)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	now := v.now().Unix()
	if now < 0 || tok.ExpireAt+uint64(PermittedDrift/time.Second) < uint64(now) {
		return "", fmt.Errorf("%w at %d", ErrExpired, tok.ExpireAt)
	}
	msg, err := SignedMessage(tok.ExpireAt, tok.Agent)
	if err != nil {
		return "", err
	}
	if !v.verify(msg, tok.Signature) {
		return "", ErrForged
	}
	if v.agents != nil && !v.agents[tok.Agent] {
		return "", fmt.Errorf("%w: %q", ErrAgentNotAllowed, tok.Agent)
	}
	return tok.Agent, nil
}

// verify accepts a signature by any configured key; several keys allow rotation.
func (v *Verifier) verify(msg, sig []byte) bool {
	for _, k := range v.ed {
		if verifyEd25519(k, msg, sig) == nil {
			return true
		}
	}
	for _, k := range v.ec {
		if verifyECDSA(k, msg, sig) == nil {
			return true
		}
	}
	return false
}

// EncodeHeader returns the proxy-authorization header value for CBOR token bytes.
func EncodeHeader(token []byte) string {
	return "Bearer " + base64.RawURLEncoding.EncodeToString(token)
}

// decodeB64 accepts base64url with or without padding (the reference uses no padding).
func decodeB64(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("base64url: %w", err)
	}
	return b, nil
}
