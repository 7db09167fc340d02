package mgmt

import (
	"context"
	"crypto/sha256"
	"errors"
	"math"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/wasm"
)

// MaxSnapshotSlice is the most bytes read_canister_snapshot_data returns per call (the IC's
// MAX_SLICE_SIZE_BYTES; icp-cli and dfx read in slices of this size).
const MaxSnapshotSlice = 2_000_000

// The methods that download a snapshot (read_canister_snapshot_metadata,
// read_canister_snapshot_data) answer the controllers and whom snapshot_visibility admits;
// those that upload one (upload_canister_snapshot_metadata, upload_canister_snapshot_data)
// only the controllers.

// snapshotReader checks that caller may read the snapshots of canister id.
func (m *Canister) snapshotReader(id, caller principal.Principal) error {
	snapshots := func(s engine.Settings) engine.Visibility { return s.SnapshotVisibility }
	_, err := m.readable(id, caller, snapshots, notAllowed(caller, id, "read the snapshots", "snapshot_visibility"))
	return err
}

func (m *Canister) readSnapshotMetadata(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *SnapshotIDArgs) (any, error) {
		id := agentID(a.CanisterID)
		if err := m.snapshotReader(id, call.Caller); err != nil {
			return nil, err
		}
		md, err := m.eng.SnapshotMetadata(id, a.SnapshotID)
		if err != nil {
			return nil, err
		}
		return metadataRecord(md)
	})
}

func metadataRecord(md engine.SnapshotMetadata) (SnapshotMetadataResult, error) {
	out := SnapshotMetadataResult{Source: &SnapshotSource{}, TakenAtTimestamp: md.TakenAt,
		WasmModuleSize: md.ModuleSize, WasmMemorySize: md.WasmMemorySize, StableMemorySize: md.StableMemorySize,
		WasmChunkStore: []ChunkHash{}, CanisterVersion: md.Version, CertifiedData: md.CertifiedData,
		Globals: []*SnapshotGlobal{}}
	if md.Uploaded {
		out.Source.MetadataUpload = &candid.Reserved{}
	} else {
		out.Source.TakenFromCanister = &candid.Reserved{}
	}
	for _, g := range md.Globals {
		r, err := snapshotGlobal(g)
		if err != nil {
			return out, err
		}
		out.Globals = append(out.Globals, &r)
	}
	for _, h := range md.ChunkHashes {
		out.WasmChunkStore = append(out.WasmChunkStore, ChunkHash{Hash: h})
	}
	if md.Timer != nil {
		out.GlobalTimer = &GlobalTimer{}
		if *md.Timer == 0 {
			out.GlobalTimer.Inactive = &candid.Null{}
		} else {
			t := *md.Timer
			out.GlobalTimer.Active = &t
		}
	}
	if md.LowMemoryHook != nil {
		out.OnLowWasmMemoryHookStatus = &HookStatus{}
		switch *md.LowMemoryHook {
		case engine.HookReady:
			out.OnLowWasmMemoryHookStatus.Ready = &candid.Null{}
		case engine.HookExecuted:
			out.OnLowWasmMemoryHookStatus.Executed = &candid.Null{}
		default:
			out.OnLowWasmMemoryHookStatus.ConditionNotSatisfied = &candid.Null{}
		}
	}
	return out, nil
}

// snapshotGlobal is the Candid value of a global. A v128 value above 2^64-1 cannot be
// encoded: the CDK's codec limits nat to 64 bits.
func snapshotGlobal(g engine.Global) (SnapshotGlobal, error) {
	var r SnapshotGlobal
	switch g.Type {
	case wasm.I32:
		v := int32(uint32(g.Value))
		r.I32 = &v
	case wasm.I64:
		v := int64(g.Value)
		r.I64 = &v
	case wasm.F32:
		v := math.Float32frombits(uint32(g.Value))
		r.F32 = &v
	case wasm.F64:
		v := math.Float64frombits(g.Value)
		r.F64 = &v
	case wasm.V128:
		if g.High != 0 {
			return r, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
				"The snapshot has a v128 global whose value exceeds 64 bits, which this replica cannot encode as a Candid nat.")
		}
		v := candid.Nat(g.Value)
		r.V128 = &v
	}
	return r, nil
}

// engineGlobal is the engine's value of an uploaded global.
func engineGlobal(r SnapshotGlobal) (engine.Global, error) {
	switch {
	case r.I32 != nil:
		return engine.Global{Type: wasm.I32, Value: uint64(uint32(*r.I32))}, nil
	case r.I64 != nil:
		return engine.Global{Type: wasm.I64, Value: uint64(*r.I64)}, nil
	case r.F32 != nil:
		return engine.Global{Type: wasm.F32, Value: uint64(math.Float32bits(*r.F32))}, nil
	case r.F64 != nil:
		return engine.Global{Type: wasm.F64, Value: math.Float64bits(*r.F64)}, nil
	case r.V128 != nil:
		return engine.Global{Type: wasm.V128, Value: uint64(*r.V128)}, nil
	}
	return engine.Global{}, rejectf(protocol.CanisterReject, protocol.ErrInvalidManagementPayload,
		"Snapshot Metadata contains invalid data: a global of no known type")
}

func (m *Canister) readSnapshotData(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *ReadSnapshotDataArgs) (any, error) {
		id := agentID(a.CanisterID)
		if err := m.snapshotReader(id, call.Caller); err != nil {
			return nil, err
		}
		if h := a.Kind.WasmChunk; h != nil {
			chunk, err := m.eng.SnapshotChunk(id, a.SnapshotID, h.Hash)
			if err != nil {
				return nil, err
			}
			return ReadSnapshotDataResult{Chunk: chunk}, nil
		}
		part, r := dataPart(a.Kind.WasmModule, a.Kind.WasmMemory, a.Kind.StableMemory)
		if r == nil {
			return nil, badArg(call.Method, errors.New("no kind of snapshot data given"))
		}
		if r.Size > MaxSnapshotSlice {
			return nil, rejectf(protocol.CanisterReject, protocol.ErrInvalidManagementPayload,
				"Requested slice too large: %d > %d", r.Size, MaxSnapshotSlice)
		}
		b, err := m.eng.ReadSnapshot(id, a.SnapshotID, part, r.Offset, r.Size)
		if err != nil {
			return nil, err
		}
		return ReadSnapshotDataResult{Chunk: b}, nil
	})
}

func (m *Canister) uploadSnapshotMetadata(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *UploadSnapshotMetadataArgs) (any, error) {
		md := engine.SnapshotMetadata{ModuleSize: a.WasmModuleSize, WasmMemorySize: a.WasmMemorySize,
			StableMemorySize: a.StableMemorySize, CertifiedData: a.CertifiedData}
		for _, r := range a.Globals {
			g, err := engineGlobal(r)
			if err != nil {
				return nil, err
			}
			md.Globals = append(md.Globals, g)
		}
		if t := a.GlobalTimer; t != nil {
			var deadline uint64
			if t.Active != nil {
				deadline = *t.Active
			}
			md.Timer = &deadline
		}
		if h := a.OnLowWasmMemoryHookStatus; h != nil {
			s := engine.HookConditionNotSatisfied
			switch {
			case h.Ready != nil:
				s = engine.HookReady
			case h.Executed != nil:
				s = engine.HookExecuted
			}
			md.LowMemoryHook = &s
		}
		var replace []byte
		if a.ReplaceSnapshot != nil {
			replace = *a.ReplaceSnapshot
		}
		info, err := m.eng.CreateSnapshot(id, replace, md)
		if err != nil {
			return nil, err
		}
		return UploadSnapshotMetadataResult{SnapshotID: info.ID}, nil
	})
}

func (m *Canister) uploadSnapshotData(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *UploadSnapshotDataArgs) (any, error) {
		if a.Kind.WasmChunk != nil {
			if len(a.Chunk) > MaxChunkSize {
				return nil, rejectf(protocol.CanisterError, protocol.ErrCanisterContractViolation,
					"Error from Wasm chunk store: Wasm chunk size %d exceeds the maximum chunk size of %d.", len(a.Chunk), MaxChunkSize)
			}
			_, err := m.eng.AddSnapshotChunk(id, a.SnapshotID, a.Chunk, MaxChunks)
			return nil, err
		}
		part, o := dataPart(a.Kind.WasmModule, a.Kind.WasmMemory, a.Kind.StableMemory)
		if o == nil {
			return nil, badArg(call.Method, errors.New("no kind of snapshot data given"))
		}
		return nil, m.eng.WriteSnapshot(id, a.SnapshotID, part, o.Offset, a.Chunk)
	})
}

// dataPart is the part of a snapshot a read or an upload names (its variant's arm) and the
// arm's range or offset; nil when it names none of the three.
func dataPart[T any](module, memory, stable *T) (engine.SnapshotData, *T) {
	switch {
	case memory != nil:
		return engine.SnapshotWasmMemory, memory
	case stable != nil:
		return engine.SnapshotStableMemory, stable
	}
	return engine.SnapshotModule, module
}

// chunksOf returns the contents of canister id's Wasm chunk store.
func (m *Canister) chunksOf(id principal.Principal) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hashes, err := m.cfg.Chunks.List(id)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(hashes))
	for _, h := range hashes {
		c, err := m.cfg.Chunks.Get(id, h)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// setChunks makes chunks canister id's Wasm chunk store (loading a snapshot restores its
// chunk store).
func (m *Canister) setChunks(id principal.Principal, chunks [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.cfg.Chunks.Clear(id); err != nil {
		return err
	}
	for _, c := range chunks {
		sum := sha256.Sum256(c)
		if err := m.cfg.Chunks.Put(id, sum[:], c); err != nil {
			return err
		}
	}
	return nil
}
