package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

func u32reply(t *testing.T, b []byte) uint32 {
	t.Helper()
	if len(b) != 4 {
		t.Fatalf("reply of %d bytes, want 4", len(b))
	}
	return binary.LittleEndian.Uint32(b)
}

func setSettings(t *testing.T, e *Engine, id principal.Principal, change func(*Settings)) {
	t.Helper()
	info, err := e.Info(id)
	if err != nil {
		t.Fatal(err)
	}
	s := info.Settings
	change(&s)
	if err := e.UpdateSettings(id, s); err != nil {
		t.Fatalf("UpdateSettings: %v", err)
	}
}

func logContents(t *testing.T, e *Engine, id principal.Principal) []string {
	t.Helper()
	recs, ok, err := e.Logs(id, ctrl)
	if err != nil || !ok {
		t.Fatalf("Logs: %v %v", ok, err)
	}
	var out []string
	for i, r := range recs {
		if i > 0 && r.Idx <= recs[i-1].Idx {
			t.Errorf("log indexes not increasing: %d after %d", r.Idx, recs[i-1].Idx)
		}
		out = append(out, string(r.Content))
	}
	return out
}

// Debug prints and trap messages of replicated executions are logged (a trapped
// execution's too), queries' are not; visibility decides who may read them; the log memory
// limit drops the oldest records.
func TestCanisterLogs(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "settings.wasm")
	update(t, e, id, "print", nil)
	query(t, e, id, "print_query", nil)
	if _, err := e.Update(context.Background(), id, "print_trap", nil, alice); err == nil {
		t.Fatal("print_trap succeeded")
	}
	if got, want := logContents(t, e, id), []string{"hello", "hello", "[TRAP]: boom"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("logs %q, want %q", got, want)
	}

	stranger := principal.Principal{Raw: []byte{5, 5}}
	for _, tc := range []struct {
		name string
		vis  Visibility
		want bool
	}{
		{"controllers", Visibility{Kind: VisibleToControllers}, false},
		{"public", Visibility{Kind: VisibleToPublic}, true},
		{"viewer", Visibility{Kind: VisibleToViewers, Viewers: []principal.Principal{stranger}}, true},
		{"other viewer", Visibility{Kind: VisibleToViewers, Viewers: []principal.Principal{alice}}, false},
	} {
		setSettings(t, e, id, func(s *Settings) { s.LogVisibility = tc.vis })
		if _, ok, _ := e.Logs(id, stranger); ok != tc.want {
			t.Errorf("%s: stranger may read: %v, want %v", tc.name, ok, tc.want)
		}
		if _, ok, _ := e.Logs(id, ctrl); !ok {
			t.Errorf("%s: the controller may not read", tc.name)
		}
	}

	setSettings(t, e, id, func(s *Settings) { s.LogMemoryLimit = 2 * (logRecordOverhead + 5) })
	for range 3 {
		update(t, e, id, "print", nil)
	}
	if got := logContents(t, e, id); len(got) != 2 {
		t.Errorf("with room for 2 records: %q", got)
	}
}

// An update that leaves more Wasm memory than the limit traps and is rolled back; within the
// memory allocation the same goes for Wasm plus stable memory; lifting the limit lets it pass.
func TestMemoryLimits(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "settings.wasm")
	for _, tc := range []struct {
		name      string
		change    func(*Settings)
		errorCode string
	}{
		{"wasm memory limit", func(s *Settings) { s.WasmMemoryLimit = 2 << 16 }, protocol.ErrCanisterWasmMemoryLimitExceeded},
		{"memory allocation", func(s *Settings) { s.WasmMemoryLimit, s.MemoryAllocation = 0, 2<<16 }, protocol.ErrCanisterOutOfMemory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setSettings(t, e, id, tc.change)
			before, _ := e.Info(id)
			_, err := e.Update(context.Background(), id, "grow", nil, alice)
			if r := asReject(t, err); r.ErrorCode != tc.errorCode {
				t.Fatalf("grow: %v, want %s", r, tc.errorCode)
			}
			after, _ := e.Info(id)
			if after.MemorySize != before.MemorySize {
				t.Errorf("memory %d after the failed grow, want %d", after.MemorySize, before.MemorySize)
			}
		})
	}
	setSettings(t, e, id, func(s *Settings) { s.WasmMemoryLimit, s.MemoryAllocation = 0, 0 })
	if pages := u32reply(t, update(t, e, id, "grow", nil)); pages != 3 {
		t.Errorf("%d pages after grow", pages)
	}
	// A memory allocation below what the canister uses is refused.
	info, _ := e.Info(id)
	info.Settings.MemoryAllocation = 1 << 16
	if err := e.UpdateSettings(id, info.Settings); err == nil {
		t.Error("a memory allocation below the memory in use was accepted")
	}
}

// A canister whose balance is below the idle burn of its freezing threshold refuses
// messages, queries included (IC0207), like the IC's query handler; its liquid balance
// excludes that reserve.
func TestFreezingThresholdSettings(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "settings.wasm")
	liquid := func() uint64 { return binary.LittleEndian.Uint64(query(t, e, id, "liquid", nil)) }
	info, _ := e.Info(id)
	if l := liquid(); l != info.Cycles-info.FreezingThresholdCycles || info.FreezingThresholdCycles == 0 {
		t.Errorf("liquid %d, balance %d, freezing threshold %d", l, info.Cycles, info.FreezingThresholdCycles)
	}
	// 1% compute allocation burns 864 G cycles a day: half a day's worth is a reserve below
	// the 1 T balance that the liquid balance excludes.
	setSettings(t, e, id, func(s *Settings) { s.ComputeAllocation, s.FreezingThreshold = 1, 86_400/2 })
	info, _ = e.Info(id)
	if l := liquid(); l != info.Cycles-info.FreezingThresholdCycles || info.FreezingThresholdCycles < 400_000_000_000 {
		t.Errorf("liquid %d, balance %d, freezing threshold %d", l, info.Cycles, info.FreezingThresholdCycles)
	}
	// A day's worth exceeds the balance: the canister is frozen.
	setSettings(t, e, id, func(s *Settings) { s.FreezingThreshold = 2 * 86_400 })
	_, err := e.Update(context.Background(), id, "inc", nil, alice)
	if r := asReject(t, err); r.ErrorCode != protocol.ErrCanisterOutOfCycles || r.Code != protocol.SysTransient {
		t.Fatalf("frozen canister: %v", r)
	}
	if err := e.CheckIngress(context.Background(), id, "inc", nil, alice); err == nil {
		t.Error("a frozen canister accepts ingress")
	}
	_, err = e.Query(context.Background(), id, "liquid", nil, alice, QueryOptions{})
	if r := asReject(t, err); r.ErrorCode != protocol.ErrCanisterOutOfCycles {
		t.Errorf("query to a frozen canister: %v", r)
	}
	setSettings(t, e, id, func(s *Settings) { s.FreezingThreshold = 0 })
	update(t, e, id, "inc", nil)
}

// ic0.env_var_* return the canister's environment variables; settings are validated.
func TestEnvVarsAndValidation(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "settings.wasm")
	if n := u32reply(t, query(t, e, id, "env_count", nil)); n != 0 {
		t.Fatalf("%d variables", n)
	}
	setSettings(t, e, id, func(s *Settings) {
		s.EnvVars = []EnvVar{{"NAME", "value"}, {"A", "b"}}
		SortEnvVars(s.EnvVars)
	})
	if n := u32reply(t, query(t, e, id, "env_count", nil)); n != 2 {
		t.Errorf("%d variables", n)
	}
	if got := query(t, e, id, "env", nil); string(got) != "value" {
		t.Errorf("NAME = %q", got)
	}
	for name, bad := range map[string]func(*Settings){
		"compute allocation": func(s *Settings) { s.ComputeAllocation = 101 },
		"duplicate variable": func(s *Settings) { s.EnvVars = []EnvVar{{"X", "1"}, {"X", "2"}} },
		"long name":          func(s *Settings) { s.EnvVars = []EnvVar{{strings.Repeat("x", 129), ""}} },
		"log memory":         func(s *Settings) { s.LogMemoryLimit = MaxLogMemoryLimit + 1 },
		"viewers":            func(s *Settings) { s.LogVisibility.Viewers = make([]principal.Principal, MaxViewers+1) },
	} {
		s := DefaultSettings()
		bad(&s)
		if err := e.UpdateSettings(id, s); err == nil {
			t.Errorf("%s: invalid settings accepted", name)
		}
	}
}

// A snapshot restores the module and state it was taken of; snapshots are listed, replaced,
// deleted, bounded in number, and survive Export/Import with settings, logs and history.
func TestSnapshotsAndPersistence(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "settings.wasm")
	update(t, e, id, "inc", nil)
	snap, err := e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{})
	if err != nil {
		t.Fatal(err)
	}
	update(t, e, id, "inc", nil)
	if n := u32reply(t, query(t, e, id, "read", nil)); n != 2 {
		t.Fatalf("counter %d", n)
	}
	before, _ := e.Info(id)
	if _, err := e.LoadSnapshot(id, snap.ID); err != nil {
		t.Fatal(err)
	}
	if n := u32reply(t, query(t, e, id, "read", nil)); n != 1 {
		t.Errorf("counter after loading the snapshot %d, want 1", n)
	}
	after, _ := e.Info(id)
	if after.Version <= before.Version {
		t.Errorf("version %d -> %d", before.Version, after.Version)
	}
	if _, err := e.LoadSnapshot(id, []byte("nope")); err == nil {
		t.Error("loaded an unknown snapshot")
	}
	replaced, err := e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{Replace: snap.ID})
	if err != nil {
		t.Fatal(err)
	}
	list, _ := e.Snapshots(id)
	if len(list) != 1 || !bytes.Equal(list[0].ID, replaced.ID) || list[0].TotalSize == 0 {
		t.Fatalf("snapshots after replacing %+v", list)
	}
	for range MaxSnapshots - 1 {
		if _, err := e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{}); err == nil {
		t.Error("more than MaxSnapshots snapshots")
	}
	if err := e.DeleteSnapshot(id, replaced.ID); err != nil {
		t.Fatal(err)
	}

	setSettings(t, e, id, func(s *Settings) { s.FreezingThreshold = 1234; s.EnvVars = []EnvVar{{"NAME", "v"}} })
	update(t, e, id, "print", nil)
	if err := e.RecordChange(id, Change{Kind: ChangeControllers, Origin: alice, Controllers: []principal.Principal{ctrl}}); err != nil {
		t.Fatal(err)
	}
	e2 := restarted(t, e, id)
	info, _ := e2.Info(id)
	if info.Settings.FreezingThreshold != 1234 || len(info.Settings.EnvVars) != 1 {
		t.Errorf("settings after import %+v", info.Settings)
	}
	if got := logContents(t, e2, id); len(got) != 1 || got[0] != "hello" {
		t.Errorf("logs after import %q", got)
	}
	if snaps, _ := e2.Snapshots(id); len(snaps) != MaxSnapshots-1 {
		t.Errorf("%d snapshots after import", len(snaps))
	}
	if h, total, _ := e2.History(id); len(h) != 1 || total != 1 || h[0].Kind != ChangeControllers {
		t.Errorf("history after import %+v (%d)", h, total)
	}
	if got := query(t, e2, id, "env", nil); string(got) != "v" {
		t.Errorf("env after import %q", got)
	}
}

// canister_on_low_wasm_memory runs once when less than the threshold is left below the
// Wasm memory limit, and again only after the condition cleared.
func TestLowWasmMemoryHook(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "settings.wasm")
	low := func() uint32 { return u32reply(t, query(t, e, id, "low", nil)) }
	e.Tick(context.Background())
	if n := low(); n != 0 {
		t.Fatalf("hook ran %d times without a threshold", n)
	}
	// One 64 KiB page in use, limit 4 pages, threshold 3.5 pages: 3 pages left < threshold.
	setSettings(t, e, id, func(s *Settings) { s.WasmMemoryLimit, s.WasmMemoryThreshold = 4<<16, 7<<15 })
	e.Tick(context.Background())
	e.Tick(context.Background())
	if n := low(); n != 1 {
		t.Fatalf("hook ran %d times, want once", n)
	}
	setSettings(t, e, id, func(s *Settings) { s.WasmMemoryThreshold = 1 })
	e.Tick(context.Background())
	setSettings(t, e, id, func(s *Settings) { s.WasmMemoryThreshold = 7 << 15 })
	e.Tick(context.Background())
	if n := low(); n != 2 {
		t.Errorf("hook ran %d times after the condition cleared and came back, want 2", n)
	}
}

// Calls from canisters attaching fewer cycles than the callee's minimum are rejected.
func TestMinimumIncomingCallCycles(t *testing.T) {
	e := newEngine(t, Config{})
	caller := installNew(t, e, "counter.wasm")
	callee := installNew(t, e, "counter.wasm")
	setSettings(t, e, callee, func(s *Settings) { s.MinIncomingCallCycles = 1 })
	// The caller's reject callback replies with the reject code and message.
	got := update(t, e, caller, "call_inc", callee.Raw)
	if len(got) == 0 || protocol.RejectCode(got[0]) != protocol.CanisterError || !strings.Contains(string(got[1:]), "requires at least 1 cycles") {
		t.Fatalf("call with too few cycles answered %q", got)
	}
	if got := state(t, query(t, e, callee, "read", nil)); got != [4]uint32{} {
		t.Fatalf("the callee ran: %v", got)
	}
	// An ingress message is not a canister call: it is not affected.
	update(t, e, callee, "inc", nil)
}
