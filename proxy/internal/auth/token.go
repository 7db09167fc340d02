// Package auth verifies the proxy-authorization tokens of the idempotent proxy protocol.
//
// A token is the CBOR array [expire_at (unix seconds), agent (text), signature (bytes)],
// sent as "Bearer " + base64url (no padding). The signature covers the CBOR encoding of the
// array [expire_at, agent]: Ed25519 over those bytes, or secp256k1 ECDSA (64-byte r||s,
// low-S) over their SHA3-256 digest. This is the format of ldclabs/idempotent-proxy, so
// canisters that already sign tokens for it work unchanged.
package auth

import (
	"crypto/ed25519"
	"crypto/sha3"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/fxamacker/cbor/v2"
)

// MaxTokenBytes bounds the decoded token so a hostile header cannot make the decoder work hard.
const MaxTokenBytes = 1024

// Token is a decoded proxy-authorization token.
type Token struct {
	_         struct{} `cbor:",toarray"`
	ExpireAt  uint64
	Agent     string
	Signature []byte
}

// decMode refuses indefinite lengths and duplicate structure tricks; the token is tiny and
// fixed in shape, so anything unusual is an attack or a bug.
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		MaxNestedLevels:  4,
		MaxArrayElements: 16,
		MaxMapPairs:      16,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
	}.DecMode()
	if err != nil {
		panic(err) // static options: a failure is a programming error
	}
	return m
}()

// Decode parses the CBOR token bytes.
func Decode(data []byte) (Token, error) {
	if len(data) > MaxTokenBytes {
		return Token{}, fmt.Errorf("token of %d bytes exceeds %d", len(data), MaxTokenBytes)
	}
	var t Token
	if err := decMode.Unmarshal(data, &t); err != nil {
		return Token{}, fmt.Errorf("decode CBOR token: %w", err)
	}
	return t, nil
}

// Encode returns the CBOR bytes of the token.
func (t Token) Encode() ([]byte, error) {
	b, err := cbor.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode CBOR token: %w", err)
	}
	return b, nil
}

// SignedMessage is what the signature covers: the CBOR array [expire_at, agent].
func SignedMessage(expireAt uint64, agent string) ([]byte, error) {
	b, err := cbor.Marshal([]any{expireAt, agent})
	if err != nil {
		return nil, fmt.Errorf("encode signed message: %w", err)
	}
	return b, nil
}

// SignEd25519 returns the CBOR token bytes signed with an Ed25519 key.
func SignEd25519(key ed25519.PrivateKey, expireAt uint64, agent string) ([]byte, error) {
	msg, err := SignedMessage(expireAt, agent)
	if err != nil {
		return nil, err
	}
	return Token{ExpireAt: expireAt, Agent: agent, Signature: ed25519.Sign(key, msg)}.Encode()
}

// SignECDSA returns the CBOR token bytes signed with a secp256k1 key (RFC 6979, low-S).
func SignECDSA(key *secp256k1.PrivateKey, expireAt uint64, agent string) ([]byte, error) {
	msg, err := SignedMessage(expireAt, agent)
	if err != nil {
		return nil, err
	}
	digest := sha3.Sum256(msg)
	sig := ecdsa.Sign(key, digest[:])
	r, s := sig.R(), sig.S()
	rb, sb := r.Bytes(), s.Bytes()
	return Token{ExpireAt: expireAt, Agent: agent, Signature: append(rb[:], sb[:]...)}.Encode()
}

var errBadSignature = errors.New("signature does not verify")

func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) error {
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("ed25519 signature has %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, msg, sig) {
		return errBadSignature
	}
	return nil
}

func verifyECDSA(pub *secp256k1.PublicKey, msg, sig []byte) error {
	if len(sig) != 64 {
		return fmt.Errorf("secp256k1 signature has %d bytes, want 64", len(sig))
	}
	var r, s secp256k1.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return errors.New("secp256k1 signature: r out of range")
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return errors.New("secp256k1 signature: s out of range")
	}
	// The reference implementation (k256) rejects high-S signatures; so do we, which also
	// makes a signature non-malleable.
	if s.IsOverHalfOrder() {
		return errors.New("secp256k1 signature: high S")
	}
	digest := sha3.Sum256(msg)
	if !ecdsa.NewSignature(&r, &s).Verify(digest[:], pub) {
		return errBadSignature
	}
	return nil
}
