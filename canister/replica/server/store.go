package server

import (
	"bufio"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/internal/httpapi"
)

// stateStore keeps the replica's state in a directory:
//
//	<canister id>.state  the canister's engine state, followed by the ingress records (request
//	                     ids with their outcome) of the calls about it
//	ingress.state        the records of calls whose canister is gone (or was never named)
//	index.json           the next canister id to assign
//
// A call's record is written in the same file, in the same write, as the state the call
// produced, and the call is answered only after that write: an acknowledged call survives a
// kill -9 and is not executed again when resubmitted. Every file is written atomically and
// durably (a temporary file, fsync, rename, fsync of the directory). When a write fails the
// call is not acknowledged and the canister is reverted to what the disk holds, so memory
// never shows what a restart would lose. Commits no client waits for (timers, callbacks) are
// saved by a background loop shortly after.
type stateStore struct {
	dir string
	log *slog.Logger
	eng *engine.Engine
	now func() time.Time
	// record makes the ingress record of an engine answer (set by the server).
	record func(engine.Answer) httpapi.Record

	mu       sync.Mutex
	released *sync.Cond // on mu: a hold ended
	// writeFile replaces a file atomically and durably (writeFileAtomic; tests inject
	// failures with setWrite).
	writeFile func(path string, fill func(*bufio.Writer) error) error
	files     map[string]*canisterFile
	wake      chan struct{}
	subnet    subnetRecords
}

// canisterFile is the store's view of one canister's file.
type canisterFile struct {
	lock    sync.Mutex // serializes the saves and reverts of the canister
	dirty   bool       // guarded by stateStore.mu: changed since its last save began
	saved   uint64     // the change count (engine Seq) the last successful save covered
	lost    []seqRange // changes undone by reverts after failed saves
	records []httpapi.Record
	holds   int // guarded by stateStore.mu: management calls about the canister in flight
}

// saveMode says how a save deals with management calls in flight about the canister.
type saveMode uint8

const (
	saveCall       saveMode = iota // an ingress call's save: waits until they are done
	saveBackground                 // the background saver: skips a held canister (saved later)
	saveHolder                     // the management call's own save, or a shutdown: goes ahead
)

// seqRange is the changes (from, to] of a canister.
type seqRange struct{ from, to uint64 }

type subnetRecords struct {
	lock    sync.Mutex
	records []httpapi.Record
}

// savedRecords is how records follow the engine state in a file.
type savedRecords struct {
	Records []httpapi.Record
}

func newStateStore(dir string, log *slog.Logger, now func() time.Time) *stateStore {
	st := &stateStore{
		dir: dir, log: log, now: now, writeFile: writeFileAtomic,
		files: map[string]*canisterFile{}, wake: make(chan struct{}, 1),
	}
	st.released = sync.NewCond(&st.mu)
	return st
}

// hold marks a management call about canister id as in flight until release is called:
// meanwhile no other save writes the canister, which could otherwise save the call's
// effects before the call's record, and a crash in between would let a resubmission of the
// call run again. The call saves the canister itself with saveHolder.
func (st *stateStore) hold(id principal.Principal) (release func()) {
	f := st.file(id)
	f.lock.Lock() // a save in progress (of the state before the call) finishes first
	st.mu.Lock()
	f.holds++
	st.mu.Unlock()
	f.lock.Unlock()
	return func() {
		st.mu.Lock()
		f.holds--
		st.released.Broadcast()
		st.mu.Unlock()
		select {
		case st.wake <- struct{}{}: // the background saver skipped it meanwhile
		default:
		}
	}
}

// committed is the engine's OnCommit hook. It runs with the canister locked, so it only
// records the change and wakes the background saver.
func (st *stateStore) committed(id principal.Principal) {
	st.mu.Lock()
	st.fileLocked(id).dirty = true
	st.mu.Unlock()
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

func (st *stateStore) write(path string, fill func(*bufio.Writer) error) error {
	st.mu.Lock()
	w := st.writeFile
	st.mu.Unlock()
	return w(path, fill)
}

func (st *stateStore) setWrite(w func(path string, fill func(*bufio.Writer) error) error) {
	st.mu.Lock()
	st.writeFile = w
	st.mu.Unlock()
}

func (st *stateStore) file(id principal.Principal) *canisterFile {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.fileLocked(id)
}

func (st *stateStore) fileLocked(id principal.Principal) *canisterFile {
	f := st.files[string(id.Raw)]
	if f == nil {
		f = &canisterFile{}
		st.files[string(id.Raw)] = f
	}
	return f
}

func (st *stateStore) path(id principal.Principal) string {
	return filepath.Join(st.dir, id.String()+".state")
}

// errLost is the failure of a call whose effects a revert undid before they were saved.
var errLost = errors.New("the canister's state was restored from disk after a failed save; the call's effects are lost")

// commit makes sure canister id is saved with everything up to change seq (an engine
// Outcome.Seq) and, when rec is not nil, with the record of the call that produced it;
// another save may have done so already, since every save takes the answers the engine gave
// since the previous one (ExportAnswered). It fails when the save fails (the canister is
// then reverted to its saved state) or when a revert after another failed save already undid
// change seq: either way the call must not be acknowledged.
func (st *stateStore) commit(ctx context.Context, id principal.Principal, seq uint64, rec *httpapi.Record) error {
	return st.save(ctx, id, seq, rec, saveCall)
}

// save writes canister id (see commit). The background saver does nothing when the canister
// has not changed since its last save or revert.
func (st *stateStore) save(ctx context.Context, id principal.Principal, seq uint64, rec *httpapi.Record, mode saveMode) error {
	f := st.file(id)
	f.lock.Lock()
	for mode != saveHolder {
		st.mu.Lock()
		held := f.holds > 0
		if held && mode == saveCall {
			f.lock.Unlock()
			for f.holds > 0 {
				st.released.Wait()
			}
			st.mu.Unlock()
			f.lock.Lock()
			continue
		}
		st.mu.Unlock()
		if held { // background: the holder saves it, or the next wake-up does
			f.lock.Unlock()
			return nil
		}
		break
	}
	defer f.lock.Unlock()
	for _, r := range f.lost {
		if r.from < seq && seq <= r.to {
			return fmt.Errorf("canister %s: %w", id, errLost)
		}
	}
	if rec != nil && seq <= f.saved && hasRecord(f.records, rec.RequestID) {
		return nil // saved with its answer by another save
	}
	st.mu.Lock()
	dirty := f.dirty
	f.dirty = false
	st.mu.Unlock()
	if mode == saveBackground && !dirty {
		return nil
	}
	state, answers, err := st.eng.ExportAnswered(id)
	var rej *protocol.Reject
	if errors.As(err, &rej) { // deleted: its calls' records move to ingress.state
		if err := os.Remove(st.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the state of deleted canister %s: %w", id, err)
		}
		moved := f.records
		if rec != nil {
			moved = append(moved, *rec)
		}
		f.records = nil
		if len(moved) == 0 {
			return nil
		}
		return st.addSubnetRecords(moved...)
	}
	if err != nil {
		return err
	}
	records := live(f.records, st.now())
	for _, a := range answers {
		if r := st.record(a); !hasRecord(records, r.RequestID) {
			records = append(records, r)
		}
	}
	if rec != nil && !hasRecord(records, rec.RequestID) {
		records = append(records, *rec)
	}
	err = st.write(st.path(id), func(w *bufio.Writer) error {
		if err := state.Encode(w); err != nil {
			return err
		}
		return gob.NewEncoder(w).Encode(savedRecords{records})
	})
	if err != nil {
		st.revertLocked(ctx, id, f)
		return fmt.Errorf("saving canister %s: %w", id, err)
	}
	f.records, f.saved = records, state.Seq
	return nil
}

// revertLocked makes the engine's canister what its file holds (or removes it when it has
// none) after a failed save. f.lock is held.
func (st *stateStore) revertLocked(ctx context.Context, id principal.Principal, f *canisterFile) {
	state, records, err := readCanisterFile(st.path(id))
	if errors.Is(err, os.ErrNotExist) {
		state, err = nil, nil
	}
	if err != nil {
		st.log.Error("reverting canister after a failed save: cannot read its file", "canister", id.String(), "err", err)
		return
	}
	last, err := st.eng.Revert(ctx, id, state)
	if err != nil {
		st.log.Error("reverting canister after a failed save", "canister", id.String(), "err", err)
		return
	}
	f.lost = append(f.lost, seqRange{from: f.saved, to: last})
	f.records = records
	// Memory is what the disk holds again: nothing to save until the next change.
	f.saved = last + 1
	st.mu.Lock()
	f.dirty = false
	st.mu.Unlock()
	st.log.Warn("canister reverted to its saved state after a failed save", "canister", id.String())
}

func hasRecord(records []httpapi.Record, id httpapi.RequestID) bool {
	for _, r := range records {
		if r.RequestID == id {
			return true
		}
	}
	return false
}

// live are the records still within their retention.
func live(records []httpapi.Record, now time.Time) []httpapi.Record {
	out := make([]httpapi.Record, 0, len(records)+1)
	for _, r := range records {
		if !now.After(r.Until) {
			out = append(out, r)
		}
	}
	return out
}

// addSubnetRecords saves records of calls that have no canister file to go with.
func (st *stateStore) addSubnetRecords(recs ...httpapi.Record) error {
	st.subnet.lock.Lock()
	defer st.subnet.lock.Unlock()
	records := append(live(st.subnet.records, st.now()), recs...)
	err := st.write(filepath.Join(st.dir, "ingress.state"), func(w *bufio.Writer) error {
		return gob.NewEncoder(w).Encode(savedRecords{records})
	})
	if err != nil {
		return fmt.Errorf("saving the ingress history: %w", err)
	}
	st.subnet.records = records
	return nil
}

type indexFile struct {
	NextCanisterIndex uint64 `json:"next_canister_index"`
}

// saveIndex records the next canister id to assign.
func (st *stateStore) saveIndex() error {
	b, _ := json.Marshal(indexFile{NextCanisterIndex: st.eng.NextCanisterIndex()})
	err := st.write(filepath.Join(st.dir, "index.json"), func(w *bufio.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("saving the canister index: %w", err)
	}
	return nil
}

// saveAll saves every canister (a graceful stop: allocation charges are saved too).
func (st *stateStore) saveAll(ctx context.Context) error {
	var errs []error
	for _, id := range st.eng.Canisters() {
		if err := st.save(ctx, id, 0, nil, saveHolder); err != nil {
			errs = append(errs, err)
		}
	}
	if err := st.saveIndex(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// run saves changed canisters in the background until ctx ends.
func (st *stateStore) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.wake:
		}
		st.mu.Lock()
		var dirty []principal.Principal
		for k, f := range st.files {
			if f.dirty {
				dirty = append(dirty, principal.Principal{Raw: []byte(k)})
			}
		}
		st.mu.Unlock()
		for _, id := range dirty {
			if err := st.save(ctx, id, 0, nil, saveBackground); err != nil {
				st.log.Error("saving canister state", "canister", id.String(), "err", err)
			}
		}
	}
}

// load imports every saved canister into the engine and returns the saved ingress records
// still within their retention.
func (st *stateStore) load(ctx context.Context) ([]httpapi.Record, error) {
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(st.dir, "index.json")); err == nil {
		var idx indexFile
		if err := json.Unmarshal(b, &idx); err != nil {
			return nil, fmt.Errorf("replica: reading index.json: %w", err)
		}
		st.eng.SetNextCanisterIndex(idx.NextCanisterIndex)
	}
	now := st.now()
	var all []httpapi.Record
	if b, err := os.Open(filepath.Join(st.dir, "ingress.state")); err == nil {
		var saved savedRecords
		err := gob.NewDecoder(bufio.NewReader(b)).Decode(&saved)
		b.Close()
		if err != nil {
			return nil, fmt.Errorf("replica: reading ingress.state: %w", err)
		}
		st.subnet.records = live(saved.Records, now)
		all = append(all, st.subnet.records...)
	}
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".state") || e.Name() == "ingress.state" {
			continue
		}
		state, records, err := readCanisterFile(filepath.Join(st.dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("replica: %s: %w (move the file away to start without this canister)", e.Name(), err)
		}
		if err := st.eng.Import(ctx, state); err != nil {
			return nil, fmt.Errorf("replica: restoring %s: %w", e.Name(), err)
		}
		id := principal.Principal{Raw: state.ID}
		f := st.file(id)
		f.records = live(records, now)
		all = append(all, f.records...)
		st.log.Info("restored canister", "canister", id.String(), "requests", len(f.records))
	}
	return all, nil
}

// readCanisterFile reads a canister's state and its ingress records (files written before
// records were kept have none).
func readCanisterFile(path string) (*engine.CanisterState, []httpapi.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	// gob reads exactly one stream from a ByteReader, so the records' stream follows.
	r := bufio.NewReader(f)
	state, err := engine.DecodeCanisterState(r)
	if err != nil {
		return nil, nil, err
	}
	var saved savedRecords
	if err := gob.NewDecoder(r).Decode(&saved); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("decoding ingress records: %w", err)
	}
	return state, saved.Records, nil
}

// writeFileAtomic replaces path with what fill writes, atomically and durably: it writes a
// temporary file in the same directory, fsyncs it, renames it over path and fsyncs the
// directory, so that after a crash the file is either the old or the new one, and once it
// returns the new one survives a power loss.
func writeFileAtomic(path string, fill func(*bufio.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing to remove
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
