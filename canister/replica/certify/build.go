package certify

import (
	"fmt"
	"slices"
)

// Tree is a labeled tree of values (the system state before hashing): every node is either
// a value or a set of labeled children, so the set of paths to values is prefix-free.
// The zero value is an empty tree. A Tree is not safe for concurrent mutation.
type Tree struct {
	value    []byte
	isValue  bool
	children map[string]*Tree
}

// Set stores value at path, creating the inner nodes on the way. It fails when the path
// runs through a value or ends on a node that has children, which would make the set of
// paths not prefix-free.
func (t *Tree) Set(path [][]byte, value []byte) error {
	n := t
	for i, label := range path {
		if n.isValue {
			return fmt.Errorf("set %s: %s holds a value", fmtPath(path), fmtPath(path[:i]))
		}
		if n.children == nil {
			n.children = make(map[string]*Tree)
		}
		c, ok := n.children[string(label)]
		if !ok {
			c = new(Tree)
			n.children[string(label)] = c
		}
		n = c
	}
	if len(n.children) > 0 {
		return fmt.Errorf("set %s: the node has children", fmtPath(path))
	}
	n.value, n.isValue = value, true
	return nil
}

// HashTree builds the hash tree of t: a value becomes a Leaf, the children of a node become
// Labeled subtrees in increasing label order joined by a balanced arrangement of Forks, and
// a node without children becomes Empty.
func (t *Tree) HashTree() Node {
	if t.isValue {
		return Leaf(t.value)
	}
	labels := make([]string, 0, len(t.children))
	for l := range t.children {
		labels = append(labels, l)
	}
	slices.Sort(labels) // Go string order is byte order, as the tree requires
	return t.forest(labels)
}

func (t *Tree) forest(labels []string) Node {
	switch len(labels) {
	case 0:
		return Empty{}
	case 1:
		return Labeled{Label: []byte(labels[0]), Tree: t.children[labels[0]].HashTree()}
	}
	mid := len(labels) / 2
	return Fork{Left: t.forest(labels[:mid]), Right: t.forest(labels[mid:])}
}

func fmtPath(path [][]byte) string {
	s := ""
	for _, l := range path {
		s += "/" + fmtLabel(l)
	}
	if s == "" {
		return "/"
	}
	return s
}

// fmtLabel prints printable labels as text and others as hex.
func fmtLabel(l []byte) string {
	for _, c := range l {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("0x%x", l)
		}
	}
	return string(l)
}
