package link

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// benchLink links a Go program and reports the figures of its output: size
// raw and gzipped, function count, data segments before and after merging.
func benchLink(b *testing.B, dir string) {
	in := wasmtest.BuildGo(b, dir)
	b.ResetTimer()
	var out []byte
	var rep *Report
	for b.Loop() {
		var err error
		if out, rep, err = Link(in, Options{Candid: []byte("service : {}")}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	gz, err := Gzip(out)
	if err != nil {
		b.Fatal(err)
	}
	m, err := wasm.Decode(out)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(in)), "in-bytes")
	b.ReportMetric(float64(len(out)), "out-bytes")
	b.ReportMetric(float64(len(gz)), "gzip-bytes")
	b.ReportMetric(float64(len(m.Funcs)), "functions")
	b.ReportMetric(float64(rep.DataBefore), "data-before")
	b.ReportMetric(float64(rep.DataAfter), "data-after")
}

// BenchmarkLinkMinimal links the smallest Go canister (testdata/minimal).
func BenchmarkLinkMinimal(b *testing.B) { benchLink(b, "minimal") }

// BenchmarkLinkLarge links a 13 MB module using stripe-go (testdata/bigprog).
func BenchmarkLinkLarge(b *testing.B) { benchLink(b, "bigprog") }

// BenchmarkGzipLarge compresses the linked 13 MB module.
func BenchmarkGzipLarge(b *testing.B) {
	out, _, err := Link(wasmtest.BuildGo(b, "bigprog"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Gzip(out); err != nil {
			b.Fatal(err)
		}
	}
}
