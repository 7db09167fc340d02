package wasm

import (
	"bytes"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// BenchmarkDecodeLarge decodes (and walks every instruction of) a 13 MB Go
// module using stripe-go, the size of the real canister.
func BenchmarkDecodeLarge(b *testing.B) {
	raw := wasmtest.BuildGo(b, "bigprog")
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(raw))/1e6, "module-MB")
}

// BenchmarkInstrWalkLarge decodes every instruction of every function.
func BenchmarkInstrWalkLarge(b *testing.B) {
	raw := wasmtest.BuildGo(b, "bigprog")
	m, err := Decode(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var n int
	for b.Loop() {
		n = 0
		r := NewInstrReader(nil)
		var in Instr
		for i := range m.Code {
			r.Reset(m.Code[i].Body)
			for !r.Done() {
				if err := r.Next(&in); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
	}
	b.ReportMetric(float64(n), "instructions")
	b.ReportMetric(float64(len(m.Code)), "functions")
}

// BenchmarkEncodeLarge re-encodes the 13 MB module.
func BenchmarkEncodeLarge(b *testing.B) {
	raw := wasmtest.BuildGo(b, "bigprog")
	m, err := Decode(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	var out []byte
	for b.Loop() {
		out = m.Encode()
	}
	if !bytes.Equal(out, raw) {
		b.Fatal("round trip differs")
	}
}
