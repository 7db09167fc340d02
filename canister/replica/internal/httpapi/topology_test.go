package httpapi

import (
	"bytes"
	"testing"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"

	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// twoSubnets is a root subnet hosting ids from index 0x100000 on and an application subnet
// hosting testCanister's range, as the replica's local network has them.
func twoSubnets(t *testing.T) (*certify.Topology, *certify.Subnet, *certify.Subnet) {
	t.Helper()
	key := func(seed string) *certify.SubnetKey {
		k, err := certify.NewSubnetKey([]byte(seed))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	id := func(hi byte) []byte { return []byte{0, 0, 0, 0, 0, hi, 0, 0, 1, 1} }
	root := certify.NewSubnet(certify.KindSystem, key("root"), []*certify.NodeKey{certify.NewNodeKey([]byte("root node"))},
		[]certify.CanisterRange{{From: id(0x10), To: id(0x1f)}})
	app := certify.NewSubnet(certify.KindApplication, key("app"), []*certify.NodeKey{certify.NewNodeKey([]byte("app node"))},
		[]certify.CanisterRange{{From: id(0), To: id(0x0f)}})
	topo, err := certify.NewTopology(nil, root, app)
	if err != nil {
		t.Fatal(err)
	}
	return topo, root, app
}

// On a network of two subnets, agent-go (unmodified, default settings) calls and queries a
// canister of the application subnet: it verifies the certificates through the delegation
// and the query signature with the application subnet's node key. The status endpoint
// serves the root key; each subnet endpoint certifies with its subnet's key; an effective
// canister id no subnet hosts is refused.
func TestTwoSubnetTopology(t *testing.T) {
	topo, root, app := twoSubnets(t)
	env := newTestEnv(t, func(c *Config) { c.Topology = topo })
	a := env.agent(t, nil, false)
	if !bytes.Equal(a.GetRootKey(), topo.RootKey()) {
		t.Fatal("status does not serve the root subnet's key")
	}
	var out string
	if err := a.Call(testCanister, "greet", []any{"app"}, []any{&out}); err != nil || out != "Hello, app!" {
		t.Fatalf("call: %q %v", out, err)
	}
	if err := a.Query(testCanister, "greet", []any{"q"}, []any{&out}); err != nil || out != "Hello, q!" {
		t.Fatalf("query: %q %v", out, err)
	}
	if hash, err := a.GetCanisterModuleHash(testCanister); err != nil || len(hash) != 32 {
		t.Fatalf("read_state: %x %v", hash, err)
	}

	for _, sn := range []*certify.Subnet{root, app} {
		code, resp := post(t, env, "/api/v3/subnet/"+principal.Principal{Raw: sn.ID}.Encode()+"/read_state", "application/cbor",
			readStateBody(t, nil, anonymous, [][]byte{[]byte("subnet"), sn.ID, []byte("public_key")}))
		if code != 200 {
			t.Fatalf("subnet read_state: %d %s", code, resp)
		}
		var m map[string][]byte
		if err := cbor.Unmarshal(resp, &m); err != nil {
			t.Fatal(err)
		}
		var cert certification.Certificate
		if err := cbor.Unmarshal(m["certificate"], &cert); err != nil {
			t.Fatal(err)
		}
		if (cert.Delegation != nil) != (sn == app) {
			t.Errorf("subnet %x: delegation %v", sn.ID, cert.Delegation != nil)
		}
		if err := certification.VerifySubnetCertificate(cert, principal.Principal{Raw: sn.ID}, topo.RootKey()); err != nil {
			t.Errorf("subnet %x: %v", sn.ID, err)
		}
		if pk, err := cert.Tree.Lookup([]byte("subnet"), sn.ID, []byte("public_key")); err != nil || !bytes.Equal(pk, sn.Key.PublicKeyDER()) {
			t.Errorf("subnet %x: public key %v", sn.ID, err)
		}
	}

	outside := principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0x20, 0, 0, 1, 1}}
	if code, resp := post(t, env, "/api/v3/canister/"+outside.Encode()+"/read_state", "application/cbor",
		readStateBody(t, nil, anonymous, [][]byte{[]byte("time")})); code != 400 || !bytes.Contains(resp, []byte("not hosted")) {
		t.Errorf("read_state for a canister no subnet hosts: %d %s", code, resp)
	}
}
