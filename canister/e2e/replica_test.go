package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/deploy"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

func TestCreateInstallCallQuery(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, gzipped(t, basicModule(t)), `(opt "hello")`)

	var greeting string
	if err := a.Query(c, "greet", []any{"agent-go"}, []any{&greeting}); err != nil {
		t.Fatal(err)
	}
	if greeting != "Hello, agent-go!" {
		t.Fatalf("greet = %q", greeting)
	}
	for want := uint64(1); want <= 3; want++ {
		var n uint64
		if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("increment = %d, want %d", n, want)
		}
	}
	var n uint64
	if err := a.Query(c, "query_increment", []any{}, []any{&n}); err != nil || n != 4 {
		t.Fatalf("query_increment = %d, %v", n, err)
	}
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 3 {
		t.Fatalf("get after a query's write = %d, %v; queries must not persist", n, err)
	}
	var who principal.Principal
	if err := a.Query(c, "whoami", []any{}, []any{&who}); err != nil || !bytes.Equal(who.Raw, id.Sender().Raw) {
		t.Fatalf("whoami = %v, %v; want %v", who, err, id.Sender())
	}
}

func TestRejects(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, gzipped(t, basicModule(t)), `(null)`)
	tests := []struct {
		method, arg string
		want        []string
	}{
		{"panic_with", "boom", []string{"boom", "IC0503"}},
		{"reject_with", "no thanks", []string{"no thanks"}},
		{"no_such_method", "x", []string{"IC0536"}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			err := a.Call(c, tt.method, []any{tt.arg}, []any{})
			if err == nil {
				t.Fatal("call succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// A trapped update leaves no trace.
	if err := a.Call(c, "trap_after_write", []any{[]byte("junk")}, []any{}); err == nil {
		t.Fatal("trap_after_write succeeded")
	}
	var n uint64
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 0 {
		t.Fatalf("counter after a trap = %d, %v", n, err)
	}
}

func TestUpgradeKeepsStableMemoryAndDropsHeap(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	mod := gzipped(t, basicModule(t))
	ids := filepath.Join(t.TempDir(), "ids.json")
	first, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "up", IDsFile: ids, Module: mod, Arg: mustArg(t, `(opt "v1")`)})
	if err != nil {
		t.Fatal(err)
	}
	c := first.CanisterID
	var n uint64
	if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil {
		t.Fatal(err)
	}
	var pages uint64
	if err := a.Call(c, "stable_write", []any{uint64(10), []byte("kept")}, []any{&pages}); err != nil {
		t.Fatal(err)
	}
	second, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "up", IDsFile: ids, Module: mod, Arg: mustArg(t, `(opt "v2")`)})
	if err != nil {
		t.Fatal(err)
	}
	if second.Mode != deploy.Upgrade || second.Created || !bytes.Equal(second.CanisterID.Raw, c.Raw) {
		t.Fatalf("second deploy = %+v, want an upgrade of %s", second, c)
	}
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 0 {
		t.Fatalf("heap counter after upgrade = %d, %v; want 0", n, err)
	}
	var got []byte
	if err := a.Query(c, "stable_read", []any{uint64(10), uint64(4)}, []any{&got}); err != nil || string(got) != "kept" {
		t.Fatalf("stable memory after upgrade = %q, %v", got, err)
	}
	var hooks struct {
		InitArg           *string `ic:"init_arg"`
		PostUpgradeArg    *string `ic:"post_upgrade_arg"`
		PreUpgradeCounter *uint64 `ic:"pre_upgrade_counter"`
	}
	if err := a.Query(c, "hooks", []any{}, []any{&hooks}); err != nil {
		t.Fatal(err)
	}
	if hooks.PostUpgradeArg == nil || *hooks.PostUpgradeArg != "v2" || hooks.PreUpgradeCounter == nil || *hooks.PreUpgradeCounter != 1 {
		t.Fatalf("hooks = %+v", hooks)
	}
}

func mustArg(t testing.TB, text string) []byte {
	b, err := deploy.ArgFromText(text)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChunkedInstallOfLargeModule(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	raw := basicModule(t) // uncompressed: over the 2 MiB install message limit
	if len(raw) <= 2<<20 {
		t.Fatalf("test module is %d bytes; the test needs one over 2 MiB", len(raw))
	}
	res, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "big", IDsFile: filepath.Join(t.TempDir(), "ids.json"), Module: raw, Arg: mustArg(t, "(null)")})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Chunked {
		t.Fatal("a module over 2 MiB was not installed in chunks")
	}
	var greeting string
	if err := a.Query(res.CanisterID, "greet", []any{"chunks"}, []any{&greeting}); err != nil || greeting != "Hello, chunks!" {
		t.Fatalf("greet = %q, %v", greeting, err)
	}
	// A direct install_code of the same module is over the ingress limit and refused.
	err = a.CallWithEffectiveCanisterID(managementCanister, res.CanisterID, "install_code", []any{installCodeArgs{
		Mode: installMode{Reinstall: new(idl.Null)}, CanisterID: res.CanisterID, WasmModule: raw, Arg: []byte("DIDL\x00\x00"),
	}}, []any{})
	if err == nil {
		t.Fatal("install_code with a module over 2 MiB was accepted")
	}
}

func TestControllersEnforced(t *testing.T) {
	owner := newIdentity(t)
	c := install(t, owner, gzipped(t, basicModule(t)), "(null)")
	stranger := newAgent(t, newIdentity(t))
	for _, method := range []string{"canister_status", "stop_canister", "start_canister", "delete_canister", "uninstall_code"} {
		err := stranger.CallWithEffectiveCanisterID(managementCanister, c, method, []any{canisterIDRecord{CanisterID: c}}, []any{})
		if err == nil || !strings.Contains(err.Error(), "Only controllers") {
			t.Errorf("%s by a stranger: %v, want a controllers-only reject", method, err)
		}
	}
	err := stranger.CallWithEffectiveCanisterID(managementCanister, c, "install_code", []any{installCodeArgs{
		Mode: installMode{Reinstall: new(idl.Null)}, CanisterID: c, WasmModule: gzipped(t, basicModule(t)), Arg: []byte("DIDL\x00\x00"),
	}}, []any{})
	if err == nil || !strings.Contains(err.Error(), "Only controllers") {
		t.Errorf("install_code by a stranger: %v", err)
	}
	var is bool
	a := newAgent(t, owner)
	if err := a.Query(c, "is_controller", []any{owner.Sender()}, []any{&is}); err != nil || !is {
		t.Errorf("is_controller(owner) = %v, %v", is, err)
	}
	// The owner can stop and restart it; a stopped canister refuses calls.
	if err := a.CallWithEffectiveCanisterID(managementCanister, c, "stop_canister", []any{canisterIDRecord{CanisterID: c}}, []any{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Call(c, "increment", []any{}, []any{new(uint64)}); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("call to a stopped canister: %v", err)
	}
	if err := a.CallWithEffectiveCanisterID(managementCanister, c, "start_canister", []any{canisterIDRecord{CanisterID: c}}, []any{}); err != nil {
		t.Fatal(err)
	}
	var st canisterStatusResult
	if err := a.CallWithEffectiveCanisterID(managementCanister, c, "canister_status", []any{canisterIDRecord{CanisterID: c}}, []any{&st}); err != nil {
		t.Fatal(err)
	}
	if st.Status.Running == nil || st.ModuleHash == nil || len(st.Settings.Controllers) != 1 {
		t.Fatalf("canister_status = %+v", st)
	}
}

func outcallerModule(t testing.TB) []byte {
	return gzipped(t, module(t, "internal/testcanister/outcaller", "outcaller.did"))
}

func TestRawRand(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, outcallerModule(t), "()")
	var r1, r2 []byte
	if err := a.Call(c, "raw_rand", []any{}, []any{&r1}); err != nil {
		t.Fatal(err)
	}
	if err := a.Call(c, "raw_rand", []any{}, []any{&r2}); err != nil {
		t.Fatal(err)
	}
	if len(r1) != 32 || bytes.Equal(r1, r2) {
		t.Fatalf("raw_rand gave %x then %x", r1, r2)
	}
	// Users cannot call raw_rand directly.
	if err := a.Call(managementCanister, "raw_rand", []any{}, []any{new([]byte)}); err == nil {
		t.Fatal("ingress raw_rand accepted")
	}
}

func TestOutcallWithTransform(t *testing.T) {
	ours(t, "the local TLS server's CA must be trusted by the replica")
	var hits atomic.Int64
	u := route(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", fmt.Sprint(hits.Add(1))) // differs per replica
		fmt.Fprint(w, `{"status":"paid"}`)
	})
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, outcallerModule(t), "()")
	balance := func() uint64 {
		var n uint64
		if err := a.Query(c, "balance", []any{}, []any{&n}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var status idl.Nat
	var body []byte
	spent, paid := paidDuring(t, c, balance, func() {
		if err := a.Call(c, "fetch", []any{u, true}, []any{&status, &body}); err != nil {
			t.Fatal(err)
		}
	})
	if status.BigInt().Int64() != 200 || string(body) != `{"status":"paid"}` {
		t.Fatalf("fetch = %v %q", status, body)
	}
	if got := hits.Load(); got != 13 {
		t.Fatalf("the server saw %d requests; a 13-node subnet sends 13", got)
	}
	// The outcall costs what the IC charges; the unused part of the attached cycles comes back.
	// The call that carries it costs at most 10 M in call fees; the message pays its reception
	// and its executions (the update and the callback) besides.
	reqSize := uint64(len(u) + len("transform"))
	cost := protocol.OutcallCost(reqSize, 4096, 13)
	if paid[engine.FeeOutcall] != cost || paid[engine.FeeXnet] > 10_000_000 || paid[engine.FeeIngress] == 0 || paid[engine.FeeExecution] == 0 {
		t.Fatalf("the canister spent %d cycles (%s); the outcall costs %d (+ call fees, reception, executions)", spent, feesString(paid), cost)
	}
}

func TestOutcallWithoutConsensus(t *testing.T) {
	ours(t, "the local TLS server's CA must be trusted by the replica")
	var hits atomic.Int64
	u := route(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "answer %d", hits.Add(1)) // a different body for every replica
	})
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, outcallerModule(t), "()")
	err := a.Call(c, "fetch", []any{u, false}, []any{new(idl.Nat), new([]byte)})
	if err == nil || !strings.Contains(err.Error(), "No consensus could be reached") {
		t.Fatalf("fetch without transform: %v, want the IC's no-consensus reject", err)
	}
	// Plain http:// is refused like on the IC.
	err = a.Call(c, "fetch", []any{strings.Replace(u, "https://", "http://", 1), true}, []any{new(idl.Nat), new([]byte)})
	if err == nil || !strings.Contains(err.Error(), "HTTPS") {
		t.Fatalf("fetch over http: %v", err)
	}
}
