package stablestore_test

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

func TestZZHang(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := [][]byte{validDump(t, 0), validDump(t, 40), validDump(t, 300)}
	for it := range 200000 {
		data := bytes.Clone(base[it%3])
		for range 1 + rng.IntN(4) {
			data[rng.IntN(len(data))] = byte(rng.Uint32())
		}
		if rng.IntN(2) == 0 {
			data[16+rng.IntN(24)] = byte(rng.Uint32())
		}
		hdr := bytes.Clone(data[:64])
		binaryLE32(hdr[60:], crc32.ChecksumIEEE(hdr[:60]))
		mem := stablestore.NewBuffer(0)
		mem.WriteAt(hdr, 0)
		mem.WriteAt(data[64:], stablestore.PageSize)
		st, err := stablestore.Open(mem, 0)
		if err != nil {
			continue
		}
		if err := st.Check(); err != nil {
			continue
		}
		n := 0
		st.Ascend(nil, func(k, v []byte) bool { n++; return true })
	}
}
