// Package certify implements the certification side of the Internet Computer state tree for
// the local replica: labeled hash trees (building, root hash, pruning with absence proofs,
// lookup, CBOR encoding), BLS-signed certificates over a tree's root hash, the subnet's root
// key in the DER form agents expect, and the Ed25519 node keys that sign query responses.
//
// The encodings follow the IC interface specification, section "Certification"; the package
// does not depend on the execution engine.
package certify

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Node is a node of an IC hash tree: Empty, Fork, Labeled, Leaf or Pruned.
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

// Domain separators: the length byte followed by the ASCII name, as domain_sep(s) defines.
var (
	sepEmpty   = domainSep("ic-hashtree-empty")
	sepFork    = domainSep("ic-hashtree-fork")
	sepLabeled = domainSep("ic-hashtree-labeled")
	sepLeaf    = domainSep("ic-hashtree-leaf")
)

func domainSep(s string) []byte { return append([]byte{byte(len(s))}, s...) }

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

// LookupResult classifies the outcome of Lookup, as lookup_path of the specification does.
type LookupResult int

const (
	// Found means the path has a value.
	Found LookupResult = iota
	// Absent means the tree proves the path does not exist.
	Absent
	// Unknown means the path may exist in a pruned part.
	Unknown
	// Error means the path leads to an inner node, not a value.
	Error
)

func (r LookupResult) String() string {
	switch r {
	case Found:
		return "found"
	case Absent:
		return "absent"
	case Unknown:
		return "unknown"
	case Error:
		return "error"
	}
	return fmt.Sprintf("LookupResult(%d)", int(r))
}

// Lookup looks a path up in a tree following lookup_path of the specification. The value is
// returned only when the result is Found.
func Lookup(n Node, path ...[]byte) ([]byte, LookupResult) {
	for _, label := range path {
		sub, res := findLabel(label, flatten(n, nil))
		if res != Found {
			return nil, res
		}
		n = sub
	}
	switch n := n.(type) {
	case Leaf:
		return n, Found
	case Empty:
		return nil, Absent
	case Pruned:
		return nil, Unknown
	default:
		return nil, Error
	}
}

// flatten is flatten_forks: the forest of a tree's top level, Empty contributing nothing.
func flatten(n Node, acc []Node) []Node {
	switch n := n.(type) {
	case Empty:
		return acc
	case Fork:
		return flatten(n.Right, flatten(n.Left, acc))
	default:
		return append(acc, n)
	}
}

// findLabel is find_label of the specification over a flattened forest.
func findLabel(label []byte, forest []Node) (Node, LookupResult) {
	if len(forest) == 0 {
		return nil, Absent
	}
	if len(forest) == 1 {
		if _, ok := forest[0].(Leaf); ok {
			return nil, Absent
		}
	}
	// Scan for the label; track whether the gap it would fall into is bounded by revealed
	// labels on both sides, which is what makes absence provable.
	prevLabeled := true // before the first element, the left bound is the start of the forest
	for _, t := range forest {
		l, ok := t.(Labeled)
		if !ok {
			prevLabeled = false
			continue
		}
		switch c := bytes.Compare(label, l.Label); {
		case c == 0:
			return l.Tree, Found
		case c < 0:
			if prevLabeled {
				return nil, Absent
			}
			return nil, Unknown
		}
		prevLabeled = true
	}
	// label is greater than every revealed label: absent only if the forest ends labeled.
	if _, ok := forest[len(forest)-1].(Labeled); ok {
		return nil, Absent
	}
	return nil, Unknown
}

// errMalformed reports a tree that is not well formed.
var errMalformed = errors.New("malformed hash tree")

// WellFormed checks the specification's well_formed: labels strictly increasing within each
// forest and leaves never mixed with labeled subtrees.
func WellFormed(n Node) error {
	if _, ok := n.(Leaf); ok {
		return nil
	}
	var prev []byte
	hasPrev := false
	for _, t := range flatten(n, nil) {
		switch t := t.(type) {
		case Leaf:
			return fmt.Errorf("%w: leaf inside a forest", errMalformed)
		case Labeled:
			if hasPrev && bytes.Compare(prev, t.Label) >= 0 {
				return fmt.Errorf("%w: labels %q and %q out of order", errMalformed, prev, t.Label)
			}
			prev, hasPrev = t.Label, true
			if err := WellFormed(t.Tree); err != nil {
				return err
			}
		}
	}
	return nil
}
