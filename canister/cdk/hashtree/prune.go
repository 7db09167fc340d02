package hashtree

import (
	"bytes"
	"slices"
)

// Prune returns a witness for paths: a tree with the same root hash as n that reveals every
// value whose path has one of paths as a prefix and replaces everything else by Pruned
// hashes where it can.
//
// For a requested label that does not exist, the labels immediately before and after it are
// kept (their subtrees pruned), so that Lookup - and agents' lookups - report the path as
// Absent rather than Unknown. A requested path that runs into a Leaf keeps that leaf, which
// proves the rest of the path absent. An empty path reveals the whole tree.
func Prune(n Node, paths ...[][]byte) Node {
	want := new(pathTrie)
	for _, p := range paths {
		want.add(p)
	}
	return want.prune(n)
}

// pathTrie is the set of requested paths, merged by common prefixes.
type pathTrie struct {
	all      bool // a requested path ends here: reveal the whole subtree
	children map[string]*pathTrie
}

func (t *pathTrie) add(path [][]byte) {
	n := t
	for _, label := range path {
		if n.all {
			return // a shorter path already reveals everything below
		}
		if n.children == nil {
			n.children = make(map[string]*pathTrie)
		}
		c, ok := n.children[string(label)]
		if !ok {
			c = new(pathTrie)
			n.children[string(label)] = c
		}
		n = c
	}
	n.all, n.children = true, nil
}

// labelAction says what happens to one Labeled node of a forest.
type labelAction struct {
	want    *pathTrie // non-nil: the label is requested, prune its subtree by want
	witness bool      // the label bounds an absent requested label: keep it, prune below
}

func (t *pathTrie) prune(n Node) Node {
	if t.all {
		return n
	}
	switch n.(type) {
	case Leaf, Empty, Pruned:
		// A leaf or an empty forest proves the remaining labels absent; a pruned node
		// cannot be opened.
		return n
	}
	forest := Forest(n)
	labels := make([][]byte, 0, len(forest))
	for _, f := range forest {
		if l, ok := f.(Labeled); ok {
			labels = append(labels, l.Label)
		}
	}
	actions := make(map[string]labelAction, 2*len(t.children))
	for key, sub := range t.children {
		i, found := slices.BinarySearchFunc(labels, []byte(key), bytes.Compare)
		if found {
			a := actions[key]
			a.want = sub
			actions[key] = a
			continue
		}
		// Absent: keep the neighbours on both sides (whichever exist).
		if i > 0 {
			markWitness(actions, labels[i-1])
		}
		if i < len(labels) {
			markWitness(actions, labels[i])
		}
	}
	return pruneForest(n, actions)
}

func markWitness(actions map[string]labelAction, label []byte) {
	a := actions[string(label)]
	a.witness = true
	actions[string(label)] = a
}

// pruneForest prunes the fork structure of one level: nodes no action keeps become Pruned,
// and a Fork whose two sides are both pruned collapses into one Pruned node.
func pruneForest(n Node, actions map[string]labelAction) Node {
	switch n := n.(type) {
	case Fork:
		l := pruneForest(n.Left, actions)
		r := pruneForest(n.Right, actions)
		_, lp := l.(Pruned)
		_, rp := r.(Pruned)
		if lp && rp {
			// Hashing the two pruned hashes gives n's digest without walking n again.
			return Pruned(Fork{Left: l, Right: r}.Digest())
		}
		return Fork{Left: l, Right: r}
	case Labeled:
		a, ok := actions[string(n.Label)]
		switch {
		case ok && a.want != nil:
			return Labeled{Label: n.Label, Tree: a.want.prune(n.Tree)}
		case ok && a.witness:
			return Labeled{Label: n.Label, Tree: Pruned(n.Tree.Digest())}
		}
		return Pruned(n.Digest())
	case Pruned:
		return n
	default:
		// Empty or a stray leaf between labeled nodes: nothing requested can be in it.
		return Pruned(n.Digest())
	}
}
