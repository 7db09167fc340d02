package stablestore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// paymentKey is a realistic record key: a prefix and a 64-character session id suffix
// (74 bytes), in an order unrelated to i, like Stripe's random ids.
func paymentKey(dst []byte, i int) []byte {
	sum := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24)})
	dst = append(dst[:0], "r/cs_test_"...)
	return hex.AppendEncode(dst, sum[:])
}

// paymentValue is a 300-byte record derived from i.
func paymentValue(dst []byte, i int) []byte {
	dst = dst[:0]
	for j := range 300 {
		dst = append(dst, byte(i*31+j*7))
	}
	return dst
}

// buildPayments inserts n payment-like entries into a fresh store.
func buildPayments(tb testing.TB, n int) (*stablestore.Store, *stablestore.Buffer) {
	tb.Helper()
	mem := stablestore.NewBuffer(0)
	st := mustOpen(tb, mem, 0)
	var k, v []byte
	for i := range n {
		k, v = paymentKey(k, i), paymentValue(v, i)
		if err := st.Put(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	return st, mem
}

// TestMillionPayments stores 1,000,000 records of realistic size and verifies all of them,
// by point lookups, a full scan and after reopening. It takes a few seconds and about
// 1 GiB of heap, so it runs under -short too.
func TestMillionPayments(t *testing.T) {
	const n = 1_000_000
	start := time.Now()
	st, mem := buildPayments(t, n)
	insert := time.Since(start)
	stats := st.Stats()

	start = time.Now()
	st = mustOpen(t, mem, 0) // verify what a post_upgrade would see
	var k, v []byte
	for i := range n {
		k, v = paymentKey(k, i), paymentValue(v, i)
		got, ok := st.Get(k)
		if !ok || !bytes.Equal(got, v) {
			t.Fatalf("entry %d missing or wrong after reopening", i)
		}
	}
	get := time.Since(start)

	start = time.Now()
	seen := 0
	var prev []byte
	st.Ascend(nil, func(k, v []byte) bool {
		if seen > 0 && bytes.Compare(prev, k) >= 0 {
			t.Fatalf("scan out of order at %d", seen)
		}
		prev = append(prev[:0], k...)
		seen++
		return true
	})
	scan := time.Since(start)
	if seen != n || st.Len() != n {
		t.Fatalf("scan saw %d entries, Len %d, want %d", seen, st.Len(), n)
	}
	start = time.Now()
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	check := time.Since(start)
	t.Logf("%d entries (74-byte keys, 300-byte values): insert %v (%v/op), get all %v (%v/op), scan %v, check %v",
		n, insert.Round(time.Millisecond), insert/n, get.Round(time.Millisecond), get/n, scan.Round(time.Millisecond), check.Round(time.Millisecond))
	t.Logf("height %d, %d pages (%d free), %.1f MiB in use, stable memory size %.1f MiB, payload %.1f MiB; %.1f page reads and %.2f writes per insert",
		stats.Height, stats.Pages, stats.FreePages, float64(stats.Bytes)/(1<<20), float64(mem.Size())/(1<<20),
		float64(n*(74+300))/(1<<20), float64(stats.Reads)/n, float64(stats.Writes)/n)
}
