package mgmt

import (
	"context"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// queryMethods are the methods callable as queries (the IC's fetch_canister_logs is only a
// query; canister_status is both).
var queryMethods = map[string]bool{"fetch_canister_logs": true, "canister_status": true}

// HandleQuery answers a query call to the management canister from a user.
func (m *Canister) HandleQuery(ctx context.Context, caller principal.Principal, method string, arg []byte) ([]byte, error) {
	if !queryMethods[method] {
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
func (m *Canister) canisterStatus(call engine.ManagementCall) ([]byte, uint64, error) {
	var a CanisterIDRecord
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	info, err := m.eng.Info(id)
	if err != nil {
		return nil, call.Cycles, err
	}
	ok, err := m.canRead(id, call.Caller, info.Settings.StatusVisibility)
	if err != nil {
		return nil, call.Cycles, err
	}
	if !ok {
		return nil, call.Cycles, rejectf(protocol.CanisterError, protocol.ErrCanisterInvalidController,
			"Only controllers of canister %s can call ic00 method %s (or whom its status_visibility admits)", id, call.Method)
	}
	reply, err := m.status(info)
	return reply, call.Cycles, err
}

func (m *Canister) status(info *engine.CanisterInfo) ([]byte, error) {
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
	res := CanisterStatusResult{
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
	return candid.Marshal(res)
}

// fetchLogs returns the canister's log records to whom its log visibility admits.
func (m *Canister) fetchLogs(call engine.ManagementCall) ([]byte, uint64, error) {
	var a FetchLogsArgs
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	records, ok, err := m.eng.Logs(id, call.Caller)
	if err != nil {
		return nil, call.Cycles, err
	}
	if !ok {
		return nil, call.Cycles, notAllowed(call.Caller, id, "fetch the logs", "log_visibility")
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
	reply, err := candid.Marshal(out)
	return reply, call.Cycles, err
}

func snapshotRecord(s engine.SnapshotInfo) Snapshot {
	return Snapshot{ID: s.ID, TakenAtTimestamp: s.TakenAt, TotalSize: s.TotalSize}
}

func (m *Canister) takeSnapshot(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	var a TakeSnapshotArgs
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	if err := m.checkController(id, call); err != nil {
		return nil, call.Cycles, err
	}
	var replace []byte
	if a.ReplaceSnapshot != nil {
		replace = *a.ReplaceSnapshot
	}
	uninstall := a.UninstallCode != nil && *a.UninstallCode
	s, err := m.eng.TakeSnapshot(ctx, id, replace, uninstall)
	if err != nil {
		return nil, call.Cycles, err
	}
	if uninstall {
		m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeCodeUninstall})
	}
	reply, err := candid.Marshal(snapshotRecord(s))
	return reply, call.Cycles, err
}

func (m *Canister) loadSnapshot(call engine.ManagementCall) ([]byte, uint64, error) {
	var a SnapshotArgs
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	if err := m.checkController(id, call); err != nil {
		return nil, call.Cycles, err
	}
	s, version, err := m.eng.LoadSnapshot(id, a.SnapshotID)
	if err != nil {
		return nil, call.Cycles, err
	}
	m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeLoadSnapshot,
		SnapshotID: s.ID, SnapshotTaken: s.TakenAt, SnapshotVer: version})
	return empty(), call.Cycles, nil
}

// listSnapshots answers the controllers and whom the snapshot visibility admits.
func (m *Canister) listSnapshots(call engine.ManagementCall) ([]byte, uint64, error) {
	var a CanisterIDRecord
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	info, err := m.eng.Info(id)
	if err != nil {
		return nil, call.Cycles, err
	}
	ok, err := m.canRead(id, call.Caller, info.Settings.SnapshotVisibility)
	if err != nil {
		return nil, call.Cycles, err
	}
	if !ok {
		return nil, call.Cycles, notAllowed(call.Caller, id, "list the snapshots", "snapshot_visibility")
	}
	snaps, err := m.eng.Snapshots(id)
	if err != nil {
		return nil, call.Cycles, err
	}
	out := make([]Snapshot, len(snaps))
	for i, s := range snaps {
		out[i] = snapshotRecord(s)
	}
	reply, err := candid.Marshal(out)
	return reply, call.Cycles, err
}

func (m *Canister) deleteSnapshot(call engine.ManagementCall) ([]byte, uint64, error) {
	var a SnapshotArgs
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	if err := m.checkController(id, call); err != nil {
		return nil, call.Cycles, err
	}
	if err := m.eng.DeleteSnapshot(id, a.SnapshotID); err != nil {
		return nil, call.Cycles, err
	}
	return empty(), call.Cycles, nil
}

// canisterInfo is canister_info: any canister may ask it of any canister.
func (m *Canister) canisterInfo(call engine.ManagementCall) ([]byte, uint64, error) {
	var a CanisterInfoArgs
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	id := agentID(a.CanisterID)
	info, err := m.eng.Info(id)
	if err != nil {
		return nil, call.Cycles, err
	}
	changes, total, err := m.eng.History(id)
	if err != nil {
		return nil, call.Cycles, err
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
	reply, err := candid.Marshal(out)
	return reply, call.Cycles, err
}
