package engine

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/wasm"
)

// CanisterState is the complete persistent state of a canister: what a replica saves to disk
// after commits (Config.OnCommit tells when) and loads at start with Import. Open call contexts
// (calls in flight) are not part of it, as after a crash of a single-node replica.
//
// It is encoded with encoding/gob by Encode/DecodeCanisterState; a format version guards
// against reading files of an incompatible engine.
type CanisterState struct {
	Format        int
	ID            []byte
	Status        Status
	Controllers   [][]byte
	Cycles        uint64
	Module        []byte // the module as installed (raw or gzip); nil for an empty canister
	Memory        []byte // Wasm memory
	Globals       []uint64
	Stable        []byte
	CertifiedData []byte
	GlobalTimer   uint64
	Version       uint64
	LastTime      uint64 // last ic0.time value, keeps time strictly increasing across restarts
	// Seq is the count of persistent changes the state covers (Outcome.Seq); it counts from
	// zero again after Import.
	Seq uint64

	// Settings and what they govern.
	Settings      Settings
	Logs          []LogRecord
	NextLogIdx    uint64
	History       []Change
	HistoryTotal  uint64
	Snapshots     []SnapshotState
	NextSnapshot  uint64
	LowMemoryHook uint8
}

// SnapshotState is a saved snapshot. Fields added after format 3 decode as their zero
// values from older files: a taken snapshot with no chunk store and no hook state.
type SnapshotState struct {
	ID            []byte
	TakenAt       uint64
	Version       uint64
	Module        []byte
	Memory        []byte
	Globals       []uint64
	Stable        []byte
	CertifiedData []byte
	Timer         uint64

	// Uploaded marks a snapshot created by metadata upload; GlobalTypes are then the
	// types of Globals' values (a taken snapshot's are its module's).
	Uploaded    bool
	GlobalTypes []byte
	KeepTimer   bool   // uploaded without a timer state
	Hook        *uint8 // HookStatus; nil when not recorded
	Chunks      [][]byte
}

// stateFormat 2 added the settings that cycles are charged by (freezing threshold, compute
// and memory allocation); format 3 all settings, logs, history and snapshots. Older files get
// the default settings for what they lack.
const stateFormat = 3

// Encode writes s with encoding/gob.
func (s *CanisterState) Encode(w io.Writer) error {
	if err := gob.NewEncoder(w).Encode(s); err != nil {
		return fmt.Errorf("encoding canister state: %w", err)
	}
	return nil
}

// DecodeCanisterState reads a state written by Encode.
func DecodeCanisterState(r io.Reader) (*CanisterState, error) {
	var s CanisterState
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("decoding canister state: %w", err)
	}
	switch s.Format {
	case stateFormat:
	case 1:
		s.Format, s.Settings = stateFormat, DefaultSettings()
	case 2:
		def := DefaultSettings()
		def.FreezingThreshold, def.ComputeAllocation, def.MemoryAllocation =
			s.Settings.FreezingThreshold, s.Settings.ComputeAllocation, s.Settings.MemoryAllocation
		s.Format, s.Settings = stateFormat, def
	default:
		return nil, fmt.Errorf("decoding canister state: format %d, want %d", s.Format, stateFormat)
	}
	return &s, nil
}

// Export returns a copy of a canister's committed state. It waits for a running execution to
// finish; between executions the committed state is consistent.
func (e *Engine) Export(id principal.Principal) (*CanisterState, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.export(), nil
}

func (c *canister) export() *CanisterState {
	s := &CanisterState{
		Format: stateFormat, ID: bytes.Clone(c.id.Raw), Status: c.status, Cycles: c.cycles,
		Memory: bytes.Clone(c.img.mem), Globals: append([]uint64(nil), c.img.globals...),
		Stable: bytes.Clone(c.stable), CertifiedData: bytes.Clone(c.certifiedData),
		GlobalTimer: c.timer, Version: c.version, LastTime: c.lastTime, Settings: c.settings.clone(), Seq: c.seq,
	}
	for _, p := range c.controllers {
		s.Controllers = append(s.Controllers, bytes.Clone(p.Raw))
	}
	if c.mod != nil {
		s.Module = bytes.Clone(c.mod.wasm)
	}
	s.Logs, s.NextLogIdx = append([]LogRecord(nil), c.logs...), c.nextLogIdx
	s.History, s.HistoryTotal = append([]Change(nil), c.history...), c.historyTotal
	s.NextSnapshot, s.LowMemoryHook = c.nextSnapshot, uint8(c.lowMemory)
	for _, sn := range c.snapshots {
		s.Snapshots = append(s.Snapshots, sn.export())
	}
	return s
}

// Answer is the answer to an ingress message submitted with a Tag.
type Answer struct {
	Tag    any
	Reply  []byte
	Reject *protocol.Reject // nil for a reply
	Seq    uint64           // the canister's change count when it answered
	Time   time.Time
}

// ExportAnswered is Export that also takes the answers to tagged ingress messages given
// since the last call: exactly those whose effects the state includes. A server saves them
// with the state in one write, so that no saved state has effects of a call whose answer was
// not saved with it (a resubmission after a crash would run it twice).
func (e *Engine) ExportAnswered(id principal.Principal) (*CanisterState, []Answer, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	answers := c.answers
	c.answers = nil
	return c.export(), answers, nil
}

// Import recreates a canister from an exported state, without running any of its code (no
// start function, no init). The canister id must not exist yet.
func (e *Engine) Import(ctx context.Context, s *CanisterState) error {
	id := principal.Principal{Raw: bytes.Clone(s.ID)}
	var ctrls []principal.Principal
	for _, p := range s.Controllers {
		ctrls = append(ctrls, principal.Principal{Raw: p})
	}
	m, in, err := e.load(ctx, id, s)
	if err != nil {
		return fmt.Errorf("importing: %w", err)
	}
	snaps, err := e.loadSnapshots(ctx, id, s)
	if err != nil {
		in.close()
		return fmt.Errorf("importing: %w", err)
	}
	if _, err := e.CreateCanister(CreateOptions{ID: &id, Controllers: ctrls, Cycles: s.Cycles}); err != nil {
		in.close()
		return fmt.Errorf("importing canister %s: %w", id, err)
	}
	c := e.lookup(id.Raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mod, c.inst = m, in
	if in != nil {
		in.capture(&c.img)
	}
	c.restore(s, snaps)
	return nil
}

// NextCanisterIndex returns the index CreateCanister assigns next; SetNextCanisterIndex
// restores it after Import, so that new canisters do not reuse ids.
func (e *Engine) NextCanisterIndex() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nextIndex
}

// SetNextCanisterIndex sets the index CreateCanister assigns next.
func (e *Engine) SetNextCanisterIndex(i uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextIndex = i
}

// errReverted answers the calls a canister had open when its state was reverted.
var errReverted = &protocol.Reject{Code: protocol.SysTransient,
	Message: "the replica could not save the canister's state; its last saved state was restored"}

// Revert makes a canister's state s again, a state it had (as saved by a server), or removes
// the canister when s is nil. A server does this when saving failed, so that memory holds
// what the disk holds: nothing that was not saved stays visible. Calls the canister had open
// are rejected, as a restart would lose them. The canister's change count (Seq) keeps
// counting up; Revert returns the count before it, the last change it undid.
func (e *Engine) Revert(ctx context.Context, id principal.Principal, s *CanisterState) (uint64, error) {
	c, err := e.get(id)
	if err != nil {
		return 0, err
	}
	var last uint64
	if s == nil {
		c.do(func() {
			last = c.seq
			c.inst.close()
			c.dropSpare()
			c.inst, c.mod, c.img, c.stable = nil, nil, image{}, nil
			c.rejectCallContexts(errReverted)
			c.deleted = true
			e.mu.Lock()
			delete(e.canisters, string(id.Raw))
			e.mu.Unlock()
		})
		c.close()
		return last, nil
	}
	if !bytes.Equal(s.ID, id.Raw) {
		return 0, fmt.Errorf("reverting canister %s to the state of %s", id, principal.Principal{Raw: s.ID})
	}
	m, in, err := e.load(ctx, id, s)
	if err != nil {
		return 0, err
	}
	snaps, err := e.loadSnapshots(ctx, id, s)
	if err != nil {
		in.close()
		return 0, err
	}
	c.do(func() {
		last = c.seq
		c.inst.close()
		c.dropSpare()
		c.mod, c.inst, c.img = m, in, image{}
		if in != nil {
			in.capture(&c.img)
		}
		c.journal = c.journal[:0]
		c.rejectCallContexts(errReverted)
		c.answers = nil // answers to calls whose effects are undone (and those just rejected)
		c.restore(s, snaps)
		e.committed(c)
	})
	return last, nil
}

// load compiles and instantiates the module of s with its Wasm state.
func (e *Engine) load(ctx context.Context, id principal.Principal, s *CanisterState) (*module, *instance, error) {
	if s.Module == nil {
		return nil, nil, nil
	}
	m, xerr := e.loadModule(ctx, s.Module)
	if xerr != nil {
		return nil, nil, fmt.Errorf("loading canister %s: %w", id, xerr.reject(id))
	}
	in, err := e.instantiate(e.ctx, m)
	if err != nil {
		return nil, nil, fmt.Errorf("loading canister %s: %w", id, err)
	}
	img := image{mem: s.Memory, globals: s.Globals}
	if !in.restorable(&img) {
		in.close()
		return nil, nil, fmt.Errorf("loading canister %s: memory of %d bytes is smaller than the module's minimum", id, len(s.Memory))
	}
	if err := in.restore(&img); err != nil {
		in.close()
		return nil, nil, fmt.Errorf("loading canister %s: %w", id, err)
	}
	return m, in, nil
}

// export saves the snapshot. A taken snapshot never changes, so the saved state shares its
// buffers; an uploaded one may be written by the next upload while the state is being
// encoded (after the canister's lock is released), so the saved state gets copies.
func (sn *snapshot) export() SnapshotState {
	st := SnapshotState{ID: sn.id, TakenAt: sn.takenAt, Version: sn.version,
		Module: sn.wasm, Memory: sn.img.mem, Globals: sn.img.globals, Stable: sn.stable,
		CertifiedData: sn.certifiedData, Timer: sn.timer, Uploaded: sn.uploaded, KeepTimer: sn.keepTimer, Chunks: chunkData(sn.chunks, false)}
	if sn.uploaded {
		st.Module, st.Memory, st.Stable = bytes.Clone(sn.wasm), bytes.Clone(sn.img.mem), bytes.Clone(sn.stable)
		st.Globals = append([]uint64(nil), sn.img.globals...) // Chunks is a new slice already; a chunk never changes
		for _, t := range sn.globalTypes {
			st.GlobalTypes = append(st.GlobalTypes, byte(t))
		}
	}
	if sn.hook != nil {
		h := uint8(*sn.hook)
		st.Hook = &h
	}
	return st
}

// loadSnapshots recreates the snapshots of s, compiling the modules of those taken of the
// canister (an uploaded snapshot's module is compiled when it is loaded: its upload may be
// unfinished).
func (e *Engine) loadSnapshots(ctx context.Context, id principal.Principal, s *CanisterState) ([]*snapshot, error) {
	var out []*snapshot
	for _, sn := range s.Snapshots {
		snap := &snapshot{id: sn.ID, takenAt: sn.TakenAt, version: sn.Version, uploaded: sn.Uploaded, wasm: sn.Module,
			img: image{mem: sn.Memory, globals: sn.Globals}, stable: sn.Stable, certifiedData: sn.CertifiedData,
			timer: sn.Timer, keepTimer: sn.KeepTimer, chunks: hashedChunks(sn.Chunks, false)}
		if sn.Hook != nil {
			h := HookStatus(*sn.Hook)
			snap.hook = &h
		}
		if sn.Uploaded {
			// Its data may be written in place: not into the buffers of s, which the
			// caller may keep (a server reverts to a state it saved).
			snap.wasm, snap.img.mem, snap.stable = bytes.Clone(sn.Module), bytes.Clone(sn.Memory), bytes.Clone(sn.Stable)
			for _, t := range sn.GlobalTypes {
				snap.globalTypes = append(snap.globalTypes, wasm.ValType(t))
			}
		} else {
			m, xerr := e.loadModule(ctx, sn.Module)
			if xerr != nil {
				return nil, fmt.Errorf("loading canister %s: snapshot %x: %w", id, sn.ID, xerr.reject(id))
			}
			snap.mod = m
		}
		out = append(out, snap)
	}
	return out, nil
}

// restore sets c's state other than the module and the Wasm state from s, with the
// snapshots loadSnapshots made of s.
func (c *canister) restore(s *CanisterState, snaps []*snapshot) {
	c.controllers = c.controllers[:0]
	for _, p := range s.Controllers {
		c.controllers = append(c.controllers, principal.Principal{Raw: bytes.Clone(p)})
	}
	c.cycles = s.Cycles
	c.status = s.Status
	if c.status == Stopping {
		c.status = Stopped // nothing is in flight
	}
	c.stable = bytes.Clone(s.Stable)
	c.certifiedData = bytes.Clone(s.CertifiedData)
	c.timer, c.version, c.lastTime = s.GlobalTimer, s.Version, s.LastTime
	c.settings = s.Settings.clone()
	c.logs, c.nextLogIdx = append([]LogRecord(nil), s.Logs...), s.NextLogIdx
	c.history, c.historyTotal = append([]Change(nil), s.History...), s.HistoryTotal
	c.snapshots, c.nextSnapshot, c.lowMemory = snaps, s.NextSnapshot, lowMemoryHook(s.LowMemoryHook)
}
