package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// MaxSnapshots is how many snapshots a canister may keep.
const MaxSnapshots = 10

// snapshot is a copy of a canister's code and state (take_canister_snapshot).
type snapshot struct {
	id            []byte
	takenAt       uint64
	version       uint64 // the canister's version when it was taken
	mod           *module
	img           image
	stable        []byte
	certifiedData []byte
	timer         uint64
}

func (s *snapshot) size() uint64 {
	return uint64(len(s.mod.wasm) + len(s.img.mem) + 8*len(s.img.globals) + len(s.stable) + len(s.certifiedData))
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

func snapshotReject(format string, a ...any) *protocol.Reject {
	return &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: protocol.ErrCanisterRejectedMessage, Message: fmt.Sprintf(format, a...)}
}

func (c *canister) findSnapshot(id []byte) int {
	for i, s := range c.snapshots {
		if bytes.Equal(s.id, id) {
			return i
		}
	}
	return -1
}

// TakeSnapshot copies a canister's module, Wasm memory and globals, stable memory,
// certified data and timer into a new snapshot, replacing the snapshot replace names (if
// any) and then, with uninstall, uninstalling the canister's code.
func (e *Engine) TakeSnapshot(ctx context.Context, id principal.Principal, replace []byte, uninstall bool) (SnapshotInfo, error) {
	c, err := e.get(id)
	if err != nil {
		return SnapshotInfo{}, err
	}
	var out SnapshotInfo
	var rej error
	c.do(func() {
		if c.mod == nil {
			rej = snapshotReject("Canister %s does not contain a Wasm module: there is nothing to take a snapshot of.", id)
			return
		}
		replaced := -1
		if replace != nil {
			if replaced = c.findSnapshot(replace); replaced < 0 {
				rej = snapshotReject("Could not find the snapshot ID %x for canister %s.", replace, id)
				return
			}
		}
		if replaced < 0 && len(c.snapshots) >= MaxSnapshots {
			rej = snapshotReject("Canister %s has reached the maximum of %d snapshots: delete one or replace it.", id, MaxSnapshots)
			return
		}
		c.nextSnapshot++
		s := &snapshot{
			id:      binary.BigEndian.AppendUint64(bytes.Clone(id.Raw), c.nextSnapshot),
			takenAt: uint64(e.cfg.Now().UnixNano()), version: c.version, mod: c.mod,
			img:    image{mem: bytes.Clone(c.img.mem), globals: append([]uint64(nil), c.img.globals...)},
			stable: bytes.Clone(c.stable), certifiedData: bytes.Clone(c.certifiedData), timer: c.timer,
		}
		if replaced >= 0 {
			c.snapshots = append(c.snapshots[:replaced], c.snapshots[replaced+1:]...)
		}
		c.snapshots = append(c.snapshots, s)
		out = s.info()
		e.committed(c)
	})
	if rej != nil {
		return SnapshotInfo{}, rej
	}
	if uninstall {
		if err := e.UninstallCode(ctx, id); err != nil {
			return out, err
		}
	}
	return out, nil
}

// LoadSnapshot replaces a canister's module and state with a snapshot's, as an install
// does: open call contexts are rejected, the canister version increases. It returns the
// loaded snapshot's description and the version it was taken at.
func (e *Engine) LoadSnapshot(id principal.Principal, snapshotID []byte) (SnapshotInfo, uint64, error) {
	var out SnapshotInfo
	var taken uint64
	err := e.onSnapshot(id, snapshotID, func(c *canister, i int) error {
		s := c.snapshots[i]
		in, err := e.instantiate(e.ctx, s.mod)
		if err != nil {
			return fmt.Errorf("loading snapshot %x: %w", snapshotID, err)
		}
		img := image{mem: bytes.Clone(s.img.mem), globals: append([]uint64(nil), s.img.globals...)}
		if !in.restorable(&img) {
			in.close()
			return fmt.Errorf("loading snapshot %x: its memory does not fit the module", snapshotID)
		}
		if err := in.restore(&img); err != nil {
			in.close()
			return fmt.Errorf("loading snapshot %x: %w", snapshotID, err)
		}
		c.inst.close()
		c.dropSpare()
		c.dropCallContexts()
		c.mod, c.inst, c.img = s.mod, in, image{}
		in.capture(&c.img)
		c.stable, c.journal = bytes.Clone(s.stable), nil
		c.certifiedData = bytes.Clone(s.certifiedData)
		c.timer = s.timer
		c.version++
		out, taken = s.info(), s.version
		e.committed(c)
		return nil
	})
	return out, taken, err
}

// onSnapshot runs f, in canister id's turn, on the index of its snapshot snapshotID; a
// missing canister or snapshot is an error.
func (e *Engine) onSnapshot(id principal.Principal, snapshotID []byte, f func(c *canister, i int) error) error {
	c, err := e.get(id)
	if err != nil {
		return err
	}
	var rej error
	c.do(func() {
		i := c.findSnapshot(snapshotID)
		if i < 0 {
			rej = snapshotReject("Could not find the snapshot ID %x for canister %s.", snapshotID, id)
			return
		}
		rej = f(c, i)
	})
	return rej
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

// snapshotsSize is the memory the canister's snapshots take (canister_status).
func (c *canister) snapshotsSize() uint64 {
	var n uint64
	for _, s := range c.snapshots {
		n += s.size()
	}
	return n
}
