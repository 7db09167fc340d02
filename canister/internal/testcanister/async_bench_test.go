package testcanister_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// BenchmarkAsyncInstructions reports what the CDK's handler goroutines cost in IC
// instructions (the figures are per execution, not per benchmark iteration):
//
//	query-raw-instr     a query written against ic0 directly
//	query-cdk-instr     the same query through cdk.Query (handler on the export's goroutine)
//	update-raw-instr    the same as an update written against ic0
//	update-cdk-instr    through cdk.Update (handler on a worker goroutine: two switches)
//	roundtrip-instr     one blocking call (m.Call), request to resumed handler, caller side
//	module-B, module-gzip-B  the linked async test canister
//
// Run: go test -run '^$' -bench AsyncInstructions ./internal/testcanister
func BenchmarkAsyncInstructions(b *testing.B) {
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	var costs sync.Map
	h := newClockHarness(b, &now, func(x engine.Execution) { costs.Store(x.Entry, x.Instructions) })
	mod := build(b, "async")
	a, err := h.install(mod, nil)
	if err != nil {
		b.Fatal(err)
	}
	peer, err := h.install(mod, nil)
	if err != nil {
		b.Fatal(err)
	}
	var c0, c20, last, n uint64
	for b.Loop() {
		if err := h.callMulti(a, "rounds", []any{&c0, &last}, cdkprincipal.FromBytes(peer.Raw), uint64(0)); err != nil {
			b.Fatal(err)
		}
		if err := h.callMulti(a, "rounds", []any{&c20, &last}, cdkprincipal.FromBytes(peer.Raw), uint64(20)); err != nil {
			b.Fatal(err)
		}
	}
	if err := h.call(true, a, "cost_raw", &n); err != nil {
		b.Fatal(err)
	}
	if err := h.call(true, a, "cost_cdk", &n); err != nil {
		b.Fatal(err)
	}
	for range 2 { // the second run is warm (the worker exists and its stack has grown)
		if err := h.call(false, a, "cost_update_raw", &n); err != nil {
			b.Fatal(err)
		}
		if err := h.call(false, a, "cost_update_cdk", &n); err != nil {
			b.Fatal(err)
		}
	}
	updRaw, _ := costs.Load("canister_update cost_update_raw")
	updCDK, _ := costs.Load("canister_update cost_update_cdk")
	raw, _ := costs.Load("canister_query cost_raw")
	withCDK, _ := costs.Load("canister_query cost_cdk")
	gz, err := link.Gzip(mod)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(raw.(int64)), "query-raw-instr")
	b.ReportMetric(float64(withCDK.(int64)), "query-cdk-instr")
	b.ReportMetric(float64(updRaw.(int64)), "update-raw-instr")
	b.ReportMetric(float64(updCDK.(int64)), "update-cdk-instr")
	b.ReportMetric(float64(c20-c0)/20, "roundtrip-instr")
	b.ReportMetric(float64(len(mod)), "module-B")
	b.ReportMetric(float64(len(gz)), "module-gzip-B")
}
