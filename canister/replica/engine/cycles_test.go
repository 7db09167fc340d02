package engine

import (
	"encoding/binary"
	"github.com/aviate-labs/agent-go/principal"
	"testing"
)

func TestCyclesTransfer(t *testing.T) {
	e := newEngine(t, Config{})
	a := installNew(t, e, "cycles.wasm")
	b := installNew(t, e, "cycles.wasm")
	balance := func(id []byte) uint64 {
		info, err := e.Info(principalOf(id))
		if err != nil {
			t.Fatal(err)
		}
		return info.Cycles
	}
	a0, b0 := balance(a.Raw), balance(b.Raw)
	got := update(t, e, a, "send", b.Raw)
	if refunded := binary.LittleEndian.Uint64(got); refunded != 600 {
		t.Fatalf("refunded %d, want 600", refunded)
	}
	// The caller pays what the IC charges: the call's fee (method "take", no argument) and the
	// transmission of the 32-byte reply (the reservation for a 2 MiB response is refunded).
	costs := e.Costs()
	fees := costs.Call(4, 0) + costs.ResponseReservation() - costs.ResponseRefund(costs.ResponseReservation(), 32)
	if fees != 260_000+4*1_000+32*1_000 {
		t.Fatalf("call fees %d", fees)
	}
	if got := balance(a.Raw); got != a0-400-fees {
		t.Fatalf("caller balance %d, want %d (400 transferred, %d fees)", got, a0-400-fees, fees)
	}
	if got := balance(b.Raw); got != b0+400 {
		t.Fatalf("callee balance %d, want %d", got, b0+400)
	}
	if got := binary.LittleEndian.Uint64(query(t, e, a, "balance", nil)); got != a0-400-fees {
		t.Fatalf("canister_cycle_balance128 %d", got)
	}
}

func TestInitEffects(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "cycles.wasm")
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	if string(info.CertifiedData) != "take" || info.GlobalTimer != 12345 || info.Cycles != 1_000_000_000_000-5 {
		t.Fatalf("after init: certified %q, timer %d, cycles %d", info.CertifiedData, info.GlobalTimer, info.Cycles)
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
