package stablestore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

func TestPutRefusesWithoutChange(t *testing.T) {
	tests := []struct {
		name       string
		key, value []byte
		want       error
	}{
		{"key too long", make([]byte, stablestore.MaxKeyLen+1), nil, stablestore.ErrTooLarge},
		{"value too long", []byte("k"), make([]byte, stablestore.MaxValueLen+1), stablestore.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := stablestore.NewBuffer(0)
			st := mustOpen(t, mem, 0)
			st.Set([]byte("a"), []byte("1"))
			before := mem.Bytes()
			if err := st.Put(tc.key, tc.value); !errors.Is(err, tc.want) {
				t.Fatalf("Put = %v, want %v", err, tc.want)
			}
			if !bytes.Equal(mem.Bytes(), before) || st.Len() != 1 {
				t.Fatal("a refused Put changed the memory")
			}
		})
	}
}

// TestOutOfMemory fills a memory with a page limit: the Put that cannot grow the memory
// fails before writing anything and the store stays consistent and usable.
func TestOutOfMemory(t *testing.T) {
	mem := &countingMemory{Memory: stablestore.NewBuffer(64)} // 4 MiB
	st := mustOpen(t, mem, 0)
	m := newModel()
	var err error
	i := 0
	for ; err == nil; i++ {
		k, v := fmt.Appendf(nil, "key-%06d", i), bytes.Repeat([]byte{byte(i)}, 900)
		writes := mem.writes
		if err = st.Put(k, v); err == nil {
			m.set(k, v)
		} else if mem.writes != writes {
			t.Fatal("a failed Put wrote to the memory")
		}
	}
	if !errors.Is(err, stablestore.ErrBufferFull) {
		t.Fatalf("Put failed with %v, want ErrBufferFull", err)
	}
	t.Logf("full after %d entries", i-1)
	checkAll(t, st, m)
	// Overwrites that fit in place and deletes still work.
	if err := st.Put([]byte("key-000001"), bytes.Repeat([]byte{9}, 900)); err != nil {
		t.Fatal(err)
	}
	m.set([]byte("key-000001"), bytes.Repeat([]byte{9}, 900))
	// Deleting one entry in four leaves every leaf above the rebalancing threshold: no
	// page is needed, so it works at the limit.
	for j := 0; j < i-1; j += 4 {
		k := fmt.Appendf(nil, "key-%06d", j)
		if _, err := st.Remove(k); err != nil {
			t.Fatal(err)
		}
		m.del(k)
	}
	checkAll(t, st, m)
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(b []byte) // the header bytes of a valid store
		want    error
	}{
		{"other data", func(b []byte) { copy(b, "not a store at all") }, stablestore.ErrNotStore},
		{"checksum", func(b []byte) { b[40]++ }, stablestore.ErrCorrupt},
		{"version", func(b []byte) { b[8] = 9; fixCRC(b) }, stablestore.ErrNotStore},
		{"page size", func(b []byte) { b[13] = 0x40; fixCRC(b) }, stablestore.ErrNotStore},
		{"root beyond the pages", func(b []byte) { b[16] = 200; fixCRC(b) }, stablestore.ErrCorrupt},
		{"height 0", func(b []byte) { clear(b[20:24]); fixCRC(b) }, stablestore.ErrCorrupt},
		{"free list without count", func(b []byte) { b[28] = 1; fixCRC(b) }, stablestore.ErrCorrupt},
		{"pages beyond the memory", func(b []byte) { b[26] = 0x10; fixCRC(b) }, stablestore.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := stablestore.NewBuffer(0)
			st := mustOpen(t, mem, 100)
			st.Set([]byte("k"), []byte("v"))
			hdr := make([]byte, 64)
			mem.ReadAt(hdr, 100)
			tc.corrupt(hdr)
			mem.WriteAt(hdr, 100)
			if _, err := stablestore.Open(mem, 100); !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := stablestore.Open(stablestore.NewBuffer(0), -1); err == nil {
		t.Fatal("Open at a negative offset succeeded")
	}
	if _, err := stablestore.Open(stablestore.NewBuffer(1), stablestore.WasmPageSize-100); !errors.Is(err, stablestore.ErrBufferFull) {
		t.Fatalf("formatting without room = %v, want ErrBufferFull", err)
	}
}

// TestOffsetLeavesLowMemoryAlone: the bytes below the offset are the caller's.
func TestOffsetLeavesLowMemoryAlone(t *testing.T) {
	mem := stablestore.NewBuffer(0)
	low := bytes.Repeat([]byte("mine"), 1000)
	mem.WriteAt(low, 0)
	st := mustOpen(t, mem, int64(len(low)))
	for i := range 5000 {
		st.Set(fmt.Appendf(nil, "%d", i), bytes.Repeat([]byte{1}, 200))
	}
	got := make([]byte, len(low))
	mem.ReadAt(got, 0)
	if !bytes.Equal(got, low) {
		t.Fatal("the store wrote below its offset")
	}
}

func TestModifyDuringAscendPanics(t *testing.T) {
	st := mustOpen(t, stablestore.NewBuffer(0), 0)
	st.Set([]byte("a"), []byte("1"))
	st.Ascend(nil, func(k, v []byte) bool {
		if err := st.Put([]byte("b"), nil); !errors.Is(err, stablestore.ErrIterating) {
			t.Fatalf("Put in Ascend = %v", err)
		}
		if _, err := st.Remove([]byte("a")); !errors.Is(err, stablestore.ErrIterating) {
			t.Fatalf("Remove in Ascend = %v", err)
		}
		if got, ok := st.Get([]byte("a")); !ok || string(got) != "1" {
			t.Fatal("Get in Ascend failed")
		}
		return true
	})
	st.Set([]byte("b"), nil) // allowed again afterwards
	if st.Len() != 2 {
		t.Fatalf("Len = %d", st.Len())
	}
}

// TestOpenIsConstant: opening a big store reads the header only.
func TestOpenIsConstant(t *testing.T) {
	mem := &countingMemory{Memory: stablestore.NewBuffer(0)}
	st := mustOpen(t, mem, 0)
	for i := range 50_000 {
		st.Set(fmt.Appendf(nil, "%08d", i), []byte("v"))
	}
	mem.reads, mem.bytes = 0, 0
	again := mustOpen(t, mem, 0)
	if mem.reads != 1 || mem.bytes != 64 || again.Len() != 50_000 {
		t.Fatalf("Open read %d times (%d bytes), Len %d", mem.reads, mem.bytes, again.Len())
	}
}

// countingMemory counts ReadAt calls and bytes, and WriteAt calls.
type countingMemory struct {
	stablestore.Memory
	reads, bytes, writes int
}

func (c *countingMemory) WriteAt(p []byte, off int64) (int, error) {
	c.writes++
	return c.Memory.WriteAt(p, off)
}

func (c *countingMemory) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	c.bytes += len(p)
	return c.Memory.ReadAt(p, off)
}

// TestNestedAscend: a callback may start another (read-only) scan.
func TestNestedAscend(t *testing.T) {
	st := mustOpen(t, stablestore.NewBuffer(0), 0)
	for i := range 2000 {
		st.Set(fmt.Appendf(nil, "%05d", i), bytes.Repeat([]byte{byte(i)}, 100))
	}
	outer := 0
	st.Ascend(nil, func(k, v []byte) bool {
		inner := 0
		st.Ascend(fmt.Appendf(nil, "%05d", 1990), func(k2, _ []byte) bool {
			inner++
			return true
		})
		if inner != 10 || v[0] != byte(outer) || string(k) != fmt.Sprintf("%05d", outer) {
			t.Fatalf("outer entry %d: key %s, inner scan saw %d", outer, k, inner)
		}
		outer++
		return true
	})
	if outer != 2000 {
		t.Fatalf("outer scan saw %d", outer)
	}
}

// fixCRC recomputes a header's checksum after a test changed a field.
func fixCRC(hdr []byte) { binary.LittleEndian.PutUint32(hdr[60:], crc32.ChecksumIEEE(hdr[:60])) }
