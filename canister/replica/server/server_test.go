package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/deploy"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// replica is a Server on a state directory behind an httptest server.
type replica struct {
	s   *Server
	srv *httptest.Server
}

// openReplica opens a replica on dir, listening on addr ("" for any port).
func openReplica(t *testing.T, dir, addr string) *replica {
	t.Helper()
	s, err := Open(Config{StateDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	r := &replica{s: s, srv: srv}
	t.Cleanup(r.close)
	return r
}

func (r *replica) close() {
	r.srv.Close()
	r.s.Close()
}

func (r *replica) agent(t *testing.T, id identity.Identity) *agent.Agent {
	t.Helper()
	u, _ := url.Parse(r.srv.URL)
	a, err := agent.New(agent.Config{Identity: id, FetchRootKey: true, ClientConfig: []agent.ClientOption{agent.WithHostURL(u)}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// counter reads the engine test canister's counter (its Wasm global) with a query.
func counter(t *testing.T, a *agent.Agent, id principal.Principal) uint32 {
	t.Helper()
	b, err := a.QueryRaw(id, "read", noArg)
	if err != nil || len(b) != 16 {
		t.Fatalf("read = %x, %v", b, err)
	}
	return binary.LittleEndian.Uint32(b)
}

// TestWriteFailureIsNotAcknowledged: when the state cannot be written, the call is answered
// with an error, the canister is what the disk holds (nothing of the call stays in memory),
// and the same envelope resubmitted once writing works again executes, once; after a restart
// it is recognized and not executed again.
func TestWriteFailureIsNotAcknowledged(t *testing.T) {
	dir := t.TempDir()
	r := openReplica(t, dir, "")
	owner, err := identity.NewRandomEd25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	module, err := os.ReadFile(filepath.Join("..", "engine", "testdata", "counter.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := deploy.Deploy(deploy.Options{URL: r.srv.URL, Identity: owner, Name: "counter",
		IDsFile: filepath.Join(t.TempDir(), "ids.json"), Module: module})
	if err != nil {
		t.Fatal(err)
	}
	id := res.CanisterID
	a := r.agent(t, owner)
	if _, err := a.CallRaw(id, "inc", noArg); err != nil {
		t.Fatal(err)
	}
	before, err := r.s.Engine().Export(id)
	if err != nil {
		t.Fatal(err)
	}

	var failing atomic.Bool
	failing.Store(true)
	r.s.store.setWrite(func(path string, fill func(*bufio.Writer) error) error {
		if failing.Load() && strings.HasSuffix(path, ".state") {
			return errors.New("injected: no space left on device")
		}
		return writeFileAtomic(path, fill)
	})
	call, err := a.CreateRawAPIRequest(agent.RequestTypeCall, id, "inc", noArg)
	if err != nil {
		t.Fatal(err)
	}
	var reply []byte
	// The error is the failed write, or, when the background saver failed first and reverted
	// the canister, the news that the call's effects were undone.
	if err := call.CallAndWait(&reply); err == nil || !strings.Contains(err.Error(), "no space left on device") && !strings.Contains(err.Error(), "restored from disk") {
		t.Fatalf("a call whose state could not be written: %x, %v; want an error", reply, err)
	}
	after, err := r.s.Engine().Export(id)
	if err != nil {
		t.Fatal(err)
	}
	if got := counter(t, a, id); got != 1 || after.Cycles != before.Cycles || string(after.Stable) != string(before.Stable) {
		t.Fatalf("after the failed write: counter %d, cycles %d (saved %d); want the saved state", got, after.Cycles, before.Cycles)
	}

	failing.Store(false)
	if err := call.CallAndWait(&reply); err != nil || binary.LittleEndian.Uint32(reply) != 2 {
		t.Fatalf("the same envelope once writing works: %x, %v; want counter 2", reply, err)
	}
	if err := call.CallAndWait(&reply); err != nil || binary.LittleEndian.Uint32(reply) != 2 || counter(t, a, id) != 2 {
		t.Fatalf("resubmitted: %x, %v; want the recorded answer, executed once", reply, err)
	}

	// A restart keeps the state and the request id: the envelope is not executed again.
	addr := r.srv.Listener.Addr().String()
	r.close()
	r = openReplica(t, dir, addr) // the same address: call posts its envelope there
	a = r.agent(t, owner)
	if got := counter(t, a, id); got != 2 {
		t.Fatalf("counter after the restart: %d, want 2", got)
	}
	if err := call.CallAndWait(&reply); err != nil || binary.LittleEndian.Uint32(reply) != 2 {
		t.Fatalf("resubmitted after the restart: %x, %v; want the recorded answer", reply, err)
	}
	if got := counter(t, a, id); got != 2 {
		t.Fatalf("a resubmission after the restart executed again: counter %d", got)
	}
}

// TestFeesAreReported: the fees a canister pays are reported per canister on /_/metrics.
func TestFeesAreReported(t *testing.T) {
	r := openReplica(t, t.TempDir(), "")
	owner, _ := identity.NewRandomEd25519Identity()
	module, err := os.ReadFile(filepath.Join("..", "engine", "testdata", "counter.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := deploy.Deploy(deploy.Options{URL: r.srv.URL, Identity: owner, Name: "counter",
		IDsFile: filepath.Join(t.TempDir(), "ids.json"), Module: module})
	if err != nil {
		t.Fatal(err)
	}
	a := r.agent(t, owner)
	before := r.s.Charges(res.CanisterID)
	if _, err := a.CallRaw(res.CanisterID, "inc", noArg); err != nil {
		t.Fatal(err)
	}
	got := r.s.Charges(res.CanisterID)
	if got[engine.FeeIngress] <= before[engine.FeeIngress] || got[engine.FeeExecution] <= before[engine.FeeExecution] {
		t.Fatalf("charges %v after a call, %v before", got, before)
	}
	resp, err := http.Get(r.srv.URL + "/_/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `replica_cycles_charged_total{canister="`+res.CanisterID.String()+`",fee="ingress"}`) {
		t.Fatalf("/_/metrics:\n%s", body)
	}
}

// noArg is an empty Candid argument (agent-go leaves out an empty arg, which the IC refuses).
var noArg = []byte("DIDL\x00\x00")

// TestWriteFileAtomic: a failed write leaves the previous file and no temporary file.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.state")
	put := func(s string, fail error) error {
		return writeFileAtomic(path, func(w *bufio.Writer) error {
			if _, err := w.WriteString(s); err != nil {
				return err
			}
			return fail
		})
	}
	if err := put("old", nil); err != nil {
		t.Fatal(err)
	}
	if err := put("new", errors.New("encoding failed")); err == nil {
		t.Fatal("a failing fill returned no error")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
		t.Fatalf("after a failed write: %q, %v", b, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
	if err := put("new", nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("after a write: %q", b)
	}
}
