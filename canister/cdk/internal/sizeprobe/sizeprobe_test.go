package sizeprobe

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/gocanister/stripe-ic/canister/internal/gobuild"
	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// probes are the program directories, in the order of the report.
var probes = []string{"empty", "agentprincipal", "cdk", "cdkagentcandid", "cdkjsonhmac", "cdkagentcandidjsonhmac"}

func gzipSize(t testing.TB, b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// BenchmarkModuleSize reports, per probe, the raw Go module (bytes, gzip) and the linked IC
// module (bytes, gzip as icwasm writes it). Run: go test -run '^$' -bench ModuleSize
// ./cdk/internal/sizeprobe (each probe is a full wasip1 build: slow the first time).
func BenchmarkModuleSize(b *testing.B) {
	for _, p := range probes {
		b.Run(p, func(b *testing.B) {
			raw, err := gobuild.Wasm(p)
			if err != nil {
				b.Fatal(err)
			}
			linked, _, err := link.Link(raw, link.Options{})
			if err != nil {
				b.Fatalf("link: %v", err)
			}
			gz, err := link.Gzip(linked)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
			}
			b.ReportMetric(float64(len(raw)), "raw-B")
			b.ReportMetric(float64(gzipSize(b, raw)), "raw-gzip-B")
			b.ReportMetric(float64(len(linked)), "linked-B")
			b.ReportMetric(float64(len(gz)), "linked-gzip-B")
		})
	}
}
