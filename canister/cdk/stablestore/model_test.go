package stablestore_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// model is the reference: a map plus its sorted keys.
type model struct {
	m    map[string][]byte
	keys []string
}

func newModel() *model { return &model{m: map[string][]byte{}} }

func (m *model) set(k, v []byte) {
	if _, ok := m.m[string(k)]; !ok {
		i, _ := slices.BinarySearch(m.keys, string(k))
		m.keys = slices.Insert(m.keys, i, string(k))
	}
	m.m[string(k)] = bytes.Clone(v)
}

func (m *model) del(k []byte) bool {
	if _, ok := m.m[string(k)]; !ok {
		return false
	}
	delete(m.m, string(k))
	i, _ := slices.BinarySearch(m.keys, string(k))
	m.keys = slices.Delete(m.keys, i, i+1)
	return true
}

// checkRange compares up to limit entries from `from` between store and model.
func checkRange(t testing.TB, st *stablestore.Store, m *model, from []byte, limit int) {
	t.Helper()
	i, _ := slices.BinarySearch(m.keys, string(from))
	n := 0
	st.Ascend(from, func(k, v []byte) bool {
		if i+n >= len(m.keys) {
			t.Fatalf("Ascend(%x): extra key %x", from, k)
		}
		if want := m.keys[i+n]; string(k) != want || !bytes.Equal(v, m.m[want]) {
			t.Fatalf("Ascend(%x) entry %d: key %x (%d-byte value), want %x (%d bytes)", from, n, k, len(v), want, len(m.m[want]))
		}
		n++
		return n < limit
	})
	if want := min(limit, len(m.keys)-i); n != want {
		t.Fatalf("Ascend(%x) visited %d entries, want %d", from, n, want)
	}
}

// checkAll compares everything and runs the structural check.
func checkAll(t testing.TB, st *stablestore.Store, m *model) {
	t.Helper()
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if st.Len() != len(m.keys) {
		t.Fatalf("Len = %d, want %d", st.Len(), len(m.keys))
	}
	checkRange(t, st, m, nil, len(m.keys)+1)
}

func mustOpen(t testing.TB, mem stablestore.Memory, off int64) *stablestore.Store {
	t.Helper()
	st, err := stablestore.Open(mem, off)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRandomAgainstModel runs 100,000 random operations with keys and values of every size
// (so nodes hold from one to hundreds of cells) against the model, checking the structure
// along the way, then reopens the memory and compares again.
func TestRandomAgainstModel(t *testing.T) {
	tests := []struct {
		name      string
		keySpace  int
		maxKey    int
		maxValue  int
		deleteOne int  // 1 in deleteOne operations deletes
		shared    bool // keys share long prefixes: long separators, narrow branches, deep trees
	}{
		{"small entries", 20_000, 16, 32, 3, false},
		{"payment-like entries", 5_000, 80, 400, 4, false},
		{"largest entries", 2_000, stablestore.MaxKeyLen, stablestore.MaxValueLen, 3, false},
		{"delete-heavy", 3_000, 100, 1_000, 2, false},
		{"long shared prefixes", 10_000, stablestore.MaxKeyLen, 64, 3, true},
		{"long shared prefixes, delete-heavy", 6_000, stablestore.MaxKeyLen, 64, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.keySpace)))
			mem := stablestore.NewBuffer(0)
			st := mustOpen(t, mem, 4096)
			m := newModel()
			key := func() []byte {
				i := rng.IntN(tc.keySpace)
				// The key length is a function of i, so each key has one spelling.
				n := 4 + (i*7919)%(tc.maxKey-3)
				k := bytes.Repeat([]byte{byte(i >> 8)}, n)
				if tc.shared {
					clear(k)
					k[0] = byte(i % 3)
					copy(k[n-3:], []byte{byte(i >> 16), byte(i >> 8), byte(i)})
					return k
				}
				k[0], k[1], k[2], k[3] = byte(i>>16), byte(i>>8), byte(i), 0xff
				return k
			}
			ops := 100_000 / len(tests)
			for op := range ops {
				k := key()
				switch r := rng.IntN(10 * tc.deleteOne); {
				case r < 10:
					found, err := st.Remove(k)
					if err != nil {
						t.Fatal(err)
					}
					if want := m.del(k); found != want {
						t.Fatalf("op %d: Remove(%x) = %v, want %v", op, k, found, want)
					}
				case r < 13:
					checkRange(t, st, m, k[:rng.IntN(len(k))], 1+rng.IntN(50))
				default:
					v := make([]byte, rng.IntN(tc.maxValue+1))
					for i := range v {
						v[i] = byte(op + i)
					}
					if err := st.Put(k, v); err != nil {
						t.Fatal(err)
					}
					m.set(k, v)
				}
				if got, ok := st.Get(k); ok != (m.m[string(k)] != nil) || !bytes.Equal(got, m.m[string(k)]) {
					t.Fatalf("op %d: Get(%x) = %d bytes %v, want %d bytes", op, k, len(got), ok, len(m.m[string(k)]))
				}
				if op%5_000 == 0 {
					checkAll(t, st, m)
				}
			}
			checkAll(t, st, m)
			stats := st.Stats()
			t.Logf("%d entries, height %d, %d pages (%d free), %d page reads, %d writes",
				stats.Len, stats.Height, stats.Pages, stats.FreePages, stats.Reads, stats.Writes)

			checkAll(t, mustOpen(t, mem, 4096), m)

			// Deleting everything leaves an empty tree of height 1 whose pages are all free.
			for _, k := range slices.Clone(m.keys) {
				if _, err := st.Remove([]byte(k)); err != nil {
					t.Fatal(err)
				}
				m.del([]byte(k))
			}
			checkAll(t, st, m)
			if s := st.Stats(); s.Height != 1 || s.FreePages != s.Pages-2 {
				t.Fatalf("after deleting everything: %+v", s)
			}
		})
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	mem := stablestore.NewBuffer(0)
	st := mustOpen(t, mem, 0)
	m := newModel()
	for i := range 20_000 {
		k, v := fmt.Appendf(nil, "key/%08d", i*7919%20_000), fmt.Appendf(nil, "value %d", i)
		st.Set(k, v)
		m.set(k, v)
		if i%3 == 0 {
			k := fmt.Appendf(nil, "key/%08d", i/2)
			st.Delete(k)
			m.del(k)
		}
	}
	before := st.Stats()
	again := mustOpen(t, mem, 0)
	checkAll(t, again, m)
	if s := again.Stats(); s.Len != before.Len || s.Height != before.Height || s.Pages != before.Pages || s.FreePages != before.FreePages {
		t.Fatalf("reopened %+v, was %+v", s, before)
	}
	// The reopened store keeps working and uses the free pages first.
	for i := range 1_000 {
		again.Set(fmt.Appendf(nil, "new/%d", i), []byte("x"))
	}
	if err := again.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestDeterministicLayout: the same operations give the same bytes (replicas agree).
func TestDeterministicLayout(t *testing.T) {
	run := func() []byte {
		mem := stablestore.NewBuffer(0)
		st := mustOpen(t, mem, 0)
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range 20_000 {
			k := fmt.Appendf(nil, "%x", rng.IntN(4000))
			if rng.IntN(3) == 0 {
				st.Delete(k)
			} else {
				st.Set(k, bytes.Repeat([]byte{byte(i)}, rng.IntN(600)))
			}
		}
		return mem.Bytes()
	}
	a, b := run(), run()
	if !bytes.Equal(a, b) {
		t.Fatal("two identical runs left different bytes")
	}
}

// TestAscendingInsertsFillPages: keys in ascending order (sequence-numbered queues) fill
// nodes instead of leaving each split node half empty, and the FIFO pattern (append at
// the end, delete from the front) keeps the size bounded.
func TestAscendingInsertsFillPages(t *testing.T) {
	st := mustOpen(t, stablestore.NewBuffer(0), 0)
	const n, valueLen = 100_000, 100
	for i := range n {
		st.Set(fmt.Appendf(nil, "q/%016x", i), make([]byte, valueLen))
	}
	payload := n * (4 + 18 + valueLen + 2)
	s := st.Stats()
	if fill := float64(payload) / float64(s.Pages*stablestore.PageSize); fill < 0.9 {
		t.Fatalf("ascending inserts fill %.0f%% of %d pages", 100*fill, s.Pages)
	}
	// A queue: push at the end, pop from the front.
	for i := n; i < 3*n; i++ {
		st.Set(fmt.Appendf(nil, "q/%016x", i), make([]byte, valueLen))
		st.Delete(fmt.Appendf(nil, "q/%016x", i-n))
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if after := st.Stats(); after.Pages-after.FreePages > 2*s.Pages {
		t.Fatalf("queue of %d entries grew from %d to %d live pages", n, s.Pages, after.Pages-after.FreePages)
	}
	t.Logf("%+v", st.Stats())
}
