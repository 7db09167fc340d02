package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/mgmt"
)

// stateStore saves canister states to <dir>/<canister id>.state. Ingress updates are saved
// synchronously before they are answered (a kill -9 right after an acknowledged update loses
// nothing: the file is written and renamed, which the kernel keeps even if the process dies);
// commits that no client waits for (timers, callbacks of inter-canister calls) are saved by a
// background loop shortly after.
type stateStore struct {
	dir string
	log *slog.Logger
	eng *engine.Engine

	mu      sync.Mutex
	commits map[string]uint64 // commit count per canister
	saved   map[string]uint64 // commit count covered by the last save
	locks   map[string]*sync.Mutex
	wake    chan struct{}
}

func newStateStore(dir string, log *slog.Logger) *stateStore {
	return &stateStore{
		dir: dir, log: log,
		commits: map[string]uint64{}, saved: map[string]uint64{}, locks: map[string]*sync.Mutex{},
		wake: make(chan struct{}, 1),
	}
}

// committed is the engine's OnCommit hook. It runs with the canister locked, so it only
// records the commit and wakes the background saver.
func (st *stateStore) committed(id principal.Principal) {
	st.mu.Lock()
	st.commits[string(id.Raw)]++
	st.mu.Unlock()
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

func (st *stateStore) lockFor(id principal.Principal) *sync.Mutex {
	st.mu.Lock()
	defer st.mu.Unlock()
	l := st.locks[string(id.Raw)]
	if l == nil {
		l = new(sync.Mutex)
		st.locks[string(id.Raw)] = l
	}
	return l
}

func (st *stateStore) path(id principal.Principal) string {
	return filepath.Join(st.dir, id.String()+".state")
}

// saveNow writes the canister's committed state if it changed since the last save. Saves of
// one canister are serialized, so a later save never loses to an earlier one.
func (st *stateStore) saveNow(id principal.Principal) {
	if err := st.save(id); err != nil {
		st.log.Error("saving canister state", "canister", id.String(), "err", err)
	}
}

func (st *stateStore) save(id principal.Principal) error {
	l := st.lockFor(id)
	l.Lock()
	defer l.Unlock()
	st.mu.Lock()
	n := st.commits[string(id.Raw)]
	_, known := st.saved[string(id.Raw)]
	upToDate := known && st.saved[string(id.Raw)] >= n
	st.mu.Unlock()
	if upToDate {
		return nil
	}
	state, err := st.eng.Export(id)
	var rej *protocol.Reject
	if errors.As(err, &rej) { // deleted
		if err := os.Remove(st.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		st.mu.Lock()
		st.saved[string(id.Raw)] = n
		st.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(st.path(id), func(w *bufio.Writer) error { return state.Encode(w) }); err != nil {
		return err
	}
	st.mu.Lock()
	st.saved[string(id.Raw)] = n
	st.mu.Unlock()
	return nil
}

// saveCreated saves a canister just created by provisional_create_canister_with_cycles,
// whose reply names it.
func (st *stateStore) saveCreated(reply []byte) {
	var rec mgmt.CanisterIDRecord
	if err := candid.Unmarshal(reply, &rec); err == nil {
		st.saveNow(principal.Principal{Raw: rec.CanisterID.Bytes()})
	}
}

type indexFile struct {
	NextCanisterIndex uint64 `json:"next_canister_index"`
}

// saveIndex records the next canister id to assign.
func (st *stateStore) saveIndex() {
	b, _ := json.Marshal(indexFile{NextCanisterIndex: st.eng.NextCanisterIndex()})
	err := writeFileAtomic(filepath.Join(st.dir, "index.json"), func(w *bufio.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		st.log.Error("saving canister index", "err", err)
	}
}

// saveAll saves every canister that has unsaved commits.
func (st *stateStore) saveAll() error {
	var errs []error
	for _, id := range st.eng.Canisters() {
		if err := st.save(id); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
		}
	}
	st.saveIndex()
	return errors.Join(errs...)
}

// run saves committed canisters in the background until ctx ends.
func (st *stateStore) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.wake:
		}
		st.mu.Lock()
		var dirty []principal.Principal
		for k, n := range st.commits {
			if s, ok := st.saved[k]; !ok || s < n {
				dirty = append(dirty, principal.Principal{Raw: []byte(k)})
			}
		}
		st.mu.Unlock()
		for _, id := range dirty {
			st.saveNow(id)
		}
	}
}

// load imports every saved canister into the engine.
func (st *stateStore) load(ctx context.Context) error {
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(st.dir, "index.json")); err == nil {
		var idx indexFile
		if err := json.Unmarshal(b, &idx); err != nil {
			return fmt.Errorf("replica: reading index.json: %w", err)
		}
		st.eng.SetNextCanisterIndex(idx.NextCanisterIndex)
	}
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".state") {
			continue
		}
		f, err := os.Open(filepath.Join(st.dir, e.Name()))
		if err != nil {
			return fmt.Errorf("replica: %w", err)
		}
		state, err := engine.DecodeCanisterState(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return fmt.Errorf("replica: %s: %w (move the file away to start without this canister)", e.Name(), err)
		}
		if err := st.eng.Import(ctx, state); err != nil {
			return fmt.Errorf("replica: restoring %s: %w", e.Name(), err)
		}
		id := principal.Principal{Raw: state.ID}
		st.saved[string(id.Raw)] = 0
		st.log.Info("restored canister", "canister", id.String())
	}
	return nil
}

// writeFileAtomic writes a file through a temporary file and a rename, so readers (and a
// restart after a crash) see either the old or the new content, never a torn one.
func writeFileAtomic(path string, write func(*bufio.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(w); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
