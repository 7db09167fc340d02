package httpgateway

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// The skip case's tree, root and path are constants in the package (to keep hashing out of
// canisters); this derives them from the IC interface spec's rules with cdk/hashtree.

func deriveSkipTree(t *testing.T) (cborTree []byte, root [32]byte) {
	t.Helper()
	exprHash := sha256.Sum256([]byte(protocol.SkipCertificationExpression))
	tree, err := hashtree.Build(hashtree.Entry{
		Path:  [][]byte{[]byte("http_expr"), []byte("<*>"), exprHash[:]},
		Value: []byte{},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The self-describing CBOR tag 55799, then the tree.
	return hashtree.AppendEncoded([]byte{0xd9, 0xd9, 0xf7}, tree), tree.Digest()
}

func cborText(b []byte, s string) []byte {
	n := len(s)
	if n < 24 {
		b = append(b, 0x60|byte(n))
	} else {
		b = append(b, 0x78, byte(n))
	}
	return append(b, s...)
}

func TestSkipTreeDerivation(t *testing.T) {
	tree, root := deriveSkipTree(t)
	exprHash := sha256.Sum256([]byte(protocol.SkipCertificationExpression))
	path := cborText(cborText([]byte{0xd9, 0xd9, 0xf7, 0x82}, "http_expr"), "<*>")
	for _, tt := range []struct {
		name      string
		got, want []byte
	}{
		{"expression hash", []byte(skipExprHash), exprHash[:]},
		{"tree", []byte(skipTree), tree},
		{"root", []byte(skipRoot), root[:]},
		{"SkipCertifiedData", SkipCertifiedData(), root[:]},
		{"expression path", []byte(skipExprPath), path},
	} {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s: %x, derived %x", tt.name, tt.got, tt.want)
		}
	}
	// The tree decodes and proves the path the gateway looks up.
	decoded, err := hashtree.Decode([]byte(skipTree))
	if err != nil {
		t.Fatal(err)
	}
	if v, res := hashtree.Lookup(decoded, []byte("http_expr"), []byte("<*>"), exprHash[:]); res != hashtree.Found || len(v) != 0 {
		t.Errorf("lookup of the skip entry = %q, %v", v, res)
	}
}
