package hashtree

import (
	"bytes"
	"testing"
)

// FuzzDecode: decoding never panics, and a decoded tree re-encodes to a canonical form that
// decodes to the same root hash; pruning and lookups on it do not panic either.
func FuzzDecode(f *testing.F) {
	for _, h := range []string{specTreeCBOR, specPrunedCBOR, "8100", "820341ff", "d9d9f79f034178ff"} {
		f.Add(mustHex(f, h))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Decode(data)
		if err != nil {
			return
		}
		enc := Encode(n)
		m, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded tree does not decode: %v", err)
		}
		if m.Digest() != n.Digest() || !bytes.Equal(Encode(m), enc) {
			t.Fatal("encoding is not stable")
		}
		p := Prune(n, labels("a", "y"), labels("ax"))
		if p.Digest() != n.Digest() {
			t.Fatal("pruning changed the root hash")
		}
		Lookup(p, []byte("a"), []byte("y"))
		Leaves(p)
		WellFormed(p)
	})
}
