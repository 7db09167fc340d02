package e2e

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/replica/deploy"
)

// percentiles returns the median and the 99th percentile in milliseconds.
func percentiles(d []time.Duration) (p50, p99 float64) {
	s := slices.Clone(d)
	slices.Sort(s)
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	return ms(s[len(s)/2]), ms(s[min(len(s)-1, len(s)*99/100)])
}

// BenchmarkReplicaLatency measures what a client of the local replica sees through
// unmodified agent-go: certified update calls (targets: median <= 20 ms) and verified
// queries (median <= 5 ms), plus the time to deploy the test canister.
func BenchmarkReplicaLatency(b *testing.B) {
	const rounds = 200
	id := newIdentity(b)
	a := newAgent(b, id)
	mod := gzipped(b, basicModule(b))
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "bench",
			IDsFile: filepath.Join(b.TempDir(), "ids.json"), Module: mod, Arg: []byte("DIDL\x00\x00")})
		if err != nil {
			b.Fatal(err)
		}
		deployTime := time.Since(start)
		c := res.CanisterID

		updates := make([]time.Duration, rounds)
		for j := range updates {
			var n uint64
			t0 := time.Now()
			if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil {
				b.Fatal(err)
			}
			updates[j] = time.Since(t0)
		}
		queries := make([]time.Duration, rounds)
		for j := range queries {
			var n uint64
			t0 := time.Now()
			if err := a.Query(c, "get", []any{}, []any{&n}); err != nil {
				b.Fatal(err)
			}
			queries[j] = time.Since(t0)
		}
		u50, u99 := percentiles(updates)
		q50, q99 := percentiles(queries)
		b.ReportMetric(u50, "update-p50-ms")
		b.ReportMetric(u99, "update-p99-ms")
		b.ReportMetric(q50, "query-p50-ms")
		b.ReportMetric(q99, "query-p99-ms")
		b.ReportMetric(float64(deployTime)/float64(time.Millisecond), "deploy-ms")
		b.Logf("update median %.2f ms (target <= 20), p99 %.2f ms; query median %.2f ms (target <= 5), p99 %.2f ms; deploy %v",
			u50, u99, q50, q99, deployTime.Round(time.Millisecond))
	}
}
