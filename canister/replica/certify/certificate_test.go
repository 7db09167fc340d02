package certify

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
)

func testState(t *testing.T) *Tree {
	t.Helper()
	var tr Tree
	now := uint64(time.Now().UnixNano())
	if err := tr.Set(labels("time"), Nat(now)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Set(labels("canister", "\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01", "module_hash"), bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	return &tr
}

// A certificate this package signs passes agent-go's verification, through agent-go's own
// CBOR decoding; a changed tree or a different root key fails it.
func TestCertificateVerifiesWithAgentGo(t *testing.T) {
	key, err := NewSubnetKey([]byte("test"))
	if err != nil {
		t.Fatal(err)
	}
	tree := Prune(testState(t).HashTree(), [][][]byte{labels("time")})
	cert, err := key.Certify(tree)
	if err != nil {
		t.Fatal(err)
	}
	enc := cert.Marshal()

	var theirs certification.Certificate
	if err := cbor.Unmarshal(enc, &theirs); err != nil {
		t.Fatalf("agent-go cannot decode the certificate: %v", err)
	}
	canister := principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}}
	if err := certification.VerifyCertificate(theirs, canister, key.PublicKeyDER()); err != nil {
		t.Fatalf("agent-go rejects the certificate: %v", err)
	}
	if err := theirs.VerifyTime(time.Minute); err != nil {
		t.Errorf("VerifyTime: %v", err)
	}

	other, err := NewSubnetKey([]byte("other"))
	if err != nil {
		t.Fatal(err)
	}
	if err := certification.VerifyCertificate(theirs, canister, other.PublicKeyDER()); err == nil {
		t.Error("certificate verifies under another root key")
	}
	// The same signature over a tree with another /time must fail.
	var changed Tree
	if err := changed.Set(labels("time"), Nat(1)); err != nil {
		t.Fatal(err)
	}
	root, err := hashtree.Deserialize(MarshalTree(changed.HashTree()))
	if err != nil {
		t.Fatal(err)
	}
	forged := theirs
	forged.Tree = hashtree.NewHashTree(root)
	if err := certification.VerifyCertificate(forged, canister, key.PublicKeyDER()); err == nil {
		t.Error("certificate with a changed tree verifies")
	}

	parsed, err := ParseCertificate(enc)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Tree.Digest() != tree.Digest() || !bytes.Equal(parsed.Signature, cert.Signature) {
		t.Error("ParseCertificate does not round-trip")
	}
}

func TestDataCertificateVerifiesWithAgentGo(t *testing.T) {
	key, err := NewSubnetKey([]byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	canister := principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}}
	data := bytes.Repeat([]byte{0x55}, 32)
	raw, err := key.DataCertificate(canister.Raw, data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var c certification.Certificate
	if err := cbor.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if err := certification.VerifyCertifiedData(c, canister, key.PublicKeyDER(), data); err != nil {
		t.Errorf("agent-go rejects the data certificate: %v", err)
	}
	if err := certification.VerifyCertifiedData(c, canister, key.PublicKeyDER(), []byte("other")); err == nil {
		t.Error("data certificate verifies other data")
	}
}

func TestDelegationRoundTrip(t *testing.T) {
	c := &Certificate{Tree: Leaf("x"), Signature: []byte{1}, Delegation: &Delegation{SubnetID: []byte{9}, Certificate: []byte{0xa0}}}
	p, err := ParseCertificate(c.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if p.Delegation == nil || !bytes.Equal(p.Delegation.SubnetID, []byte{9}) || !bytes.Equal(p.Delegation.Certificate, []byte{0xa0}) {
		t.Errorf("delegation = %+v", p.Delegation)
	}
}

func TestSubnetKeyDeterministic(t *testing.T) {
	a, _ := NewSubnetKey([]byte("seed"))
	b, _ := NewSubnetKey([]byte("seed"))
	c, _ := NewSubnetKey([]byte("seed2"))
	if !bytes.Equal(a.PublicKeyDER(), b.PublicKeyDER()) || bytes.Equal(a.PublicKeyDER(), c.PublicKeyDER()) {
		t.Error("subnet key derivation is not a function of the seed")
	}
	if _, err := certification.PublicBLSKeyFromDER(a.PublicKeyDER()); err != nil {
		t.Errorf("agent-go cannot parse the root key: %v", err)
	}
	if len(a.PublicKeyDER()) != 133 {
		t.Errorf("DER root key is %d bytes, want 133 like the mainnet key", len(a.PublicKeyDER()))
	}
}

func TestNodeKey(t *testing.T) {
	k := NewNodeKey([]byte("node"))
	pub, err := certification.PublicED25519KeyFromDER(k.PublicKeyDER())
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("\x0Bic-responsehello")
	if !ed25519.Verify(*pub, msg, k.Sign(msg)) {
		t.Error("node signature does not verify")
	}
	if want := principal.NewSelfAuthenticating(k.PublicKeyDER()).Raw; !bytes.Equal(k.ID(), want) {
		t.Errorf("node id %x, want %x", k.ID(), want)
	}
}

func BenchmarkCertify(b *testing.B) {
	key, err := NewSubnetKey([]byte("bench"))
	if err != nil {
		b.Fatal(err)
	}
	tree := Leaf("x")
	for b.Loop() {
		if _, err := key.Certify(tree); err != nil {
			b.Fatal(err)
		}
	}
}
