package hashtree

import (
	"errors"
	"slices"
)

// Tree is a labeled tree of values (the data before hashing): every node is either a value
// or a set of labeled children, so the set of paths to values is prefix-free. The zero value
// is an empty tree. A Tree is not safe for concurrent mutation.
type Tree struct {
	value    []byte
	isValue  bool
	children map[string]*Tree
}

// ErrPathConflict reports a path that would make the paths of a Tree not prefix-free, or
// (in Build) a path given twice.
var ErrPathConflict = errors.New("conflicting tree paths")

// Set stores value at path, creating the inner nodes on the way and replacing a value
// already there. It fails when the path runs through a value or ends on a node that has
// children.
func (t *Tree) Set(path [][]byte, value []byte) error { return t.set(path, value, true) }

func (t *Tree) set(path [][]byte, value []byte, replace bool) error {
	n := t
	for i, label := range path {
		if n.isValue {
			return wrap(ErrPathConflict, "set "+FormatPath(path)+": "+FormatPath(path[:i])+" holds a value")
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
	switch {
	case len(n.children) > 0:
		return wrap(ErrPathConflict, "set "+FormatPath(path)+": the node has children")
	case n.isValue && !replace:
		return wrap(ErrPathConflict, "set "+FormatPath(path)+": the path is given twice")
	}
	n.value, n.isValue = value, true
	return nil
}

// Delete removes the value at path, and the inner nodes left without children on the way
// up (the root stays, as an empty tree). It reports whether there was a value.
func (t *Tree) Delete(path [][]byte) bool {
	if len(path) == 0 {
		if !t.isValue {
			return false
		}
		t.value, t.isValue = nil, false
		return true
	}
	c, ok := t.children[string(path[0])]
	if !ok || !c.Delete(path[1:]) {
		return false
	}
	if !c.isValue && len(c.children) == 0 {
		delete(t.children, string(path[0]))
	}
	return true
}

// HashTree builds the hash tree of t: a value becomes a Leaf, the children of a node become
// Labeled subtrees in increasing label order joined by a balanced arrangement of Forks, and
// a node without children becomes Empty. The result is well formed.
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

// Build returns the hash tree (as Tree.HashTree arranges it) holding exactly the entries. It
// fails when a path is given twice or is a prefix of another.
func Build(entries ...Entry) (Node, error) {
	var t Tree
	for _, e := range entries {
		if err := t.set(e.Path, e.Value, false); err != nil {
			return nil, err
		}
	}
	return t.HashTree(), nil
}
