package engine

import (
	"encoding/binary"
	"github.com/aviate-labs/agent-go/principal"
	"testing"
)

func TestCyclesTransfer(t *testing.T) {
	var log runs
	e := newEngine(t, Config{Observe: log.observe})
	a := installNew(t, e, "cycles.wasm")
	b := installNew(t, e, "cycles.wasm")
	a0, b0 := balanceOf(t, e, a), balanceOf(t, e, b)
	log.take(a)
	log.take(b)
	got := update(t, e, a, "send", b.Raw)
	if refunded := binary.LittleEndian.Uint64(got); refunded != 600 {
		t.Fatalf("refunded %d, want 600", refunded)
	}
	// The caller pays what the IC charges: its update, the call's fee (method "take", no
	// argument), the transmission of the 32-byte reply (the reservation for a 2 MiB response
	// is refunded) and the execution of the reply callback (prepaid with the call). The callee
	// pays the execution of "take".
	callerInstr, callerExec := log.take(a)
	calleeInstr, calleeExec := log.take(b)
	// Two executions (send, callback): two base fees and the instructions.
	if want := 2*icUpdateMessageExecution + callerInstr*icTenUpdateInstructions/10; callerExec != want {
		t.Fatalf("caller execution fees %d, want %d for %d instructions", callerExec, want, callerInstr)
	}
	fees := callerExec + icXnetCall + icXnetByteTransmission*4 + icXnetByteTransmission*32
	if got := balanceOf(t, e, a); got != a0-400-fees {
		t.Fatalf("caller balance %d, want %d (400 transferred, %d fees)", got, a0-400-fees, fees)
	}
	if want := icExecution(calleeInstr, icUpdateInstructionLimit, 13); calleeExec != want {
		t.Fatalf("callee execution fee %d, want %d", calleeExec, want)
	}
	if got := balanceOf(t, e, b); got != b0+400-calleeExec {
		t.Fatalf("callee balance %d, want %d (400 received, %d execution)", got, b0+400-calleeExec, calleeExec)
	}
	if got := binary.LittleEndian.Uint64(query(t, e, a, "balance", nil)); got != a0-400-fees {
		t.Fatalf("canister_cycle_balance128 %d", got)
	}
}

func TestInitEffects(t *testing.T) {
	var log runs
	e := newEngine(t, Config{Observe: log.observe})
	id := installNew(t, e, "cycles.wasm")
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	// init burned 5 cycles; the install paid one execution (all its runs) on the install limit.
	instr, _ := log.take(id)
	want := 1_000_000_000_000 - 5 - icExecution(instr, icInstallInstructionLimit, 13)
	if string(info.CertifiedData) != "take" || info.GlobalTimer != 12345 || info.Cycles != want {
		t.Fatalf("after init: certified %q, timer %d, cycles %d (want %d)", info.CertifiedData, info.GlobalTimer, info.Cycles, want)
	}
}

func TestCostFunctions(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "cycles.wasm")
	for _, tt := range []struct {
		curve    uint32
		code     uint32
		ecdsaFee uint64
	}{
		{0, 0, 26_153_846_153},
		{1, 1, 0},
	} {
		got := query(t, e, id, "costs", binary.LittleEndian.AppendUint32(nil, tt.curve))
		// n = 13: (3,000,000 + 60,000*13)*13 + 400*13*100 + 800*13*2000
		if http := binary.LittleEndian.Uint64(got); http != 49_140_000+520_000+20_800_000 {
			t.Fatalf("cost_http_request = %d", http)
		}
		if code := binary.LittleEndian.Uint32(got[16:]); code != tt.code {
			t.Fatalf("curve %d: code %d", tt.curve, code)
		}
		if fee := binary.LittleEndian.Uint64(got[20:]); tt.code == 0 && fee != tt.ecdsaFee {
			t.Fatalf("ecdsa fee %d", fee)
		}
	}
	if c := (Costs{Nodes: 13}); c.Call(10, 90) != 260_000+100*1_000 || c.CreateCanister() != 500_000_000_000 {
		t.Fatalf("costs %d %d", c.Call(10, 90), c.CreateCanister())
	}
	if got := (Costs{Nodes: 34}).HTTPRequest(0, 0); got != (3_000_000+60_000*34)*34 {
		t.Fatalf("34-node base %d", got)
	}
	for who, want := range map[string]uint32{string(ctrl.Raw): 1, string(alice.Raw): 0} {
		if got := binary.LittleEndian.Uint32(query(t, e, id, "is_controller", []byte(who))); got != want {
			t.Fatalf("is_controller(%x) = %d", who, got)
		}
	}
}

func principalOf(raw []byte) principal.Principal { return principal.Principal{Raw: raw} }
