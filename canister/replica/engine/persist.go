package engine

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"io"

	"github.com/aviate-labs/agent-go/principal"
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

	// Settings and what they govern. HasSettings is false in states saved before settings
	// were kept: such canisters get the default settings.
	HasSettings   bool
	Settings      Settings
	Logs          []LogRecord
	NextLogIdx    uint64
	History       []Change
	HistoryTotal  uint64
	Snapshots     []SnapshotState
	NextSnapshot  uint64
	LowMemoryHook uint8
}

// SnapshotState is a saved snapshot.
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
}

const stateFormat = 1

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
	if s.Format != stateFormat {
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
	s := &CanisterState{
		Format: stateFormat, ID: bytes.Clone(c.id.Raw), Status: c.status, Cycles: c.cycles,
		Memory: bytes.Clone(c.img.mem), Globals: append([]uint64(nil), c.img.globals...),
		Stable: bytes.Clone(c.stable), CertifiedData: bytes.Clone(c.certifiedData),
		GlobalTimer: c.timer, Version: c.version, LastTime: c.lastTime,
	}
	for _, p := range c.controllers {
		s.Controllers = append(s.Controllers, bytes.Clone(p.Raw))
	}
	if c.mod != nil {
		s.Module = bytes.Clone(c.mod.wasm)
	}
	s.HasSettings, s.Settings = true, c.settings.clone()
	s.Logs, s.NextLogIdx = append([]LogRecord(nil), c.logs...), c.nextLogIdx
	s.History, s.HistoryTotal = append([]Change(nil), c.history...), c.historyTotal
	s.NextSnapshot, s.LowMemoryHook = c.nextSnapshot, uint8(c.lowMemory)
	for _, sn := range c.snapshots {
		s.Snapshots = append(s.Snapshots, SnapshotState{ID: sn.id, TakenAt: sn.takenAt, Version: sn.version,
			Module: sn.mod.wasm, Memory: sn.img.mem, Globals: sn.img.globals, Stable: sn.stable,
			CertifiedData: sn.certifiedData, Timer: sn.timer})
	}
	return s, nil
}

// Import recreates a canister from an exported state, without running any of its code (no
// start function, no init). The canister id must not exist yet.
func (e *Engine) Import(ctx context.Context, s *CanisterState) error {
	id := principal.Principal{Raw: bytes.Clone(s.ID)}
	var ctrls []principal.Principal
	for _, p := range s.Controllers {
		ctrls = append(ctrls, principal.Principal{Raw: p})
	}
	var m *module
	var in *instance
	if s.Module != nil {
		var xerr *execError
		if m, xerr = e.loadModule(ctx, s.Module); xerr != nil {
			return fmt.Errorf("importing canister %s: %w", id, xerr.reject(id))
		}
		var err error
		if in, err = e.instantiate(e.ctx, m); err != nil {
			return fmt.Errorf("importing canister %s: %w", id, err)
		}
		img := image{mem: s.Memory, globals: s.Globals}
		if !in.restorable(&img) {
			in.close()
			return fmt.Errorf("importing canister %s: memory of %d bytes is smaller than the module's minimum", id, len(s.Memory))
		}
		if err := in.restore(&img); err != nil {
			in.close()
			return fmt.Errorf("importing canister %s: %w", id, err)
		}
	}
	if _, err := e.CreateCanister(CreateOptions{ID: &id, Controllers: ctrls, Cycles: s.Cycles}); err != nil {
		in.close()
		return fmt.Errorf("importing canister %s: %w", id, err)
	}
	c := e.lookup(id.Raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = s.Status
	if c.status == Stopping {
		c.status = Stopped // nothing is in flight after a restart
	}
	c.mod, c.inst = m, in
	if in != nil {
		in.capture(&c.img)
	}
	c.stable = bytes.Clone(s.Stable)
	c.certifiedData = bytes.Clone(s.CertifiedData)
	c.timer, c.version, c.lastTime = s.GlobalTimer, s.Version, s.LastTime
	if s.HasSettings {
		c.settings = s.Settings.clone()
	}
	c.logs, c.nextLogIdx = s.Logs, s.NextLogIdx
	c.history, c.historyTotal = s.History, s.HistoryTotal
	c.nextSnapshot, c.lowMemory = s.NextSnapshot, lowMemoryHook(s.LowMemoryHook)
	for _, sn := range s.Snapshots {
		m, xerr := e.loadModule(ctx, sn.Module)
		if xerr != nil {
			return fmt.Errorf("importing canister %s: snapshot %x: %w", id, sn.ID, xerr.reject(id))
		}
		c.snapshots = append(c.snapshots, &snapshot{id: sn.ID, takenAt: sn.TakenAt, version: sn.Version, mod: m,
			img: image{mem: sn.Memory, globals: sn.Globals}, stable: sn.Stable, certifiedData: sn.CertifiedData, timer: sn.Timer})
	}
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
