package httpgateway

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// The skip case's tree, root and path are constants in the package (to keep crypto/sha256
// out of canisters); this derives them from the IC interface spec's rules, as the package
// used to at run time.

// Hash-tree encoding (IC interface spec, "Certificate"): CBOR arrays [tag, ...].
const (
	tagLabeled = 2
	tagLeaf    = 3
)

func deriveSkipTree() (cborTree []byte, root [32]byte) {
	exprHash := sha256.Sum256([]byte(SkipExpression))
	leaf := hashLeaf(nil)
	h3 := hashLabeled(exprHash[:], leaf)
	h2 := hashLabeled([]byte("<*>"), h3)
	root = hashLabeled([]byte("http_expr"), h2)

	var b []byte
	b = append(b, 0xd9, 0xd9, 0xf7) // self-describing CBOR tag 55799
	b = labeled(b, []byte("http_expr"))
	b = labeled(b, []byte("<*>"))
	b = labeled(b, exprHash[:])
	b = append(b, 0x82, tagLeaf)
	b = cborBytes(b, nil)
	return b, root
}

func labeled(b, label []byte) []byte {
	b = append(b, 0x83, tagLabeled)
	return cborBytes(b, label)
}

func cborBytes(b, data []byte) []byte {
	n := len(data)
	switch {
	case n < 24:
		b = append(b, 0x40|byte(n))
	case n < 256:
		b = append(b, 0x58, byte(n))
	default:
		b = append(b, 0x59, byte(n>>8), byte(n))
	}
	return append(b, data...)
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

func domainSep(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func hashLeaf(data []byte) [32]byte {
	return sha256.Sum256(append(domainSep("ic-hashtree-leaf"), data...))
}

func hashLabeled(label []byte, sub [32]byte) [32]byte {
	b := append(domainSep("ic-hashtree-labeled"), label...)
	return sha256.Sum256(append(b, sub[:]...))
}

func TestSkipTreeDerivation(t *testing.T) {
	tree, root := deriveSkipTree()
	exprHash := sha256.Sum256([]byte(SkipExpression))
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
}
