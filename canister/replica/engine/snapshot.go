package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/wasm"
)

// MaxSnapshots is how many snapshots a canister may keep.
const MaxSnapshots = 10

// snapshot is a copy of a canister's code and state: taken of the canister
// (take_canister_snapshot), or created from uploaded metadata and then filled by uploads of
// its data (upload_canister_snapshot_metadata, upload_canister_snapshot_data).
type snapshot struct {
	id            []byte
	takenAt       uint64
	version       uint64 // the canister's version when it was taken or created
	uploaded      bool   // created by metadata upload: its data may be written
	wasm          []byte // the module as installed (raw or gzip)
	mod           *module
	globalTypes   []wasm.ValType // an uploaded snapshot's; a taken one's are its module's
	img           image
	stable        []byte
	certifiedData []byte
	timer         uint64
	keepTimer     bool        // uploaded without a timer state: loading leaves the canister's
	hook          *HookStatus // nil: not recorded (older snapshots, uploads without it)
	chunks        []chunk     // the Wasm chunk store, sorted by hash
}

func (s *snapshot) size() uint64 {
	n := uint64(len(s.wasm) + len(s.img.mem) + 8*len(s.img.globals) + len(s.stable) + len(s.certifiedData))
	for _, c := range s.chunks {
		n += uint64(len(c.data))
	}
	return n
}

// chunk is one chunk of a snapshot's Wasm chunk store and its SHA-256, its key: a chunk
// (up to 1 MiB) is hashed once, not at every lookup.
type chunk struct {
	hash [sha256.Size]byte
	data []byte
}

// hashedChunks hashes each of data once and sorts them by hash; clone copies their bytes.
func hashedChunks(data [][]byte, clone bool) []chunk {
	out := make([]chunk, len(data))
	for i, d := range data {
		if clone {
			d = bytes.Clone(d)
		}
		out[i] = chunk{sha256.Sum256(d), d}
	}
	slices.SortFunc(out, func(a, b chunk) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	return out
}

// chunkData is the chunks' bytes, in their order; clone copies them.
func chunkData(cs []chunk, clone bool) [][]byte {
	out := make([][]byte, len(cs))
	for i, c := range cs {
		out[i] = c.data
		if clone {
			out[i] = bytes.Clone(c.data)
		}
	}
	return out
}

// findChunk is the index of the chunk whose hash is hash, or where it would be inserted.
func (s *snapshot) findChunk(hash []byte) (int, bool) {
	return slices.BinarySearchFunc(s.chunks, hash, func(c chunk, h []byte) int { return bytes.Compare(c.hash[:], h) })
}

// SnapshotInfo describes a snapshot (list_canister_snapshots).
type SnapshotInfo struct {
	ID        []byte
	TakenAt   uint64 // nanoseconds since 1970
	TotalSize uint64 // bytes
}

func (s *snapshot) info() SnapshotInfo {
	return SnapshotInfo{ID: bytes.Clone(s.id), TakenAt: s.takenAt, TotalSize: s.size()}
}

// HookStatus is the state of the on-low-Wasm-memory hook as snapshots record it.
type HookStatus uint8

// The states of the hook (the IC's on_low_wasm_memory_hook_status).
const (
	HookConditionNotSatisfied HookStatus = iota
	HookReady
	HookExecuted
)

func hookStatusOf(h lowMemoryHook) HookStatus {
	if h == hookExecuted {
		return HookExecuted
	}
	return HookConditionNotSatisfied
}

// lowMemoryHookOf maps a recorded state to the engine's. The engine runs the hook as soon
// as its condition newly holds, so it has no "ready" state of its own: a hook that was
// ready (scheduled, not yet run) runs when the condition is next checked, as a hook whose
// condition was not satisfied does.
func lowMemoryHookOf(h HookStatus) lowMemoryHook {
	if h == HookExecuted {
		return hookExecuted
	}
	return hookConditionNotSatisfied
}

// Global is the value of one of a snapshot's Wasm globals. An i32 or f32 value is in the
// low 32 bits of Value (an f32 or f64 as its IEEE bits); a v128 value is High:Value.
type Global struct {
	Type  wasm.ValType
	Value uint64
	High  uint64
}

// SnapshotMetadata is what read_canister_snapshot_metadata reports of a snapshot, and what
// upload_canister_snapshot_metadata creates one from (CreateSnapshot uses the sizes,
// globals, certified data, timer and hook).
//
// Globals are the module's mutable globals, in index order: what the engine keeps of an
// instance besides its memory (image.globals, one value per global, two for a v128). The IC
// lists the globals that are exported or mutable, so a module that exports an immutable
// global lists it there and not here; its value is the module's constant either way, so
// nothing of the canister's state is missing, but such a snapshot downloaded from the IC
// has more globals than this replica loads (LoadSnapshot then refuses it).
type SnapshotMetadata struct {
	Uploaded         bool // created by metadata upload, not taken of the canister
	TakenAt          uint64
	Version          uint64
	ModuleSize       uint64
	WasmMemorySize   uint64
	StableMemorySize uint64
	Globals          []Global
	CertifiedData    []byte
	// Timer is the global timer's deadline (0: inactive); nil when not recorded, and then
	// loading the snapshot leaves the canister's timer as it is.
	Timer *uint64
	// LowMemoryHook is the hook's state; nil when not recorded.
	LowMemoryHook *HookStatus
	ChunkHashes   [][]byte // of the Wasm chunk store, sorted
}

func (s *snapshot) metadata() SnapshotMetadata {
	md := SnapshotMetadata{Uploaded: s.uploaded, TakenAt: s.takenAt, Version: s.version,
		ModuleSize: uint64(len(s.wasm)), WasmMemorySize: uint64(len(s.img.mem)), StableMemorySize: uint64(len(s.stable)),
		CertifiedData: bytes.Clone(s.certifiedData)}
	if !s.keepTimer {
		t := s.timer
		md.Timer = &t
	}
	if s.hook != nil {
		h := *s.hook
		md.LowMemoryHook = &h
	}
	vals := s.img.globals
	for _, t := range s.types() {
		g := Global{Type: t}
		if len(vals) > 0 {
			g.Value, vals = vals[0], vals[1:]
		}
		if t == wasm.V128 && len(vals) > 0 {
			g.High, vals = vals[0], vals[1:]
		}
		md.Globals = append(md.Globals, g)
	}
	for _, c := range s.chunks {
		md.ChunkHashes = append(md.ChunkHashes, bytes.Clone(c.hash[:]))
	}
	return md
}

// types are the types of the snapshot's globals.
func (s *snapshot) types() []wasm.ValType {
	if s.uploaded {
		return s.globalTypes
	}
	out := make([]wasm.ValType, len(s.mod.info.Globals))
	for i, g := range s.mod.info.Globals {
		out[i] = g.Type
	}
	return out
}

// SnapshotData names a part of a snapshot that is read and uploaded by offset.
type SnapshotData uint8

// The parts of a snapshot.
const (
	SnapshotModule SnapshotData = iota
	SnapshotWasmMemory
	SnapshotStableMemory
)

func (s *snapshot) part(d SnapshotData) []byte {
	switch d {
	case SnapshotModule:
		return s.wasm
	case SnapshotWasmMemory:
		return s.img.mem
	default:
		return s.stable
	}
}

func snapshotReject(format string, a ...any) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: protocol.ErrCanisterRejectedMessage, Message: fmt.Sprintf(format, a...)}
}

func invalidPayload(format string, a ...any) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: protocol.ErrInvalidManagementPayload, Message: fmt.Sprintf(format, a...)}
}

// errInvalidSlice is the IC's reject of a read or write outside a part of a snapshot.
func errInvalidSlice(offset, size uint64) *protocol.Reject {
	return invalidPayload("Invalid subslice into wasm module / main memory / stable memory: offset: %d, size: %d", offset, size)
}

// errSnapshotImmutable is the IC's reject of a data upload to a snapshot taken of a canister.
var errSnapshotImmutable = &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: protocol.ErrCanisterSnapshotImmutable,
	Message: "Only canister snapshots created by metadata upload can be mutated."}

// snapshotIndex finds snapshot id of canister c; a missing one, or one of another canister
// (a snapshot id starts with its canister's id), is refused as the IC does.
func (c *canister) snapshotIndex(id []byte) (int, error) {
	for i, s := range c.snapshots {
		if bytes.Equal(s.id, id) {
			return i, nil
		}
	}
	if len(id) == len(c.id.Raw)+8 && !bytes.HasPrefix(id, c.id.Raw) {
		return -1, snapshotReject("The snapshot %x does not belong to canister %s.", id, c.id)
	}
	return -1, &protocol.Reject{Code: protocol.DestinationInvalid, ErrorCode: protocol.ErrCanisterSnapshotNotFound,
		Message: fmt.Sprintf("Could not find the snapshot ID %x for canister %s.", id, c.id)}
}

// newSnapshotSlot makes room for a new snapshot: it checks that replace (if not nil) names
// a snapshot of c, or else that c has fewer than MaxSnapshots, and returns the index of the
// snapshot to replace (-1 for none) and the new snapshot's id.
func (c *canister) newSnapshotSlot(replace []byte) (int, []byte, error) {
	replaced := -1
	if replace != nil {
		i, err := c.snapshotIndex(replace)
		if err != nil {
			return -1, nil, err
		}
		replaced = i
	}
	if replaced < 0 && len(c.snapshots) >= MaxSnapshots {
		return -1, nil, snapshotReject("Canister %s has reached the maximum number of snapshots allowed: %d.", c.id, MaxSnapshots)
	}
	c.nextSnapshot++
	return replaced, binary.BigEndian.AppendUint64(bytes.Clone(c.id.Raw), c.nextSnapshot), nil
}

// addSnapshot adds s in place of the snapshot at replaced (-1: none).
func (c *canister) addSnapshot(s *snapshot, replaced int) {
	if replaced >= 0 {
		c.snapshots = append(c.snapshots[:replaced], c.snapshots[replaced+1:]...)
	}
	c.snapshots = append(c.snapshots, s)
}

// TakeSnapshotArgs are the options of TakeSnapshot.
type TakeSnapshotArgs struct {
	// Replace names a snapshot the new one replaces; nil for none.
	Replace []byte
	// Uninstall uninstalls the canister's code once the snapshot is taken.
	Uninstall bool
	// Chunks is the canister's Wasm chunk store (kept by the management canister), which
	// the snapshot includes.
	Chunks [][]byte
}

// TakeSnapshot copies a canister's module, Wasm memory and globals, stable memory,
// certified data, timer and chunk store into a new snapshot, replacing the snapshot
// a.Replace names (if any) and then, with a.Uninstall, uninstalling the canister's code.
func (e *Engine) TakeSnapshot(ctx context.Context, id principal.Principal, a TakeSnapshotArgs) (SnapshotInfo, error) {
	out, err := e.newSnapshot(id, a.Replace, func(c *canister) (*snapshot, error) {
		if c.mod == nil {
			return nil, snapshotReject("Canister %s does not contain a Wasm module: there is nothing to take a snapshot of.", id)
		}
		hook := hookStatusOf(c.lowMemory)
		return &snapshot{
			takenAt: uint64(e.cfg.Now().UnixNano()), version: c.version, mod: c.mod, wasm: c.mod.wasm,
			img:    image{mem: bytes.Clone(c.img.mem), globals: append([]uint64(nil), c.img.globals...)},
			stable: bytes.Clone(c.stable), certifiedData: bytes.Clone(c.certifiedData), timer: c.timer,
			hook: &hook, chunks: hashedChunks(a.Chunks, true),
		}, nil
	})
	if err != nil {
		return SnapshotInfo{}, err
	}
	if a.Uninstall {
		if err := e.UninstallCode(ctx, id); err != nil {
			return out, err
		}
	}
	return out, nil
}

// newSnapshot adds the snapshot build makes of canister c, in c's turn: under a new id, in
// place of the one replace names (if not nil), else counted against MaxSnapshots.
func (e *Engine) newSnapshot(id principal.Principal, replace []byte, build func(c *canister) (*snapshot, error)) (SnapshotInfo, error) {
	return inTurn(e, id, func(c *canister) (SnapshotInfo, error) {
		s, err := build(c)
		if err != nil {
			return SnapshotInfo{}, err
		}
		replaced, snapID, err := c.newSnapshotSlot(replace)
		if err != nil {
			return SnapshotInfo{}, err
		}
		s.id = snapID
		c.addSnapshot(s, replaced)
		e.committed(c)
		return s.info(), nil
	})
}

// LoadedSnapshot describes the snapshot LoadSnapshot loaded.
type LoadedSnapshot struct {
	Info     SnapshotInfo
	Version  uint64 // the canister's version when the snapshot was taken or created
	Uploaded bool   // created by metadata upload
	// Chunks is the snapshot's Wasm chunk store, which replaces the canister's.
	Chunks [][]byte
}

// LoadSnapshot replaces a canister's module and state with a snapshot's, as an install
// does: open call contexts are rejected, the canister version increases. A snapshot created
// by metadata upload is checked against its module now: the module must compile and its
// mutable globals must be the uploaded ones.
func (e *Engine) LoadSnapshot(id principal.Principal, snapshotID []byte) (LoadedSnapshot, error) {
	var out LoadedSnapshot
	err := e.onSnapshot(id, snapshotID, func(c *canister, i int) error {
		s := c.snapshots[i]
		m := s.mod
		if s.uploaded {
			var xerr *execError
			if m, xerr = e.loadModule(e.ctx, s.wasm); xerr != nil {
				return xerr.reject(id)
			}
			if err := checkGlobals(m, s.globalTypes); err != nil {
				return err
			}
		}
		in, err := e.instantiate(e.ctx, m)
		if err != nil {
			return fmt.Errorf("loading snapshot %x: %w", snapshotID, err)
		}
		img := image{mem: bytes.Clone(s.img.mem), globals: append([]uint64(nil), s.img.globals...)}
		if !in.restorable(&img) {
			in.close()
			return invalidPayload("Snapshot %x is not loadable: its Wasm memory of %d bytes is smaller than its module's minimum.", snapshotID, len(img.mem))
		}
		if err := in.restore(&img); err != nil {
			in.close()
			return fmt.Errorf("loading snapshot %x: %w", snapshotID, err)
		}
		c.inst.close()
		c.dropSpare()
		c.dropCallContexts()
		c.mod, c.inst, c.img = m, in, image{}
		in.capture(&c.img)
		c.stable, c.journal = bytes.Clone(s.stable), nil
		c.certifiedData = bytes.Clone(s.certifiedData)
		if !s.keepTimer {
			c.timer = s.timer
		}
		// As on the IC, only an uploaded snapshot sets the hook's state.
		if s.uploaded && s.hook != nil {
			c.lowMemory = lowMemoryHookOf(*s.hook)
		}
		c.version++
		out = LoadedSnapshot{Info: s.info(), Version: s.version, Uploaded: s.uploaded, Chunks: chunkData(s.chunks, true)}
		e.committed(c)
		return nil
	})
	return out, err
}

// checkGlobals refuses uploaded globals of other types than the module's mutable globals.
func checkGlobals(m *module, types []wasm.ValType) error {
	ok := len(types) == len(m.info.Globals)
	for i := 0; ok && i < len(types); i++ {
		ok = types[i] == m.info.Globals[i].Type
	}
	if !ok {
		want := make([]wasm.ValType, len(m.info.Globals))
		for i, g := range m.info.Globals {
			want[i] = g.Type
		}
		return invalidPayload("Snapshot is not loadable: its globals have the types %v but the module's mutable globals have the types %v.",
			types, want)
	}
	return nil
}

// onSnapshot runs f, in canister id's turn, on the index of its snapshot snapshotID; a
// missing canister or snapshot is an error.
func (e *Engine) onSnapshot(id principal.Principal, snapshotID []byte, f func(c *canister, i int) error) error {
	return e.onCanister(id, func(c *canister) error {
		i, err := c.snapshotIndex(snapshotID)
		if err != nil {
			return err
		}
		return f(c, i)
	})
}

// viewSnapshot runs f on canister id's snapshot snapshotID between executions.
func (e *Engine) viewSnapshot(id principal.Principal, snapshotID []byte, f func(s *snapshot) error) error {
	c, err := e.get(id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	i, err := c.snapshotIndex(snapshotID)
	if err != nil {
		return err
	}
	return f(c.snapshots[i])
}

// Snapshots lists a canister's snapshots, oldest first.
func (e *Engine) Snapshots(id principal.Principal) ([]SnapshotInfo, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]SnapshotInfo, len(c.snapshots))
	for i, s := range c.snapshots {
		out[i] = s.info()
	}
	return out, nil
}

// DeleteSnapshot removes a snapshot.
func (e *Engine) DeleteSnapshot(id principal.Principal, snapshotID []byte) error {
	return e.onSnapshot(id, snapshotID, func(c *canister, i int) error {
		c.snapshots = append(c.snapshots[:i], c.snapshots[i+1:]...)
		e.committed(c)
		return nil
	})
}

// SnapshotMetadata describes a snapshot (read_canister_snapshot_metadata).
func (e *Engine) SnapshotMetadata(id principal.Principal, snapshotID []byte) (SnapshotMetadata, error) {
	var out SnapshotMetadata
	err := e.viewSnapshot(id, snapshotID, func(s *snapshot) error {
		out = s.metadata()
		return nil
	})
	return out, err
}

// ReadSnapshot returns size bytes at offset of a part of a snapshot
// (read_canister_snapshot_data); the range must lie within the part.
func (e *Engine) ReadSnapshot(id principal.Principal, snapshotID []byte, d SnapshotData, offset, size uint64) ([]byte, error) {
	var out []byte
	err := e.viewSnapshot(id, snapshotID, func(s *snapshot) error {
		b := s.part(d)
		if offset > uint64(len(b)) || size > uint64(len(b))-offset {
			return errInvalidSlice(offset, size)
		}
		out = bytes.Clone(b[offset : offset+size])
		return nil
	})
	return out, err
}

// SnapshotChunk returns the chunk of a snapshot's Wasm chunk store whose hash is hash.
func (e *Engine) SnapshotChunk(id principal.Principal, snapshotID, hash []byte) ([]byte, error) {
	var out []byte
	err := e.viewSnapshot(id, snapshotID, func(s *snapshot) error {
		if i, found := s.findChunk(hash); found {
			out = bytes.Clone(s.chunks[i].data)
			return nil
		}
		return &protocol.Reject{Code: protocol.CanisterError, ErrorCode: protocol.ErrCanisterContractViolation,
			Message: fmt.Sprintf("Error from Wasm chunk store: WasmChunkHash %s not found.", hex.EncodeToString(hash))}
	})
	return out, err
}

// checkUpload validates the metadata of a snapshot to create: sizes the engine can hold (a
// Wasm memory and a stable memory of whole pages, within the wasm32 and stable memory
// limits), certified data of at most 32 bytes, globals of value types.
func (e *Engine) checkUpload(md *SnapshotMetadata) error {
	bad := func(why string, a ...any) error {
		return invalidPayload("Snapshot Metadata contains invalid data: %s", fmt.Sprintf(why, a...))
	}
	switch {
	case md.ModuleSize > maxModuleSize:
		return bad("the Wasm module size %d exceeds the maximum of %d bytes", md.ModuleSize, maxModuleSize)
	case md.WasmMemorySize%wasmPage != 0 || md.WasmMemorySize > 1<<32:
		return bad("the Wasm memory size %d is not a whole number of 64 KiB pages of at most 4 GiB", md.WasmMemorySize)
	case md.StableMemorySize%wasmPage != 0 || md.StableMemorySize/wasmPage > e.cfg.MaxStablePages:
		return bad("the stable memory size %d is not a whole number of 64 KiB pages of at most %d pages", md.StableMemorySize, e.cfg.MaxStablePages)
	case len(md.CertifiedData) > 32:
		return bad("certified data of %d bytes exceeds 32 bytes", len(md.CertifiedData))
	}
	for _, g := range md.Globals {
		switch g.Type {
		case wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128:
		default:
			return bad("a global of type 0x%02x", byte(g.Type))
		}
	}
	return nil
}

// CreateSnapshot creates a snapshot from uploaded metadata (upload_canister_snapshot_metadata):
// its module, Wasm memory and stable memory have the sizes md gives and are zero until
// WriteSnapshot fills them, its chunk store is empty until AddSnapshotChunk fills it. It
// replaces the snapshot replace names (if not nil) and counts against MaxSnapshots as a
// taken one does.
func (e *Engine) CreateSnapshot(id principal.Principal, replace []byte, md SnapshotMetadata) (SnapshotInfo, error) {
	if err := e.checkUpload(&md); err != nil {
		return SnapshotInfo{}, err
	}
	return e.newSnapshot(id, replace, func(c *canister) (*snapshot, error) {
		s := &snapshot{takenAt: uint64(e.cfg.Now().UnixNano()), version: c.version, uploaded: true,
			wasm: make([]byte, md.ModuleSize), img: image{mem: make([]byte, md.WasmMemorySize)},
			stable: make([]byte, md.StableMemorySize), certifiedData: bytes.Clone(md.CertifiedData),
			keepTimer: md.Timer == nil}
		if md.Timer != nil {
			s.timer = *md.Timer
		}
		if md.LowMemoryHook != nil {
			h := *md.LowMemoryHook
			s.hook = &h
		}
		for _, g := range md.Globals {
			s.globalTypes = append(s.globalTypes, g.Type)
			s.img.globals = append(s.img.globals, g.Value)
			if g.Type == wasm.V128 {
				s.img.globals = append(s.img.globals, g.High)
			}
		}
		return s, nil
	})
}

// onUploaded runs f, in canister id's turn, on its snapshot snapshotID, which must have
// been created by metadata upload, and commits.
func (e *Engine) onUploaded(id principal.Principal, snapshotID []byte, f func(s *snapshot) error) error {
	return e.onSnapshot(id, snapshotID, func(c *canister, i int) error {
		s := c.snapshots[i]
		if !s.uploaded {
			return errSnapshotImmutable
		}
		if err := f(s); err != nil {
			return err
		}
		e.committed(c)
		return nil
	})
}

// WriteSnapshot writes data at offset into a part of a snapshot created by metadata upload
// (upload_canister_snapshot_data); the range must lie within the part's size.
func (e *Engine) WriteSnapshot(id principal.Principal, snapshotID []byte, d SnapshotData, offset uint64, data []byte) error {
	return e.onUploaded(id, snapshotID, func(s *snapshot) error {
		b := s.part(d)
		if offset > uint64(len(b)) || uint64(len(data)) > uint64(len(b))-offset {
			return errInvalidSlice(offset, uint64(len(data)))
		}
		copy(b[offset:], data)
		return nil
	})
}

// AddSnapshotChunk adds data as a chunk to the Wasm chunk store of a snapshot created by metadata
// upload, which may hold at most maxChunks chunks; a chunk it holds already is not added
// again. It returns the chunk's hash.
func (e *Engine) AddSnapshotChunk(id principal.Principal, snapshotID, data []byte, maxChunks int) ([]byte, error) {
	sum := sha256.Sum256(data)
	err := e.onUploaded(id, snapshotID, func(s *snapshot) error {
		i, found := s.findChunk(sum[:])
		if found {
			return nil
		}
		if len(s.chunks) >= maxChunks {
			return &protocol.Reject{Code: protocol.CanisterError, ErrorCode: protocol.ErrCanisterContractViolation,
				Message: fmt.Sprintf("Error from Wasm chunk store: Wasm chunk store has already reached the maximum of %d chunks.", maxChunks)}
		}
		s.chunks = slices.Insert(s.chunks, i, chunk{sum, bytes.Clone(data)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sum[:], nil
}

// snapshotsSize is the memory the canister's snapshots take (canister_status).
func (c *canister) snapshotsSize() uint64 {
	var n uint64
	for _, s := range c.snapshots {
		n += s.size()
	}
	return n
}
