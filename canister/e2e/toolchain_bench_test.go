package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/internal/gobuild"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// linkedCanister builds the Go program in dir and links it with the Candid file did.
func linkedCanister(tb testing.TB, dir, did string) (raw, gz []byte, rep *link.Report) {
	tb.Helper()
	in, err := gobuild.Wasm(dir)
	if err != nil {
		tb.Fatal(err)
	}
	candid, err := os.ReadFile(filepath.Join(dir, did))
	if err != nil {
		tb.Fatal(err)
	}
	raw, rep, err = link.Link(in, link.Options{Candid: candid})
	if err != nil {
		tb.Fatal(err)
	}
	gz, err = link.Gzip(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return raw, gz, rep
}

// meter records the instructions of the last execution of each entry point.
type meter struct {
	mu   sync.Mutex
	last map[string]int64
}

func (m *meter) observe(x engine.Execution) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last[x.Entry] = x.Instructions
}

func (m *meter) get(entry string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last[entry]
}

// BenchmarkGoCanister prints what issue "toolchain" asks for: module size raw and gzip and the
// function count of a minimal Go canister (with the CDK, and bare), the instructions metered
// for the Go runtime start (canister_init), an empty query and a counter update, and the
// engine's throughput for the empty query with rollback included. Targets: gzip <= 700 KB;
// >= 2,000 empty queries/s on one core.
func BenchmarkGoCanister(b *testing.B) {
	for _, c := range []struct{ name, dir, did string }{
		{"cdk", "testdata/minimal", "minimal.did"},
		{"bare", "testdata/bare", "bare.did"},
	} {
		b.Run(c.name, func(b *testing.B) {
			raw, gz, rep := linkedCanister(b, c.dir, c.did)
			m, err := wasm.Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			funcs := m.NumImportedFuncs() + len(m.Funcs)

			mt := &meter{last: map[string]int64{}}
			ctx := context.Background()
			e, err := engine.New(ctx, engine.Config{Observe: mt.observe})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(ctx)
			ctrl := principal.AnonymousID
			id, err := e.CreateCanister(engine.CreateOptions{Controllers: []principal.Principal{ctrl}, Cycles: 1 << 50})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.InstallCode(ctx, id, engine.InstallArgs{Mode: engine.Install, Module: gz, Arg: []byte("DIDL\x00\x00"), Sender: ctrl}); err != nil {
				b.Fatal(err)
			}
			initInstr := mt.get("canister_init")
			empty := []byte("DIDL\x00\x00")
			if _, err := e.Query(ctx, id, "empty", empty, ctrl, engine.QueryOptions{}); err != nil {
				b.Fatal(err)
			}
			queryInstr := mt.get("canister_query empty")
			if _, err := e.Update(ctx, id, "increment", empty, ctrl); err != nil {
				b.Fatal(err)
			}
			updateInstr := mt.get("canister_update increment")

			const calls = 3000
			b.ResetTimer()
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				for j := 0; j < calls; j++ {
					if _, err := e.Query(ctx, id, "empty", empty, ctrl, engine.QueryOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(start)
			}
			qps := float64(calls*b.N) / elapsed.Seconds()
			b.ReportMetric(float64(len(raw)), "raw-bytes")
			b.ReportMetric(float64(len(gz)), "gzip-bytes")
			b.ReportMetric(float64(funcs), "functions")
			b.ReportMetric(float64(initInstr), "init-instr")
			b.ReportMetric(float64(queryInstr), "empty-query-instr")
			b.ReportMetric(float64(updateInstr), "update-instr")
			b.ReportMetric(qps, "empty-queries/s")
			b.Logf("%s: %d bytes raw, %d gzip (target <= 700,000), %d functions, %d -> %d data segments; instructions: init %d, empty query %d, counter update %d; %.0f empty queries/s (target >= 2,000)",
				c.name, len(raw), len(gz), funcs, rep.DataBefore, rep.DataAfter, initInstr, queryInstr, updateInstr, qps)
		})
	}
}
