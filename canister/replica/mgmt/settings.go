package mgmt

import (
	"fmt"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

func invalidSettings(format string, a ...any) *protocol.Reject {
	return rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage, "Invalid settings: "+format, a...)
}

func visibilityFrom(field string, v *LogVisibility) (engine.Visibility, error) {
	switch {
	case v.Controllers != nil:
		return engine.Visibility{Kind: engine.VisibleToControllers}, nil
	case v.Public != nil:
		return engine.Visibility{Kind: engine.VisibleToPublic}, nil
	case v.AllowedViewers != nil:
		out := engine.Visibility{Kind: engine.VisibleToViewers}
		for _, p := range *v.AllowedViewers {
			out.Viewers = append(out.Viewers, agentID(p))
		}
		return out, nil
	}
	return engine.Visibility{}, invalidSettings("%s has no variant set", field)
}

func visibilityTo(v engine.Visibility) LogVisibility {
	switch v.Kind {
	case engine.VisibleToPublic:
		return LogVisibility{Public: new(candid.Null)}
	case engine.VisibleToViewers:
		viewers := make([]cdkprincipal.Principal, len(v.Viewers))
		for i, p := range v.Viewers {
			viewers[i] = cdkID(p)
		}
		return LogVisibility{AllowedViewers: &viewers}
	}
	return LogVisibility{Controllers: new(candid.Null)}
}

// mergeSettings applies the fields s sets to cur. Every field of canister_settings is
// modelled by the engine (engine.Settings); a value out of the IC's bounds is refused with a
// message saying which.
func mergeSettings(cur engine.Settings, s *CanisterSettings) (engine.Settings, error) {
	if s == nil {
		return cur, nil
	}
	out := cur
	nat := func(dst *uint64, v *candid.Nat) {
		if v != nil {
			*dst = uint64(*v)
		}
	}
	nat(&out.ComputeAllocation, s.ComputeAllocation)
	nat(&out.MemoryAllocation, s.MemoryAllocation)
	nat(&out.FreezingThreshold, s.FreezingThreshold)
	nat(&out.ReservedCyclesLimit, s.ReservedCyclesLimit)
	nat(&out.WasmMemoryLimit, s.WasmMemoryLimit)
	nat(&out.WasmMemoryThreshold, s.WasmMemoryThreshold)
	nat(&out.LogMemoryLimit, s.LogMemoryLimit)
	nat(&out.MinIncomingCallCycles, s.MinimumMsgCyclesAvailable)
	nat(&out.MinIncomingCallCycles, s.MinimumIncomingCanisterCallCycles)
	for _, v := range []struct {
		name string
		in   *LogVisibility
		out  *engine.Visibility
	}{
		{"log_visibility", s.LogVisibility, &out.LogVisibility},
		{"snapshot_visibility", s.SnapshotVisibility, &out.SnapshotVisibility},
		{"status_visibility", s.StatusVisibility, &out.StatusVisibility},
	} {
		if v.in == nil {
			continue
		}
		vis, err := visibilityFrom(v.name, v.in)
		if err != nil {
			return cur, err
		}
		*v.out = vis
	}
	if s.EnvVars != nil {
		out.EnvVars = make([]engine.EnvVar, len(*s.EnvVars))
		for i, v := range *s.EnvVars {
			out.EnvVars[i] = engine.EnvVar{Name: v.Name, Value: v.Value}
		}
		engine.SortEnvVars(out.EnvVars)
	}
	if err := out.Validate(); err != nil {
		return cur, invalidSettings("%v", err)
	}
	return out, nil
}

// definiteSettings is canister_status' settings record.
func definiteSettings(info *engine.CanisterInfo) DefiniteSettings {
	s := info.Settings
	controllers := make([]cdkprincipal.Principal, len(info.Controllers))
	for i, c := range info.Controllers {
		controllers[i] = cdkID(c)
	}
	env := make([]EnvVar, len(s.EnvVars))
	for i, v := range s.EnvVars {
		env[i] = EnvVar{Name: v.Name, Value: v.Value}
	}
	return DefiniteSettings{
		Controllers:                       controllers,
		ComputeAllocation:                 candid.Nat(s.ComputeAllocation),
		MemoryAllocation:                  candid.Nat(s.MemoryAllocation),
		FreezingThreshold:                 candid.Nat(s.FreezingThreshold),
		ReservedCyclesLimit:               candid.Nat(s.ReservedCyclesLimit),
		LogVisibility:                     visibilityTo(s.LogVisibility),
		LogMemoryLimit:                    candid.Nat(s.LogMemoryLimit),
		SnapshotVisibility:                visibilityTo(s.SnapshotVisibility),
		StatusVisibility:                  visibilityTo(s.StatusVisibility),
		WasmMemoryLimit:                   candid.Nat(s.WasmMemoryLimit),
		WasmMemoryThreshold:               candid.Nat(s.WasmMemoryThreshold),
		EnvVars:                           env,
		MinimumIncomingCanisterCallCycles: candid.Nat(s.MinIncomingCallCycles),
		MinimumMsgCyclesAvailable:         candid.Nat(s.MinIncomingCallCycles),
	}
}

// applySettings stores the settings s names on canister id (controllers included).
func (m *Canister) applySettings(id principal.Principal, s *CanisterSettings, caller principal.Principal, fromCanister bool) error {
	if s == nil {
		return nil
	}
	info, err := m.eng.Info(id)
	if err != nil {
		return err
	}
	merged, err := mergeSettings(info.Settings, s)
	if err != nil {
		return err
	}
	if err := m.eng.UpdateSettings(id, merged); err != nil {
		return err
	}
	if s.Controllers != nil {
		controllers, err := controllersOf(s, caller)
		if err != nil {
			return err
		}
		if err := m.eng.SetControllers(id, controllers); err != nil {
			return err
		}
		m.record(id, caller, fromCanister, engine.Change{Kind: engine.ChangeControllers, Controllers: controllers})
	}
	return nil
}

// checkSettings validates the settings a canister is created with and returns them applied
// to the defaults.
func checkSettings(s *CanisterSettings) (engine.Settings, error) {
	out, err := mergeSettings(engine.DefaultSettings(), s)
	if err != nil {
		return out, err
	}
	if s != nil && s.Controllers != nil && len(*s.Controllers) > MaxControllers {
		return out, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
			"Invalid settings: expected at most %d controllers, got %d", MaxControllers, len(*s.Controllers))
	}
	return out, nil
}

// record adds a change to a canister's history (canister_info); a canister that vanished
// in between has no history to add to.
func (m *Canister) record(id, caller principal.Principal, fromCanister bool, ch engine.Change) {
	ch.Origin, ch.FromCanister = caller, fromCanister
	if fromCanister {
		if info, err := m.eng.Info(caller); err == nil {
			v := info.Version
			ch.OriginVersion = &v
		}
	}
	_ = m.eng.RecordChange(id, ch)
}

func changeRecord(ch engine.Change) Change {
	out := Change{TimestampNanos: ch.TimestampNanos, CanisterVersion: ch.CanisterVersion}
	if ch.FromCanister {
		out.Origin.FromCanister = &struct {
			CanisterID      cdkprincipal.Principal `ic:"canister_id"`
			CanisterVersion *uint64                `ic:"canister_version"`
		}{cdkID(ch.Origin), ch.OriginVersion}
	} else {
		out.Origin.FromUser = &struct {
			UserID cdkprincipal.Principal `ic:"user_id"`
		}{cdkID(ch.Origin)}
	}
	ids := func(ps []principal.Principal) []cdkprincipal.Principal {
		out := make([]cdkprincipal.Principal, len(ps))
		for i, p := range ps {
			out[i] = cdkID(p)
		}
		return out
	}
	var d ChangeDetails
	switch ch.Kind {
	case engine.ChangeCreation:
		d.Creation = &struct {
			Controllers []cdkprincipal.Principal `ic:"controllers"`
		}{ids(ch.Controllers)}
	case engine.ChangeCodeUninstall:
		d.CodeUninstall = new(candid.Null)
	case engine.ChangeCodeDeployment:
		var mode ChangeMode
		switch ch.Mode {
		case engine.Reinstall:
			mode.Reinstall = new(candid.Null)
		case engine.Upgrade:
			mode.Upgrade = new(candid.Null)
		default:
			mode.Install = new(candid.Null)
		}
		d.CodeDeployment = &struct {
			Mode       ChangeMode `ic:"mode"`
			ModuleHash []byte     `ic:"module_hash"`
		}{mode, ch.ModuleHash}
	case engine.ChangeLoadSnapshot:
		var source SnapshotSource
		if ch.SnapshotUploaded {
			source.MetadataUpload = &candid.Reserved{}
		} else {
			source.TakenFromCanister = &candid.Reserved{}
		}
		d.LoadSnapshot = &LoadSnapshotRecord{ch.SnapshotVer, ch.SnapshotID, ch.SnapshotTaken, source}
	case engine.ChangeControllers:
		d.ControllersChange = &struct {
			Controllers []cdkprincipal.Principal `ic:"controllers"`
		}{ids(ch.Controllers)}
	default:
		panic(fmt.Sprintf("mgmt: unknown change kind %d", ch.Kind))
	}
	out.Details = &d
	return out
}

// knownSettings are the field ids of canister_settings this management canister models.
var knownSettings = func() map[uint32]bool {
	m := map[uint32]bool{}
	for _, name := range []string{"controllers", "compute_allocation", "memory_allocation", "freezing_threshold",
		"reserved_cycles_limit", "log_visibility", "log_memory_limit", "snapshot_visibility", "status_visibility",
		"wasm_memory_limit", "wasm_memory_threshold", "environment_variables",
		"minimum_incoming_canister_call_cycles", "minimum_msg_cycles_available"} {
		m[wire.Hash(name)] = true
	}
	return m
}()

// refuseUnknownSettings rejects an argument whose "settings" record sets a field this
// management canister does not model (a later interface's): the Candid decoder would skip
// it, and the call would succeed without the setting taking effect.
func refuseUnknownSettings(arg []byte) error {
	r, err := wire.NewReader(arg)
	if err != nil || len(r.Args) == 0 {
		return nil // the decoder reports malformed arguments
	}
	ref, found, err := r.SeekField(r.Args[0], "settings")
	if err != nil || !found {
		return nil
	}
	if r.Kind(ref) == opcode.Opt {
		elem, present, err := r.Opt(ref)
		if err != nil || !present {
			return nil
		}
		ref = elem
	}
	t := r.Type(ref)
	if t.Op != opcode.Record {
		return nil
	}
	for _, f := range t.Fields {
		set := true
		ftype := f.Ref
		if r.Kind(ftype) == opcode.Opt {
			elem, present, err := r.Opt(ftype)
			if err != nil {
				return nil
			}
			set, ftype = present, elem
		}
		if set && !knownSettings[f.ID] {
			return invalidSettings("canister_settings field with id %d is not supported by this replica (it models %d settings; see the management canister's interface)", f.ID, len(knownSettings))
		}
		if set {
			if err := r.Skip(ftype); err != nil {
				return nil
			}
		}
	}
	return nil
}
