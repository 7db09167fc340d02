package certify

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/aviate-labs/agent-go/certification/bls"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
)

// Object identifiers of the DER-encoded BLS12-381 G2 public key (IC spec, "Delegation").
var (
	oidBLSAlgorithm = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 44668, 5, 3, 1, 2, 1}
	oidBLSCurve     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 44668, 5, 3, 2, 1}
)

// ed25519DERPrefix is the DER encoding (RFC 8410) of an Ed25519 public key up to the key.
var ed25519DERPrefix = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

// stateRootSep is the domain separator of certificate signatures.
var stateRootSep = hashtree.DomainSeparator("ic-state-root")

// SubnetKey is the BLS12-381 threshold key of a subnet, held whole by the local replica.
// Its public key is the root key agents fetch from /api/v2/status.
type SubnetKey struct {
	sk     *bls.SecretKey
	pubDER []byte
}

// NewSubnetKey derives a subnet key deterministically from seed, so a replica restarted
// with the same seed keeps its root key.
func NewSubnetKey(seed []byte) (*SubnetKey, error) {
	h := sha512.Sum512(append([]byte("certify subnet key\x00"), seed...))
	var e fr.Element
	e.SetBytes(h[:]) // reduces modulo the group order
	if e.IsZero() {
		return nil, errors.New("subnet key: seed gives the zero scalar")
	}
	return newSubnetKey((*bls.SecretKey)(&e))
}

// GenerateSubnetKey returns a random subnet key.
func GenerateSubnetKey() (*SubnetKey, error) {
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("subnet key: %w", err)
	}
	return NewSubnetKey(seed[:])
}

func newSubnetKey(sk *bls.SecretKey) (*SubnetKey, error) {
	pk := bls12381.G2Affine(*sk.PublicKey())
	raw := pk.Bytes() // compressed, 96 bytes
	der, err := BLSPublicKeyDER(raw[:])
	if err != nil {
		return nil, err
	}
	return &SubnetKey{sk: sk, pubDER: der}, nil
}

// PublicKeyDER returns the DER-encoded public key (the "root_key" of /api/v2/status and the
// value of /subnet/<id>/public_key).
func (k *SubnetKey) PublicKeyDER() []byte { return k.pubDER }

// SignRoot signs domain_sep("ic-state-root") · root, the certificate signature over a tree
// whose root hash is root. The signature is a compressed G1 point (48 bytes).
func (k *SubnetKey) SignRoot(root [32]byte) ([]byte, error) {
	msg := append(append(make([]byte, 0, len(stateRootSep)+32), stateRootSep...), root[:]...)
	sig, err := k.sk.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("bls sign: %w", err)
	}
	g1 := bls12381.G1Affine(*sig)
	b := g1.Bytes()
	return b[:], nil
}

// Certify signs tree and returns the certificate (without delegation).
func (k *SubnetKey) Certify(tree hashtree.Node) (*Certificate, error) {
	sig, err := k.SignRoot(tree.Digest())
	if err != nil {
		return nil, err
	}
	return &Certificate{Tree: tree, Signature: sig}, nil
}

// BLSPublicKeyDER wraps a 96-byte compressed BLS12-381 G2 public key in the DER structure of
// the IC (RFC 5480 with the IC's algorithm and curve object identifiers).
func BLSPublicKeyDER(raw []byte) ([]byte, error) {
	if len(raw) != 96 {
		return nil, fmt.Errorf("bls public key: %d bytes, want 96", len(raw))
	}
	der, err := asn1.Marshal(struct {
		Algorithm struct {
			Algorithm, Curve asn1.ObjectIdentifier
		}
		Key asn1.BitString
	}{
		Algorithm: struct{ Algorithm, Curve asn1.ObjectIdentifier }{oidBLSAlgorithm, oidBLSCurve},
		Key:       asn1.BitString{Bytes: raw, BitLength: 8 * len(raw)},
	})
	if err != nil {
		return nil, fmt.Errorf("bls public key: %w", err)
	}
	return der, nil
}

// NodeKey is the Ed25519 key of one replica node; it signs query responses.
type NodeKey struct {
	priv ed25519.PrivateKey
	der  []byte
	id   []byte
}

// NewNodeKey derives a node key deterministically from seed.
func NewNodeKey(seed []byte) *NodeKey {
	s := sha256.Sum256(append([]byte("certify node key\x00"), seed...))
	priv := ed25519.NewKeyFromSeed(s[:])
	der := append(append([]byte(nil), ed25519DERPrefix...), priv.Public().(ed25519.PublicKey)...)
	return &NodeKey{priv: priv, der: der, id: SelfAuthenticating(der)}
}

// ID returns the node's principal (self-authenticating, derived from its public key).
func (k *NodeKey) ID() []byte { return k.id }

// PublicKeyDER returns the DER-encoded Ed25519 public key, the value of
// /subnet/<subnet>/node/<node>/public_key.
func (k *NodeKey) PublicKeyDER() []byte { return k.der }

// Sign signs msg (which the caller has prefixed with its domain separator).
func (k *NodeKey) Sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// SelfAuthenticating returns the self-authenticating principal of a DER public key:
// SHA-224(der) followed by the class byte 0x02.
func SelfAuthenticating(der []byte) []byte {
	h := sha256.Sum224(der)
	return append(h[:], 0x02)
}
