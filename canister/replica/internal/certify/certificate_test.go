package certify

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	agenthashtree "github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
)

func labels(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func nat(n uint64) []byte { return leb128.AppendUnsigned(nil, n) }

var testCanister = []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}

func testState(t *testing.T) *hashtree.Tree {
	t.Helper()
	var tr hashtree.Tree
	now := uint64(time.Now().UnixNano())
	if err := tr.Set(labels("time"), nat(now)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Set(labels("canister", string(testCanister), "module_hash"), bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	return &tr
}

func newKey(t testing.TB, seed string) *SubnetKey {
	t.Helper()
	k, err := NewSubnetKey([]byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A certificate this package signs passes agent-go's verification, through agent-go's own
// CBOR decoding, and this package's Verify; a changed tree or a different root key fails
// both.
func TestCertificateVerifiesWithAgentGo(t *testing.T) {
	key := newKey(t, "test")
	tree := hashtree.Prune(testState(t).HashTree(), labels("time"))
	cert, err := key.Certify(tree)
	if err != nil {
		t.Fatal(err)
	}
	enc := cert.Marshal()

	var theirs certification.Certificate
	if err := cbor.Unmarshal(enc, &theirs); err != nil {
		t.Fatalf("agent-go cannot decode the certificate: %v", err)
	}
	canister := principal.Principal{Raw: testCanister}
	if err := certification.VerifyCertificate(theirs, canister, key.PublicKeyDER()); err != nil {
		t.Fatalf("agent-go rejects the certificate: %v", err)
	}
	if err := theirs.VerifyTime(time.Minute); err != nil {
		t.Errorf("VerifyTime: %v", err)
	}
	parsed, err := ParseCertificate(enc)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Tree.Digest() != tree.Digest() || !bytes.Equal(parsed.Signature, cert.Signature) {
		t.Error("ParseCertificate does not round-trip")
	}
	if err := parsed.Verify(key.PublicKeyDER(), testCanister); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if at, err := parsed.Time(); err != nil || time.Since(at) > time.Minute {
		t.Errorf("Time = %v, %v", at, err)
	}

	other := newKey(t, "other")
	if err := certification.VerifyCertificate(theirs, canister, other.PublicKeyDER()); err == nil {
		t.Error("agent-go: certificate verifies under another root key")
	}
	if err := parsed.Verify(other.PublicKeyDER(), testCanister); err == nil || !strings.Contains(err.Error(), "verification failed") {
		t.Errorf("Verify under another root key: %v", err)
	}
	// The same signature over a tree with another /time must fail.
	changed, err := hashtree.Build(hashtree.Entry{Path: labels("time"), Value: nat(1)})
	if err != nil {
		t.Fatal(err)
	}
	root, err := agenthashtree.Deserialize(hashtree.Encode(changed))
	if err != nil {
		t.Fatal(err)
	}
	forged := theirs
	forged.Tree = agenthashtree.NewHashTree(root)
	if err := certification.VerifyCertificate(forged, canister, key.PublicKeyDER()); err == nil {
		t.Error("agent-go: certificate with a changed tree verifies")
	}
	mine := *parsed
	mine.Tree = changed
	if err := mine.Verify(key.PublicKeyDER(), testCanister); err == nil {
		t.Error("certificate with a changed tree verifies")
	}
	if err := parsed.Verify([]byte("not DER"), testCanister); err == nil {
		t.Error("verified under a malformed root key")
	}
}

func TestDataCertificateVerifiesWithAgentGo(t *testing.T) {
	key := newKey(t, "data")
	canister := principal.Principal{Raw: testCanister}
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

// delegated returns a certificate of the state tree signed by a subnet key, with the root
// key's delegation placing the subnet's ranges in the given layout.
func delegated(t *testing.T, root, subnet *SubnetKey, subnetID []byte, ranges []CanisterRange, sharded bool) []byte {
	t.Helper()
	entries := []hashtree.Entry{
		{Path: labels("subnet", string(subnetID), "public_key"), Value: subnet.PublicKeyDER()},
		{Path: labels("time"), Value: nat(uint64(time.Now().UnixNano()))},
	}
	if sharded {
		// One shard per range, keyed by its first id, as the IC shards them.
		for _, r := range ranges {
			entries = append(entries, hashtree.Entry{Path: labels("canister_ranges", string(subnetID), string(r.From)), Value: CanisterRanges([]CanisterRange{r})})
		}
	} else {
		entries = append(entries, hashtree.Entry{Path: labels("subnet", string(subnetID), "canister_ranges"), Value: CanisterRanges(ranges)})
	}
	rootTree, err := hashtree.Build(entries...)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := root.Certify(rootTree)
	if err != nil {
		t.Fatal(err)
	}
	c, err := subnet.Certify(testState(t).HashTree())
	if err != nil {
		t.Fatal(err)
	}
	c.Delegation = &Delegation{SubnetID: subnetID, Certificate: dc.Marshal()}
	return c.Marshal()
}

// Delegations in both layouts: Verify and agent-go agree on which canisters they cover.
func TestVerifyDelegation(t *testing.T) {
	root, subnet := newKey(t, "root"), newKey(t, "subnet")
	subnetID := []byte{0xaa, 2}
	ranges := []CanisterRange{{From: []byte{0, 1}, To: []byte{0, 5}}, {From: []byte{1, 0}, To: []byte{1, 0xff}}}
	tests := []struct {
		name     string
		canister []byte
		ok       bool
	}{
		{"first range", []byte{0, 3}, true},
		{"second range, upper bound", []byte{1, 0xff}, true},
		{"between the ranges", []byte{0, 6}, false},
		{"below", []byte{0}, false},
	}
	for _, sharded := range []bool{false, true} {
		enc := delegated(t, root, subnet, subnetID, ranges, sharded)
		c, err := ParseCertificate(enc)
		if err != nil {
			t.Fatal(err)
		}
		var theirs certification.Certificate
		if err := cbor.Unmarshal(enc, &theirs); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			name := tt.name
			if sharded {
				name += " (sharded)"
			}
			t.Run(name, func(t *testing.T) {
				err := c.Verify(root.PublicKeyDER(), tt.canister)
				if tt.ok != (err == nil) || !tt.ok && !strings.Contains(err.Error(), "not in range") {
					t.Errorf("Verify = %v, want ok %v", err, tt.ok)
				}
				agentErr := certification.VerifyCertificate(theirs, principal.Principal{Raw: tt.canister}, root.PublicKeyDER())
				if tt.ok != (agentErr == nil) {
					t.Errorf("agent-go: %v, want ok %v", agentErr, tt.ok)
				}
				// The subnet key is not the root of trust.
				if err := c.Verify(subnet.PublicKeyDER(), tt.canister); err == nil {
					t.Error("verified with the subnet key as root")
				}
			})
		}
	}
}

func TestParseCertificateRejects(t *testing.T) {
	leaf := hashtree.Leaf("x")
	inner := (&Certificate{Tree: leaf, Signature: []byte{1}, Delegation: &Delegation{SubnetID: []byte{1}, Certificate: (&Certificate{Tree: leaf, Signature: []byte{2}}).Marshal()}}).Marshal()
	noSig, _ := cbor.Marshal(map[string]any{"tree": cbor.RawMessage(hashtree.Encode(leaf))})
	noTree, _ := cbor.Marshal(map[string]any{"signature": []byte{1}})
	badTree, _ := cbor.Marshal(map[string]any{"tree": cbor.RawMessage{0x81, 0x05}, "signature": []byte{1}})
	tests := []struct {
		name, want string
		in         []byte
	}{
		{"nested delegation", "nested", (&Certificate{Tree: leaf, Signature: []byte{1}, Delegation: &Delegation{SubnetID: []byte{9}, Certificate: inner}}).Marshal()},
		{"no signature", "lacks", noSig},
		{"no tree", "lacks", noTree},
		{"bad tree", "certificate tree", badTree},
		{"not CBOR", "decode certificate", []byte{0xff}},
		{"undecodable delegation", "delegation", (&Certificate{Tree: leaf, Signature: []byte{1}, Delegation: &Delegation{SubnetID: []byte{9}, Certificate: []byte{0xa0}}}).Marshal()},
	}
	for _, tt := range tests {
		if _, err := ParseCertificate(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want containing %q", tt.name, err, tt.want)
		}
	}
}

func TestDelegationRoundTrip(t *testing.T) {
	dc := (&Certificate{Tree: hashtree.Leaf("y"), Signature: []byte{2}}).Marshal()
	c := &Certificate{Tree: hashtree.Leaf("x"), Signature: []byte{1}, Delegation: &Delegation{SubnetID: []byte{9}, Certificate: dc}}
	p, err := ParseCertificate(c.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if p.Delegation == nil || !bytes.Equal(p.Delegation.SubnetID, []byte{9}) || !bytes.Equal(p.Delegation.Certificate, dc) {
		t.Errorf("delegation = %+v", p.Delegation)
	}
}

// The CBOR this package writes, byte for byte (the bytes the replica wrote before certify
// used a CBOR library to write them).
func TestEncodingsGolden(t *testing.T) {
	zeros := func(n int) string { return strings.Repeat("00", n) }
	tree := hashtree.Fork{Left: hashtree.Labeled{Label: []byte("time"), Tree: hashtree.Leaf{1, 2}}, Right: hashtree.Pruned{7}}
	treeHex := "830183024474696d65820342010282045820" + "07" + zeros(31)
	c := &Certificate{Tree: tree, Signature: make([]byte, 48)}
	plain := c.Marshal()
	c.Delegation = &Delegation{SubnetID: make([]byte, 29), Certificate: make([]byte, 300)}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"certificate", plain, "d9d9f7a2" + "6474726565" + treeHex + "697369676e6174757265" + "5830" + zeros(48)},
		{"delegated certificate", c.Marshal(), "d9d9f7a3" + "6474726565" + treeHex + "697369676e6174757265" + "5830" + zeros(48) +
			"6a64656c65676174696f6e" + "a2" + "697375626e65745f6964" + "581d" + zeros(29) + "6b6365727469666963617465" + "59012c" + zeros(300)},
		{"principal list", PrincipalList([][]byte{{1}, make([]byte, 29), {}}), "d9d9f783" + "4101" + "581d" + zeros(29) + "40"},
		{"empty principal list", PrincipalList(nil), "d9d9f780"},
		{"canister ranges", CanisterRanges([]CanisterRange{{From: []byte{}, To: make([]byte, 29)}, {From: []byte{1}, To: []byte{2}}}), "d9d9f782" + "8240581d" + zeros(29) + "8241014102"},
		{"no canister ranges", CanisterRanges(nil), "d9d9f780"},
		{"nil signature", (&Certificate{Tree: hashtree.Empty{}}).Marshal(), "d9d9f7a2" + "6474726565" + "8100" + "697369676e6174757265" + "40"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.got); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	rs, err := ParseCanisterRanges(CanisterRanges([]CanisterRange{{From: []byte{1}, To: []byte{2}}}))
	if err != nil || len(rs) != 1 || !bytes.Equal(rs[0].From, []byte{1}) || !bytes.Equal(rs[0].To, []byte{2}) {
		t.Errorf("ParseCanisterRanges = %v, %v", rs, err)
	}
	if _, err := ParseCanisterRanges([]byte{0x81, 0x81, 0x41, 0x01}); err == nil {
		t.Error("a range with one id parsed")
	}
}

func TestTime(t *testing.T) {
	for _, tt := range []struct {
		name  string
		value []byte
		ok    bool
	}{
		{"nat", nat(1_700_000_000_000_000_000), true},
		{"trailing bytes", append(nat(5), 0), false},
		{"truncated", []byte{0x80}, false},
		{"beyond int64", nat(1 << 63), false},
	} {
		tree, err := hashtree.Build(hashtree.Entry{Path: labels("time"), Value: tt.value})
		if err != nil {
			t.Fatal(err)
		}
		at, err := (&Certificate{Tree: tree}).Time()
		if tt.ok != (err == nil) || tt.ok && at.UnixNano() != 1_700_000_000_000_000_000 {
			t.Errorf("%s: Time = %v, %v", tt.name, at, err)
		}
	}
	if _, err := (&Certificate{Tree: hashtree.Empty{}}).Time(); err == nil {
		t.Error("a certificate without /time has a time")
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
	key := newKey(b, "bench")
	tree := hashtree.Leaf("x")
	for b.Loop() {
		if _, err := key.Certify(tree); err != nil {
			b.Fatal(err)
		}
	}
}
