package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// identities returns one identity of each kind agents sign with.
func identities(t testing.TB) map[string]identity.Identity {
	t.Helper()
	ed, err := identity.NewRandomEd25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	k1, err := identity.NewRandomSecp256k1Identity()
	if err != nil {
		t.Fatal(err)
	}
	p256, err := identity.NewRandomPrime256v1Identity()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]identity.Identity{
		"anonymous": new(identity.AnonymousIdentity),
		"ed25519":   ed,
		"secp256k1": k1,
		"p256":      p256,
	}
}

func TestAgentFetchesRootKey(t *testing.T) {
	env := newTestEnv(t)
	a := env.agent(t, nil, false)
	if !bytes.Equal(a.GetRootKey(), env.api.cfg.SubnetKey.PublicKeyDER()) {
		t.Errorf("agent root key %x, want the subnet key", a.GetRootKey())
	}
}

// An update call through agent-go, on the v4 and the legacy v3 call endpoint, signed by
// every supported kind of identity, comes back with the canister's reply.
func TestAgentUpdateCall(t *testing.T) {
	env := newTestEnv(t)
	for name, id := range identities(t) {
		for _, legacy := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "/v4", true: "/v3"}[legacy], func(t *testing.T) {
				a := env.agent(t, id, legacy)
				var out string
				if err := a.Call(testCanister, "greet", []any{name}, []any{&out}); err != nil {
					t.Fatalf("call: %v", err)
				}
				if want := "Hello, " + name + "!"; out != want {
					t.Errorf("reply %q, want %q", out, want)
				}
				m := env.backend.lastMessage()
				if !bytes.Equal(m.Sender.Raw, id.Sender().Raw) {
					t.Errorf("backend saw sender %s, want %s", m.Sender, id.Sender())
				}
				if !bytes.Equal(m.EffectiveCanister.Raw, testCanister.Raw) || m.Method != "greet" {
					t.Errorf("backend saw %+v", m)
				}
			})
		}
	}
}

// Replicated rejects come back from agent-go as errors carrying the reject code, message
// and IC error code; so do calls refused before execution (non_replicated_rejection).
func TestAgentUpdateCallRejects(t *testing.T) {
	env := newTestEnv(t)
	missing := principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 9, 1, 1}}
	tests := []struct {
		name     string
		canister principal.Principal
		method   string
		want     []string
	}{
		{"canister reject", testCanister, "fail", []string{"(4)", "no thanks", "IC0406"}},
		{"canister error", testCanister, "trap", []string{"(5)", "Canister trapped: boom", "IC0503"}},
		{"no such method", testCanister, "nope", []string{"(3)", "IC0302"}},
		{"refused", testCanister, "refuse", []string{"(4)", "Canister rejected the message", "IC0406"}},
		{"no such canister", missing, "greet", []string{"(3)", "not found", "IC0301"}},
	}
	for _, legacy := range []bool{false, true} {
		a := env.agent(t, nil, legacy)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var out string
				err := a.Call(tc.canister, tc.method, []any{}, []any{&out})
				if err == nil {
					t.Fatal("call succeeded")
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
			})
		}
	}
}

// Queries come back with node signatures that agent-go verifies against the node key it
// reads from the certified /subnet subtree.
func TestAgentQuery(t *testing.T) {
	env := newTestEnv(t)
	for name, id := range identities(t) {
		t.Run(name, func(t *testing.T) {
			a := env.agent(t, id, false)
			var out string
			if err := a.Query(testCanister, "greet", []any{"q"}, []any{&out}); err != nil {
				t.Fatalf("query: %v", err)
			}
			if out != "Hello, q!" {
				t.Errorf("reply %q", out)
			}
			err := a.Query(testCanister, "fail", []any{}, []any{&out})
			if err == nil || !strings.Contains(err.Error(), "(4) no thanks: IC0406") {
				t.Errorf("rejected query: %v", err)
			}
		})
	}
}

// A query answered by a node whose key is not in the certified state is refused by
// agent-go: the signature check is real.
func TestAgentQueryUncertifiedNodeKey(t *testing.T) {
	env := newTestEnv(t)
	rogueCfg := env.api.cfg
	rogueCfg.NodeKey = certify.NewNodeKey([]byte("rogue node"))
	rogue, err := New(rogueCfg)
	if err != nil {
		t.Fatal(err)
	}
	// Queries go to the rogue node, read_state (which certifies the node keys) to the
	// honest one.
	env.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			rogue.ServeHTTP(w, r)
			return
		}
		env.api.ServeHTTP(w, r)
	})
	a := env.agent(t, nil, false)
	var out string
	err = a.Query(testCanister, "greet", []any{"q"}, []any{&out})
	var le hashtree.LookupError
	if !errors.As(err, &le) || le.Type != hashtree.LookupResultAbsent {
		t.Fatalf("query from an uncertified node: %v, want the node key lookup to be absent", err)
	}
}

func TestAgentReadState(t *testing.T) {
	env := newTestEnv(t)
	for name, legacy := range map[string]bool{"v3": false, "v2": true} {
		t.Run(name, func(t *testing.T) {
			a := env.agent(t, env.ctrl, legacy)
			hash, err := a.GetCanisterModuleHash(testCanister)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(hash, bytes.Repeat([]byte{0xab}, 32)) {
				t.Errorf("module hash %x", hash)
			}
			// An empty canister has no module hash: agent-go needs an absence proof to
			// return nil without error.
			hash, err = a.GetCanisterModuleHash(emptyCanister)
			if err != nil || hash != nil {
				t.Errorf("empty canister module hash = %x, %v; want nil, nil", hash, err)
			}
			ctrls, err := a.GetCanisterControllers(testCanister)
			if err != nil {
				t.Fatal(err)
			}
			if len(ctrls) != 2 || !bytes.Equal(ctrls[0].Raw, env.ctrl.Sender().Raw) || !bytes.Equal(ctrls[1].Raw, testCanister.Raw) {
				t.Errorf("controllers %v", ctrls)
			}
			md, err := a.GetCanisterMetadata(testCanister, "candid:service")
			if err != nil || !strings.HasPrefix(string(md), "service :") {
				t.Errorf("candid:service = %q, %v", md, err)
			}
			secret, err := a.GetCanisterMetadata(testCanister, "secret")
			if err != nil || string(secret) != "s3cr3t" {
				t.Errorf("private metadata for a controller = %q, %v", secret, err)
			}
			_, err = a.GetCanisterMetadata(testCanister, "nonexistent")
			var le hashtree.LookupError
			if !errors.As(err, &le) || le.Type != hashtree.LookupResultAbsent {
				t.Errorf("missing metadata: %v, want a provably absent lookup", err)
			}
			tm, err := a.GetTime(testCanister)
			if err != nil || time.Since(tm).Abs() > time.Minute {
				t.Errorf("time %v, %v", tm, err)
			}
		})
	}
	// Another principal may not read the private section.
	a := env.agent(t, nil, false)
	if _, err := a.GetCanisterMetadata(testCanister, "secret"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("private metadata for a non-controller: %v, want 403", err)
	}
}

// When a call outlasts CallTimeout the server answers 202 and agent-go polls read_state for
// the request status (v3 read_state, or v2 with the legacy API) until the reply is
// certified.
func TestAgentCallPolling(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.CallTimeout = 20 * time.Millisecond })
	env.backend.slowFor = 300 * time.Millisecond
	for _, legacy := range []bool{false, true} {
		a := env.agent(t, nil, legacy)
		var out string
		if err := a.Call(testCanister, "slow", []any{}, []any{&out}); err != nil {
			t.Fatal(err)
		}
		if out != "Hello, slow!" {
			t.Errorf("reply %q", out)
		}
	}
}

// agent-go routes management canister calls by their canister_id field; the server checks
// that routing and hands the backend the effective canister id.
func TestAgentManagementCall(t *testing.T) {
	env := newTestEnv(t)
	a := env.agent(t, env.ctrl, false)
	type canisterArg struct {
		CanisterID principal.Principal `ic:"canister_id"`
	}
	if err := a.Call(principal.MustDecode("aaaaa-aa"), "start_canister", []any{canisterArg{testCanister}}, []any{}); err != nil {
		t.Fatal(err)
	}
	m := env.backend.lastMessage()
	if len(m.Canister.Raw) != 0 || !bytes.Equal(m.EffectiveCanister.Raw, testCanister.Raw) {
		t.Errorf("backend saw canister %s, effective %s", m.Canister, m.EffectiveCanister)
	}
	// A call naming no canister goes to aaaaa-aa itself (agent-go's default route).
	if err := a.Call(principal.MustDecode("aaaaa-aa"), "create_canister", []any{}, []any{}); err != nil {
		t.Fatal(err)
	}
	if m := env.backend.lastMessage(); len(m.EffectiveCanister.Raw) != 0 {
		t.Errorf("create_canister effective id %s", m.EffectiveCanister)
	}
	// Sent to another effective canister id than its argument names: refused.
	err := a.CallWithEffectiveCanisterID(principal.MustDecode("aaaaa-aa"), emptyCanister,
		"start_canister", []any{canisterArg{testCanister}}, []any{})
	if err == nil || !strings.Contains(err.Error(), "does not match effective canister id") {
		t.Errorf("misrouted management call: %v", err)
	}
}
