package httpapi

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	k1ecdsa "github.com/consensys/gnark-crypto/ecc/secp256k1/ecdsa"
	k1fr "github.com/consensys/gnark-crypto/ecc/secp256k1/fr"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// Domain separators of request signatures.
var (
	sepRequest    = []byte("\x0Aic-request")
	sepDelegation = []byte("\x1Aic-request-auth-delegation")
)

var anonymous = []byte{0x04}

// Object identifiers of the supported public key schemes.
var (
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidSecp256k1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
)

// verifier checks signatures of one public key.
type verifier interface {
	verify(msg, sig []byte) bool
}

type ed25519Key ed25519.PublicKey

func (k ed25519Key) verify(msg, sig []byte) bool {
	return len(sig) == ed25519.SignatureSize && ed25519.Verify(ed25519.PublicKey(k), msg, sig)
}

type p256Key struct{ pub *ecdsa.PublicKey }

func (k p256Key) verify(msg, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	h := sha256.Sum256(msg)
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(k.pub, h[:], r, s)
}

type secp256k1Key struct{ pub *k1ecdsa.PublicKey }

var (
	k1Order     = k1fr.Modulus()
	k1HalfOrder = new(big.Int).Rsh(k1fr.Modulus(), 1)
)

func (k secp256k1Key) verify(msg, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	// Range checks the library leaves out (s = 0 would make it divide by zero), and the
	// low-S rule of the IC, which refuses the malleable high-S twin of a signature.
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(k1Order) >= 0 || s.Cmp(k1HalfOrder) > 0 {
		return false
	}
	ok, err := k.pub.Verify(sig, msg, sha256.New())
	return err == nil && ok
}

// parsePublicKey decodes a DER public key of a supported plain signature scheme.
func parsePublicKey(der []byte) (verifier, error) {
	var spki struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return nil, fmt.Errorf("public key is not DER: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing bytes after the public key")
	}
	key := spki.Key.RightAlign()
	switch {
	case spki.Algorithm.Algorithm.Equal(oidEd25519):
		if len(key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 key is %d bytes", len(key))
		}
		return ed25519Key(key), nil
	case spki.Algorithm.Algorithm.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return nil, fmt.Errorf("ECDSA key without a named curve: %w", err)
		}
		if len(key) != 65 || key[0] != 0x04 {
			return nil, errors.New("ECDSA key is not an uncompressed point")
		}
		switch {
		case curve.Equal(oidP256):
			pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), key)
			if err != nil {
				return nil, fmt.Errorf("P-256 key: %w", err)
			}
			return p256Key{pub}, nil
		case curve.Equal(oidSecp256k1):
			var pub k1ecdsa.PublicKey
			if _, err := pub.A.SetBytes(key[1:]); err != nil {
				return nil, fmt.Errorf("secp256k1 key: %w", err)
			}
			if !pub.A.IsOnCurve() || pub.A.IsInfinity() {
				return nil, errors.New("secp256k1 key is not a point of the curve")
			}
			return secp256k1Key{&pub}, nil
		default:
			return nil, fmt.Errorf("unsupported ECDSA curve %v", curve)
		}
	default:
		return nil, fmt.Errorf("unsupported public key algorithm %v", spki.Algorithm.Algorithm)
	}
}

// ingressWindow holds the accepted range of ingress_expiry.
type ingressWindow struct {
	maxTTL, drift time.Duration
}

// check refuses an expiry in the past or further ahead than the maximum time to live
// (plus the drift a client clock may have).
func (w ingressWindow) check(expiry uint64, now time.Time) error {
	lo := uint64(now.UnixNano())
	hi := uint64(now.Add(w.maxTTL + w.drift).UnixNano())
	if expiry < lo || expiry > hi {
		return fmt.Errorf("Invalid request expiry: Specified ingress_expiry not within expected range: "+
			"Minimum allowed expiry: %s, Maximum allowed expiry: %s, Provided expiry: %s",
			fmtNanos(lo), fmtNanos(hi), fmtNanos(expiry))
	}
	return nil
}

func fmtNanos(ns uint64) string {
	if ns > 1<<63-1 {
		return fmt.Sprintf("%d ns", ns)
	}
	return time.Unix(0, int64(ns)).UTC().Format(time.RFC3339Nano)
}

// authenticate checks the envelope's signature chain: an anonymous sender must carry no
// key or signature; any other sender must be the self-authenticating principal of
// sender_pubkey, every delegation must be signed by the key before it, unexpired, and allow
// the target canister and request kind, and sender_sig must sign the request id with the
// last key.
func authenticate(env *Envelope, now time.Time) error {
	c := &env.Content
	if bytes.Equal(c.Sender, anonymous) {
		if env.SenderPubKey != nil || env.SenderSig != nil || env.SenderDelegation != nil {
			return errors.New("anonymous request must not carry sender_pubkey, sender_sig or sender_delegation")
		}
		return nil
	}
	if env.SenderPubKey == nil || env.SenderSig == nil {
		return fmt.Errorf("request from %s is not signed: sender_pubkey and sender_sig are required", fmtPrincipal(c.Sender))
	}
	if want := certify.SelfAuthenticating(env.SenderPubKey); !bytes.Equal(c.Sender, want) {
		return fmt.Errorf("sender %s does not match sender_pubkey, whose principal is %s",
			fmtPrincipal(c.Sender), fmtPrincipal(want))
	}
	key, err := parsePublicKey(env.SenderPubKey)
	if err != nil {
		return fmt.Errorf("sender_pubkey: %w", err)
	}
	seen := map[string]bool{string(env.SenderPubKey): true}
	for i, d := range env.SenderDelegation {
		msg := append(append([]byte(nil), sepDelegation...), d.hash[:]...)
		if !key.verify(msg, d.Signature) {
			return fmt.Errorf("invalid signature on delegation %d", i)
		}
		if seen[string(d.PubKey)] {
			return fmt.Errorf("delegation %d repeats a public key of the chain", i)
		}
		seen[string(d.PubKey)] = true
		if d.Expiration < uint64(now.UnixNano()) {
			return fmt.Errorf("delegation %d expired at %s", i, fmtNanos(d.Expiration))
		}
		if err := d.allows(c); err != nil {
			return fmt.Errorf("delegation %d: %w", i, err)
		}
		if key, err = parsePublicKey(d.PubKey); err != nil {
			return fmt.Errorf("delegation %d pubkey: %w", i, err)
		}
	}
	msg := append(append([]byte(nil), sepRequest...), env.RequestID[:]...)
	if !key.verify(msg, env.SenderSig) {
		return fmt.Errorf("invalid signature: sender_sig does not sign request id %s", env.RequestID)
	}
	return nil
}

// allows applies a delegation's targets and permissions to the request.
func (d *Delegation) allows(c *Content) error {
	switch d.Permissions {
	case "", "all":
	case "queries":
		if c.RequestType == RequestTypeCall {
			return errors.New("delegation is restricted to queries")
		}
	default:
		return fmt.Errorf("unknown permissions %q", d.Permissions)
	}
	if d.Targets == nil || c.RequestType == RequestTypeReadState {
		return nil
	}
	for _, t := range d.Targets {
		if bytes.Equal(t, c.CanisterID) {
			return nil
		}
	}
	return fmt.Errorf("canister %s is not a target of the delegation", fmtPrincipal(c.CanisterID))
}
