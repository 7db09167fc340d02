package stablestore_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// leafTree is the subtree a test entry stands for: a leaf with its value, so that its hash
// is checkable from the value alone.
func leafTree(value []byte, sub [32]byte) hashtree.Node { return hashtree.Leaf(value) }

func subHash(value []byte) [32]byte { return hashtree.Leaf(value).Digest() }

// checkMerkle compares the map with the model: its full hash tree is well formed, hashes to
// RootHash and reveals exactly the model's entries in order; a witness for every label (and
// for absent ones) has the same root and answers the lookup as the model does.
func checkMerkle(t *testing.T, st *stablestore.Store, model map[string][]byte, probes [][]byte) {
	t.Helper()
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	m := st.Merkle()
	if m.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(model))
	}
	full := m.HashTree(leafTree)
	if err := hashtree.WellFormed(full); err != nil {
		t.Fatalf("hash tree: %v", err)
	}
	root := m.RootHash()
	if full.Digest() != root {
		t.Fatalf("hash tree digest %x, RootHash %x", full.Digest(), root)
	}
	keys := make([]string, 0, len(model))
	for k := range model {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	leaves := hashtree.Leaves(full)
	if len(leaves) != len(keys) {
		t.Fatalf("%d leaves, want %d", len(leaves), len(keys))
	}
	for i, e := range leaves {
		if string(e.Path[0]) != keys[i] || !bytes.Equal(e.Value, model[keys[i]]) {
			t.Fatalf("leaf %d = %q: %q, want %q: %q", i, e.Path[0], e.Value, keys[i], model[keys[i]])
		}
	}
	var got []string
	m.Ascend(nil, func(l, v []byte, sub [32]byte) bool {
		got = append(got, string(l))
		return true
	})
	if !slices.Equal(got, keys) {
		t.Fatalf("Ascend = %d labels, want %d", len(got), len(keys))
	}
	for _, p := range probes {
		w := m.Witness(p, leafTree)
		if w.Digest() != root {
			t.Fatalf("witness for %q: digest %x, root %x", p, w.Digest(), root)
		}
		if err := hashtree.WellFormed(w); err != nil {
			t.Fatalf("witness for %q: %v", p, err)
		}
		v, res := hashtree.Lookup(w, p)
		want, ok := model[string(p)]
		switch {
		case ok && (res != hashtree.Found || !bytes.Equal(v, want)):
			t.Fatalf("witness for present %q: %q, %v", p, v, res)
		case !ok && res != hashtree.Absent:
			t.Fatalf("witness for absent %q: %v, want Absent", p, res)
		}
		gv, sub, gok := m.Get(p)
		if gok != ok || ok && (!bytes.Equal(gv, want) || sub != subHash(want)) {
			t.Fatalf("Get(%q) = %q, %v; want %q, %v", p, gv, gok, want, ok)
		}
	}
}

// TestMerkleAgainstModel inserts, updates and deletes random labels (some sharing long
// prefixes, so separators are long) and checks the map after each round, and again after
// reopening the memory.
func TestMerkleAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	mem := stablestore.NewBuffer(0)
	st := mustOpen(t, mem, 0)
	// The B+tree shares the region: its pages and the map's come from one allocator.
	for i := range 300 {
		st.Set([]byte("k"+strconv.Itoa(i)), bytes.Repeat([]byte{byte(i)}, 200))
	}
	model := map[string][]byte{}
	label := func() []byte {
		switch r.IntN(4) {
		case 0:
			return []byte(strconv.Itoa(r.IntN(500)))
		case 1:
			return append(bytes.Repeat([]byte{'p'}, 100), byte(r.IntN(30)))
		case 2:
			return bytes.Repeat([]byte{'z'}, 1+r.IntN(stablestore.MaxLabelLen))
		default:
			b := make([]byte, 1+r.IntN(20))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			return b
		}
	}
	for round := range 40 {
		for range 50 {
			l := label()
			if r.IntN(3) == 0 {
				_, want := model[string(l)]
				ok, err := st.Merkle().Remove(l)
				if err != nil || ok != want {
					t.Fatalf("Remove(%q) = %v, %v; want %v", l, ok, err, want)
				}
				delete(model, string(l))
				continue
			}
			v := make([]byte, r.IntN(stablestore.MaxMerkleValueLen+1))
			for i := range v {
				v[i] = byte(r.IntN(256))
			}
			if _, err := st.Merkle().Put(l, v, subHash(v)); err != nil {
				t.Fatal(err)
			}
			model[string(l)] = v
		}
		probes := [][]byte{{}, {0}, {0xff, 0xff}, []byte("250"), label(), label()}
		for k := range model {
			if len(probes) > 40 {
				break
			}
			probes = append(probes, []byte(k), append([]byte(k), 0))
		}
		checkMerkle(t, st, model, probes)
		if round%10 == 9 {
			st = mustOpen(t, mem, 0)
			checkMerkle(t, st, model, probes)
		}
	}
	// Deleting everything leaves an empty map whose root is the empty tree's hash.
	for k := range model {
		if ok, err := st.Merkle().Remove([]byte(k)); !ok || err != nil {
			t.Fatalf("Remove(%q) = %v, %v", k, ok, err)
		}
	}
	checkMerkle(t, st, map[string][]byte{}, [][]byte{[]byte("x")})
	if st.Merkle().RootHash() != (hashtree.Empty{}).Digest() {
		t.Fatal("empty map's root is not Empty's digest")
	}
	if st.Len() != 300 {
		t.Fatalf("the B+tree has %d entries, want 300", st.Len())
	}
}

// TestMerkleBalanced inserts labels in ascending order (the worst case for an unbalanced
// tree) and checks every leaf is at most 1.44 log2(n) deep, so that an insert and a witness
// touch O(log n) nodes.
func TestMerkleBalanced(t *testing.T) {
	st := mustOpen(t, stablestore.NewBuffer(0), 0)
	const n = 5000
	for i := range n {
		l := []byte("cs_test_" + strconv.Itoa(100000+i))
		if _, err := st.Merkle().Put(l, nil, subHash(nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	depth := func(w hashtree.Node) int {
		d := 0
		for {
			f, ok := w.(hashtree.Fork)
			if !ok {
				return d
			}
			d++
			if _, ok := f.Left.(hashtree.Pruned); ok {
				w = f.Right
			} else {
				w = f.Left
			}
		}
	}
	maxDepth := 0
	for i := 0; i < n; i += 97 {
		maxDepth = max(maxDepth, depth(st.Merkle().Witness([]byte("cs_test_"+strconv.Itoa(100000+i)), nil)))
	}
	if limit := 18; maxDepth > limit { // 1.44 * log2(5000) = 17.7
		t.Fatalf("a leaf is %d forks deep, want <= %d", maxDepth, limit)
	}
}

func TestMerkleRejectsLargeEntries(t *testing.T) {
	st := mustOpen(t, stablestore.NewBuffer(0), 0)
	m := st.Merkle()
	if _, err := m.Put(make([]byte, stablestore.MaxLabelLen+1), nil, [32]byte{}); !errors.Is(err, stablestore.ErrLabel) {
		t.Errorf("long label: %v", err)
	}
	if _, err := m.Put([]byte("a"), make([]byte, stablestore.MaxMerkleValueLen+1), [32]byte{}); !errors.Is(err, stablestore.ErrLabel) {
		t.Errorf("long value: %v", err)
	}
	if m.Len() != 0 || st.Check() != nil {
		t.Error("a refused Put changed the map")
	}
}

// TestMerkleOutOfMemory: a Put that needs a new page when the memory cannot grow fails
// before writing anything, and the map is still valid.
func TestMerkleOutOfMemory(t *testing.T) {
	mem := stablestore.NewBuffer(16) // the first growth step: 1 MiB
	st := mustOpen(t, mem, 0)
	var err error
	n := 0
	for ; err == nil; n++ {
		l := sha256.Sum256([]byte{byte(n), byte(n >> 8), byte(n >> 16)})
		_, err = st.Merkle().Put(l[:], nil, subHash(nil))
	}
	if !errors.Is(err, stablestore.ErrBufferFull) {
		t.Fatalf("after %d entries: %v", n, err)
	}
	if st.Merkle().Len() != n-1 {
		t.Fatalf("Len = %d, want %d", st.Merkle().Len(), n-1)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	if err := mustOpen(t, mem, 0).Check(); err != nil {
		t.Fatal(err)
	}
}
