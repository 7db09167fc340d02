package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aviate-labs/agent-go/candid/idl"
)

// TestFreezingThresholdOverHTTP: canister_status reports the idle cycles a canister burns per
// day (its memory at 127,000 cycles per GiB-second on 13 nodes); a freezing threshold that
// the balance does not cover freezes the canister: calls and queries are refused with the
// IC's error (IC0207), the missing amount told to controllers only, until the threshold is
// lowered again.
func TestFreezingThresholdOverHTTP(t *testing.T) {
	owner := newIdentity(t)
	a := newAgent(t, owner)
	c := install(t, owner, gzipped(t, basicModule(t)), "(null)")
	status := func() canisterStatusResult {
		t.Helper()
		var st canisterStatusResult
		if err := a.CallWithEffectiveCanisterID(managementCanister, c, "canister_status", []any{canisterIDRecord{CanisterID: c}}, []any{&st}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := status()
	memory := st.MemorySize.BigInt().Uint64()
	perDay := st.IdleCyclesBurnedPerDay.BigInt().Uint64()
	if want := memory * 127_000 * 86_400 / (1 << 30); memory == 0 || perDay != want {
		t.Fatalf("idle_cycles_burned_per_day %d for %d bytes, want %d", perDay, memory, want)
	}
	if ft := st.Settings.FreezingThreshold.BigInt().Uint64(); ft != 30*24*3600 {
		t.Fatalf("default freezing_threshold %d", ft)
	}

	setThreshold := func(seconds uint64) {
		t.Helper()
		n := idl.NewNat(seconds)
		args := updateSettingsArgs{CanisterID: c, Settings: canisterSettings{FreezingThreshold: &n}}
		if err := a.CallWithEffectiveCanisterID(managementCanister, c, "update_settings", []any{args}, []any{}); err != nil {
			t.Fatal(err)
		}
	}
	// A threshold of more than the balance's worth of idling: the canister is frozen.
	setThreshold(st.Cycles.BigInt().Uint64()/perDay*86_400 + 365*86_400)
	err := a.Call(c, "increment", []any{}, []any{new(uint64)})
	if err == nil || !strings.Contains(err.Error(), "IC0207") ||
		!strings.Contains(err.Error(), fmt.Sprintf("Canister %s is out of cycles: please top up the canister with at least", c)) {
		t.Fatalf("update of a frozen canister by its controller: %v", err)
	}
	other := newAgent(t, newIdentity(t))
	err = other.Call(c, "increment", []any{}, []any{new(uint64)})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("Canister %s is out of cycles", c)) || strings.Contains(err.Error(), "top up") {
		t.Fatalf("update of a frozen canister by another caller: %v", err)
	}
	err = a.Query(c, "get", []any{}, []any{new(uint64)})
	if err == nil || !strings.Contains(err.Error(), "is unable to process query calls because it's frozen") {
		t.Fatalf("query of a frozen canister: %v", err)
	}
	// Lowering the threshold unfreezes it.
	setThreshold(30 * 24 * 3600)
	var n uint64
	if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil || n != 1 {
		t.Fatalf("increment after unfreezing: %d, %v", n, err)
	}
}
