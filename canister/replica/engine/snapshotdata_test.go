package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/wasm"
)

// counterState is counter.wasm's (global, memory[0], stable[0]).
func counterState(t *testing.T, e *Engine, id principal.Principal) [3]uint32 {
	t.Helper()
	b := query(t, e, id, "read", nil)
	if len(b) != 16 {
		t.Fatalf("read: %d bytes", len(b))
	}
	var out [3]uint32
	for i := range out {
		out[i] = uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var rej *protocol.Reject
	if !errors.As(err, &rej) || rej.ErrorCode != code {
		t.Errorf("%s: %v, want a reject %s", what, err, code)
	}
}

// readAll reads a part of a snapshot in slices of n bytes, as icp-cli does.
func readAll(t *testing.T, e *Engine, id principal.Principal, snap []byte, d SnapshotData, size, n uint64) []byte {
	t.Helper()
	var out []byte
	for off := uint64(0); off < size; off += n {
		b, err := e.ReadSnapshot(id, snap, d, off, min(n, size-off))
		if err != nil {
			t.Fatalf("reading part %d at %d: %v", d, off, err)
		}
		out = append(out, b...)
	}
	return out
}

// A taken snapshot reads back as the canister's module and state; it is not writable; reads
// outside it and of unknown snapshots are refused. A snapshot created from its metadata and
// filled (in any order) with its data loads into the canister the state it was taken of,
// chunk store included, and survives a restart (Export/Import) half or fully uploaded.
func TestSnapshotDownloadUpload(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil)
	update(t, e, id, "inc", nil)
	chunks := [][]byte{[]byte("chunk one"), []byte("chunk two")}
	taken, err := e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{Chunks: chunks})
	if err != nil {
		t.Fatal(err)
	}
	state, err := e.Export(id)
	if err != nil {
		t.Fatal(err)
	}
	md, err := e.SnapshotMetadata(id, taken.ID)
	if err != nil {
		t.Fatal(err)
	}
	module := readModule(t, "counter.wasm")
	if md.Uploaded || md.ModuleSize != uint64(len(module)) || md.WasmMemorySize != uint64(len(state.Memory)) ||
		md.StableMemorySize != uint64(len(state.Stable)) || md.StableMemorySize != protocol.WasmPageBytes || md.TakenAt != taken.TakenAt {
		t.Fatalf("metadata %+v", md)
	}
	if len(md.Globals) != 2 || md.Globals[0] != (Global{Type: wasm.I32, Value: 2}) || md.Globals[1] != (Global{Type: wasm.I32}) {
		t.Errorf("globals %+v", md.Globals)
	}
	if md.Timer == nil || md.LowMemoryHook == nil || *md.LowMemoryHook != HookConditionNotSatisfied {
		t.Errorf("timer %v hook %v", md.Timer, md.LowMemoryHook)
	}
	var hashes [][]byte
	for _, c := range chunks {
		h := sha256.Sum256(c)
		hashes = append(hashes, h[:])
	}
	slices.SortFunc(hashes, bytes.Compare)
	if !slices.EqualFunc(md.ChunkHashes, hashes, bytes.Equal) {
		t.Errorf("chunk hashes %x, want %x", md.ChunkHashes, hashes)
	}
	for _, c := range chunks {
		h := sha256.Sum256(c)
		if got, err := e.SnapshotChunk(id, taken.ID, h[:]); err != nil || !bytes.Equal(got, c) {
			t.Errorf("chunk %x: %q %v", h, got, err)
		}
	}
	parts := []struct {
		d    SnapshotData
		want []byte
	}{{SnapshotModule, module}, {SnapshotWasmMemory, state.Memory}, {SnapshotStableMemory, state.Stable}}
	for _, p := range parts {
		if got := readAll(t, e, id, taken.ID, p.d, uint64(len(p.want)), 10_000); !bytes.Equal(got, p.want) {
			t.Errorf("part %d: read %d bytes that differ from the snapshot's %d", p.d, len(got), len(p.want))
		}
	}

	// Refusals.
	size := md.WasmMemorySize
	for _, r := range []struct{ off, n uint64 }{{size, 1}, {size - 1, 2}, {size + 1, 0}, {math.MaxUint64, 2}} {
		_, err := e.ReadSnapshot(id, taken.ID, SnapshotWasmMemory, r.off, r.n)
		wantCode(t, "an out-of-range read", err, protocol.ErrInvalidManagementPayload)
	}
	if b, err := e.ReadSnapshot(id, taken.ID, SnapshotWasmMemory, size, 0); err != nil || len(b) != 0 {
		t.Errorf("empty read at the end: %v", err)
	}
	_, err = e.SnapshotMetadata(id, append(bytes.Clone(id.Raw), 0, 0, 0, 0, 0, 0, 0, 99))
	wantCode(t, "an unknown snapshot", err, protocol.ErrCanisterSnapshotNotFound)
	other := create(t, e)
	_, err = e.ReadSnapshot(other, taken.ID, SnapshotModule, 0, 1)
	wantCode(t, "another canister's snapshot", err, protocol.ErrCanisterRejectedMessage)
	_, err = e.SnapshotChunk(id, taken.ID, make([]byte, 32))
	wantCode(t, "an unknown chunk", err, protocol.ErrCanisterContractViolation)
	err = e.WriteSnapshot(id, taken.ID, SnapshotWasmMemory, 0, []byte{1})
	wantCode(t, "writing a taken snapshot", err, protocol.ErrCanisterSnapshotImmutable)
	bad := md
	bad.WasmMemorySize++
	_, err = e.CreateSnapshot(id, nil, bad)
	wantCode(t, "memory of a partial page", err, protocol.ErrInvalidManagementPayload)

	// Upload: the metadata, then the parts in slices, last slice first, then the chunks.
	update(t, e, id, "inc", nil)
	if err := e.DeleteSnapshot(id, taken.ID); err != nil {
		t.Fatal(err)
	}
	up, err := e.CreateSnapshot(id, nil, md)
	if err != nil {
		t.Fatal(err)
	}
	const slice = 7_000
	for _, p := range parts {
		for off := (uint64(len(p.want)) - 1) / slice * slice; ; off -= slice {
			if err := e.WriteSnapshot(id, up.ID, p.d, off, p.want[off:min(off+slice, uint64(len(p.want)))]); err != nil {
				t.Fatal(err)
			}
			if off == 0 {
				break
			}
		}
		err := e.WriteSnapshot(id, up.ID, p.d, uint64(len(p.want))-1, []byte{0, 0})
		wantCode(t, "writing past the end", err, protocol.ErrInvalidManagementPayload)
	}

	// A restart with the upload half done keeps what was uploaded.
	e = restarted(t, e, id)
	for _, c := range chunks {
		if _, err := e.AddSnapshotChunk(id, up.ID, c, 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.AddSnapshotChunk(id, up.ID, chunks[0], 2); err != nil {
		t.Errorf("adding a chunk the store holds: %v", err)
	}
	_, err = e.AddSnapshotChunk(id, up.ID, []byte("a third"), 2)
	wantCode(t, "a chunk beyond the limit", err, protocol.ErrCanisterContractViolation)

	e = restarted(t, e, id)
	got, err := e.SnapshotMetadata(id, up.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Uploaded || got.ModuleSize != md.ModuleSize || !slices.Equal(got.Globals, md.Globals) ||
		!slices.EqualFunc(got.ChunkHashes, md.ChunkHashes, bytes.Equal) || *got.Timer != *md.Timer {
		t.Errorf("uploaded metadata %+v, want as %+v", got, md)
	}
	if s := counterState(t, e, id); s != [3]uint32{3, 3, 3} {
		t.Fatalf("state before loading %v", s)
	}
	loaded, err := e.LoadSnapshot(id, up.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Uploaded || len(loaded.Chunks) != 2 {
		t.Errorf("loaded %+v", loaded)
	}
	if s := counterState(t, e, id); s != [3]uint32{2, 2, 2} {
		t.Errorf("state after loading the uploaded snapshot %v, want the snapshot's 2, 2, 2", s)
	}
	if s := counterState(t, restarted(t, e, id), id); s != [3]uint32{2, 2, 2} {
		t.Errorf("state after loading and a restart %v", s)
	}
}

// Uploaded snapshots count against MaxSnapshots, replace the one named, and load only with
// globals of the module's types.
func TestSnapshotUploadLimits(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	taken, err := e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{})
	if err != nil {
		t.Fatal(err)
	}
	md, err := e.SnapshotMetadata(id, taken.ID)
	if err != nil {
		t.Fatal(err)
	}
	for range MaxSnapshots - 1 {
		if _, err := e.CreateSnapshot(id, nil, md); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.CreateSnapshot(id, nil, md)
	wantCode(t, "more than MaxSnapshots", err, protocol.ErrCanisterRejectedMessage)
	_, err = e.TakeSnapshot(context.Background(), id, TakeSnapshotArgs{})
	wantCode(t, "taking more than MaxSnapshots", err, protocol.ErrCanisterRejectedMessage)
	md.Globals = md.Globals[:1]
	up, err := e.CreateSnapshot(id, taken.ID, md)
	if err != nil {
		t.Fatalf("replacing: %v", err)
	}
	list, _ := e.Snapshots(id)
	if len(list) != MaxSnapshots || slices.ContainsFunc(list, func(s SnapshotInfo) bool { return bytes.Equal(s.ID, taken.ID) }) {
		t.Errorf("snapshots after replacing %+v", list)
	}
	module := readModule(t, "counter.wasm")
	if err := e.WriteSnapshot(id, up.ID, SnapshotModule, 0, module); err != nil {
		t.Fatal(err)
	}
	_, err = e.LoadSnapshot(id, up.ID)
	wantCode(t, "globals that do not match the module", err, protocol.ErrInvalidManagementPayload)
	if want := "its globals have the types [i32] but the module's mutable globals have the types [i32 i32]"; !strings.Contains(err.Error(), want) {
		t.Errorf("load with mismatched globals: %v, want it to say %q", err, want)
	}
}
