package mgmt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

func rejectCode(err error) string {
	var rej *protocol.Reject
	if errors.As(err, &rej) {
		return rej.ErrorCode
	}
	return ""
}

func (f *fixture) counter(id principal.Principal) uint32 {
	f.t.Helper()
	b, err := f.eng.Update(context.Background(), id, "inc", nil, owner)
	if err != nil || len(b) != 4 {
		f.t.Fatalf("inc: %v", err)
	}
	return binary.LittleEndian.Uint32(b)
}

// readPart reads a part of a snapshot through read_canister_snapshot_data in slices of the
// largest size allowed, as icp-cli does.
func (f *fixture) readPart(caller principal.Principal, args ReadSnapshotDataArgs, size uint64) []byte {
	f.t.Helper()
	var out []byte
	for off := uint64(0); off < size; off += MaxSnapshotSlice {
		r := &SnapshotRange{Offset: off, Size: min(MaxSnapshotSlice, size-off)}
		a := args
		switch {
		case a.Kind.WasmModule != nil:
			a.Kind.WasmModule = r
		case a.Kind.WasmMemory != nil:
			a.Kind.WasmMemory = r
		default:
			a.Kind.StableMemory = r
		}
		var res ReadSnapshotDataResult
		f.must(caller, "read_canister_snapshot_data", a, &res)
		out = append(out, res.Chunk...)
	}
	return out
}

// A snapshot is downloaded (metadata, module, memories, chunk store) by its controllers and
// whom snapshot_visibility admits, uploaded again by its controllers only, and loading the
// uploaded snapshot restores the canister's memory, globals and chunk store.
func TestSnapshotDownloadUploadCalls(t *testing.T) {
	f := newFixture(t)
	id := installSettingsCanister(t, f)
	aid := agentID(id)
	module, err := os.ReadFile(filepath.Join("..", "engine", "testdata", "settings.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if n := f.counter(aid); n != 1 {
		t.Fatalf("counter %d", n)
	}
	chunk := []byte("a chunk of code")
	var hash ChunkHash
	f.must(owner, "upload_chunk", UploadChunkArgs{CanisterID: id, Chunk: chunk}, &hash)
	var snap Snapshot
	f.must(owner, "take_canister_snapshot", TakeSnapshotArgs{CanisterID: id}, &snap)

	var md SnapshotMetadataResult
	f.must(owner, "read_canister_snapshot_metadata", SnapshotIDArgs{CanisterID: id, SnapshotID: snap.ID}, &md)
	if md.Source == nil || md.Source.TakenFromCanister == nil || md.TakenAtTimestamp != snap.TakenAtTimestamp ||
		md.WasmModuleSize != uint64(len(module)) || md.WasmMemorySize != protocol.WasmPageBytes || md.StableMemorySize != 0 {
		t.Fatalf("metadata %+v", md)
	}
	if len(md.Globals) != 1 || md.Globals[0] == nil || md.Globals[0].I32 == nil || *md.Globals[0].I32 != 0 {
		t.Errorf("globals %+v", md.Globals)
	}
	if len(md.WasmChunkStore) != 1 || !bytes.Equal(md.WasmChunkStore[0].Hash, hash.Hash) {
		t.Errorf("chunk store %+v, want %x", md.WasmChunkStore, hash.Hash)
	}
	if md.GlobalTimer == nil || md.GlobalTimer.Inactive == nil || md.OnLowWasmMemoryHookStatus == nil {
		t.Errorf("timer %+v hook %+v", md.GlobalTimer, md.OnLowWasmMemoryHookStatus)
	}

	read := ReadSnapshotDataArgs{CanisterID: id, SnapshotID: snap.ID}
	read.Kind.WasmModule = &SnapshotRange{}
	if got := f.readPart(owner, read, md.WasmModuleSize); !bytes.Equal(got, module) {
		t.Errorf("module read back differs (%d bytes)", len(got))
	}
	read.Kind = SnapshotDataKind{WasmMemory: &SnapshotRange{}}
	memory := f.readPart(owner, read, md.WasmMemorySize)
	if len(memory) != protocol.WasmPageBytes || binary.LittleEndian.Uint32(memory) != 1 || !bytes.Equal(memory[100:105], []byte("hello")) {
		t.Errorf("memory read back: %d bytes, counter %d", len(memory), binary.LittleEndian.Uint32(memory))
	}
	var res ReadSnapshotDataResult
	f.must(owner, "read_canister_snapshot_data", ReadSnapshotDataArgs{CanisterID: id, SnapshotID: snap.ID,
		Kind: SnapshotDataKind{WasmChunk: &ChunkHash{Hash: hash.Hash}}}, &res)
	if !bytes.Equal(res.Chunk, chunk) {
		t.Errorf("chunk read back %q", res.Chunk)
	}

	refusals := []struct {
		what   string
		caller principal.Principal
		method string
		arg    any
		code   string
	}{
		{"a stranger reading metadata", stranger, "read_canister_snapshot_metadata", SnapshotIDArgs{CanisterID: id, SnapshotID: snap.ID}, protocol.ErrCanisterInvalidController},
		{"a stranger reading data", stranger, "read_canister_snapshot_data", ReadSnapshotDataArgs{CanisterID: id, SnapshotID: snap.ID,
			Kind: SnapshotDataKind{WasmModule: &SnapshotRange{Size: 1}}}, protocol.ErrCanisterInvalidController},
		{"a slice over 2,000,000 bytes", owner, "read_canister_snapshot_data", ReadSnapshotDataArgs{CanisterID: id, SnapshotID: snap.ID,
			Kind: SnapshotDataKind{WasmMemory: &SnapshotRange{Size: MaxSnapshotSlice + 1}}}, protocol.ErrInvalidManagementPayload},
		{"a read past the memory", owner, "read_canister_snapshot_data", ReadSnapshotDataArgs{CanisterID: id, SnapshotID: snap.ID,
			Kind: SnapshotDataKind{WasmMemory: &SnapshotRange{Offset: md.WasmMemorySize - 10, Size: 11}}}, protocol.ErrInvalidManagementPayload},
		{"an unknown snapshot", owner, "read_canister_snapshot_metadata", SnapshotIDArgs{CanisterID: id, SnapshotID: []byte("nope")}, protocol.ErrCanisterSnapshotNotFound},
		{"an upload to a taken snapshot", owner, "upload_canister_snapshot_data", UploadSnapshotDataArgs{CanisterID: id, SnapshotID: snap.ID,
			Kind: SnapshotDataOffset{WasmMemory: &SnapshotOffset{}}, Chunk: []byte{1}}, protocol.ErrCanisterSnapshotImmutable},
	}
	for _, r := range refusals {
		if err := f.call(r.caller, false, r.method, r.arg, nil); rejectCode(err) != r.code {
			t.Errorf("%s: %v, want %s", r.what, err, r.code)
		}
	}
	// snapshot_visibility public lets anyone download, not upload.
	f.must(owner, "update_settings", UpdateSettingsArgs{CanisterID: id, Settings: CanisterSettings{SnapshotVisibility: &LogVisibility{Public: new(candid.Null)}}}, nil)
	f.must(stranger, "read_canister_snapshot_metadata", SnapshotIDArgs{CanisterID: id, SnapshotID: snap.ID}, &SnapshotMetadataResult{})

	// Later changes, then the snapshot is deleted and uploaded again.
	if n := f.counter(aid); n != 2 {
		t.Fatalf("counter %d", n)
	}
	f.must(owner, "clear_chunk_store", CanisterIDRecord{CanisterID: id}, nil)
	f.must(owner, "delete_canister_snapshot", SnapshotArgs{CanisterID: id, SnapshotID: snap.ID}, nil)
	upload := UploadSnapshotMetadataArgs{CanisterID: id, WasmModuleSize: md.WasmModuleSize, WasmMemorySize: md.WasmMemorySize,
		StableMemorySize: md.StableMemorySize, CertifiedData: md.CertifiedData, GlobalTimer: md.GlobalTimer,
		OnLowWasmMemoryHookStatus: md.OnLowWasmMemoryHookStatus}
	for _, g := range md.Globals {
		upload.Globals = append(upload.Globals, *g)
	}
	if err := f.call(stranger, false, "upload_canister_snapshot_metadata", upload, nil); rejectCode(err) != protocol.ErrCanisterInvalidController {
		t.Errorf("a stranger uploading metadata: %v", err)
	}
	var created UploadSnapshotMetadataResult
	f.must(owner, "upload_canister_snapshot_metadata", upload, &created)
	data := func(kind SnapshotDataOffset, chunk []byte) UploadSnapshotDataArgs {
		return UploadSnapshotDataArgs{CanisterID: id, SnapshotID: created.SnapshotID, Kind: kind, Chunk: chunk}
	}
	if err := f.call(stranger, false, "upload_canister_snapshot_data", data(SnapshotDataOffset{WasmModule: &SnapshotOffset{}}, module), nil); rejectCode(err) != protocol.ErrCanisterInvalidController {
		t.Errorf("a stranger uploading data: %v", err)
	}
	f.must(owner, "upload_canister_snapshot_data", data(SnapshotDataOffset{WasmModule: &SnapshotOffset{}}, module), nil)
	half := uint64(len(memory) / 2)
	f.must(owner, "upload_canister_snapshot_data", data(SnapshotDataOffset{WasmMemory: &SnapshotOffset{Offset: half}}, memory[half:]), nil)
	f.must(owner, "upload_canister_snapshot_data", data(SnapshotDataOffset{WasmMemory: &SnapshotOffset{}}, memory[:half]), nil)
	f.must(owner, "upload_canister_snapshot_data", data(SnapshotDataOffset{WasmChunk: new(candid.Null)}, chunk), nil)
	if err := f.call(owner, false, "upload_canister_snapshot_data", data(SnapshotDataOffset{WasmMemory: &SnapshotOffset{Offset: half + 1}}, memory[half:]), nil); rejectCode(err) != protocol.ErrInvalidManagementPayload {
		t.Errorf("an upload past the memory: %v", err)
	}
	var umd SnapshotMetadataResult
	f.must(owner, "read_canister_snapshot_metadata", SnapshotIDArgs{CanisterID: id, SnapshotID: created.SnapshotID}, &umd)
	if umd.Source == nil || umd.Source.MetadataUpload == nil || len(umd.WasmChunkStore) != 1 {
		t.Errorf("uploaded snapshot's metadata %+v", umd)
	}

	f.must(owner, "load_canister_snapshot", SnapshotArgs{CanisterID: id, SnapshotID: created.SnapshotID}, nil)
	if n := f.counter(aid); n != 2 {
		t.Errorf("counter after loading the uploaded snapshot and one inc: %d, want 2", n)
	}
	var info CanisterInfoResult
	n := uint64(1)
	if err := f.call(aid, true, "canister_info", CanisterInfoArgs{CanisterID: id, NumRequestedChanges: &n}, &info); err != nil {
		t.Fatal(err)
	}
	if len(info.RecentChanges) != 1 || info.RecentChanges[0].Details.LoadSnapshot == nil ||
		info.RecentChanges[0].Details.LoadSnapshot.Source.MetadataUpload == nil ||
		!bytes.Equal(info.RecentChanges[0].Details.LoadSnapshot.SnapshotID, created.SnapshotID) {
		t.Errorf("last change %+v, want loading the uploaded snapshot", info.RecentChanges)
	}
	var stored []ChunkHash
	f.must(owner, "stored_chunks", CanisterIDRecord{CanisterID: id}, &stored)
	if sum := sha256.Sum256(chunk); len(stored) != 1 || !bytes.Equal(stored[0].Hash, sum[:]) {
		t.Errorf("chunk store after loading %+v", stored)
	}
}
