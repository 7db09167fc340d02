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

// DefaultMaxLifetime is the longest a token may still be valid when it is presented: one
// year. A token has no issue date, so its remaining lifetime is what can be bounded; a leaked
// token is then useless after at most this long, and the canister's token (a static value in
// its configuration) must be renewed by an upgrade at least yearly.
const DefaultMaxLifetime = 365 * 24 * time.Hour

// Errors a Verifier returns, wrapped with detail; callers map them to HTTP statuses.
var (
	ErrMissing         = errors.New("missing proxy-authorization token")
	ErrMalformed       = errors.New("malformed proxy-authorization token")
	ErrExpired         = errors.New("proxy-authorization token expired")
	ErrTooLong         = errors.New("proxy-authorization token lives longer than the maximum lifetime")
	ErrForged          = errors.New("proxy-authorization token signature invalid")
	ErrAgentNotAllowed = errors.New("agent not allowed")
)

// Verifier checks tokens against a set of public keys, a maximum lifetime and an optional
// agent allow-list.
type Verifier struct {
	ed          []ed25519.PublicKey
	ec          []*secp256k1.PublicKey
	agents      map[string]bool
	maxLifetime time.Duration
	now         func() time.Time
}

// VerifierOptions configure NewVerifier.
type VerifierOptions struct {
	// Ed25519Keys are base64url public keys of 32 raw bytes; ECDSAKeys secp256k1 keys in SEC1
	// form (compressed or not). Several of each allow rotation.
	Ed25519Keys, ECDSAKeys []string
	// AllowAgents, when not empty, are the only agents admitted with a valid token.
	AllowAgents []string
	// MaxLifetime refuses tokens that expire further in the future (0: DefaultMaxLifetime).
	MaxLifetime time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// NewVerifier parses the public keys.
func NewVerifier(o VerifierOptions) (*Verifier, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxLifetime <= 0 {
		o.MaxLifetime = DefaultMaxLifetime
	}
	v := &Verifier{now: o.Now, maxLifetime: o.MaxLifetime}
	ed25519Keys, ecdsaKeys, allowAgents := o.Ed25519Keys, o.ECDSAKeys, o.AllowAgents
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
// and every caller is the anonymous agent "" (and gets no secret, see proxy.Options).
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
	drift := uint64(PermittedDrift / time.Second)
	if now < 0 || tok.ExpireAt+drift < uint64(now) {
		return "", fmt.Errorf("%w at %d", ErrExpired, tok.ExpireAt)
	}
	if tok.ExpireAt > uint64(now)+uint64(v.maxLifetime/time.Second)+drift {
		return "", fmt.Errorf("%w (%v): expires at %d", ErrTooLong, v.maxLifetime, tok.ExpireAt)
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
