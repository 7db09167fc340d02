package link

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// FuzzLink checks that Link never panics, that whatever it produces decodes
// again and walks cleanly, and that a valid input (as wazero judges it)
// gives a valid output. Seeds are in testdata/fuzz/FuzzLink.
func FuzzLink(f *testing.F) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, keepNames := range []bool{false, true} {
			checkLinked(t, rt, in, Options{Candid: []byte("service : {}"), KeepNames: keepNames})
		}
	})
}

func checkLinked(t *testing.T, rt wazero.Runtime, in []byte, opts Options) {
	t.Helper()
	ctx := context.Background()
	out, _, err := Link(in, opts)
	if err != nil {
		return
	}
	if c, err := rt.CompileModule(ctx, in); err == nil {
		c.Close(ctx)
		c, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("valid input, invalid output (names %v): %v", opts.KeepNames, err)
		}
		c.Close(ctx)
	}
	m, err := wasm.Decode(out)
	if err != nil {
		t.Fatalf("linked output does not decode: %v", err)
	}
	var ins wasm.Instr
	for i := range m.Code {
		r := wasm.NewInstrReader(m.Code[i].Body)
		for !r.Done() {
			if err := r.Next(&ins); err != nil {
				t.Fatalf("linked function %d: %v", i, err)
			}
		}
	}
}
