package testcanister_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/internal/gobuild"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// These tests run the test canisters on the engine: they check the canisters (and the CDK
// under them) behave as their comments say. The engine's own tests go further.

var user = principal.Principal{Raw: []byte{0xaa, 1}}

// build compiles and links a test canister.
func build(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := gobuild.Wasm(name)
	if err != nil {
		t.Fatal(err)
	}
	did, err := os.ReadFile(name + "/" + name + ".did")
	if err != nil {
		t.Fatal(err)
	}
	mod, _, err := link.Link(raw, link.Options{Candid: did})
	if err != nil {
		t.Fatalf("link %s: %v", name, err)
	}
	return mod
}

type harness struct {
	t      testing.TB
	e      *engine.Engine
	mu     sync.Mutex
	prints []string
}

func newHarness(t testing.TB) *harness {
	h := &harness{t: t}
	e, err := engine.New(context.Background(), engine.Config{
		DebugPrint: func(_ principal.Principal, msg string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.prints = append(h.prints, msg)
		},
		Limits: engine.Limits{Query: 200_000_000, Update: 200_000_000, Install: 2_000_000_000, Inspect: 200_000_000},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	h.e = e
	return h
}

func (h *harness) install(mod []byte, arg []byte) (principal.Principal, error) {
	id, err := h.e.CreateCanister(engine.CreateOptions{Controllers: []principal.Principal{user}, Cycles: 1e13})
	if err != nil {
		h.t.Fatal(err)
	}
	return id, h.e.InstallCode(context.Background(), id, engine.InstallArgs{Mode: engine.Install, Module: mod, Arg: arg, Sender: user})
}

func enc(t testing.TB, args ...any) []byte {
	t.Helper()
	b, err := candid.Marshal(args...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call runs an update (or query) and decodes the reply into out.
func (h *harness) call(query bool, id principal.Principal, method string, out any, args ...any) error {
	h.t.Helper()
	var reply []byte
	var err error
	if query {
		reply, err = h.e.Query(context.Background(), id, method, enc(h.t, args...), user, engine.QueryOptions{})
	} else {
		reply, err = h.e.Update(context.Background(), id, method, enc(h.t, args...), user)
	}
	if err != nil {
		return err
	}
	if out == nil {
		return candid.Unmarshal(reply)
	}
	return candid.Unmarshal(reply, out)
}

func (h *harness) mustCall(query bool, id principal.Principal, method string, out any, args ...any) {
	h.t.Helper()
	if err := h.call(query, id, method, out, args...); err != nil {
		h.t.Fatalf("%s: %v", method, err)
	}
}

func TestBasicOnEngine(t *testing.T) {
	h := newHarness(t)
	mod := build(t, "basic")
	id, err := h.install(mod, enc(t, ptr("hello init")))
	if err != nil {
		t.Fatal(err)
	}

	var s string
	h.mustCall(true, id, "greet", &s, "Go")
	if s != "Hello, Go!" {
		t.Fatalf("greet = %q", s)
	}
	var n uint64
	for i := 1; i <= 3; i++ {
		h.mustCall(false, id, "increment", &n)
	}
	if n != 3 {
		t.Fatalf("increment = %d", n)
	}
	h.mustCall(true, id, "query_increment", &n)
	if n != 4 {
		t.Fatalf("query_increment = %d", n)
	}
	h.mustCall(true, id, "get", &n)
	if n != 3 {
		t.Fatalf("get after a query wrote the heap = %d, want 3", n)
	}

	// Stable memory, then a trap after writing heap and stable memory.
	h.mustCall(false, id, "stable_write", &n, uint64(10), []byte("kept"))
	if n != 1 {
		t.Fatalf("stable_write pages = %d", n)
	}
	err = h.call(false, id, "trap_after_write", nil, []byte("lost"))
	if err == nil || !strings.Contains(err.Error(), "trap_after_write: deliberate trap") {
		t.Fatalf("trap_after_write: %v", err)
	}
	var b []byte
	h.mustCall(true, id, "stable_read", &b, uint64(0), uint64(14))
	if !bytes.Equal(b, append(make([]byte, 10), "kept"...)) {
		t.Fatalf("stable after trap = %q", b)
	}
	h.mustCall(true, id, "get", &n)
	if n != 3 {
		t.Fatalf("counter after trap = %d", n)
	}
	err = h.call(false, id, "panic_with", nil, "oh no")
	if err == nil || !strings.Contains(err.Error(), "panic: oh no") {
		t.Fatalf("panic_with: %v", err)
	}
	var rej *protocol.Reject
	if err := h.call(false, id, "reject_with", nil, "go away"); !errors.As(err, &rej) || rej.Message != "go away" || rej.Code != protocol.CanisterReject {
		t.Fatalf("reject_with: %v", err)
	}

	// Caller and self.
	var p cdkprincipal.Principal
	h.mustCall(true, id, "whoami", &p)
	if !bytes.Equal(p.Bytes(), user.Raw) {
		t.Fatalf("whoami = %s", p)
	}
	h.mustCall(true, id, "self", &p)
	if !bytes.Equal(p.Bytes(), id.Raw) {
		t.Fatalf("self = %s, want %s", p, id)
	}
	h.mustCall(false, id, "print", nil, "to the log")
	h.mu.Lock()
	printed := strings.Join(h.prints, "\n")
	h.mu.Unlock()
	if !strings.Contains(printed, "to the log") {
		t.Fatalf("debug prints: %q", printed)
	}

	// Controllers, certified data, the global timer.
	var yes bool
	h.mustCall(true, id, "is_controller", &yes, cdkprincipal.FromBytes(user.Raw))
	if !yes {
		t.Fatal("is_controller(user) = false")
	}
	h.mustCall(false, id, "certify", nil, []byte("root-hash"))
	if err := h.call(false, id, "certify", nil, make([]byte, 33)); err == nil {
		t.Fatal("certify accepted 33 bytes")
	}
	cert := []byte{0xd9, 0xd9, 0xf7, 1}
	reply, err := h.e.Query(context.Background(), id, "certificate", enc(t), user, engine.QueryOptions{Certificate: cert})
	if err != nil {
		t.Fatal(err)
	}
	var got *[]byte
	if err := candid.Unmarshal(reply, &got); err != nil || got == nil || !bytes.Equal(*got, cert) {
		t.Fatalf("certificate = %v, %v", got, err)
	}
	h.mustCall(false, id, "set_timer", nil, uint64(1)) // long past: due at the next tick
	h.e.Tick(context.Background())
	// canister_global_timer ran at the tick; the timer itself runs in the call it made to
	// the CDK's timer executor, which the engine delivers after the tick.
	eventually(t, "the timer", func() bool { h.mustCall(true, id, "timer_fired", &n); return n != 0 })
	h.e.Tick(context.Background()) // a one-shot timer runs once
	if h.mustCall(true, id, "timer_fired", &n); n != 1 {
		t.Fatalf("timer_fired = %d", n)
	}
	if err := h.call(false, id, "<cdk>_timer_executor", nil); err == nil ||
		!strings.Contains(err.Error(), "only the canister itself may call it") {
		t.Fatalf("the timer executor answered a user: %v", err)
	}

	// Inter-canister call to a second instance.
	other, err := h.install(mod, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.mustCall(false, id, "relay", &s, cdkprincipal.FromBytes(other.Raw), "greet", "relay")
	if s != "Hello, relay!" {
		t.Fatalf("relay = %q", s)
	}
	err = h.call(false, id, "relay", &s, cdkprincipal.FromBytes(other.Raw), "reject_with", "nope")
	if err == nil || !strings.Contains(err.Error(), "relay: call rejected (code 4): nope") {
		t.Fatalf("relay to a rejecting method: %v", err)
	}
	err = h.call(false, id, "relay_trap", &s, cdkprincipal.FromBytes(other.Raw), "greet", "x")
	if err == nil || !strings.Contains(err.Error(), "deliberate trap in the reply callback") {
		t.Fatalf("relay_trap: %v", err)
	}
	h.mustCall(true, id, "composite_relay", &s, cdkprincipal.FromBytes(other.Raw), "greet", "composite")
	if s != "Hello, composite!" {
		t.Fatalf("composite_relay = %q", s)
	}
	h.mustCall(true, id, "pending_calls", &n)
	if n != 0 {
		t.Fatalf("pending calls after a trapping callback: %d", n)
	}
	h.mustCall(true, id, "get", &n)
	if n != 3 {
		t.Fatalf("counter after a trapping callback = %d", n)
	}

	// Endless loops hit the instruction limits.
	if err := h.call(false, id, "spin", nil); err == nil {
		t.Fatal("spin returned")
	}
	if err := h.call(true, id, "spin_query", nil); err == nil {
		t.Fatal("spin_query returned")
	}

	// Upgrade: heap lost, stable kept, hooks ran.
	err = h.e.InstallCode(context.Background(), id, engine.InstallArgs{Mode: engine.Upgrade, Module: mod, Arg: enc(t, ptr("v2")), Sender: user})
	if err != nil {
		t.Fatal(err)
	}
	type report struct {
		InitArg           *string `ic:"init_arg"`
		PostUpgradeArg    *string `ic:"post_upgrade_arg"`
		PreUpgradeCounter *uint64 `ic:"pre_upgrade_counter"`
	}
	var r report
	h.mustCall(true, id, "hooks", &r)
	if r.InitArg != nil || r.PostUpgradeArg == nil || *r.PostUpgradeArg != "v2" || r.PreUpgradeCounter == nil || *r.PreUpgradeCounter != 3 {
		t.Fatalf("hooks after upgrade = %+v", r)
	}
	h.mustCall(true, id, "get", &n)
	if n != 0 {
		t.Fatalf("counter after upgrade = %d, want 0 (heap lost)", n)
	}
	h.mustCall(true, id, "stable_read", &b, uint64(10), uint64(4))
	if string(b) != "kept" {
		t.Fatalf("stable after upgrade = %q", b)
	}
}

// TestQueryStackReserved checks that a query finds the stack it needs: a query's stack
// growth is rolled back with it, so a stack the last committed execution left small (here:
// shrunk by the garbage collector) would be grown, by copying every frame, in every query.
// The CDK reserves stack at the end of every committed execution; recursion then costs the
// same per level at any depth.
func TestQueryStackReserved(t *testing.T) {
	h := newHarness(t)
	id, err := h.install(build(t, "basic"), enc(t, ptr("stack")))
	if err != nil {
		t.Fatal(err)
	}
	h.mustCall(false, id, "collect_garbage", nil)
	// 10, 20 and 40 levels: 2.5, 5 and 10 KiB and more of stack (a new goroutine has 8 KiB).
	cost := map[uint32]uint64{}
	for _, n := range []uint32{10, 20, 40} {
		var instr uint64
		h.mustCall(true, id, "descend", &instr, n)
		cost[n] = instr
	}
	t.Logf("recursion instructions by depth after two GC cycles: %v", cost)
	perLevel := (cost[20] - cost[10]) / 10
	// Copying a stack costs tens of thousands of instructions; a recursion may cost what its
	// levels cost plus a little slack.
	for _, n := range []uint32{10, 40} {
		if limit := uint64(n)*perLevel + 2_000; cost[n] > limit {
			t.Fatalf("descend(%d) = %d instructions, want <= %d (%d per level): the query grew its stack", n, cost[n], limit, perLevel)
		}
	}
}

// TestNoGarbageCollectionInQueries checks that queries run with the collector off: a
// query's memory is discarded, so a cycle it ran would be wasted and redone by every query.
func TestNoGarbageCollectionInQueries(t *testing.T) {
	h := newHarness(t)
	id, err := h.install(build(t, "basic"), enc(t, ptr("gc")))
	if err != nil {
		t.Fatal(err)
	}
	const kib = 16 << 10 // four times the collector's minimum heap
	var cycles uint64
	h.mustCall(true, id, "churn_query", &cycles, uint32(kib))
	if cycles != 0 {
		t.Errorf("a query allocating %d KiB ran %d GC cycles, want none", kib, cycles)
	}
	h.mustCall(false, id, "churn", &cycles, uint32(kib))
	if cycles == 0 {
		t.Errorf("an update allocating %d KiB ran no GC cycle", kib)
	}
}

func TestInitReplyTraps(t *testing.T) {
	h := newHarness(t)
	_, err := h.install(build(t, "initreply"), nil)
	if err == nil || !strings.Contains(err.Error(), "msg_reply") {
		t.Fatalf("install of a canister replying from init: %v, want a msg_reply trap", err)
	}
}

func ptr[T any](v T) *T { return &v }
