// Package hashtree is the IC's hash tree (interface specification, section "Certification"),
// defined once for both sides: the local replica certifies its state with it, the HTTP
// gateway verifies responses with it, and a canister can build certified data with it.
//
//   - Node and its five forms (Empty, Fork, Labeled, Leaf, Pruned) with Digest, the spec's
//     reconstruct: SHA-256 with the "ic-hashtree-*" domain separators.
//   - Lookup and LookupSubtree, the spec's lookup_path with its four outcomes (Found, Absent,
//     Unknown, Error), Leaves (every revealed value, the spec's lookup*) and WellFormed.
//   - Tree and Build turn labeled values into a well-formed hash tree; Prune reduces a tree to
//     a witness for some paths, keeping the neighbours that prove absent paths absent.
//   - Encode and Decode are the CBOR form ([0], [1, l, r], [2, label, t], [3, value],
//     [4, hash]), written and read by hand so a canister links no CBOR library.
//
// The package imports neither fmt nor os (see cdk/internal/sizeprobe); in Wasm builds it
// hashes with cdk/sha256 for the same reason.
package hashtree

import "github.com/gocanister/stripe-ic/canister/cdk/sha256"

// Node is a node of a hash tree: Empty, Fork, Labeled, Leaf or Pruned.
type Node interface {
	// Digest is reconstruct(node) of the specification: the node's hash.
	Digest() [32]byte
	isNode()
}

// Empty is the empty tree.
type Empty struct{}

// Fork joins two trees.
type Fork struct {
	Left, Right Node
}

// Labeled puts a tree under a label.
type Labeled struct {
	Label []byte
	Tree  Node
}

// Leaf is a value.
type Leaf []byte

// Pruned stands for a subtree of which only the hash is revealed.
type Pruned [32]byte

func (Empty) isNode()   {}
func (Fork) isNode()    {}
func (Labeled) isNode() {}
func (Leaf) isNode()    {}
func (Pruned) isNode()  {}

// DomainSeparator returns domain_sep(s) of the specification: the length of s as one byte,
// then s. Certificates sign DomainSeparator("ic-state-root") followed by the root hash.
func DomainSeparator(s string) []byte { return append([]byte{byte(len(s))}, s...) }

// Domain separators of the node hashes.
var (
	sepEmpty   = DomainSeparator("ic-hashtree-empty")
	sepFork    = DomainSeparator("ic-hashtree-fork")
	sepLabeled = DomainSeparator("ic-hashtree-labeled")
	sepLeaf    = DomainSeparator("ic-hashtree-leaf")
)

// Digest returns H(domain_sep("ic-hashtree-empty")).
func (Empty) Digest() [32]byte { return sha256.Sum256(sepEmpty) }

// Digest returns H(domain_sep("ic-hashtree-fork") · left · right).
func (f Fork) Digest() [32]byte {
	l, r := f.Left.Digest(), f.Right.Digest()
	h := sha256.New()
	h.Write(sepFork)
	h.Write(l[:])
	h.Write(r[:])
	return sum(h.Sum(nil))
}

// Digest returns H(domain_sep("ic-hashtree-labeled") · label · subtree).
func (l Labeled) Digest() [32]byte {
	t := l.Tree.Digest()
	h := sha256.New()
	h.Write(sepLabeled)
	h.Write(l.Label)
	h.Write(t[:])
	return sum(h.Sum(nil))
}

// Digest returns H(domain_sep("ic-hashtree-leaf") · value).
func (l Leaf) Digest() [32]byte {
	h := sha256.New()
	h.Write(sepLeaf)
	h.Write(l)
	return sum(h.Sum(nil))
}

// Digest returns the pruned hash itself.
func (p Pruned) Digest() [32]byte { return p }

func sum(b []byte) (out [32]byte) {
	copy(out[:], b)
	return out
}
