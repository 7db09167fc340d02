package engine

import (
	"strings"

	"context"
	"github.com/aviate-labs/agent-go/principal"
	"os"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// goModule returns the linked Go canister named by ENGINE_GO_MODULE (a module built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, e.g. canister/wasm/testdata/goprog),
// or skips: building Go takes longer than the unit tests should. The lead's Go test canister
// replaces this.
func goModule(tb testing.TB) []byte {
	path := os.Getenv("ENGINE_GO_MODULE")
	if path == "" {
		tb.Skip("set ENGINE_GO_MODULE to a Go wasip1 c-shared module")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	out, _, err := link.Link(raw, link.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkGoQuery measures queries on a Go canister (method ENGINE_GO_QUERY, default greet).
func BenchmarkGoQuery(b *testing.B) {
	module := goModule(b)
	method := os.Getenv("ENGINE_GO_QUERY")
	if method == "" {
		method = "greet"
	}
	e := newEngine(b, Config{})
	id := create(b, e)
	if err := e.InstallCode(context.Background(), id, InstallArgs{Mode: Install, Module: module, Sender: ctrl}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	reply, err := e.Query(ctx, id, method, nil, alice, QueryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	info, _ := e.Info(id)
	b.Logf("reply %q, Wasm memory %d bytes", reply, info.MemorySize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Query(ctx, id, method, nil, alice, QueryOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	c, _ := e.get(id)
	c.mu.Lock()
	x := c.newExec(apiNonReplicatedQuery, &callContext{caller: alice.Raw})
	_ = x.run("canister_query " + method)
	c.rollback(x)
	c.mu.Unlock()
	b.ReportMetric(float64(x.used), "instructions/query")
}

// TestGoCanister runs the methods of canister/wasm/testdata/goprog (see goModule).
func TestGoCanister(t *testing.T) {
	module := goModule(t)
	var printed []string
	e := newEngine(t, Config{DebugPrint: func(_ principal.Principal, msg string) { printed = append(printed, msg) }})
	id := create(t, e)
	ctx := context.Background()
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Install, Module: module, Sender: ctrl}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		update bool
		method string
		want   string // reply, or a substring of the reject message
	}{
		{false, "greet", "hello from go"},
		{false, "init_runs", "1"},
		{true, "random", ""},
		{false, "now", ""},
		{true, "print", "ok"},
		{true, "sleep", "all goroutines are asleep"},
		{true, "panic", "Canister trapped: unreachable"}, // the panic text goes to debug_print
		{true, "exit", "proc_exit"},
		{false, "last_env", ":0"},
		{false, "greet", "hello from go"},
	} {
		var reply []byte
		var err error
		if tt.update {
			reply, err = e.Update(ctx, id, tt.method, nil, alice)
		} else {
			reply, err = e.Query(ctx, id, tt.method, nil, alice, QueryOptions{})
		}
		got := string(reply)
		if err != nil {
			got = err.Error()
		}
		t.Logf("%s -> %q", tt.method, got)
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.method, got, tt.want)
		}
	}
	e.Tick(ctx) // runs system.heartbeat
	if all := strings.Join(printed, ""); !strings.Contains(all, "init ran") || !strings.Contains(all, "printed by fmt") ||
		!strings.Contains(all, "assignment to entry in nil map") {
		t.Errorf("debug prints %q", all)
	}
}

// BenchmarkGoUpdate measures update calls on a Go canister (method ENGINE_GO_UPDATE, default
// random), commit included.
func BenchmarkGoUpdate(b *testing.B) {
	module := goModule(b)
	method := os.Getenv("ENGINE_GO_UPDATE")
	if method == "" {
		method = "random"
	}
	e := newEngine(b, Config{})
	id := create(b, e)
	ctx := context.Background()
	if err := e.InstallCode(ctx, id, InstallArgs{Mode: Install, Module: module, Sender: ctrl}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Update(ctx, id, method, nil, alice); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
