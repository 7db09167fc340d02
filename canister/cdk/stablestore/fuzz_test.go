package stablestore_test

import (
	"bytes"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// FuzzOps applies an operation sequence decoded from the input to a store and to the model,
// comparing every answer, then checks the structure, the full contents and a reopened
// store. Each operation takes 4 bytes: op, key byte, key length, value length. Keys come
// from a small space (shared bytes, lengths up to MaxKeyLen-2) so sequences hit the same
// keys again, and values are up to MaxValueLen-12 bytes so a few inserts split nodes.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 2, 2, 3, 1, 1, 2, 0})
	f.Add(bytes.Repeat([]byte{0, 7, 255, 255, 0, 8, 255, 255, 3, 0, 0, 0, 1, 7, 255, 0}, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := stablestore.NewBuffer(0)
		st := mustOpen(t, mem, 1000)
		m := newModel()
		for n := 0; len(data) >= 4; n, data = n+1, data[4:] {
			op, kb, kl, vl := data[0], data[1], int(data[2]), int(data[3])
			key := bytes.Repeat([]byte{kb}, kl*2)
			switch op % 4 {
			case 0, 1:
				val := bytes.Repeat([]byte{byte(n)}, vl*12)
				if err := st.Put(key, val); err != nil {
					t.Fatal(err)
				}
				m.set(key, val)
			case 2:
				found, err := st.Remove(key)
				if err != nil {
					t.Fatal(err)
				}
				if want := m.del(key); found != want {
					t.Fatalf("op %d: Remove = %v, want %v", n, found, want)
				}
			case 3:
				checkRange(t, st, m, key, 1+vl)
			}
			if got, ok := st.Get(key); ok != (m.m[string(key)] != nil) || !bytes.Equal(got, m.m[string(key)]) {
				t.Fatalf("op %d: Get = %d bytes %v, want %d bytes", n, len(got), ok, len(m.m[string(key)]))
			}
		}
		checkAll(t, st, m)
		t.Logf("%+v", st.Stats())
		checkAll(t, mustOpen(t, mem, 1000), m)
	})
}
