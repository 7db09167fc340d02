package engine

import (
	"bytes"

	"github.com/aviate-labs/agent-go/principal"
)

// ChangeKind is the kind of a canister history entry (canister_info's change_details).
type ChangeKind uint8

// Change kinds.
const (
	ChangeCreation ChangeKind = iota + 1
	ChangeCodeUninstall
	ChangeCodeDeployment
	ChangeLoadSnapshot
	ChangeControllers
)

// Change is one entry of a canister's history, which canister_info reveals.
type Change struct {
	TimestampNanos  uint64
	CanisterVersion uint64
	// Origin: a user, or a canister (FromCanister) whose version is OriginVersion.
	Origin        principal.Principal
	FromCanister  bool
	OriginVersion *uint64
	Kind          ChangeKind
	Controllers   []principal.Principal // creation, controllers change
	Mode          InstallMode           // code deployment
	ModuleHash    []byte                // code deployment
	SnapshotID    []byte                // load snapshot
	SnapshotTaken uint64                // load snapshot: when it was taken
	SnapshotVer   uint64                // load snapshot: the canister version it was taken at
	// SnapshotUploaded: load snapshot of a snapshot created by metadata upload.
	SnapshotUploaded bool
}

// maxHistory is how many recent changes a canister keeps (the IC keeps 20).
const maxHistory = 20

// RecordChange appends a change to the canister's history, stamped with the current time
// and canister version. The management canister records each change it makes.
func (e *Engine) RecordChange(id principal.Principal, ch Change) error {
	return e.onCanister(id, func(c *canister) error {
		ch.TimestampNanos = uint64(e.cfg.Now().UnixNano())
		ch.CanisterVersion = c.version
		ch.Origin = principal.Principal{Raw: bytes.Clone(ch.Origin.Raw)}
		ch.Controllers = clonePrincipals(ch.Controllers)
		c.history = append(c.history, ch)
		if len(c.history) > maxHistory {
			c.history = append(c.history[:0], c.history[len(c.history)-maxHistory:]...)
		}
		c.historyTotal++
		e.committed(c)
		return nil
	})
}

// History returns a canister's recent changes, oldest first, and the number of changes it
// ever had.
func (e *Engine) History(id principal.Principal) ([]Change, uint64, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Change(nil), c.history...), c.historyTotal, nil
}
