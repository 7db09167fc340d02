package mgmt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

var (
	owner    = principal.Principal{Raw: []byte{1, 1, 1, 0x02}}
	stranger = principal.Principal{Raw: []byte{2, 2, 2, 0x02}}
)

type fixture struct {
	t   *testing.T
	m   *Canister
	eng *engine.Engine
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	eng, err := engine.New(context.Background(), engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	m := New(Config{})
	m.Bind(eng)
	return &fixture{t: t, m: m, eng: eng}
}

// call makes a management call and decodes its reply into out (nil: no check).
func (f *fixture) call(caller principal.Principal, fromCanister bool, method string, arg any, out any) error {
	f.t.Helper()
	b, err := candid.Marshal(arg)
	if err != nil {
		f.t.Fatal(err)
	}
	reply, _, err := f.m.HandleManagement(context.Background(), engine.ManagementCall{Caller: caller, FromCanister: fromCanister, Method: method, Arg: b})
	if err != nil || out == nil {
		return err
	}
	if err := candid.Unmarshal(reply, out); err != nil {
		f.t.Fatalf("%s reply: %v", method, err)
	}
	return nil
}

func (f *fixture) must(caller principal.Principal, method string, arg, out any) {
	f.t.Helper()
	if err := f.call(caller, false, method, arg, out); err != nil {
		f.t.Fatalf("%s: %v", method, err)
	}
}

func nat(v uint64) *candid.Nat { n := candid.Nat(v); return &n }

// Settings given at creation and by update_settings are stored and reported by
// canister_status field for field; invalid ones are refused with what is wrong.
func TestSettingsRoundTrip(t *testing.T) {
	f := newFixture(t)
	viewers := []cdkprincipal.Principal{cdkID(stranger)}
	var created CanisterIDRecord
	f.must(owner, "provisional_create_canister_with_cycles", ProvisionalCreateArgs{Settings: &CanisterSettings{
		FreezingThreshold: nat(1000), EnvVars: &[]EnvVar{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}},
	}}, &created)
	id := created.CanisterID
	f.must(owner, "update_settings", UpdateSettingsArgs{CanisterID: id, Settings: CanisterSettings{
		ComputeAllocation: nat(3), MemoryAllocation: nat(1 << 30), ReservedCyclesLimit: nat(7),
		WasmMemoryLimit: nat(1 << 29), WasmMemoryThreshold: nat(1 << 20), LogMemoryLimit: nat(1000),
		LogVisibility:                     &LogVisibility{Public: new(candid.Null)},
		SnapshotVisibility:                &LogVisibility{AllowedViewers: &viewers},
		StatusVisibility:                  &LogVisibility{Public: new(candid.Null)},
		MinimumIncomingCanisterCallCycles: nat(5),
	}}, nil)

	var st CanisterStatusResult
	f.must(stranger, "canister_status", CanisterIDRecord{CanisterID: id}, &st) // status is public now
	s := st.Settings
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"freezing_threshold", uint64(s.FreezingThreshold), 1000},
		{"compute_allocation", uint64(s.ComputeAllocation), 3},
		{"memory_allocation", uint64(s.MemoryAllocation), 1 << 30},
		{"reserved_cycles_limit", uint64(s.ReservedCyclesLimit), 7},
		{"wasm_memory_limit", uint64(s.WasmMemoryLimit), 1 << 29},
		{"wasm_memory_threshold", uint64(s.WasmMemoryThreshold), 1 << 20},
		{"log_memory_limit", uint64(s.LogMemoryLimit), 1000},
		{"minimum_incoming_canister_call_cycles", uint64(s.MinimumIncomingCanisterCallCycles), 5},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if s.LogVisibility.Public == nil || s.StatusVisibility.Public == nil || s.SnapshotVisibility.AllowedViewers == nil {
		t.Errorf("visibilities %+v %+v %+v", s.LogVisibility, s.SnapshotVisibility, s.StatusVisibility)
	}
	if len(s.EnvVars) != 2 || s.EnvVars[0].Name != "A" {
		t.Errorf("environment variables %+v, want sorted by name", s.EnvVars)
	}
	if len(s.Controllers) != 1 || s.Controllers[0] != cdkID(owner) || st.IdleCyclesBurnedPerDay == 0 {
		t.Errorf("controllers %v, idle burn %d", s.Controllers, st.IdleCyclesBurnedPerDay)
	}

	for _, bad := range []struct {
		name string
		s    CanisterSettings
		want string
	}{
		{"compute allocation", CanisterSettings{ComputeAllocation: nat(101)}, "compute allocation"},
		{"log memory", CanisterSettings{LogMemoryLimit: nat(engine.MaxLogMemoryLimit + 1)}, "log memory limit"},
		{"duplicate variable", CanisterSettings{EnvVars: &[]EnvVar{{Name: "X", Value: "1"}, {Name: "X", Value: "2"}}}, "appears twice"},
	} {
		err := f.call(owner, false, "update_settings", UpdateSettingsArgs{CanisterID: id, Settings: bad.s}, nil)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want a rejection naming %q", bad.name, err, bad.want)
		}
		var created CanisterIDRecord
		if err := f.call(owner, false, "provisional_create_canister_with_cycles", ProvisionalCreateArgs{Settings: &bad.s}, &created); err == nil {
			t.Errorf("%s: a canister was created with invalid settings", bad.name)
		}
	}
	if err := f.call(stranger, false, "update_settings", UpdateSettingsArgs{CanisterID: id}, nil); err == nil {
		t.Error("a stranger updated the settings")
	}
}

func installSettingsCanister(t *testing.T, f *fixture) cdkprincipal.Principal {
	t.Helper()
	module, err := os.ReadFile(filepath.Join("..", "engine", "testdata", "settings.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	var created CanisterIDRecord
	f.must(owner, "provisional_create_canister_with_cycles", ProvisionalCreateArgs{}, &created)
	f.must(owner, "install_code", InstallCodeArgs{Mode: InstallMode{Install: new(candid.Null)}, CanisterID: created.CanisterID, WasmModule: module}, nil)
	return created.CanisterID
}

// fetch_canister_logs (as a query too) returns what the canister printed, to whom
// log_visibility admits; list_canister_snapshots honours snapshot_visibility; snapshots are
// taken, loaded and deleted; canister_info, for canisters, reports the history.
func TestLogsSnapshotsInfo(t *testing.T) {
	f := newFixture(t)
	id := installSettingsCanister(t, f)
	if _, err := f.eng.Update(context.Background(), agentID(id), "print", nil, owner); err != nil {
		t.Fatal(err)
	}
	arg, _ := candid.Marshal(FetchLogsArgs{CanisterID: id})
	reply, err := f.m.HandleQuery(context.Background(), owner, "fetch_canister_logs", arg)
	if err != nil {
		t.Fatal(err)
	}
	var logs FetchLogsResult
	if err := candid.Unmarshal(reply, &logs); err != nil || len(logs.Records) != 1 || string(logs.Records[0].Content) != "hello" {
		t.Fatalf("logs %+v %v", logs, err)
	}
	if _, err := f.m.HandleQuery(context.Background(), stranger, "fetch_canister_logs", arg); err == nil {
		t.Error("a stranger read the logs of a canister with controllers-only log visibility")
	}
	if _, err := f.m.HandleQuery(context.Background(), owner, "install_code", nil); err == nil {
		t.Error("install_code answered as a query")
	}

	var snap Snapshot
	f.must(owner, "take_canister_snapshot", TakeSnapshotArgs{CanisterID: id}, &snap)
	var list []Snapshot
	f.must(owner, "list_canister_snapshots", CanisterIDRecord{CanisterID: id}, &list)
	if len(list) != 1 || string(list[0].ID) != string(snap.ID) || list[0].TotalSize == 0 || list[0].TakenAtTimestamp == 0 {
		t.Fatalf("snapshots %+v, taken %+v", list, snap)
	}
	if err := f.call(stranger, false, "list_canister_snapshots", CanisterIDRecord{CanisterID: id}, &list); err == nil {
		t.Error("a stranger listed the snapshots")
	}
	if err := f.call(stranger, false, "take_canister_snapshot", TakeSnapshotArgs{CanisterID: id}, nil); err == nil {
		t.Error("a stranger took a snapshot")
	}
	f.must(owner, "load_canister_snapshot", SnapshotArgs{CanisterID: id, SnapshotID: snap.ID}, nil)
	f.must(owner, "delete_canister_snapshot", SnapshotArgs{CanisterID: id, SnapshotID: snap.ID}, nil)
	f.must(owner, "list_canister_snapshots", CanisterIDRecord{CanisterID: id}, &list)
	if len(list) != 0 {
		t.Errorf("snapshots after delete %+v", list)
	}

	if err := f.call(owner, false, "canister_info", CanisterInfoArgs{CanisterID: id}, nil); err == nil {
		t.Error("a user called canister_info")
	}
	var info CanisterInfoResult
	n := uint64(10)
	caller := agentID(id) // any canister may ask
	if err := f.call(caller, true, "canister_info", CanisterInfoArgs{CanisterID: id, NumRequestedChanges: &n}, &info); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ch := range info.RecentChanges {
		switch d := ch.Details; {
		case d.Creation != nil:
			kinds = append(kinds, "creation")
		case d.CodeDeployment != nil:
			kinds = append(kinds, "deployment")
		case d.LoadSnapshot != nil:
			kinds = append(kinds, "load_snapshot")
		}
		if ch.Origin.FromUser == nil || ch.Origin.FromUser.UserID != cdkID(owner) {
			t.Errorf("change %+v is not from the owner", ch)
		}
	}
	if got := strings.Join(kinds, ","); got != "creation,deployment,load_snapshot" || info.TotalNumChanges != 3 || info.ModuleHash == nil {
		t.Errorf("history %s (%d changes), module hash %v", got, info.TotalNumChanges, info.ModuleHash)
	}
}

// A setting this replica does not model is refused, never skipped into a silent success;
// the same field left null passes.
func TestUnknownSettingRefused(t *testing.T) {
	f := newFixture(t)
	var created CanisterIDRecord
	f.must(owner, "provisional_create_canister_with_cycles", ProvisionalCreateArgs{}, &created)
	type futureSettings struct {
		FreezingThreshold *candid.Nat `ic:"freezing_threshold"`
		FutureSetting     *candid.Nat `ic:"future_setting"`
	}
	type args struct {
		CanisterID cdkprincipal.Principal `ic:"canister_id"`
		Settings   futureSettings         `ic:"settings"`
	}
	err := f.call(owner, false, "update_settings", args{created.CanisterID, futureSettings{nat(1), nat(1)}}, nil)
	if err == nil || !strings.Contains(err.Error(), "not supported by this replica") {
		t.Fatalf("unknown setting: %v", err)
	}
	var st CanisterStatusResult
	f.must(owner, "canister_status", CanisterIDRecord{CanisterID: created.CanisterID}, &st)
	if st.Settings.FreezingThreshold != engine.DefaultFreezingThreshold {
		t.Errorf("the refused update changed the freezing threshold to %d", st.Settings.FreezingThreshold)
	}
	f.must(owner, "update_settings", args{created.CanisterID, futureSettings{FreezingThreshold: nat(1)}}, nil)
	f.must(owner, "canister_status", CanisterIDRecord{CanisterID: created.CanisterID}, &st)
	if st.Settings.FreezingThreshold != 1 {
		t.Errorf("freezing threshold %d", st.Settings.FreezingThreshold)
	}
	type createArgs struct {
		Settings *futureSettings `ic:"settings"`
	}
	if err := f.call(owner, false, "provisional_create_canister_with_cycles", createArgs{&futureSettings{FutureSetting: nat(3)}}, nil); err == nil {
		t.Error("created a canister with an unknown setting")
	}
}
