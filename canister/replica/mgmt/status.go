package mgmt

import (
	"bytes"
	"context"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// HandleQuery answers a query call to the management canister from a user.
func (m *Canister) HandleQuery(ctx context.Context, caller principal.Principal, method string, arg []byte) ([]byte, error) {
	if !methods[method].query {
		return nil, rejectf(protocol.DestinationInvalid, protocol.ErrCanisterMethodNotFound,
			"Management canister has no query method '%s'", method)
	}
	reply, _, err := m.HandleManagement(ctx, engine.ManagementCall{Caller: caller, Method: method, Arg: arg})
	return reply, err
}

func notAllowed(caller, id principal.Principal, what, setting string) *protocol.Reject {
	return rejectf(protocol.CanisterError, protocol.ErrCanisterInvalidController,
		"Caller %s is not allowed to %s of canister %s: only its controllers and whom its %s admits may.", caller, what, id, setting)
}

// canisterStatus answers the controllers, the canister itself and whom its status
// visibility admits.
func (m *Canister) canisterStatus(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *CanisterIDRecord) (any, error) {
		id := agentID(a.CanisterID)
		status := func(s engine.Settings) engine.Visibility { return s.StatusVisibility }
		info, err := m.readable(id, call.Caller, status, rejectf(protocol.CanisterError, protocol.ErrCanisterInvalidController,
			"Only controllers of canister %s can call ic00 method %s (or whom its status_visibility admits)", id, call.Method))
		if err != nil {
			return nil, err
		}
		return m.status(info), nil
	})
}

// readable returns the info of canister id if caller may read what the visibility that vis
// picks from its settings guards: its controllers, the canister itself and whom the
// visibility admits may; denied is the others' reject.
func (m *Canister) readable(id, caller principal.Principal, vis func(engine.Settings) engine.Visibility, denied *protocol.Reject) (*engine.CanisterInfo, error) {
	info, err := m.eng.Info(id)
	if err != nil {
		return nil, err
	}
	ctrl, err := m.eng.IsController(id, caller)
	if err != nil {
		return nil, err
	}
	if !ctrl && !bytes.Equal(id.Raw, caller.Raw) && !vis(info.Settings).Allows(caller, false) {
		return nil, denied
	}
	return info, nil
}

func (m *Canister) status(info *engine.CanisterInfo) CanisterStatusResult {
	var st StatusVariant
	switch info.Status {
	case engine.Stopping:
		st.Stopping = new(candid.Null)
	case engine.Stopped:
		st.Stopped = new(candid.Null)
	default:
		st.Running = new(candid.Null)
	}
	var hash *[]byte
	if info.ModuleHash != nil {
		h := info.ModuleHash
		hash = &h
	}
	chunks, _ := m.cfg.Chunks.List(info.ID)
	metrics := MemoryMetrics{
		WasmMemorySize:      candid.Nat(info.MemorySize),
		StableMemorySize:    candid.Nat(info.StableSize),
		GlobalMemorySize:    candid.Nat(8 * info.Globals),
		WasmBinarySize:      candid.Nat(info.ModuleSize),
		CustomSectionsSize:  candid.Nat(engine.MetadataSize(info.Metadata)),
		CanisterHistorySize: 0,
		WasmChunkStoreSize:  candid.Nat(uint64(len(chunks)) * MaxChunkSize),
		SnapshotsSize:       candid.Nat(info.SnapshotsSize),
		LogMemoryStoreSize:  candid.Nat(info.Settings.LogMemoryLimit),
	}
	// The engine's memory usage (what idle cycles are charged for) is the sum of the other
	// metrics; the chunk store is the management canister's.
	total := candid.Nat(info.MemoryUsage) + metrics.WasmChunkStoreSize
	return CanisterStatusResult{
		Status:                 st,
		ReadyForMigration:      info.Status == engine.Stopped,
		Version:                info.Version,
		Settings:               definiteSettings(info),
		ModuleHash:             hash,
		MemorySize:             total,
		MemoryMetrics:          metrics,
		Cycles:                 candid.Nat(info.Cycles),
		ReservedCycles:         0, // nothing is reserved below the subnet storage threshold
		IdleCyclesBurnedPerDay: candid.Nat(info.IdleCyclesBurnedPerDay),
	}
}

// fetchLogs returns the canister's log records to whom its log visibility admits.
func (m *Canister) fetchLogs(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *FetchLogsArgs) (any, error) {
		id := agentID(a.CanisterID)
		records, ok, err := m.eng.Logs(id, call.Caller)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, notAllowed(call.Caller, id, "fetch the logs", "log_visibility")
		}
		out := FetchLogsResult{Records: []LogRecord{}}
		for _, r := range records {
			if f := a.Filter; f != nil {
				if b := f.ByIdx; b != nil && (r.Idx < b.Start || r.Idx >= b.End) {
					continue
				}
				if b := f.ByTimestampNanos; b != nil && (r.TimestampNanos < b.Start || r.TimestampNanos >= b.End) {
					continue
				}
			}
			out.Records = append(out.Records, LogRecord{Idx: r.Idx, TimestampNanos: r.TimestampNanos, Content: r.Content})
		}
		return out, nil
	})
}

func snapshotRecord(s engine.SnapshotInfo) Snapshot {
	return Snapshot{ID: s.ID, TakenAtTimestamp: s.TakenAt, TotalSize: s.TotalSize}
}

func (m *Canister) takeSnapshot(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *TakeSnapshotArgs) (any, error) {
		var replace []byte
		if a.ReplaceSnapshot != nil {
			replace = *a.ReplaceSnapshot
		}
		uninstall := a.UninstallCode != nil && *a.UninstallCode
		chunks, err := m.chunksOf(id)
		if err != nil {
			return nil, err
		}
		s, err := m.eng.TakeSnapshot(ctx, id, engine.TakeSnapshotArgs{Replace: replace, Uninstall: uninstall, Chunks: chunks})
		if err != nil {
			return nil, err
		}
		if uninstall {
			m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeCodeUninstall})
		}
		return snapshotRecord(s), nil
	})
}

func (m *Canister) loadSnapshot(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *SnapshotArgs) (any, error) {
		s, err := m.eng.LoadSnapshot(id, a.SnapshotID)
		if err != nil {
			return nil, err
		}
		if err := m.setChunks(id, s.Chunks); err != nil {
			return nil, err
		}
		m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeLoadSnapshot,
			SnapshotID: s.Info.ID, SnapshotTaken: s.Info.TakenAt, SnapshotVer: s.Version, SnapshotUploaded: s.Uploaded})
		return nil, nil
	})
}

// listSnapshots answers the controllers and whom the snapshot visibility admits.
func (m *Canister) listSnapshots(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *CanisterIDRecord) (any, error) {
		id := agentID(a.CanisterID)
		snapshots := func(s engine.Settings) engine.Visibility { return s.SnapshotVisibility }
		if _, err := m.readable(id, call.Caller, snapshots, notAllowed(call.Caller, id, "list the snapshots", "snapshot_visibility")); err != nil {
			return nil, err
		}
		snaps, err := m.eng.Snapshots(id)
		if err != nil {
			return nil, err
		}
		out := make([]Snapshot, len(snaps))
		for i, s := range snaps {
			out[i] = snapshotRecord(s)
		}
		return out, nil
	})
}

// canisterInfo is canister_info: any canister may ask it of any canister.
func (m *Canister) canisterInfo(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *CanisterInfoArgs) (any, error) {
		id := agentID(a.CanisterID)
		info, err := m.eng.Info(id)
		if err != nil {
			return nil, err
		}
		changes, total, err := m.eng.History(id)
		if err != nil {
			return nil, err
		}
		n := uint64(0)
		if a.NumRequestedChanges != nil {
			n = min(*a.NumRequestedChanges, uint64(len(changes)))
		}
		out := CanisterInfoResult{TotalNumChanges: total, RecentChanges: make([]Change, 0, n)}
		for _, ch := range changes[uint64(len(changes))-n:] {
			out.RecentChanges = append(out.RecentChanges, changeRecord(ch))
		}
		if info.ModuleHash != nil {
			h := info.ModuleHash
			out.ModuleHash = &h
		}
		for _, c := range info.Controllers {
			out.Controllers = append(out.Controllers, cdkID(c))
		}
		return out, nil
	})
}
