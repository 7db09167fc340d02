package certify

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzUnmarshalTree: decoding never panics, and a decoded tree re-encodes to a canonical
// form that decodes to the same root hash; pruning and lookups on it do not panic either.
func FuzzUnmarshalTree(f *testing.F) {
	for _, h := range []string{specTreeCBOR, specPrunedCBOR, "8100", "820341ff"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := UnmarshalTree(data)
		if err != nil {
			return
		}
		enc := MarshalTree(n)
		m, err := UnmarshalTree(enc)
		if err != nil {
			t.Fatalf("re-encoded tree does not decode: %v", err)
		}
		if m.Digest() != n.Digest() || !bytes.Equal(MarshalTree(m), enc) {
			t.Fatal("encoding is not stable")
		}
		p := Prune(n, [][][]byte{{[]byte("a"), []byte("y")}, {[]byte("ax")}})
		if p.Digest() != n.Digest() {
			t.Fatal("pruning changed the root hash")
		}
		Lookup(p, []byte("a"), []byte("y"))
	})
}
