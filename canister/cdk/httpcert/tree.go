package httpcert

import (
	"bytes"
	"slices"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
)

// Mount is a large part of the tree kept elsewhere, such as a ResponseMap in stable
// memory: the forest under one label.
type Mount interface {
	// RootHash is the digest of the forest.
	RootHash() [32]byte
	// Witness reveals the given paths (labels below the mount's label) and prunes the rest.
	Witness(paths [][][]byte) hashtree.Node
}

// Tree is the http_expr tree of a canister: entries added with Insert live on the heap,
// mounted maps elsewhere. Its RootHash is the canister's certified data. Digests of the
// parts that do not change are cached, so after a mounted map changes RootHash costs four
// hashes: the mount's label, two Forks (the mount's siblings are kept as two cached
// forests) and http_expr. The zero value is an empty tree. A Tree is not safe for
// concurrent use (a canister runs one message at a time).
type Tree struct {
	root tnode
}

// tnode is a node of the tree: a forest of labeled children, the empty leaf that ends an
// entry, or a mount.
type tnode struct {
	label    []byte
	children []*tnode // sorted by label
	leaf     bool
	mount    Mount
	hot      bool // a mount is here or below: never cached
	hotChild int  // the one hot child's index, or -1 (none, or several)

	valid    bool     // lab and sub are current (never for hot nodes)
	sub, lab [32]byte // digest of the subtree, and of Labeled(label, subtree)
	forests  []forest // cached digests of balanced forests of children
}

// forest is the digest of the balanced forest of children[lo:hi].
type forest struct {
	lo, hi int
	digest [32]byte
}

var (
	sepFork      = hashtree.DomainSeparator("ic-hashtree-fork")
	sepLabeled   = hashtree.DomainSeparator("ic-hashtree-labeled")
	emptyDigest  = hashtree.Empty{}.Digest()
	emptyLeaf    = hashtree.Leaf{}.Digest()
	labelHTTPExp = []byte("http_expr")
)

// forkHash and labeledHash lay the input and its padding out in one buffer and hash it
// block by block (sha256.SumPadded): they run at every level of a change.
func forkHash(l, r [32]byte) [32]byte {
	var b [128]byte
	copy(b[:], sepFork)
	*(*[32]byte)(b[17:49]) = l
	*(*[32]byte)(b[49:81]) = r
	return sha256.SumPadded(sha256.Pad(b[:81], 81))
}

func labeledHash(label []byte, sub [32]byte) [32]byte {
	n := len(sepLabeled) + len(label) + 32
	if n > 128-9 {
		b := append(append(append(make([]byte, 0, n), sepLabeled...), label...), sub[:]...)
		return sha256.Sum256(b)
	}
	var b [128]byte
	copy(b[:], sepLabeled)
	copy(b[len(sepLabeled):], label)
	*(*[32]byte)(b[n-32 : n]) = sub
	return sha256.SumPadded(sha256.Pad(b[:n], n))
}

// Insert certifies a response at exprPath (labels under http_expr, from ExactPath or
// WildcardPath) with certification c and response hash h (from c.Prepare; ignored for
// Skip). Several responses may be certified at one path.
func (t *Tree) Insert(exprPath [][]byte, c *Certification, h [32]byte) {
	n := t.node(entryPath(exprPath, c, h))
	n.leaf = true
}

// Delete removes what Insert added, and the nodes left empty.
func (t *Tree) Delete(exprPath [][]byte, c *Certification, h [32]byte) {
	t.root.delete(entryPath(exprPath, c, h))
	t.root.markHot()
}

// Mount puts m at path (labels under http_expr, e.g. [checkout] for the responses at
// /checkout/<id>). Entries inserted below path are not allowed.
func (t *Tree) Mount(path [][]byte, m Mount) {
	n := t.node(path)
	n.mount = m
}

// RootHash is the digest of the whole tree: what the canister's certified data must be.
func (t *Tree) RootHash() [32]byte {
	t.root.label = labelHTTPExp
	return t.root.labeled()
}

// Witness returns the tree reduced to what a gateway looks up for the given paths (labels
// under http_expr; VerificationPaths lists them for a request): the entries at those paths
// revealed, absent labels proven absent by their neighbours, the rest pruned. Encode it
// with WitnessCBOR.
func (t *Tree) Witness(paths ...[][]byte) hashtree.Node {
	t.root.label = labelHTTPExp
	want := new(ptrie)
	for _, p := range paths {
		want.add(p)
	}
	return hashtree.Labeled{Label: labelHTTPExp, Tree: t.root.witness(want)}
}

// WitnessCBOR encodes a witness for the IC-Certificate header (with the self-describing tag).
func WitnessCBOR(n hashtree.Node) []byte {
	// Room for a witness of a million-entry map (about 1 KiB), so appending never copies.
	b := make([]byte, 0, 2048)
	return hashtree.AppendEncoded(append(b, 0xd9, 0xd9, 0xf7), n)
}

// entryPath is where a certified response lives: the expression path, the expression hash,
// the request hash (empty: no request certification) and the response hash. A skip entry
// ends at the expression hash.
func entryPath(exprPath [][]byte, c *Certification, h [32]byte) [][]byte {
	p := append(slices.Clone(exprPath), c.ExprHash[:])
	if c.IsSkip {
		return p
	}
	return append(p, []byte{}, h[:])
}

// node finds or makes the node at path, invalidating the caches on the way.
func (t *Tree) node(path [][]byte) *tnode {
	n := &t.root
	for _, l := range path {
		n.invalidate()
		i, ok := n.find(l)
		if !ok {
			c := &tnode{label: slices.Clone(l)}
			n.children = slices.Insert(n.children, i, c)
		}
		n = n.children[i]
	}
	n.invalidate()
	t.root.markHot()
	return n
}

func (n *tnode) find(l []byte) (int, bool) {
	return slices.BinarySearchFunc(n.children, l, func(c *tnode, l []byte) int { return bytes.Compare(c.label, l) })
}

func (n *tnode) invalidate() {
	n.valid = false
	n.forests = nil
}

// markHot marks the nodes at or above a mount and finds each node's hot child; it reports
// whether n is hot.
func (n *tnode) markHot() bool {
	n.hot, n.hotChild = n.mount != nil, -1
	hots := 0
	for i, c := range n.children {
		if c.markHot() {
			n.hot = true
			n.hotChild = i
			hots++
		}
	}
	if hots > 1 {
		n.hotChild = -1
	}
	return n.hot
}

func (n *tnode) delete(path [][]byte) bool {
	if len(path) == 0 {
		if !n.leaf {
			return false
		}
		n.leaf = false
		return true
	}
	i, ok := n.find(path[0])
	if !ok || !n.children[i].delete(path[1:]) {
		return false
	}
	n.invalidate()
	c := n.children[i]
	if !c.leaf && c.mount == nil && len(c.children) == 0 {
		n.children = slices.Delete(n.children, i, i+1)
	}
	return true
}

// subtree returns the digest of the node's subtree.
func (n *tnode) subtree() [32]byte {
	if n.valid {
		return n.sub
	}
	var d [32]byte
	switch {
	case n.mount != nil:
		d = n.mount.RootHash()
	case n.leaf:
		d = emptyLeaf
	default:
		d = n.forestDigest()
	}
	n.sub = d
	n.lab = labeledHash(n.label, d)
	n.valid = !n.hot
	return d
}

func (n *tnode) labeled() [32]byte {
	n.subtree()
	return n.lab
}

// The forest of a node's children: Forks over the children in label order, balanced as
// hashtree.Tree arranges them, except that a hot child (at most one is kept apart) sits
// near the top - Fork(Fork(left, hot), right) - so that its changes rehash two Forks while
// the left and right forests stay cached.
func (n *tnode) hotIndex() int { return n.hotChild }

func (n *tnode) forestDigest() [32]byte {
	h := n.hotIndex()
	if h < 0 {
		return n.balanced(0, len(n.children))
	}
	mid := n.children[h].labeled()
	if h > 0 {
		mid = forkHash(n.balanced(0, h), mid)
	}
	if h+1 < len(n.children) {
		mid = forkHash(mid, n.balanced(h+1, len(n.children)))
	}
	return mid
}

// balanced is the digest of the balanced forest of children[lo:hi], cached unless it holds
// a hot child.
func (n *tnode) balanced(lo, hi int) [32]byte {
	switch hi - lo {
	case 0:
		return emptyDigest
	case 1:
		return n.children[lo].labeled()
	}
	for _, f := range n.forests {
		if f.lo == lo && f.hi == hi {
			return f.digest
		}
	}
	mid := lo + (hi-lo)/2
	d := forkHash(n.balanced(lo, mid), n.balanced(mid, hi))
	cacheable := true
	for _, c := range n.children[lo:hi] {
		if c.hot {
			cacheable = false
		}
	}
	if cacheable {
		n.forests = append(n.forests, forest{lo, hi, d})
	}
	return d
}

// ptrie is a set of requested paths merged by prefix.
type ptrie struct {
	all      bool
	children map[string]*ptrie
	paths    [][][]byte // the requested paths below this point, for mounts
}

func (t *ptrie) add(path [][]byte) {
	n := t
	for i, l := range path {
		n.paths = append(n.paths, path[i:])
		if n.all {
			return
		}
		if n.children == nil {
			n.children = make(map[string]*ptrie)
		}
		c, ok := n.children[string(l)]
		if !ok {
			c = new(ptrie)
			n.children[string(l)] = c
		}
		n = c
	}
	n.all, n.children = true, nil
}

// action says what a witness shows of one child.
type action struct {
	want     *ptrie // reveal the child, pruned below by want
	neighbor bool   // reveal the label only (it bounds an absent label)
}

// witness returns the node's subtree for the requested paths below it.
func (n *tnode) witness(want *ptrie) hashtree.Node {
	switch {
	case n.mount != nil:
		if want.all {
			return hashtree.Pruned(n.subtree()) // a whole mounted map is never revealed
		}
		return n.mount.Witness(want.paths)
	case n.leaf:
		return hashtree.Leaf{} // an entry's end: longer paths are absent
	}
	acts := make([]action, len(n.children))
	any := false
	for l, sub := range want.children {
		i, ok := n.find([]byte(l))
		if ok {
			acts[i].want = sub
			any = true
			continue
		}
		if i > 0 {
			acts[i-1].neighbor = true
		}
		if i < len(n.children) {
			acts[i].neighbor = true
		}
		any = true
	}
	if want.all {
		for i := range acts {
			acts[i].want = &ptrie{all: true}
		}
		any = true
	}
	if len(n.children) == 0 {
		return hashtree.Empty{}
	}
	if !any {
		return hashtree.Pruned(n.subtree())
	}
	h := n.hotIndex()
	if h < 0 {
		return n.balancedWitness(0, len(n.children), acts)
	}
	mid := n.childWitness(h, acts)
	if h > 0 {
		mid = hashtree.Fork{Left: n.balancedWitness(0, h, acts), Right: mid}
	}
	if h+1 < len(n.children) {
		mid = hashtree.Fork{Left: mid, Right: n.balancedWitness(h+1, len(n.children), acts)}
	}
	return mid
}

func (n *tnode) balancedWitness(lo, hi int, acts []action) hashtree.Node {
	if hi-lo == 0 {
		return hashtree.Empty{}
	}
	shown := false
	for _, a := range acts[lo:hi] {
		if a.want != nil || a.neighbor {
			shown = true
		}
	}
	if !shown {
		return hashtree.Pruned(n.balanced(lo, hi))
	}
	if hi-lo == 1 {
		return n.childWitness(lo, acts)
	}
	mid := lo + (hi-lo)/2
	return hashtree.Fork{Left: n.balancedWitness(lo, mid, acts), Right: n.balancedWitness(mid, hi, acts)}
}

func (n *tnode) childWitness(i int, acts []action) hashtree.Node {
	c := n.children[i]
	switch a := acts[i]; {
	case a.want != nil:
		return hashtree.Labeled{Label: c.label, Tree: c.witness(a.want)}
	case a.neighbor:
		return hashtree.Labeled{Label: c.label, Tree: hashtree.Pruned(c.subtree())}
	}
	return hashtree.Pruned(c.labeled())
}

// Certifies reports whether witness w (from Tree.Witness) reveals the response hash h
// certified with c at exprPath: a canister checks with it, in one read of a mounted map,
// that the answer it renders is the certified one before serving it.
func Certifies(w hashtree.Node, exprPath [][]byte, c *Certification, h [32]byte) bool {
	n, ok := child(w, labelHTTPExp)
	for _, l := range exprPath {
		if !ok {
			return false
		}
		n, ok = child(n, l)
	}
	for _, l := range [][]byte{c.ExprHash[:], {}, h[:]} {
		if !ok {
			return false
		}
		n, ok = child(n, l)
	}
	leaf, isLeaf := n.(hashtree.Leaf)
	return ok && isLeaf && len(leaf) == 0
}

// child finds the subtree labeled l in the forest n (without flattening it).
func child(n hashtree.Node, l []byte) (hashtree.Node, bool) {
	switch n := n.(type) {
	case hashtree.Labeled:
		if bytes.Equal(n.Label, l) {
			return n.Tree, true
		}
	case hashtree.Fork:
		if t, ok := child(n.Left, l); ok {
			return t, true
		}
		return child(n.Right, l)
	}
	return nil, false
}

// Merge combines two witnesses of the same tree into one revealing what either reveals.
func Merge(a, b hashtree.Node) hashtree.Node {
	switch x := a.(type) {
	case hashtree.Pruned:
		return b
	case hashtree.Fork:
		if y, ok := b.(hashtree.Fork); ok {
			return hashtree.Fork{Left: Merge(x.Left, y.Left), Right: Merge(x.Right, y.Right)}
		}
	case hashtree.Labeled:
		if y, ok := b.(hashtree.Labeled); ok {
			return hashtree.Labeled{Label: x.Label, Tree: Merge(x.Tree, y.Tree)}
		}
	}
	return a
}
