package certify

import (
	"bytes"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
)

func canisterID(index byte, hi byte) []byte { return []byte{hi, 0, 0, 0, 0, 0, 0, index, 1, 1} }

// testTopology is a root subnet hosting [0x00.., 0x00..0f] and an application subnet
// hosting [0x80.., 0x80..ff].
func testTopology(t *testing.T, now func() time.Time) (*Topology, *Subnet, *Subnet) {
	t.Helper()
	root := NewSubnet(KindSystem, newKey(t, "root"), []*NodeKey{NewNodeKey([]byte("root node"))},
		[]CanisterRange{{From: canisterID(0, 0), To: canisterID(0x0f, 0)}})
	app := NewSubnet(KindApplication, newKey(t, "app"), []*NodeKey{NewNodeKey([]byte("app node"))},
		[]CanisterRange{{From: canisterID(0, 0x80), To: canisterID(0xff, 0x80)}})
	topo, err := NewTopology(now, root, app)
	if err != nil {
		t.Fatal(err)
	}
	return topo, root, app
}

// Certificates of the application subnet carry a delegation from the root subnet, and verify
// under the root key - with agent-go and with Verify - for its canisters only; the root
// subnet's certificates carry none. The subnet ids derive from the subnets' keys.
func TestTopologyCertificates(t *testing.T) {
	topo, root, app := testTopology(t, nil)
	if !bytes.Equal(root.ID, SelfAuthenticating(topo.RootKey())) {
		t.Errorf("root subnet id %x is not the self-authenticating id of the root key", root.ID)
	}
	for _, tc := range []struct {
		name       string
		subnet     *Subnet
		canister   []byte
		delegation bool
	}{
		{"root", root, canisterID(2, 0), false},
		{"application", app, canisterID(1, 0x80), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := topo.SubnetOf(tc.canister); got != tc.subnet {
				t.Fatalf("SubnetOf(%x) = %v", tc.canister, got)
			}
			tree := hashtree.Prune(testState(t).HashTree(), labels("time"))
			cert, err := topo.Certify(tc.subnet, tree)
			if err != nil {
				t.Fatal(err)
			}
			if (cert.Delegation != nil) != tc.delegation {
				t.Fatalf("delegation %v, want %v", cert.Delegation != nil, tc.delegation)
			}
			var theirs certification.Certificate
			if err := cbor.Unmarshal(cert.Marshal(), &theirs); err != nil {
				t.Fatal(err)
			}
			if err := certification.VerifyCertificate(theirs, principal.Principal{Raw: tc.canister}, topo.RootKey()); err != nil {
				t.Errorf("agent-go: %v", err)
			}
			if err := cert.Verify(topo.RootKey(), tc.canister); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := certification.VerifySubnetCertificate(theirs, principal.Principal{Raw: tc.subnet.ID}, topo.RootKey()); err != nil {
				t.Errorf("agent-go, for the subnet: %v", err)
			}
			if tc.delegation {
				outside := canisterID(2, 0)
				if err := certification.VerifyCertificate(theirs, principal.Principal{Raw: outside}, topo.RootKey()); err == nil {
					t.Error("agent-go accepts the delegation for a canister of another subnet")
				}
				if err := cert.Verify(topo.RootKey(), outside); err == nil {
					t.Error("Verify accepts the delegation for a canister of another subnet")
				}
			}
		})
	}
	if topo.SubnetOf(canisterID(0x10, 0)) != nil {
		t.Error("a canister between the ranges has a subnet")
	}
}

// The delegation reveals the subnet's key and its ranges in both layouts, is reused while it
// is young and signed again with a fresh /time when it is old.
func TestTopologyDelegation(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	topo, _, app := testTopology(t, func() time.Time { return now })
	d1, err := topo.Delegation(app)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := ParseCertificate(d1.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if der, res := hashtree.Lookup(dc.Tree, []byte("subnet"), app.ID, []byte("public_key")); res != hashtree.Found || !bytes.Equal(der, app.Key.PublicKeyDER()) {
		t.Errorf("public key: %v", res)
	}
	if _, res := hashtree.Lookup(dc.Tree, []byte("subnet"), app.ID, []byte("canister_ranges")); res != hashtree.Found {
		t.Errorf("legacy ranges: %v", res)
	}
	if _, res := hashtree.LookupSubtree(dc.Tree, []byte("canister_ranges"), app.ID); res != hashtree.Found {
		t.Errorf("sharded ranges: %v", res)
	}
	if at, err := dc.Time(); err != nil || !at.Equal(now) {
		t.Errorf("time %v, %v", at, err)
	}
	now = now.Add(DelegationMaxAge / 2)
	if d2, _ := topo.Delegation(app); d2 != d1 {
		t.Error("a young delegation was signed again")
	}
	now = now.Add(DelegationMaxAge)
	d3, _ := topo.Delegation(app)
	if d3 == d1 {
		t.Fatal("an old delegation was reused")
	}
	dc3, _ := ParseCertificate(d3.Certificate)
	if at, _ := dc3.Time(); !at.Equal(now) {
		t.Errorf("renewed delegation time %v, want %v", at, now)
	}
}

// A data certificate of an application canister verifies, with agent-go's certified-data
// check, through the delegation.
func TestTopologyDataCertificate(t *testing.T) {
	topo, _, _ := testTopology(t, nil)
	canister := canisterID(3, 0x80)
	data := bytes.Repeat([]byte{9}, 32)
	enc, err := topo.DataCertificate(canister, data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var theirs certification.Certificate
	if err := cbor.Unmarshal(enc, &theirs); err != nil {
		t.Fatal(err)
	}
	if err := certification.VerifyCertifiedData(theirs, principal.Principal{Raw: canister}, topo.RootKey(), data); err != nil {
		t.Fatalf("agent-go: %v", err)
	}
	if _, err := topo.DataCertificate(canisterID(0x10, 0), data, time.Now()); err == nil {
		t.Error("data certificate for a canister no subnet hosts")
	}
}

// Subnets with overlapping ranges or the same id make no topology.
func TestTopologyRejectsOverlap(t *testing.T) {
	a := NewSubnet(KindSystem, newKey(t, "a"), []*NodeKey{NewNodeKey([]byte("a"))},
		[]CanisterRange{{From: canisterID(0, 0), To: canisterID(0x0f, 0)}})
	b := NewSubnet(KindApplication, newKey(t, "b"), []*NodeKey{NewNodeKey([]byte("b"))},
		[]CanisterRange{{From: canisterID(0x0f, 0), To: canisterID(0x1f, 0)}})
	if _, err := NewTopology(nil, a, b); err == nil {
		t.Error("overlapping ranges accepted")
	}
	if _, err := NewTopology(nil, a, a); err == nil {
		t.Error("the same subnet twice accepted")
	}
}
