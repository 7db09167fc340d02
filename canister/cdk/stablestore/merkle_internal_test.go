package stablestore

import (
	"errors"
	"testing"
)

// TestMerkleCycleIsCorrupt: a map whose nodes form a cycle (corrupt memory) fails with
// ErrCorrupt once a descent passes the height bound, instead of running past the
// operation's node array.
func TestMerkleCycleIsCorrupt(t *testing.T) {
	st, err := Open(NewBuffer(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := st.Merkle()
	for _, l := range []string{"a", "b", "c"} {
		if _, err := m.Put([]byte(l), nil, [32]byte{}); err != nil {
			t.Fatal(err)
		}
	}
	root := m.u32(metaRoot)
	n := m.load(root)
	n.left, n.right, n.lhgt, n.rhgt = root, root, 5, 5
	m.writeInner(n)
	m.meta[metaRootHeight] = 6
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("descending a cycle: %v, want ErrCorrupt", err)
		}
	}()
	m.Get([]byte("b"))
}
