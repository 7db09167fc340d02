package payments

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMemStoreMatchesModel runs random operations against MemStore and a plain map and
// compares contents and ordered iteration; enough keys to force many chunk splits and
// merges of empty chunks.
func TestMemStoreMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := NewMemStore()
	model := map[string][]byte{}
	key := func() []byte { return fmt.Appendf(nil, "k%05d", rng.IntN(5000)) }
	for i := range 40_000 {
		k := key()
		switch rng.IntN(10) {
		case 0, 1, 2:
			m.Delete(k)
			delete(model, string(k))
		default:
			v := fmt.Appendf(nil, "v%d", i)
			m.Set(k, v)
			v[0] = 'X' // Set must have copied
			model[string(k)] = fmt.Appendf(nil, "v%d", i)
		}
		if i%5000 == 0 {
			checkStore(t, m, model)
		}
	}
	checkStore(t, m, model)
	// Ascend from the middle, and stopping early.
	from := []byte("k02500")
	var got []string
	m.Ascend(from, func(k, _ []byte) bool {
		got = append(got, string(k))
		return len(got) < 10
	})
	var want []string
	for k := range model {
		if k >= string(from) {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want[:10]) {
		t.Fatalf("Ascend from %s = %v, want %v", from, got, want[:10])
	}
}

func checkStore(t *testing.T, m *MemStore, model map[string][]byte) {
	t.Helper()
	if m.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(model))
	}
	keys := make([]string, 0, len(model))
	for k, v := range model {
		keys = append(keys, k)
		got, ok := m.Get([]byte(k))
		if !ok || !bytes.Equal(got, v) {
			t.Fatalf("Get(%s) = %q %v, want %q", k, got, ok, v)
		}
	}
	slices.Sort(keys)
	i := 0
	m.Ascend(nil, func(k, _ []byte) bool {
		if i >= len(keys) || string(k) != keys[i] {
			t.Fatalf("Ascend[%d] = %s, want %s", i, k, keys[min(i, len(keys)-1)])
		}
		i++
		return true
	})
	if i != len(keys) {
		t.Fatalf("Ascend visited %d keys, want %d", i, len(keys))
	}
	if _, ok := m.Get([]byte("absent")); ok {
		t.Fatal("Get(absent) found something")
	}
}
