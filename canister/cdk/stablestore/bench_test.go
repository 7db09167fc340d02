package stablestore_test

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// BenchmarkMillion measures operations on a store of 1,000,000 payment-like entries
// (74-byte keys, 300-byte values), reporting page reads and writes per operation next to
// ns/op. Building the store takes a few seconds before the sub-benchmarks run.
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	st, mem := buildPayments(b, n)
	b.Logf("%+v", st.Stats())
	var k, v []byte
	measure := func(b *testing.B, op func(i int)) {
		before := st.Stats()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			op(i)
			i++
		}
		b.StopTimer()
		after := st.Stats()
		b.ReportMetric(float64(after.Reads-before.Reads)/float64(i), "pagereads/op")
		b.ReportMetric(float64(after.Writes-before.Writes)/float64(i), "pagewrites/op")
	}
	b.Run("Get", func(b *testing.B) {
		measure(b, func(i int) {
			k = paymentKey(k, i*7919%n)
			if _, ok := st.Get(k); !ok {
				b.Fatal("missing")
			}
		})
	})
	b.Run("GetMissing", func(b *testing.B) {
		measure(b, func(i int) {
			k = paymentKey(k, n+i)
			if _, ok := st.Get(k); ok {
				b.Fatal("found")
			}
		})
	})
	b.Run("PutUpdate", func(b *testing.B) {
		measure(b, func(i int) {
			j := i * 7919 % n
			k, v = paymentKey(k, j), paymentValue(v, j+1)
			st.Set(k, v)
		})
	})
	b.Run("PutInsertThenDelete", func(b *testing.B) {
		// Insert a new entry and delete it again, so the size stays at n.
		measure(b, func(i int) {
			k, v = paymentKey(k, n+i), paymentValue(v, i)
			st.Set(k, v)
			st.Delete(k)
		})
	})
	b.Run("PutInsert", func(b *testing.B) {
		measure(b, func(i int) {
			k, v = paymentKey(k, 2*n+i), paymentValue(v, i)
			st.Set(k, v)
		})
	})
	b.Run("Ascend100", func(b *testing.B) {
		measure(b, func(i int) {
			k = paymentKey(k, i*7919%n)
			seen := 0
			st.Ascend(k, func(_, _ []byte) bool { seen++; return seen < 100 })
		})
	})
	b.Run("Open", func(b *testing.B) {
		for b.Loop() {
			if _, err := stablestore.Open(mem, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpenEmpty is the baseline for BenchmarkMillion/Open: opening costs the same.
func BenchmarkOpenEmpty(b *testing.B) {
	mem := stablestore.NewBuffer(0)
	mustOpen(b, mem, 0)
	for b.Loop() {
		if _, err := stablestore.Open(mem, 0); err != nil {
			b.Fatal(err)
		}
	}
}
