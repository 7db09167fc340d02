package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

//go:generate sh testdata/gen.sh

var (
	alice = principal.Principal{Raw: []byte{1, 2, 3, 4}}
	ctrl  = principal.Principal{Raw: []byte{9, 9, 9}}
)

func readModule(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func create(t testing.TB, e *Engine) principal.Principal {
	t.Helper()
	id, err := e.CreateCanister(CreateOptions{Controllers: []principal.Principal{ctrl}, Cycles: 1_000_000_000_000})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// restarted is canister id of e after a replica restart: its state exported, encoded,
// decoded and imported into a new engine.
func restarted(t testing.TB, e *Engine, id principal.Principal) *Engine {
	t.Helper()
	s, err := e.Export(id)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if s, err = DecodeCanisterState(&buf); err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, Config{})
	if err := e2.Import(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return e2
}

func installNew(t testing.TB, e *Engine, module string) principal.Principal {
	t.Helper()
	id := create(t, e)
	if err := e.InstallCode(context.Background(), id, InstallArgs{Mode: Install, Module: readModule(t, module), Sender: ctrl}); err != nil {
		t.Fatalf("install %s: %v", module, err)
	}
	return id
}

// state decodes the counter canister's reply: global, memory, stable, timer_fired.
func state(t testing.TB, b []byte) [4]uint32 {
	t.Helper()
	if len(b) != 16 {
		t.Fatalf("reply of %d bytes, want 16", len(b))
	}
	var s [4]uint32
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return s
}

func update(t testing.TB, e *Engine, id principal.Principal, method string, arg []byte) []byte {
	t.Helper()
	b, err := e.Update(context.Background(), id, method, arg, alice)
	if err != nil {
		t.Fatalf("update %s: %v", method, err)
	}
	return b
}

func query(t testing.TB, e *Engine, id principal.Principal, method string, arg []byte) []byte {
	t.Helper()
	b, err := e.Query(context.Background(), id, method, arg, alice, QueryOptions{})
	if err != nil {
		t.Fatalf("query %s: %v", method, err)
	}
	return b
}

func asReject(t testing.TB, err error) *protocol.Reject {
	t.Helper()
	var r *protocol.Reject
	if !errors.As(err, &r) {
		t.Fatalf("error %v (%T) is not a *protocol.Reject", err, err)
	}
	return r
}

func TestQueryAndUpdate(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{} {
		t.Fatalf("initial state %v", got)
	}
	for i := uint32(1); i <= 3; i++ {
		if got := state(t, update(t, e, id, "inc", nil)); got != [4]uint32{i, i, i, 0} {
			t.Fatalf("after inc %d: %v", i, got)
		}
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{3, 3, 3, 0} {
		t.Fatalf("read after updates: %v", got)
	}
	if got := query(t, e, id, "caller", nil); !bytes.Equal(got, alice.Raw) {
		t.Fatalf("caller %x", got)
	}
	// An ingress update call to a query method runs it (replicated) without keeping changes.
	if got := state(t, update(t, e, id, "inc_query", nil)); got != [4]uint32{4, 4, 4, 0} {
		t.Fatalf("inc_query as update: %v", got)
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{3, 3, 3, 0} {
		t.Fatalf("replicated query persisted: %v", got)
	}
}

func TestRollback(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil)
	info, _ := e.Info(id)
	memBefore, versionBefore := info.MemorySize, info.Version

	tests := []struct {
		method, errorCode, text string
	}{
		{"inc_trap", protocol.ErrCanisterTrapped, "Canister trapped: unreachable"},
		{"inc_grow_trap", protocol.ErrCanisterCalledTrap, "Canister called `ic0.trap` with message: 'boom'"},
	}
	for _, tt := range tests {
		_, err := e.Update(context.Background(), id, tt.method, nil, alice)
		r := asReject(t, err)
		if r.Code != protocol.CanisterError || r.ErrorCode != tt.errorCode || !strings.Contains(r.Message, tt.text) ||
			!strings.HasPrefix(r.Message, "Error from Canister "+id.String()+": ") {
			t.Fatalf("%s: reject %+v", tt.method, r)
		}
		// Global (not exported by the module), memory and stable memory are all rolled back.
		if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
			t.Fatalf("after %s: %v", tt.method, got)
		}
	}
	info, _ = e.Info(id)
	if info.MemorySize != memBefore || info.Version != versionBefore {
		t.Fatalf("memory %d -> %d, version %d -> %d", memBefore, info.MemorySize, versionBefore, info.Version)
	}
	// The instance that grew was replaced: memory size is back to one page.
	c, _ := e.get(id)
	if size := c.inst.mem.Size(); size != wasmPage {
		t.Fatalf("memory size after rollback %d", size)
	}
	// Still works.
	if got := state(t, update(t, e, id, "inc", nil)); got != [4]uint32{2, 2, 2, 0} {
		t.Fatalf("inc after rollbacks: %v", got)
	}
}

func TestQueryWritesVanish(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	for i := 0; i < 3; i++ {
		if got := state(t, query(t, e, id, "inc_query", nil)); got != [4]uint32{1, 1, 1, 0} {
			t.Fatalf("inc_query %d: %v", i, got)
		}
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{} {
		t.Fatalf("state after queries: %v", got)
	}
}

func TestRejectsAndErrors(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	empty := create(t, e)
	tests := []struct {
		name      string
		call      func() error
		code      protocol.RejectCode
		errorCode string
		text      string
	}{
		{"msg_reject", func() error { _, err := e.Update(context.Background(), id, "reject", nil, alice); return err },
			protocol.CanisterReject, protocol.ErrCanisterRejectedMessage, "nope"},
		{"no reply", func() error { _, err := e.Update(context.Background(), id, "noreply", nil, alice); return err },
			protocol.CanisterError, protocol.ErrCanisterDidNotReply, "did not reply to the call"},
		{"update not found", func() error { _, err := e.Update(context.Background(), id, "missing", nil, alice); return err },
			protocol.CanisterError, protocol.ErrCanisterMethodNotFound, "Canister has no update method 'missing'."},
		{"query not found", func() error {
			_, err := e.Query(context.Background(), id, "inc", nil, alice, QueryOptions{})
			return err
		},
			protocol.CanisterError, protocol.ErrCanisterMethodNotFound, "Canister has no query method 'inc'."},
		{"empty canister", func() error { _, err := e.Update(context.Background(), empty, "inc", nil, alice); return err },
			protocol.CanisterError, protocol.ErrCanisterWasmModuleNotFound, "contains no Wasm module"},
		{"unknown canister", func() error {
			_, err := e.Update(context.Background(), CanisterIDFromIndex(999), "inc", nil, alice)
			return err
		}, protocol.DestinationInvalid, protocol.ErrCanisterNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := asReject(t, tt.call())
			if r.Code != tt.code || r.ErrorCode != tt.errorCode || !strings.Contains(r.Message, tt.text) {
				t.Fatalf("got %+v", r)
			}
		})
	}
	// The noreply update's changes were committed although it did not reply.
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("state %v", got)
	}
}

func TestInstructionLimit(t *testing.T) {
	limits := Limits{Query: 2_000_000, Update: 3_000_000, Install: 10_000_000, Inspect: 1_000_000}
	e := newEngine(t, Config{Limits: limits})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil)
	for _, tt := range []struct {
		method string
		limit  int64
		call   func(string) error
	}{
		{"loop", limits.Update, func(m string) error { _, err := e.Update(context.Background(), id, m, nil, alice); return err }},
		{"loop_query", limits.Query, func(m string) error {
			_, err := e.Query(context.Background(), id, m, nil, alice, QueryOptions{})
			return err
		}},
	} {
		r := asReject(t, tt.call(tt.method))
		want := "Canister exceeded the limit of " + strconv.FormatInt(tt.limit, 10) + " instructions for single message execution."
		if r.ErrorCode != protocol.ErrCanisterInstructionLimitExceeded || r.Code != protocol.CanisterError || !strings.Contains(r.Message, want) {
			t.Fatalf("%s: %+v", tt.method, r)
		}
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("state %v", got)
	}
}

func TestPerformanceCounterAndBulkMemory(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	perf := binary.LittleEndian.Uint64(query(t, e, id, "perf", nil))
	if perf == 0 || perf > 10_000 {
		t.Fatalf("performance_counter(0) in a trivial query = %d", perf)
	}
	fill := func(n uint32) uint64 {
		return binary.LittleEndian.Uint64(query(t, e, id, "fill", binary.LittleEndian.AppendUint32(nil, n)))
	}
	small, large := fill(10), fill(50_010)
	if d := large - small; d != 50_000 {
		t.Fatalf("memory.fill of 50,000 more bytes cost %d more instructions, want 50,000", d)
	}
}

func TestForbiddenContexts(t *testing.T) {
	e := newEngine(t, Config{})
	tests := []struct {
		module, text string
	}{
		{"init_reply.wasm", `Canister violated contract: "ic0_msg_reply" cannot be executed in init mode`},
		{"start_time.wasm", `Canister violated contract: "ic0_time" cannot be executed in start mode`},
	}
	for _, tt := range tests {
		id := create(t, e)
		err := e.InstallCode(context.Background(), id, InstallArgs{Mode: Install, Module: readModule(t, tt.module), Sender: ctrl})
		r := asReject(t, err)
		if r.ErrorCode != protocol.ErrCanisterContractViolation || !strings.Contains(r.Message, tt.text) ||
			!strings.Contains(r.Message, "See documentation: http://internetcomputer.org/docs/current/references/execution-errors#calling-a-system-api-from-the-wrong-mode") {
			t.Fatalf("%s: %+v", tt.module, r)
		}
		// The failed install leaves the canister empty.
		if info, _ := e.Info(id); info.ModuleHash != nil {
			t.Fatalf("%s: module installed after failure", tt.module)
		}
	}
}

func TestInstallModes(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil)
	update(t, e, id, "inc", nil)
	ctx := context.Background()
	module := readModule(t, "counter.wasm")

	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Install, Module: module}); err == nil || asReject(t, err).ErrorCode != protocol.ErrCanisterNonEmpty {
		t.Fatalf("install on a non-empty canister: %v", err)
	}

	// Upgrade (gzipped module): pre_upgrade adds 100 to stable memory, which is kept; Wasm
	// memory and globals start over; post_upgrade stores the argument size in the global.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(module)
	zw.Close()
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Upgrade, Module: gz.Bytes(), Arg: []byte("abcde"), Sender: ctrl}); err != nil {
		t.Fatal(err)
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{5, 0, 102, 0} {
		t.Fatalf("after upgrade: %v", got)
	}
	info, _ := e.Info(id)
	if info.Version != 4 { // install, inc, inc, upgrade
		t.Fatalf("version %d", info.Version)
	}

	// Reinstall: everything starts over.
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Reinstall, Module: module}); err != nil {
		t.Fatal(err)
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{} {
		t.Fatalf("after reinstall: %v", got)
	}

	// A failing upgrade keeps the old module and state.
	update(t, e, id, "inc", nil)
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Upgrade, Module: readModule(t, "init_reply.wasm")}); err != nil {
		t.Fatalf("upgrade to a module without post_upgrade: %v", err)
	}
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Reinstall, Module: module}); err != nil {
		t.Fatal(err)
	}
	update(t, e, id, "inc", nil)
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Upgrade, Module: readModule(t, "start_time.wasm")}); err == nil {
		t.Fatal("upgrade to a module whose start traps succeeded")
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("after failed upgrade: %v", got)
	}

	// Uninstall.
	if err := e.UninstallCode(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(ctx, id, "read", nil, alice, QueryOptions{}); asReject(t, err).ErrorCode != protocol.ErrCanisterWasmModuleNotFound {
		t.Fatalf("query after uninstall: %v", err)
	}
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Install, Module: []byte("\x00asm\x02")}); asReject(t, err).ErrorCode != protocol.ErrCanisterInvalidWasm {
		t.Fatalf("invalid module: %v", err)
	}
}

func TestInterCanisterCalls(t *testing.T) {
	e := newEngine(t, Config{})
	a := installNew(t, e, "counter.wasm")
	b := installNew(t, e, "counter.wasm")

	// a calls b.inc; the reply callback bumps a and forwards b's reply.
	if got := state(t, update(t, e, a, "call_inc", b.Raw)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("forwarded reply %v", got)
	}
	if got := state(t, query(t, e, a, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("caller state %v", got)
	}

	// The reply callback traps: its changes are rolled back, the cleanup callback runs and
	// commits, and the call is rejected with the callback's error.
	_, err := e.Update(context.Background(), a, "call_trap", b.Raw, alice)
	r := asReject(t, err)
	if r.ErrorCode != protocol.ErrCanisterTrapped || !strings.Contains(r.Message, "Canister trapped: unreachable") {
		t.Fatalf("call_trap: %+v", r)
	}
	if got := state(t, query(t, e, a, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("caller state after trapping callback %v", got)
	}
	if got := binary.LittleEndian.Uint32(query(t, e, a, "marker", nil)); got != 42 {
		t.Fatalf("cleanup marker %d", got)
	}
	if got := state(t, query(t, e, b, "read", nil)); got != [4]uint32{2, 2, 2, 0} {
		t.Fatalf("callee state %v", got)
	}

	// Rejects reach the reject callback with code and message.
	got := update(t, e, a, "call_missing", b.Raw)
	if protocol.RejectCode(got[0]) != protocol.CanisterError || !strings.Contains(string(got[1:]), "Canister has no update method 'nope'") {
		t.Fatalf("reject callback got %d %q", got[0], got[1:])
	}
	got = update(t, e, a, "call_missing", CanisterIDFromIndex(777).Raw)
	if protocol.RejectCode(got[0]) != protocol.DestinationInvalid {
		t.Fatalf("call to a missing canister: %d %q", got[0], got[1:])
	}
}

type mgmt struct{ calls chan ManagementCall }

func (m *mgmt) HandleManagement(ctx context.Context, call ManagementCall) ([]byte, uint64, error) {
	m.calls <- call
	if call.Method == "fail" {
		return nil, 0, &protocol.Reject{Code: protocol.CanisterReject, Message: "no"}
	}
	return []byte("ok:" + call.Method), 0, nil
}

func TestManagementHandler(t *testing.T) {
	m := &mgmt{calls: make(chan ManagementCall, 4)}
	e := newEngine(t, Config{Management: m})
	a := installNew(t, e, "counter.wasm")
	// call_missing calls method "nope" of aaaaa-aa (empty argument = management canister).
	got := update(t, e, a, "call_missing", nil)
	if string(got) != "ok:nope" {
		t.Fatalf("reply %q", got)
	}
	call := <-m.calls
	if !call.FromCanister || !bytes.Equal(call.Caller.Raw, a.Raw) || call.Method != "nope" {
		t.Fatalf("call %+v", call)
	}
	b, err := e.Update(context.Background(), ManagementCanister(), "fail", nil, alice)
	if r := asReject(t, err); b != nil || r.Code != protocol.CanisterReject {
		t.Fatalf("ingress management call: %v", err)
	}
}

func TestCertifiedDataAndTimer(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	e := newEngine(t, Config{Now: clock})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "set_cert", nil)
	info, _ := e.Info(id)
	if string(info.CertifiedData) != "inc" {
		t.Fatalf("certified data %q", info.CertifiedData)
	}
	update(t, e, id, "set_timer", nil)
	e.Tick(context.Background()) // not due yet: time advanced by less than the timer
	if got := state(t, query(t, e, id, "read", nil)); got[3] != 0 {
		t.Fatalf("timer fired early: %v", got)
	}
	now = now.Add(time.Second)
	e.Tick(context.Background())
	e.Tick(context.Background())
	if got := state(t, query(t, e, id, "read", nil)); got[3] != 1 {
		t.Fatalf("timer fired %d times", got[3])
	}
}

func TestModuleFeatures(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "features.wasm")
	const n = 200
	var v128lo, v128hi uint64 // the v128 global
	decode := func(b []byte) (started, sum uint32, dsum float64) {
		if len(b) != 32 {
			t.Fatalf("state of %d bytes", len(b))
		}
		v128lo, v128hi = binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
		return binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]),
			math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	}
	base := uint32(n * (n - 1) / 2)
	started, sum, dsum := decode(query(t, e, id, "state", nil))
	if started != 1 || sum != base || dsum != float64(base) {
		t.Fatalf("initial: started %d sum %d dsum %v", started, sum, dsum)
	}
	if _, sum, _ = decode(update(t, e, id, "bump", nil)); sum != base+n {
		t.Fatalf("bump: sum %d", sum)
	}
	if _, err := e.Update(context.Background(), id, "bump_trap", nil, alice); err == nil {
		t.Fatal("bump_trap succeeded")
	}
	if _, sum, _ = decode(query(t, e, id, "bump_query", nil)); sum != base+2*n {
		t.Fatalf("bump_query: sum %d", sum)
	}
	if _, sum, dsum = decode(query(t, e, id, "state", nil)); sum != base+n || dsum != float64(base+n) {
		t.Fatalf("after trap and query: sum %d dsum %v", sum, dsum)
	}
	if v128lo != 6 || v128hi != 7+1<<40 {
		t.Fatalf("v128 global after one committed bump: %d %d", v128lo, v128hi)
	}
	simd := query(t, e, id, "simd", nil)
	for i, want := range []uint32{11, 22, 33, 44} {
		if got := binary.LittleEndian.Uint32(simd[4*i:]); got != want {
			t.Fatalf("simd lane %d = %d", i, got)
		}
	}
	info, _ := e.Info(id)
	if info.StableSize != wasmPage {
		t.Fatalf("start function's stable64_grow: stable size %d", info.StableSize)
	}
}
