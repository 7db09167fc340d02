package instrument

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

//go:generate wat2wasm --enable-all testdata/meter.wat -o testdata/meter.wasm

func load(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// instance instantiates an instrumented module in a fresh wazero runtime.
func instance(t testing.TB, raw []byte) (api.Module, *Result) {
	t.Helper()
	res, err := Instrument(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2))
	t.Cleanup(func() { rt.Close(ctx) })
	mod, err := rt.InstantiateWithConfig(ctx, res.Module, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	return mod, res
}

// used runs fn(args) with a large budget and returns the instructions it was charged.
func used(t testing.TB, mod api.Module, fn string, args ...uint64) int64 {
	t.Helper()
	counter := mod.ExportedGlobal(CounterExport).(api.MutableGlobal)
	const budget = 1 << 40
	counter.Set(budget)
	if _, err := mod.ExportedFunction(fn).Call(context.Background(), args...); err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return budget - int64(counter.Get())
}

func TestMetering(t *testing.T) {
	mod, _ := instance(t, load(t, "meter.wasm"))
	tests := []struct {
		fn         string
		n1, n2     uint64
		perUnitMin int64
		perUnitMax int64
	}{
		// The loop body is 6 instructions: local.get, i32.const, i32.sub, local.set, local.get, br_if.
		{"run", 500, 1500, 6, 6},
		// Bulk memory costs one instruction per byte.
		{"fill", 10, 60_010, 1, 1},
		{"copy", 0, 30_000, 1, 1},
	}
	for _, tt := range tests {
		a, b := used(t, mod, tt.fn, tt.n1), used(t, mod, tt.fn, tt.n2)
		per := float64(b-a) / float64(tt.n2-tt.n1)
		if per < float64(tt.perUnitMin) || per > float64(tt.perUnitMax) {
			t.Errorf("%s: %d for %d units, %d for %d: %.2f per unit, want %d..%d", tt.fn, a, tt.n1, b, tt.n2, per, tt.perUnitMin, tt.perUnitMax)
		}
		if a <= 0 {
			t.Errorf("%s(%d) charged %d", tt.fn, tt.n1, a)
		}
	}
}

func TestLimitStopsLoop(t *testing.T) {
	mod, _ := instance(t, load(t, "meter.wasm"))
	counter := mod.ExportedGlobal(CounterExport).(api.MutableGlobal)
	counter.Set(1000)
	_, err := mod.ExportedFunction("run").Call(context.Background(), 1_000_000_000)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("loop over budget: %v", err)
	}
	if left := int64(counter.Get()); left >= 0 || left < -20 {
		t.Fatalf("counter after the trap %d, want slightly negative", left)
	}
	// A bulk operation over the budget traps before copying.
	counter.Set(100)
	if _, err := mod.ExportedFunction("fill").Call(context.Background(), 50_000); err == nil {
		t.Fatal("fill over budget succeeded")
	}
}

func TestExportsForTheHost(t *testing.T) {
	mod, res := instance(t, load(t, "meter.wasm"))
	if !res.HasStart || !res.HasCallback || res.Memory != MemoryExport || len(res.Globals) != 1 {
		t.Fatalf("result %+v", res)
	}
	g := mod.ExportedGlobal(res.Globals[0].Export)
	if g == nil || g.Get() != 0 {
		t.Fatalf("global %v: the start function ran at instantiation", g)
	}
	used(t, mod, StartExport)
	if g.Get() != 7 {
		t.Fatalf("after start: %d", g.Get())
	}
	used(t, mod, CallbackExport, 42, 0) // env 42, table index 0
	if g.Get() != 42 {
		t.Fatalf("after callback: %d", g.Get())
	}
	g.(api.MutableGlobal).Set(5)
	if got, _ := mod.ExportedFunction("get").Call(context.Background()); got[0] != 5 {
		t.Fatalf("setting the exported global did not reach the module: %d", got[0])
	}
	if mod.ExportedMemory(MemoryExport) == nil {
		t.Fatal("no memory export")
	}
}

func TestRejects(t *testing.T) {
	m, err := wasm.Decode(load(t, "meter.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	m.Exports = append(m.Exports, wasm.Export{Name: CounterExport, Kind: wasm.ExternFunc, Index: 0})
	if _, err := Module(m); err == nil {
		t.Fatal("reserved export name accepted")
	}
	if _, err := Instrument([]byte("\x00asm\x01\x00\x00\x00\x01")); err == nil {
		t.Fatal("truncated module accepted")
	}
}

func FuzzInstrument(f *testing.F) {
	f.Add(load(f, "meter.wasm"))
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2))
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, raw []byte) {
		orig, err := rt.CompileModule(ctx, raw)
		if err != nil {
			return // only valid modules are instrumented
		}
		orig.Close(ctx)
		res, err := Instrument(raw)
		if err != nil {
			var de *wasm.DecodeError
			if errors.As(err, &de) || strings.Contains(err.Error(), "reserved name") || strings.Contains(err.Error(), "mutable global") {
				return
			}
			t.Fatalf("valid module not instrumented: %v", err)
		}
		inst, err := rt.CompileModule(ctx, res.Module)
		if err != nil {
			t.Fatalf("instrumented module invalid: %v", err)
		}
		inst.Close(ctx)
	})
}

func BenchmarkInstrument(b *testing.B) {
	raw := load(b, "meter.wasm")
	for i := 0; i < b.N; i++ {
		if _, err := Instrument(raw); err != nil {
			b.Fatal(err)
		}
	}
}
