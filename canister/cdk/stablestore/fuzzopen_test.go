package stablestore_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// FuzzOpenCorrupt feeds Open and Check arbitrary bytes: a header (its CRC fixed up, so the
// fuzzer gets past it) followed by page contents. Open must refuse or succeed without
// panicking, Check must report corruption without panicking, and a store that passes
// Check must answer Len and a full scan consistently.
func FuzzOpenCorrupt(f *testing.F) {
	f.Add(validDump(f, 0))
	f.Add(validDump(f, 40))
	f.Add(validDump(f, 200))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 64 || len(data) > 64+4*stablestore.PageSize {
			return
		}
		hdr := bytes.Clone(data[:64])
		binary.LittleEndian.PutUint32(hdr[60:], crc32.ChecksumIEEE(hdr[:60]))
		mem := stablestore.NewBuffer(0)
		mem.WriteAt(hdr, 0)
		mem.WriteAt(data[64:], stablestore.PageSize)
		st, err := stablestore.Open(mem, 0)
		if err != nil {
			return
		}
		if err := st.Check(); err != nil {
			return
		}
		n := 0
		st.Ascend(nil, func(k, v []byte) bool {
			if got, ok := st.Get(k); !ok || !bytes.Equal(got, v) {
				t.Fatalf("scanned key %x: Get = %x %v, scan gave %x", k, got, ok, v)
			}
			n++
			return true
		})
		if n != st.Len() {
			t.Fatalf("scan saw %d entries, Len %d", n, st.Len())
		}
	})
}

// validDump is the memory of a store with n entries, header and pages concatenated as
// FuzzOpenCorrupt takes them (the unused rest of page 0 cut out).
func validDump(tb testing.TB, n int) []byte {
	mem := stablestore.NewBuffer(0)
	st := mustOpen(tb, mem, 0)
	for i := range n {
		st.Set(fmt.Appendf(nil, "key%04d", i*37%1000), bytes.Repeat([]byte{byte(i)}, 20+i%50))
	}
	b := mem.Bytes()[:st.Stats().Bytes]
	return append(b[:64:64], b[stablestore.PageSize:]...)
}
