// Package storetest checks that an implementation of payments.Store keeps the contract the
// payments package relies on: ordered iteration over arbitrary byte keys, copy semantics,
// deletion, and the size bounds payments.MaxKeyBytes and payments.MaxValueBytes. The
// stable-memory store of the canister runs it natively like MemStore does.
package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gocanister/stripe-ic/canister/payments"
)

// Run runs the conformance suite; newStore must return an empty store each time.
func Run(t *testing.T, newStore func() payments.Store) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, newStore()) })
	t.Run("SetGetDelete", func(t *testing.T) { testSetGetDelete(t, newStore()) })
	t.Run("BinaryKeysAndOrder", func(t *testing.T) { testOrder(t, newStore()) })
	t.Run("AscendFromAndStop", func(t *testing.T) { testAscend(t, newStore()) })
	t.Run("Bounds", func(t *testing.T) { testBounds(t, newStore()) })
	t.Run("RandomAgainstModel", func(t *testing.T) { testRandom(t, newStore()) })
}

func testEmpty(t *testing.T, s payments.Store) {
	if s.Len() != 0 {
		t.Fatalf("Len = %d", s.Len())
	}
	if _, ok := s.Get([]byte("x")); ok {
		t.Fatal("Get on an empty store found something")
	}
	s.Delete([]byte("x")) // must not panic
	s.Ascend(nil, func(k, v []byte) bool {
		t.Fatalf("Ascend visited %q", k)
		return true
	})
}

func testSetGetDelete(t *testing.T, s payments.Store) {
	key, val := []byte("k"), []byte("value")
	s.Set(key, val)
	key[0], val[0] = 'X', 'X' // the store must have copied both
	got, ok := s.Get([]byte("k"))
	if !ok || string(got) != "value" {
		t.Fatalf("Get = %q %v after the caller reused its buffers", got, ok)
	}
	s.Set([]byte("k"), []byte("second"))
	if got, _ := s.Get([]byte("k")); string(got) != "second" || s.Len() != 1 {
		t.Fatalf("overwrite: %q, Len %d", got, s.Len())
	}
	s.Set([]byte("empty"), nil)
	if got, ok := s.Get([]byte("empty")); !ok || len(got) != 0 {
		t.Fatalf("empty value: %q %v", got, ok)
	}
	s.Delete([]byte("k"))
	if _, ok := s.Get([]byte("k")); ok || s.Len() != 1 {
		t.Fatalf("after Delete: found %v, Len %d", ok, s.Len())
	}
}

func testOrder(t *testing.T, s payments.Store) {
	keys := [][]byte{{0xff}, {0x00}, {0x00, 0x00}, {'a'}, {'a', 0x00}, {'a', 0xff}, {0x7f, 0x80}, {0x80}}
	for i, k := range keys {
		s.Set(k, []byte{byte(i)})
	}
	want := slices.Clone(keys)
	slices.SortFunc(want, bytes.Compare)
	var got [][]byte
	s.Ascend(nil, func(k, _ []byte) bool {
		got = append(got, bytes.Clone(k))
		return true
	})
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("order %x, want %x (unsigned byte order)", got, want)
	}
}

func testAscend(t *testing.T, s payments.Store) {
	for i := range 100 {
		s.Set(fmt.Appendf(nil, "k%03d", i), []byte{byte(i)})
	}
	var got []string
	s.Ascend([]byte("k0505"), func(k, _ []byte) bool { // between k050 and k051
		got = append(got, string(k))
		return len(got) < 3
	})
	if !slices.Equal(got, []string{"k051", "k052", "k053"}) {
		t.Fatalf("Ascend from k0505 = %v", got)
	}
	got = nil
	s.Ascend([]byte("k099"), func(k, _ []byte) bool {
		got = append(got, string(k))
		return true
	})
	if !slices.Equal(got, []string{"k099"}) {
		t.Fatalf("Ascend from the last key = %v", got)
	}
}

func testBounds(t *testing.T, s payments.Store) {
	k := bytes.Repeat([]byte{0xff}, payments.MaxKeyBytes)
	v := bytes.Repeat([]byte{0xab}, payments.MaxValueBytes)
	s.Set(k, v)
	if got, ok := s.Get(k); !ok || !bytes.Equal(got, v) {
		t.Fatalf("largest key/value not stored intact")
	}
}

func testRandom(t *testing.T, s payments.Store) {
	rng := rand.New(rand.NewPCG(7, 11))
	model := map[string][]byte{}
	for i := range 20_000 {
		k := fmt.Appendf(nil, "%04x", rng.IntN(3000))
		if rng.IntN(4) == 0 {
			s.Delete(k)
			delete(model, string(k))
			continue
		}
		v := fmt.Appendf(nil, "v%d", i)
		s.Set(k, v)
		model[string(k)] = v
	}
	if s.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(model))
	}
	keys := make([]string, 0, len(model))
	for k := range model {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	i := 0
	s.Ascend(nil, func(k, v []byte) bool {
		if i >= len(keys) || string(k) != keys[i] || !bytes.Equal(v, model[keys[i]]) {
			t.Fatalf("entry %d = %q=%q, want %q", i, k, v, keys[min(i, len(keys)-1)])
		}
		i++
		return true
	})
	if i != len(keys) {
		t.Fatalf("Ascend visited %d of %d", i, len(keys))
	}
}
