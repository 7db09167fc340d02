package engine

import (
	"encoding/binary"
	"testing"
)

// TestDirtyPageRollback checks that rollback and commit, which copy only the pages the
// instrumentation marked dirty, see every kind of write.
func TestDirtyPageRollback(t *testing.T) {
	e := newEngine(t, Config{})
	id := installNew(t, e, "dirty.wasm")
	sum := func() uint64 { return binary.LittleEndian.Uint64(query(t, e, id, "sum", nil)) }
	arg := func(a uint32) []byte { return binary.LittleEndian.AppendUint32(nil, a) }

	base := sum()
	// 65532: the i64 store crosses from page 0 into page 1.
	for _, a := range []uint32{65532, 8, 131070, 70000} {
		after := binary.LittleEndian.Uint64(query(t, e, id, "scribble", arg(a)))
		if after == base {
			t.Fatalf("scribble at %d changed nothing", a)
		}
		if got := sum(); got != base {
			t.Fatalf("query writes at %d survived: sum %d, want %d", a, got, base)
		}
	}
	// A lone store crossing from page 0 into page 1, and one crossing from page 63 into 64
	// (bit 63 into bit 0 of the mask).
	for _, a := range []uint32{65532, 64*65536 - 4} {
		if a+8 > 8*65536 {
			continue
		}
		query(t, e, id, "store", arg(a))
		if got := sum(); got != base {
			t.Fatalf("store at %d survived: sum %d, want %d", a, got, base)
		}
	}
	committed := binary.LittleEndian.Uint64(update(t, e, id, "scribble_commit", arg(65532)))
	if got := sum(); got != committed {
		t.Fatalf("committed sum %d, query sees %d", committed, got)
	}
	query(t, e, id, "scribble", arg(1000))
	if got := sum(); got != committed {
		t.Fatalf("after query on committed state: %d, want %d", got, committed)
	}
	// The committed image equals memory: a trap-free reinstantiation path must give the same.
	c, _ := e.get(id)
	c.do(func() {
		fresh := image{}
		c.inst.capture(&fresh)
		if string(fresh.mem) != string(c.img.mem) {
			t.Error("committed image differs from memory")
		}
	})
}
