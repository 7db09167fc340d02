package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// The IC's fee table for a 13-node application subnet, as the replica configures it (ic repo,
// rs/config/src/subnet_config.rs, CyclesAccountManagerConfig::application_subnet). The tests
// compute what a message must cost from these published numbers and the IC's formulas
// (rs/cycles_account_manager), not from the engine's fee code.
const (
	icUpdateMessageExecution   = 5_000_000
	icTenUpdateInstructions    = 10
	icIngressMessageReception  = 1_200_000
	icIngressByteReception     = 2_000
	icXnetCall                 = 260_000
	icXnetByteTransmission     = 1_000
	icGiBStoragePerSecond      = 127_000
	icComputePercentPerSecond  = 10_000_000
	icDefaultFreezingThreshold = 2_592_000 // 30 days
	icMaxResponseBytes         = 2 << 20
	icUpdateInstructionLimit   = 40_000_000_000
	icQueryInstructionLimit    = 5_000_000_000
	icInstallInstructionLimit  = 300_000_000_000
)

// icScale is the IC's scaling of a 13-node fee to a subnet of n nodes.
func icScale(fee, n uint64) uint64 { return fee * n / 13 }

// icExecution is what an execution of used instructions costs: the replica prepays the fee of
// the message's instruction limit and refunds the instructions it did not use.
func icExecution(used, limit, n uint64) uint64 {
	prepaid := icScale(icUpdateMessageExecution+icTenUpdateInstructions*limit/10, n)
	return prepaid - min(icScale(icTenUpdateInstructions*(limit-used)/10, n), prepaid)
}

func icReception(size, n uint64) uint64 {
	return icScale(icIngressMessageReception+icIngressByteReception*size, n)
}

// icIdlePerDay is idle_cycles_burned_per_day of memory bytes and a compute allocation.
func icIdlePerDay(memory, compute, n uint64) uint64 {
	return icScale(memory*icGiBStoragePerSecond*86_400/(1<<30), n) + icScale(icComputePercentPerSecond*86_400*compute, n)
}

// runs collects Config.Observe's reports.
type runs struct {
	mu  sync.Mutex
	all []Execution
}

func (r *runs) observe(x Execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, x)
}

// take returns the runs of canister id reported since the last take and forgets them.
func (r *runs) take(id principal.Principal) (instructions, cycles uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var rest []Execution
	for _, x := range r.all {
		if x.Canister.String() != id.String() {
			rest = append(rest, x)
			continue
		}
		instructions += uint64(x.Instructions)
		cycles += x.Cycles
	}
	r.all = rest
	return instructions, cycles
}

func balanceOf(t testing.TB, e *Engine, id principal.Principal) uint64 {
	t.Helper()
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	return info.Cycles
}

// setBalance sets a canister's balance (white box: the tests need exact balances).
func setBalance(e *Engine, id principal.Principal, cycles uint64) {
	c := e.lookup(id.Raw)
	c.do(func() { c.cycles = cycles })
}

// TestMessageFees: an ingress message costs its reception (per message and per byte of the
// envelope) and its execution (per message and per instruction), scaled to the subnet size;
// the balance, the answer's usage and Observe agree on it.
func TestMessageFees(t *testing.T) {
	fill := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	for _, tt := range []struct {
		nodes  int
		method string
		arg    []byte
		size   uint64 // the envelope's size
		limit  uint64 // the instruction limit prepaid
	}{
		{13, "inc", nil, 0, icUpdateInstructionLimit},
		{13, "inc", nil, 350, icUpdateInstructionLimit},
		{13, "fill", fill(1_000), 512, icQueryInstructionLimit}, // a query called as an update runs replicated
		{13, "fill", fill(60_000), 2_048, icQueryInstructionLimit},
		{13, "inc_trap", nil, 64, icUpdateInstructionLimit}, // a trap is paid for too
		{34, "inc", nil, 1, icUpdateInstructionLimit},
		{34, "fill", fill(30_000), 4_000, icQueryInstructionLimit},
		{7, "inc", nil, 9_999, icUpdateInstructionLimit},
	} {
		t.Run(fmt.Sprintf("%s/%d-nodes/%d-bytes", tt.method, tt.nodes, tt.size), func(t *testing.T) {
			var log runs
			e := newEngine(t, Config{Nodes: tt.nodes, Observe: log.observe})
			id := installNew(t, e, "counter.wasm")
			log.take(id)
			before := balanceOf(t, e, id)
			out, err := e.Submit(context.Background(), Ingress{Canister: id, Method: tt.method, Arg: tt.arg, Caller: alice, Size: tt.size})
			if trap := strings.HasSuffix(tt.method, "_trap"); (err != nil) != trap {
				t.Fatalf("%s: %v", tt.method, err)
			}
			instructions, observed := log.take(id)
			n := uint64(tt.nodes)
			reception, execution := icReception(tt.size, n), icExecution(instructions, tt.limit, n)
			if spent := before - balanceOf(t, e, id); spent != reception+execution {
				t.Errorf("the message cost %d cycles, want %d (reception %d + execution of %d instructions %d)",
					spent, reception+execution, reception, instructions, execution)
			}
			if got := out.Usage.Cycles; got[FeeIngress] != reception || got[FeeExecution] != execution || got.Total() != reception+execution {
				t.Errorf("usage %v, want ingress %d and execution %d", got, reception, execution)
			}
			if observed != execution || uint64(out.Usage.Instructions) != instructions {
				t.Errorf("observed %d cycles and usage %d instructions, want %d and %d", observed, out.Usage.Instructions, execution, instructions)
			}
		})
	}
}

// TestQueriesAreFree: non-replicated queries cost nothing.
func TestQueriesAreFree(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	before := balanceOf(t, e, id)
	for range 3 {
		query(t, e, id, "fill", binary.LittleEndian.AppendUint32(nil, 4096))
	}
	if after := balanceOf(t, e, id); after != before {
		t.Fatalf("queries cost %d cycles", before-after)
	}
}

// TestFreezingThreshold: a canister must keep the cycles it would burn idling for its
// freezing threshold. An update that would take it below is rejected with the IC's error
// (the amount missing told to controllers only), and a frozen canister refuses ingress
// messages and queries.
func TestFreezingThreshold(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil) // one page of stable memory
	threshold, compute := uint64(3_600), uint64(1)
	setSettings(t, e, id, func(s *Settings) { s.FreezingThreshold, s.ComputeAllocation = threshold, compute })
	wasm := readModule(t, "counter.wasm")
	memory := uint64(65_536+65_536+len(wasm)) + overhead(t, e, id) // Wasm memory, stable memory, module
	perDay := icIdlePerDay(memory, compute, 13)
	frozenBelow := perDay * threshold / 86_400
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	if info.MemoryUsage != memory || info.IdleCyclesBurnedPerDay != perDay || info.FreezingThresholdCycles != frozenBelow {
		t.Fatalf("info: memory %d, idle %d/day, threshold %d; want %d, %d, %d",
			info.MemoryUsage, info.IdleCyclesBurnedPerDay, info.FreezingThresholdCycles, memory, perDay, frozenBelow)
	}

	const size = 100
	reception := icReception(size, 13)
	prepay := icScale(icUpdateMessageExecution+icTenUpdateInstructions*icUpdateInstructionLimit/10, 13)
	ctx := context.Background()
	// Enough for the reception above the threshold, not for the update's prepaid execution.
	balance := frozenBelow + reception + prepay/2
	for _, tt := range []struct {
		caller principal.Principal
		want   string
	}{
		{ctrl, fmt.Sprintf("Canister %s is out of cycles: please top up the canister with at least %d additional cycles", id, frozenBelow+prepay-(balance-reception))},
		{alice, fmt.Sprintf("Canister %s is out of cycles", id)},
	} {
		setBalance(e, id, balance)
		in := Ingress{Canister: id, Method: "inc", Caller: tt.caller, Size: size}
		if err := e.Admit(ctx, in); err != nil {
			t.Fatalf("admit with the reception covered: %v", err)
		}
		_, err := e.Submit(ctx, in)
		rej := asReject(t, err)
		if rej.Code != protocol.SysTransient || rej.ErrorCode != protocol.ErrCanisterOutOfCycles || rej.Message != tt.want {
			t.Fatalf("update below the threshold: %+v, want %q (IC0207)", rej, tt.want)
		}
		if got := balanceOf(t, e, id); got != balance-reception {
			t.Fatalf("balance %d after the refused update, want %d (the reception is paid)", got, balance-reception)
		}
	}
	if got := state(t, query(t, e, id, "read", nil)); got[0] != 1 {
		t.Fatalf("the refused updates ran: %v", got)
	}

	// Below the threshold the canister is frozen: ingress is refused before execution and
	// queries are refused.
	setBalance(e, id, frozenBelow-1)
	rej := asReject(t, e.Admit(ctx, Ingress{Canister: id, Method: "inc", Caller: ctrl, Size: size}))
	wantMsg := fmt.Sprintf("Canister %s is out of cycles: please top up the canister with at least %d additional cycles", id, reception+1)
	if rej.ErrorCode != protocol.ErrCanisterOutOfCycles || rej.Message != wantMsg {
		t.Fatalf("ingress to a frozen canister: %+v, want %q", rej, wantMsg)
	}
	_, err = e.Query(ctx, id, "read", nil, alice, QueryOptions{})
	rej = asReject(t, err)
	if rej.Code != protocol.SysTransient || rej.ErrorCode != protocol.ErrCanisterOutOfCycles ||
		rej.Message != fmt.Sprintf("Canister %s is unable to process query calls because it's frozen. Please top up the canister with cycles and try again.", id) {
		t.Fatalf("query of a frozen canister: %+v", rej)
	}
	// A top-up unfreezes it.
	if err := e.AddCycles(id, 1_000_000_000_000); err != nil {
		t.Fatal(err)
	}
	if got := state(t, update(t, e, id, "inc", nil)); got[0] != 2 {
		t.Fatalf("after the top-up: %v", got)
	}
}

// TestCallPrepaysTheThreshold: call_perform needs the call's fees and the prepaid response
// execution above the freezing threshold, or it fails without a callback.
func TestCallPrepaysTheThreshold(t *testing.T) {
	e := newEngine(t, Config{})
	a := installNew(t, e, "cycles.wasm")
	b := installNew(t, e, "cycles.wasm")
	memory := uint64(65_536+len(readModule(t, "cycles.wasm"))) + overhead(t, e, a)
	frozenBelow := icIdlePerDay(memory, 0, 13) * icDefaultFreezingThreshold / 86_400
	// send: the update's own prepaid execution, then a call to "take" with 1000 cycles.
	exec := icScale(icUpdateMessageExecution+icTenUpdateInstructions*icUpdateInstructionLimit/10, 13)
	call := icScale(icXnetCall+icXnetByteTransmission*4, 13) + icScale(icXnetByteTransmission*icMaxResponseBytes, 13) + exec
	setBalance(e, a, frozenBelow+exec+call+1000-1)
	_, err := e.Update(context.Background(), a, "send", b.Raw, alice)
	if rej := asReject(t, err); rej.ErrorCode != protocol.ErrCanisterDidNotReply {
		t.Fatalf("send without the call's prepayment: %+v, want no reply (call_perform failed)", rej)
	}
	setBalance(e, a, frozenBelow+exec+call+1000)
	update(t, e, a, "send", b.Raw)
}

// overhead is the memory the IC counts besides Wasm memory, stable memory and the module: 8
// bytes per global, the module's metadata sections and the log memory.
func overhead(t *testing.T, e *Engine, id principal.Principal) uint64 {
	t.Helper()
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	return 8*uint64(info.Globals) + MetadataSize(info.Metadata) + info.Settings.LogMemoryLimit
}

// fakeClock is a settable Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestAllocationCharges: canisters pay for their memory and compute allocation every 10
// seconds; one that cannot pay is uninstalled and loses what is left, as on the IC.
func TestAllocationCharges(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	e := newEngine(t, Config{Now: clock.Now})
	id := installNew(t, e, "counter.wasm")
	compute := uint64(2)
	setSettings(t, e, id, func(s *Settings) { s.ComputeAllocation = compute })
	memory := uint64(65_536+len(readModule(t, "counter.wasm"))) + overhead(t, e, id) // no stable memory yet
	before := balanceOf(t, e, id)
	clock.advance(9 * time.Second)
	e.Tick(context.Background())
	if got := balanceOf(t, e, id); got != before {
		t.Fatalf("charged %d cycles before the 10 s period", before-got)
	}
	clock.advance(16 * time.Second) // 25 s: 25 are charged, the IC charges the time elapsed
	e.Tick(context.Background())
	want := icScale(memory*icGiBStoragePerSecond*25/(1<<30), 13) + icScale(icComputePercentPerSecond*25*compute, 13)
	if got := before - balanceOf(t, e, id); got != want {
		t.Fatalf("allocation charge after 25 s: %d, want %d", got, want)
	}
	setBalance(e, id, 1_000)
	clock.advance(10 * time.Second)
	e.Tick(context.Background())
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cycles != 0 || info.ModuleHash != nil || info.Settings.ComputeAllocation != 0 {
		t.Fatalf("a canister that cannot pay: cycles %d, module %x, compute %d; want uninstalled with nothing left",
			info.Cycles, info.ModuleHash, info.Settings.ComputeAllocation)
	}
}

// TestSettingsPersist: settings are part of the exported state.
func TestSettingsPersist(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	ft, mem := uint64(77), uint64(1<<30)
	setSettings(t, e, id, func(s *Settings) { s.FreezingThreshold, s.MemoryAllocation = ft, mem })
	s, err := e.Export(id)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Encode(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := DecodeCanisterState(f)
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, Config{})
	if err := e2.Import(context.Background(), back); err != nil {
		t.Fatal(err)
	}
	info, err := e2.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultSettings()
	want.FreezingThreshold, want.MemoryAllocation = 77, 1<<30
	if !reflect.DeepEqual(info.Settings, want) {
		t.Fatalf("settings after import: %+v", info.Settings)
	}
	// Memory is paid for at least its allocation.
	if want := icIdlePerDay(1<<30, 0, 13); info.IdleCyclesBurnedPerDay != want {
		t.Fatalf("idle cycles with a 1 GiB allocation: %d, want %d", info.IdleCyclesBurnedPerDay, want)
	}
	if DefaultSettings().FreezingThreshold != icDefaultFreezingThreshold {
		t.Fatalf("default settings %+v", DefaultSettings())
	}
}
