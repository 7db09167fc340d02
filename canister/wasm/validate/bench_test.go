package validate

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/link"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// BenchmarkCheckLarge validates the linked 13 MB stripe-go module, as the
// local replica does on every install.
func BenchmarkCheckLarge(b *testing.B) {
	out, _, err := link.Link(wasmtest.BuildGo(b, "bigprog"), link.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ResetTimer()
	for b.Loop() {
		if vs := Check(out); len(vs) > 0 {
			b.Fatal(vs)
		}
	}
}
