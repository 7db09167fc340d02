package engine

import (
	"context"
	"testing"
)

// BenchmarkEmptyQuery measures non-replicated query calls of a method that only replies,
// rollback included, and the instructions metered for one.
func BenchmarkEmptyQuery(b *testing.B) {
	e := newEngine(b, Config{})
	id := installNew(b, e, "counter.wasm")
	c, _ := e.get(id)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Query(ctx, id, "empty", nil, alice, QueryOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	c.mu.Lock()
	x := c.newExec(apiNonReplicatedQuery, &callContext{caller: alice.Raw})
	if err := x.run("canister_query empty"); err != nil {
		b.Fatal(err)
	}
	c.rollback(x)
	c.mu.Unlock()
	b.ReportMetric(float64(x.used), "instructions/query")
}

// BenchmarkQueryLargeMemory is BenchmarkEmptyQuery on a canister with 64 MiB of Wasm memory,
// the size a Go canister reaches, to show the cost of rolling back memory.
func BenchmarkQueryLargeMemory(b *testing.B) {
	e := newEngine(b, Config{})
	id := installNew(b, e, "counter.wasm")
	c, _ := e.get(id)
	c.do(func() {
		c.inst.mem.Grow(1023)
		c.inst.capture(&c.img)
	})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Query(ctx, id, "inc_query", nil, alice, QueryOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkCounterUpdate measures ingress update calls that change a global, memory and
// stable memory (commit included).
func BenchmarkCounterUpdate(b *testing.B) {
	e := newEngine(b, Config{})
	id := installNew(b, e, "counter.wasm")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Update(ctx, id, "inc", nil, alice); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

// BenchmarkTrapAfterGrow measures failed updates that grew memory: each rollback needs a
// fresh instance (prepared in the background after the first one).
func BenchmarkTrapAfterGrow(b *testing.B) {
	e := newEngine(b, Config{})
	id := installNew(b, e, "counter.wasm")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Update(ctx, id, "inc_grow_trap", nil, alice); err == nil {
			b.Fatal("inc_grow_trap succeeded")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rollbacks/s")
}
