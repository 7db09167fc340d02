package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

func TestCompositeQuery(t *testing.T) {
	e := newEngine(t, Config{})
	a := installNew(t, e, "composite.wasm")
	b := installNew(t, e, "counter.wasm")
	update(t, e, b, "inc", nil)
	got := query(t, e, a, "fwd", b.Raw)
	if len(got) != 20 || binary.LittleEndian.Uint32(got) != 5 {
		t.Fatalf("composite reply %v", got)
	}
	if s := state(t, got[4:]); s != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("callee state %v", s)
	}
	if g := binary.LittleEndian.Uint32(query(t, e, a, "global", nil)); g != 0 {
		t.Fatalf("composite query persisted its global: %d", g)
	}
	// The reject callback traps, the cleanup runs; the query fails with the callback's trap
	// and leaves nothing behind.
	_, err := e.Query(context.Background(), a, "fwd_missing", b.Raw, alice, QueryOptions{})
	if r := asReject(t, err); r.ErrorCode != protocol.ErrCanisterTrapped || !strings.Contains(r.Message, "Canister trapped: unreachable") {
		t.Fatalf("fwd_missing: %+v", r)
	}
	if g := binary.LittleEndian.Uint32(query(t, e, a, "global", nil)); g != 0 {
		t.Fatalf("global after failed composite query: %d", g)
	}
	// A loop in the call graph is refused.
	_, err = e.Query(context.Background(), a, "fwd", a.Raw, alice, QueryOptions{})
	if err == nil {
		t.Fatal("composite query calling itself succeeded")
	}
	// Composite queries are not callable as updates.
	if _, err := e.Update(context.Background(), a, "fwd", b.Raw, alice); asReject(t, err).ErrorCode != protocol.ErrCanisterMethodNotFound {
		t.Fatalf("composite as update: %v", err)
	}
}

func TestInspectMessage(t *testing.T) {
	e := newEngine(t, Config{})
	a := installNew(t, e, "composite.wasm")
	if err := e.InspectMessage(context.Background(), a, "ok", nil, alice); err != nil {
		t.Fatalf("ok rejected: %v", err)
	}
	err := e.InspectMessage(context.Background(), a, "bad", nil, alice)
	if r := asReject(t, err); r.Code != protocol.CanisterReject || r.ErrorCode != protocol.ErrCanisterRejectedMessage {
		t.Fatalf("bad: %+v", r)
	}
	b := installNew(t, e, "counter.wasm") // no canister_inspect_message: everything accepted
	if err := e.InspectMessage(context.Background(), b, "anything", nil, alice); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	empty := create(t, e)
	for _, tt := range []struct {
		id        principal.Principal
		method    string
		errorCode string
	}{
		{a, "ok", ""},
		{a, "bad", protocol.ErrCanisterRejectedMessage},
		{b, "anything", ""},
		{empty, "x", protocol.ErrCanisterWasmModuleNotFound},
		{CanisterIDFromIndex(500), "x", protocol.ErrCanisterNotFound},
		{ManagementCanister(), "create_canister", ""},
	} {
		err := e.CheckIngress(ctx, tt.id, tt.method, nil, alice)
		if tt.errorCode == "" && err != nil || tt.errorCode != "" && (err == nil || asReject(t, err).ErrorCode != tt.errorCode) {
			t.Errorf("CheckIngress(%s, %s) = %v, want %s", tt.id, tt.method, err, tt.errorCode)
		}
	}
	if err := e.StopCanister(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := e.CheckIngress(ctx, b, "inc", nil, alice); err == nil || asReject(t, err).ErrorCode != protocol.ErrCanisterStopped {
		t.Errorf("CheckIngress on a stopped canister: %v", err)
	}
}

func TestDataCertificate(t *testing.T) {
	var certified []byte
	e := newEngine(t, Config{DataCertificate: func(_ principal.Principal, data []byte) []byte {
		certified = data
		return []byte("from-config")
	}})
	a := installNew(t, e, "composite.wasm")
	if got := query(t, e, a, "cert", nil); string(got) != "from-config" || certified != nil {
		t.Fatalf("certificate %q for certified data %q", got, certified)
	}
	got, err := e.Query(context.Background(), a, "cert", nil, alice, QueryOptions{Certificate: []byte("per-query")})
	if err != nil || string(got) != "per-query" {
		t.Fatalf("certificate %q, %v", got, err)
	}
	// Replicated execution (an update call to the query) has no certificate.
	if got := update(t, e, a, "cert", nil); len(got) != 0 {
		t.Fatalf("certificate in replicated mode %q", got)
	}
}

func TestStopStartDelete(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	ctx := context.Background()
	if err := e.DeleteCanister(id); asReject(t, err).ErrorCode != protocol.ErrCanisterNotStopped {
		t.Fatalf("delete running: %v", err)
	}
	if err := e.StopCanister(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Update(ctx, id, "inc", nil, alice); asReject(t, err).ErrorCode != protocol.ErrCanisterStopped {
		t.Fatalf("update on stopped: %v", err)
	}
	if err := e.StartCanister(id); err != nil {
		t.Fatal(err)
	}
	update(t, e, id, "inc", nil)
	if err := e.StopCanister(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteCanister(id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Info(id); asReject(t, err).ErrorCode != protocol.ErrCanisterNotFound {
		t.Fatalf("info after delete: %v", err)
	}
}

func TestExportImport(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil)
	update(t, e, id, "inc", nil)
	update(t, e, id, "set_cert", nil)
	e2 := restarted(t, e, id)
	if got := state(t, query(t, e2, id, "read", nil)); got != [4]uint32{2, 2, 2, 0} {
		t.Fatalf("imported state %v", got)
	}
	i1, _ := e.Info(id)
	i2, _ := e2.Info(id)
	if !bytes.Equal(i1.ModuleHash, i2.ModuleHash) || i1.Version != i2.Version || string(i2.CertifiedData) != "inc" ||
		i1.Cycles != i2.Cycles || len(i2.Controllers) != 1 {
		t.Fatalf("info %+v vs %+v", i1, i2)
	}
	if got := state(t, update(t, e2, id, "inc", nil)); got != [4]uint32{3, 3, 3, 0} {
		t.Fatalf("inc after import %v", got)
	}
	again, err := e.Export(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Import(context.Background(), again); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second import: %v", err)
	}
	if _, err := DecodeCanisterState(strings.NewReader("garbage")); err == nil {
		t.Fatal("decoded garbage")
	}
}

func TestConcurrentCalls(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	const n = 50
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := e.Update(context.Background(), id, "inc", nil, alice)
			errs <- err
		}()
		go func() {
			_, err := e.Query(context.Background(), id, "inc_query", nil, alice, QueryOptions{})
			errs <- err
		}()
	}
	for i := 0; i < 2*n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{n, n, n, 0} {
		t.Fatalf("state %v", got)
	}
}

// blockingMgmt answers management calls only when released.
type blockingMgmt struct{ release chan struct{} }

func (m *blockingMgmt) HandleManagement(ctx context.Context, call ManagementCall) ([]byte, uint64, error) {
	<-m.release
	return []byte("late"), 0, nil
}

// TestStopWaitsForOpenCalls: a canister with a call in flight stays stopping, still runs the
// callback, and only then is stopped; new calls are rejected meanwhile.
func TestStopWaitsForOpenCalls(t *testing.T) {
	m := &blockingMgmt{release: make(chan struct{})}
	e := newEngine(t, Config{Management: m})
	id := installNew(t, e, "counter.wasm")
	ctx := context.Background()
	answer := make(chan []byte, 1)
	go func() {
		b, _ := e.Update(ctx, id, "call_missing", nil, alice) // calls aaaaa-aa, which blocks
		answer <- b
	}()
	stopped := make(chan error, 1)
	for {
		info, _ := e.Info(id)
		c, _ := e.get(id)
		c.mu.Lock()
		open := len(c.contexts)
		c.mu.Unlock()
		if open > 0 && info.Status == Running {
			break
		}
		time.Sleep(time.Millisecond)
	}
	go func() { stopped <- e.StopCanister(ctx, id) }()
	for {
		if info, _ := e.Info(id); info.Status == Stopping {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := e.Update(ctx, id, "inc", nil, alice); asReject(t, err).ErrorCode != protocol.ErrCanisterStopping {
		t.Fatalf("update while stopping: %v", err)
	}
	close(m.release)
	if got := <-answer; string(got) != "late" {
		t.Fatalf("answer %q", got)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if info, _ := e.Info(id); info.Status != Stopped {
		t.Fatalf("status %v", info.Status)
	}
}

func TestInstallInstructionLimit(t *testing.T) {
	e := newEngine(t, Config{Limits: Limits{Query: 1e6, Update: 1e6, Install: 5_000_000, Inspect: 1e6}})
	id := create(t, e)
	err := e.InstallCode(context.Background(), id, InstallArgs{Mode: Install, Module: readModule(t, "init_loop.wasm")})
	r := asReject(t, err)
	if r.ErrorCode != protocol.ErrCanisterInstructionLimitExceeded ||
		!strings.Contains(r.Message, "Canister exceeded the limit of 5000000 instructions for single message execution.") {
		t.Fatalf("%+v", r)
	}
	if info, _ := e.Info(id); info.ModuleHash != nil || info.Version != 0 {
		t.Fatalf("failed install changed the canister: %+v", info)
	}
}
