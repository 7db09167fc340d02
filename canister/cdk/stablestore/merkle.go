package stablestore

import (
	"bytes"
	"errors"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/cdk/stable"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// The certified map (Merkle) keeps labeled values whose IC hash tree - a forest of
// Labeled(label, subtree) in label order, joined by Forks - has its root hash ready at any
// time and gives a witness for one label by reading one root-to-leaf path. It lives in the
// same region as the B+tree, in pages taken from the same allocator, so a canister keeps a
// million certified entries in stable memory with nothing on the heap, and post_upgrade
// only reads its meta page.
//
// Why not hashes in the B+tree's pages: a hash tree's Forks are binary, so a page of F
// entries hashes as F-1 Forks, and an insert shifts the entries of its page. Keeping the
// in-page arrangement would cost F/2 Fork hashes per insert and page level; a binary tree
// costs one per level, log2(n) in all (20 at a million entries). SHA-256 is the dominant
// cost in a Wasm canister (about 9,000 instructions per 64-byte block, two per Fork), so
// the map is a leaf-oriented AVL tree: entries in the leaves, and each inner node holding
// a separator and, for both children, the reference, the height and the subtree hash. The
// Fork over an inner node's children is exactly the hash tree's Fork, so the map's root
// hash is the digest of the forest. An insert or delete rehashes the nodes on its path
// (plus at most two rotated ones); a witness reads the path and reveals the siblings'
// stored hashes as Pruned nodes.
//
// Nodes are fixed-size slots (nodeSize bytes, nodesPerPage per pool page):
//
//	inner: 0 kind=nodeInner, 1 left height, 2 right height, 3 separator length,
//	       4 left ref u32, 8 right ref u32, 12 left hash [32], 44 right hash [32],
//	       76 separator [<= maxSeparator]
//	leaf:  0 kind=nodeLeaf, 1 -, 2 label length, 3 value length, 4 subtree hash [32],
//	       36 label, value
//	free:  0 kind=nodeFree, 4 next free ref u32, zeros
//
// A reference is page<<refSlotBits | slot (0: none; page 0 is the header page). A
// separator s of an inner node satisfies left labels < s <= right labels; it is the
// shortest prefix of a label that does so when the node is made, and stays valid through
// rotations (which do not change which labels lie on either side) and deletes (which only
// remove labels). The meta page (header field merkle) holds the root, the entry count,
// the allocation state and the root hash; pool pages are linked from it for Check.
const (
	// MaxLabelLen bounds a certified map label; MaxMerkleValueLen bounds its value.
	MaxLabelLen       = 116
	MaxMerkleValueLen = 40

	nodeSize     = 192
	innerRead    = 96                               // bytes of an inner node load reads first
	poolHeader   = PageSize - nodesPerPage*nodeSize // 128: kind, link to the previous pool page
	nodesPerPage = 42
	refSlotBits  = 6
	maxSeparator = nodeSize - 76
	maxPoolPage  = 1<<(32-refSlotBits) - 1

	// maxAVLHeight bounds the map's height: with 32-bit references it holds fewer than
	// 2^31 entries, and an AVL tree of n leaves is at most 1.44 log2(n+2) high (44.4).
	maxAVLHeight = 46
	// maxOpNodes bounds the inner nodes one operation reads or makes: its path, a new node
	// and at most two more per level for rotations.
	maxOpNodes = 3*maxAVLHeight + 1

	nodeLeaf  = 1
	nodeInner = 2
	nodeFree  = 3

	kindPool = 0xFD
	kindMeta = 0xFC

	// meta page layout
	metaRoot       = 8  // u32
	metaRootHeight = 12 // u8
	metaCount      = 16 // u64
	metaCurPage    = 24 // u32: pool page being filled (0: none)
	metaCurNext    = 28 // u32: next unused slot of it
	metaFreeHead   = 32 // u32: first free node
	metaFreeCount  = 36 // u32
	metaLastPool   = 40 // u32: newest pool page (each links the previous one)
	metaPools      = 44 // u32: pool pages
	metaRootHash   = 48 // [32]
	metaSize       = 80
)

var metaMagic = [8]byte{'G', 'o', 'S', 't', 'M', 'K', 0, 1}

// ErrLabel is returned for a certified map label or value beyond the bounds.
var ErrLabel = errors.New("stablestore: certified map entry too large")

// Merkle is the store's certified map (see the package comment of merkle.go above): an
// ordered map from labels to small values, each with the hash of the subtree it stands
// for, whose hash tree root is RootHash. Get it with Store.Merkle; one per Store.
type Merkle struct {
	s    *Store
	meta [metaSize]byte
	node [nodeSize]byte
	path []mstep
	// ops[:nops] are the nodes read or made by the current operation, in an array so that
	// an operation allocates nothing and takes a node with one index.
	ops  [maxOpNodes]mnode
	nops int

	// forkBuf is where hashTo hashes Forks (at every level of every change), with the
	// domain separator and the padding in place.
	forkBuf [128]byte
	oldBuf  [MaxLabelLen]byte
}

// mnode is an inner node in memory.
type mnode struct {
	ref         uint32
	left, right uint32
	lhgt, rhgt  uint8
	seplen      uint8 // the separator is raw[76 : 76+seplen]
	dirty       bool
	// lstale and rstale mark a child hash not computed yet: the child is a node the
	// operation changed, hashed once when its parent's hash is needed (hashTo).
	lstale, rstale bool
	lnode, rnode   *mnode         // the stale children
	raw            [nodeSize]byte // the node as read or to be written
}

func (n *mnode) height() uint8 { return 1 + max(n.lhgt, n.rhgt) }

func (n *mnode) sep() []byte { return n.raw[76 : 76+int(n.seplen)] }

// setSep puts the separator s in place.
func (n *mnode) setSep(s []byte) { n.seplen = uint8(copy(n.raw[76:], s)) }

// lh and rh are the children's hashes, kept in place in the node's bytes.
func (n *mnode) lh() *[32]byte { return (*[32]byte)(n.raw[12:44]) }
func (n *mnode) rh() *[32]byte { return (*[32]byte)(n.raw[44:76]) }

// child is a reference with what the parent keeps about it. A child the operation changed
// carries its node instead of its hash (computed later, once).
type child struct {
	ref    uint32
	height uint8
	digest [32]byte
	node   *mnode
}

// mstep is one inner node of a descent and the side taken.
type mstep struct {
	n     *mnode
	right bool
}

var (
	sepFork    = hashtree.DomainSeparator("ic-hashtree-fork")
	sepLabeled = hashtree.DomainSeparator("ic-hashtree-labeled")
	emptyHash  = hashtree.Empty{}.Digest()
)

// forkDigest is hashtree.Fork's digest of two hashes, without allocating.
func forkDigest(l, r *[32]byte) [32]byte {
	var b [17 + 64]byte
	copy(b[:], sepFork)
	copy(b[17:], l[:])
	copy(b[49:], r[:])
	return sha256.Sum256(b[:])
}

// labeledDigest is hashtree.Labeled's digest of a label over a subtree hash.
func labeledDigest(label []byte, sub *[32]byte) [32]byte {
	var b [192]byte // separator, label (<= MaxLabelLen), hash and padding: at most 3 blocks
	n := copy(b[:], sepLabeled)
	n += copy(b[n:], label)
	n += copy(b[n:], sub[:])
	return sha256.SumPadded(sha256.Pad(b[:n], n))
}

// Merkle returns the store's certified map, reading its meta page (once per Store).
func (s *Store) Merkle() *Merkle {
	if s.merkle == nil {
		// The operation's nodes and path are made now (init, post_upgrade) rather than by
		// the first change.
		m := &Merkle{s: s, path: make([]mstep, 0, maxAVLHeight)}
		copy(m.forkBuf[:], sepFork)
		sha256.Pad(m.forkBuf[:len(sepFork)+64], len(sepFork)+64) // writes the padding in place
		if s.h.merkle != 0 {
			s.readAt(m.meta[:], s.pageOffset(s.h.merkle))
		} else {
			copy(m.meta[metaRootHash:], emptyHash[:])
		}
		s.merkle = m
	}
	return s.merkle
}

func (m *Merkle) u32(off int) uint32       { return le.Uint32(m.meta[off:]) }
func (m *Merkle) setU32(off int, v uint32) { le.PutUint32(m.meta[off:], v) }

// Len returns the number of entries.
func (m *Merkle) Len() int { return int(le.Uint64(m.meta[metaCount:])) }

// RootHash returns the digest of the map's hash tree (Empty's digest when it is empty).
func (m *Merkle) RootHash() [32]byte {
	var h [32]byte
	copy(h[:], m.meta[metaRootHash:])
	return h
}

func (m *Merkle) root() child {
	c := child{ref: m.u32(metaRoot), height: m.meta[metaRootHeight]}
	copy(c.digest[:], m.meta[metaRootHash:])
	return c
}

func (m *Merkle) setRoot(c child) {
	m.setU32(metaRoot, c.ref)
	m.meta[metaRootHeight] = c.height
	if c.ref == 0 {
		c.digest = emptyHash
	}
	copy(m.meta[metaRootHash:], c.digest[:])
}

func nodeOffset(s *Store, ref uint32) int64 {
	return s.pageOffset(ref>>refSlotBits) + poolHeader + int64(ref&(1<<refSlotBits-1))*nodeSize
}

func (m *Merkle) readNode(ref uint32) []byte {
	m.s.readAt(m.node[:], nodeOffset(m.s, ref))
	return m.node[:]
}

// inner returns the inner node ref, from the operation's nodes or from memory.
func (m *Merkle) inner(ref uint32) *mnode {
	for i := range m.nops {
		if n := &m.ops[i]; n.ref == ref {
			return n
		}
	}
	return m.load(ref)
}

// load reads the inner node ref into a node of the operation.
func (m *Merkle) load(ref uint32) *mnode {
	n := m.newNode()
	// Most separators are short: read the fixed part and 20 bytes, then the rest if any
	// (a stable memory read costs an instruction per byte).
	// The node's bytes as an array: constant indexes need no bounds checks.
	off := nodeOffset(m.s, ref)
	b := &n.raw
	if m.s.direct { // the hot path of every change and witness: no call in between
		stable.Direct{}.ReadAt(b[:innerRead], off)
	} else {
		m.s.readAt(b[:innerRead], off)
	}
	if end := 76 + int(b[3]); end > innerRead && end <= nodeSize {
		m.s.readAt(b[innerRead:end], off+innerRead)
	}
	if b[0] != nodeInner {
		notInner(ref)
	}
	n.ref, n.lhgt, n.rhgt, n.seplen = ref, b[1], b[2], b[3]
	n.left, n.right = le.Uint32(b[4:8]), le.Uint32(b[8:12])
	return n
}

func notInner(ref uint32) {
	panic(errfmt.Wrap("", ErrCorrupt, ": certified map node "+errfmt.Int(ref)+" is not an inner node"))
}

// nview is an inner node read for a traversal (a copy: traversals recurse).
type nview struct {
	left, right child
	sep         []byte
}

func (m *Merkle) view(ref uint32, withSep bool) nview {
	b := m.readNode(ref)
	if b[0] != nodeInner {
		panic(errfmt.Wrap("", ErrCorrupt, ": certified map node "+errfmt.Int(ref)+" is not an inner node"))
	}
	v := nview{left: child{ref: le.Uint32(b[4:]), height: b[1]}, right: child{ref: le.Uint32(b[8:]), height: b[2]}}
	copy(v.left.digest[:], b[12:44])
	copy(v.right.digest[:], b[44:76])
	if withSep {
		v.sep = append([]byte(nil), b[76:76+int(b[3])]...)
	}
	return v
}

// newNode adds a node to the operation's nodes.
func (m *Merkle) newNode() *mnode {
	n := &m.ops[m.nops]
	m.nops++
	n.dirty, n.lstale, n.rstale = false, false, false // lnode and rnode only count when stale
	return n
}

// writeInner writes the node's fields into its raw bytes (whose separator is already in
// place) and those bytes to memory.
func (m *Merkle) writeInner(n *mnode) {
	b := &n.raw
	b[0], b[1], b[2], b[3] = nodeInner, n.lhgt, n.rhgt, n.seplen
	le.PutUint32(b[4:8], n.left)
	le.PutUint32(b[8:12], n.right)
	if m.s.direct {
		stable.Direct{}.WriteAt(b[:76+int(n.seplen)], nodeOffset(m.s, n.ref))
	} else {
		m.s.writeAt(b[:76+int(n.seplen)], nodeOffset(m.s, n.ref))
	}
}

// leafView reads the leaf ref: its label and value point into m.node (valid until the next
// node read).
func (m *Merkle) leafView(ref uint32) (label, value []byte, sub [32]byte) {
	b := m.readNode(ref)
	if b[0] != nodeLeaf {
		panic(errfmt.Wrap("", ErrCorrupt, ": certified map node "+errfmt.Int(ref)+" is not a leaf"))
	}
	copy(sub[:], b[4:36])
	ll, vl := int(b[2]), int(b[3])
	return b[36 : 36+ll], b[36+ll : 36+ll+vl], sub
}

// leaf reads the leaf ref: its label, value and subtree hash (copies).
func (m *Merkle) leaf(ref uint32) (label, value []byte, sub [32]byte) {
	b := m.readNode(ref)
	if b[0] != nodeLeaf {
		panic(errfmt.Wrap("", ErrCorrupt, ": certified map node "+errfmt.Int(ref)+" is not a leaf"))
	}
	copy(sub[:], b[4:36])
	ll, vl := int(b[2]), int(b[3])
	label = append([]byte(nil), b[36:36+ll]...)
	value = append([]byte(nil), b[36+ll:36+ll+vl]...)
	return label, value, sub
}

func (m *Merkle) writeLeaf(ref uint32, label, value []byte, sub *[32]byte) {
	b := m.node[:]
	clear(b)
	b[0], b[2], b[3] = nodeLeaf, byte(len(label)), byte(len(value))
	copy(b[4:], sub[:])
	copy(b[36:], label)
	copy(b[36+len(label):], value)
	m.s.writeAt(b, nodeOffset(m.s, ref))
}

// descend walks from the root towards label, recording the inner nodes in m.path, and
// returns the leaf reached (ref 0 when the map is empty).
func (m *Merkle) descend(label []byte) child {
	m.path = m.path[:0]
	m.nops = 0
	ref, height := m.u32(metaRoot), m.meta[metaRootHeight]
	for height > 0 {
		if len(m.path) == maxAVLHeight {
			panic(errfmt.Wrap("", ErrCorrupt, ": certified map deeper than "+errfmt.Int(maxAVLHeight)))
		}
		n := m.load(ref) // a descent meets each node once: no need to look among m.ops
		right := bytes.Compare(label, n.sep()) >= 0
		m.path = append(m.path, mstep{n, right})
		if right {
			ref, height = n.right, n.rhgt
		} else {
			ref, height = n.left, n.lhgt
		}
	}
	// Only the leaf's hash is needed (Put keeps it next to a new sibling).
	c := child{ref: ref}
	switch {
	case len(m.path) == 0:
		c.digest = m.RootHash()
	case m.path[len(m.path)-1].right:
		c.digest = *m.path[len(m.path)-1].n.rh()
	default:
		c.digest = *m.path[len(m.path)-1].n.lh()
	}
	return c
}

// Get returns the value and subtree hash stored under label.
func (m *Merkle) Get(label []byte) (value []byte, sub [32]byte, ok bool) {
	if len(label) > MaxLabelLen {
		return nil, sub, false
	}
	c := m.descend(label)
	if c.ref == 0 {
		return nil, sub, false
	}
	l, v, h := m.leafView(c.ref)
	if !bytes.Equal(l, label) {
		return nil, sub, false
	}
	return append([]byte(nil), v...), h, true
}

// Put stores value under label, standing for a subtree whose hash is sub: the map's hash
// tree gets Labeled(label, <subtree>) at label's place. It reports whether the map changed
// (not when label already held this value and hash). It checks the sizes and grows the
// memory for the worst case before writing, so an error leaves the map as it was.
func (m *Merkle) Put(label, value []byte, sub [32]byte) (bool, error) {
	switch {
	case len(label) > MaxLabelLen:
		return false, errfmt.Wrap("", ErrLabel, ": label of "+errfmt.Int(len(label))+" bytes (at most "+
			errfmt.Int(MaxLabelLen)+")")
	case len(value) > MaxMerkleValueLen:
		return false, errfmt.Wrap("", ErrLabel, ": value of "+errfmt.Int(len(value))+" bytes (at most "+
			errfmt.Int(MaxMerkleValueLen)+")")
	case m.s.iterating > 0:
		return false, ErrIterating
	}
	if err := m.reserve(2); err != nil {
		return false, errfmt.Wrap("stablestore: certified map put: ", err, "")
	}
	at := m.descend(label)
	var up child
	switch {
	case at.ref == 0:
		ref := m.alloc()
		m.writeLeaf(ref, label, value, &sub)
		m.addCount(1)
		up = child{ref: ref, digest: labeledDigest(label, &sub)}
	default:
		old, oldValue, oldSub := m.leafView(at.ref)
		if bytes.Equal(old, label) {
			if bytes.Equal(oldValue, value) && oldSub == sub {
				m.nops = 0
				return false, nil
			}
			m.writeLeaf(at.ref, label, value, &sub)
			up = child{ref: at.ref, digest: labeledDigest(label, &sub)}
			break
		}
		old = m.oldBuf[:copy(m.oldBuf[:], old)] // m.node is overwritten below
		leafDigest := labeledDigest(label, &sub)
		ref := m.alloc()
		m.writeLeaf(ref, label, value, &sub)
		n := m.newNode()
		n.ref, n.dirty, n.lhgt, n.rhgt = m.alloc(), true, 0, 0
		mine := child{ref: ref, digest: leafDigest}
		if bytes.Compare(label, old) < 0 {
			n.left, *n.lh(), n.right, *n.rh() = ref, leafDigest, at.ref, at.digest
			n.setSep(separator(old, label))
		} else {
			n.left, *n.lh(), n.right, *n.rh() = at.ref, at.digest, ref, mine.digest
			n.setSep(separator(label, old))
		}
		m.addCount(1)
		up = child{ref: n.ref, height: 1, node: n}
	}
	m.fixUp(up)
	return true, nil
}

// separator returns the shortest prefix of hi that is greater than lo (lo < hi), a part
// of hi.
func separator(hi, lo []byte) []byte {
	n := 0
	for n < len(lo) && lo[n] == hi[n] {
		n++
	}
	return hi[:n+1]
}

// Remove deletes label and reports whether it was present.
func (m *Merkle) Remove(label []byte) (bool, error) {
	if m.s.iterating > 0 {
		return false, ErrIterating
	}
	if len(label) > MaxLabelLen {
		return false, nil
	}
	at := m.descend(label)
	if at.ref == 0 {
		return false, nil
	}
	if l, _, _ := m.leafView(at.ref); !bytes.Equal(l, label) {
		m.nops = 0
		return false, nil
	}
	m.freeNode(at.ref)
	m.addCount(-1)
	if len(m.path) == 0 {
		m.setRoot(child{})
		m.finish()
		return true, nil
	}
	// The parent goes; the sibling takes its place.
	last := m.path[len(m.path)-1]
	p := last.n
	sib := child{ref: p.right, height: p.rhgt, digest: *p.rh()}
	if last.right {
		sib = child{ref: p.left, height: p.lhgt, digest: *p.lh()}
	}
	m.path = m.path[:len(m.path)-1]
	m.freeNode(p.ref)
	p.dirty = false
	p.ref = 0 // freed: no longer found among the operation's nodes
	m.fixUp(sib)
	return true, nil
}

// fixUp puts c in place of the path's last step's child and walks up: each node takes its
// new child's reference and height, and is rebalanced when the heights differ by more than
// one. Then the changed nodes are hashed, each once (hashTo), and written with the meta
// page.
func (m *Merkle) fixUp(c child) {
	// c's fields in locals: the loop runs at every level (a child is 48 bytes to copy).
	ref, height, node := c.ref, c.height, c.node
	for i := len(m.path) - 1; i >= 0; i-- {
		st := &m.path[i]
		n := st.n
		stale := node != nil
		if st.right {
			n.right, n.rhgt, n.rstale, n.rnode = ref, height, stale, node
			if !stale {
				*n.rh() = c.digest
			}
		} else {
			n.left, n.lhgt, n.lstale, n.lnode = ref, height, stale, node
			if !stale {
				*n.lh() = c.digest
			}
		}
		n.dirty = true
		if d := int(n.lhgt) - int(n.rhgt); d > 1 || d < -1 {
			n = m.rebalance(n)
		}
		ref, height, node = n.ref, n.height(), n
	}
	c.ref, c.height = ref, height
	if node != nil {
		m.hashTo(&c.digest, node)
	}
	m.setRoot(c)
	m.finish()
}

// hashTo computes n's hash into dst, first the hashes of its changed children.
func (m *Merkle) hashTo(dst *[32]byte, n *mnode) {
	if n.lstale {
		m.hashTo(n.lh(), n.lnode)
		n.lstale = false
	}
	if n.rstale {
		m.hashTo(n.rh(), n.rnode)
		n.rstale = false
	}
	// The Fork of the children's hashes, which lie side by side in the node's bytes.
	b := &m.forkBuf
	*(*[64]byte)(b[17:81]) = *(*[64]byte)(n.raw[12:76])
	sha256.SumPaddedTo(dst, b[:])
}

// rebalance restores the AVL balance at n (whose children are balanced) with one or two
// rotations and returns the subtree's new top node. Rotations only move references,
// heights and hashes; changed hashes are computed later.
func (m *Merkle) rebalance(n *mnode) *mnode {
	switch {
	case int(n.lhgt) > int(n.rhgt)+1:
		l := m.inner(n.left)
		if l.lhgt < l.rhgt {
			m.setLeft(n, m.rotateLeft(l))
		}
		return m.rotateRight(n)
	case int(n.rhgt) > int(n.lhgt)+1:
		r := m.inner(n.right)
		if r.rhgt < r.lhgt {
			m.setRight(n, m.rotateRight(r))
		}
		return m.rotateLeft(n)
	}
	return n
}

func (m *Merkle) setLeft(n, c *mnode) {
	n.left, n.lhgt, n.lstale, n.lnode, n.dirty = c.ref, c.height(), true, c, true
}

func (m *Merkle) setRight(n, c *mnode) {
	n.right, n.rhgt, n.rstale, n.rnode, n.dirty = c.ref, c.height(), true, c, true
}

// rotateRight makes x's left child the top:  x(y(a, b), c) -> y(a, x(b, c)).
// Separators stay valid: each node keeps the same labels on each side of it.
func (m *Merkle) rotateRight(x *mnode) *mnode {
	y := m.inner(x.left)
	x.left, x.lhgt, *x.lh(), x.lstale, x.lnode, x.dirty = y.right, y.rhgt, *y.rh(), y.rstale, y.rnode, true
	m.setRight(y, x)
	return y
}

// rotateLeft makes x's right child the top: x(a, y(b, c)) -> y(x(a, b), c).
func (m *Merkle) rotateLeft(x *mnode) *mnode {
	y := m.inner(x.right)
	x.right, x.rhgt, *x.rh(), x.rstale, x.rnode, x.dirty = y.left, y.lhgt, *y.lh(), y.lstale, y.lnode, true
	m.setLeft(y, x)
	return y
}

// finish writes the operation's changed inner nodes and the meta page.
func (m *Merkle) finish() {
	for i := range m.nops {
		if n := &m.ops[i]; n.dirty {
			m.writeInner(n)
			n.dirty = false
		}
	}
	m.nops = 0
	m.s.writeAt(m.meta[:], m.s.pageOffset(m.s.h.merkle))
}

func (m *Merkle) addCount(d int) {
	le.PutUint64(m.meta[metaCount:], uint64(int64(le.Uint64(m.meta[metaCount:]))+int64(d)))
}

// reserve makes sure n nodes can be allocated without failing: it creates the meta page
// on first use and grows the memory for a new pool page when the free nodes and the
// current pool page cannot hold n.
func (m *Merkle) reserve(n int) error {
	pages := 0
	if m.s.h.merkle == 0 {
		pages++
	}
	cur := m.u32(metaCurPage)
	room := int(m.u32(metaFreeCount))
	if cur != 0 {
		room += nodesPerPage - int(m.u32(metaCurNext))
	}
	if room < n {
		pages++
	}
	if pages == 0 {
		return nil
	}
	m.s.buffers()
	if m.s.h.nextPage+uint32(pages) > maxPoolPage {
		return errors.New("stablestore: certified map: region too large for node references")
	}
	if err := m.s.reserve(pages); err != nil {
		return err
	}
	if m.s.h.merkle == 0 {
		pg := m.s.alloc()
		copy(m.meta[:], metaMagic[:])
		m.s.h.merkle = pg
		m.s.scratch.init(kindMeta, 0)
		m.s.writePage(pg, m.s.scratch)
		m.s.writeAt(m.meta[:], m.s.pageOffset(pg))
		m.s.writeHeader()
	}
	return nil
}

// alloc takes a node slot: a freed one first, then the current pool page's next one, then
// a new pool page (reserve made room).
func (m *Merkle) alloc() uint32 {
	if ref := m.u32(metaFreeHead); ref != 0 {
		b := m.readNode(ref)
		m.setU32(metaFreeHead, le.Uint32(b[4:]))
		m.setU32(metaFreeCount, m.u32(metaFreeCount)-1)
		return ref
	}
	cur, next := m.u32(metaCurPage), m.u32(metaCurNext)
	if cur == 0 || next == nodesPerPage {
		cur, next = m.s.alloc(), 0
		m.s.writePageHeader(cur, kindPool, m.u32(metaLastPool))
		m.s.writeHeader()
		m.setU32(metaLastPool, cur)
		m.setU32(metaPools, m.u32(metaPools)+1)
		m.setU32(metaCurPage, cur)
	}
	m.setU32(metaCurNext, next+1)
	return cur<<refSlotBits | next
}

func (m *Merkle) freeNode(ref uint32) {
	b := m.node[:]
	clear(b)
	b[0] = nodeFree
	le.PutUint32(b[4:], m.u32(metaFreeHead))
	m.s.writeAt(b, nodeOffset(m.s, ref))
	m.setU32(metaFreeHead, ref)
	m.setU32(metaFreeCount, m.u32(metaFreeCount)+1)
}

// Witness returns a tree with the map's root hash that reveals label: Labeled(label, t)
// where t is reveal(value, subtree hash) (nil: the subtree hash, pruned) and every other
// node pruned. For a label that is not in the map it reveals the labels just before and
// after it (their subtrees pruned), which proves it absent.
func (m *Merkle) Witness(label []byte, reveal func(value []byte, sub [32]byte) hashtree.Node) hashtree.Node {
	at := m.descend(label)
	if at.ref == 0 {
		return hashtree.Empty{}
	}
	l, v, sub := m.leaf(at.ref)
	var node hashtree.Node
	switch c := bytes.Compare(label, l); {
	case c == 0:
		var t hashtree.Node
		if reveal != nil {
			t = reveal(v, sub)
		}
		if t == nil {
			t = hashtree.Pruned(sub)
		}
		node = hashtree.Labeled{Label: l, Tree: t}
	default:
		node = hashtree.Labeled{Label: l, Tree: hashtree.Pruned(sub)}
		// The neighbour on the other side of label is the nearest leaf across the deepest
		// turn of the path towards it.
		for i := len(m.path) - 1; i >= 0; i-- {
			st := m.path[i]
			if st.right == (c > 0) {
				continue
			}
			var nb hashtree.Node
			if c < 0 {
				nb = m.edge(child{ref: st.n.left, height: st.n.lhgt, digest: *st.n.lh()}, true)
			} else {
				nb = m.edge(child{ref: st.n.right, height: st.n.rhgt, digest: *st.n.rh()}, false)
			}
			return m.wrap(node, len(m.path)-1, i, nb)
		}
	}
	return m.wrap(node, len(m.path)-1, -1, nil)
}

// wrap builds the path from step from up to the root around node, with pruned siblings;
// at step turn the sibling is nb instead.
func (m *Merkle) wrap(node hashtree.Node, from, turn int, nb hashtree.Node) hashtree.Node {
	for i := from; i >= 0; i-- {
		st := m.path[i]
		var sib hashtree.Node
		switch {
		case i == turn:
			sib = nb
		case st.right:
			sib = hashtree.Pruned(*st.n.lh())
		default:
			sib = hashtree.Pruned(*st.n.rh())
		}
		if st.right {
			node = hashtree.Fork{Left: sib, Right: node}
		} else {
			node = hashtree.Fork{Left: node, Right: sib}
		}
	}
	return node
}

// edge reveals the rightmost (or leftmost) label of the subtree c, everything else pruned.
func (m *Merkle) edge(c child, rightmost bool) hashtree.Node {
	if c.height == 0 {
		l, _, sub := m.leaf(c.ref)
		return hashtree.Labeled{Label: l, Tree: hashtree.Pruned(sub)}
	}
	v := m.view(c.ref, false)
	if rightmost {
		return hashtree.Fork{Left: hashtree.Pruned(v.left.digest), Right: m.edge(v.right, true)}
	}
	return hashtree.Fork{Left: m.edge(v.left, false), Right: hashtree.Pruned(v.right.digest)}
}

// HashTree returns the whole hash tree of the map, each leaf's subtree given by reveal (or
// pruned). It reads every node: for tests and small maps.
func (m *Merkle) HashTree(reveal func(value []byte, sub [32]byte) hashtree.Node) hashtree.Node {
	var walk func(c child) hashtree.Node
	walk = func(c child) hashtree.Node {
		if c.height == 0 {
			l, v, sub := m.leaf(c.ref)
			var t hashtree.Node
			if reveal != nil {
				t = reveal(v, sub)
			}
			if t == nil {
				t = hashtree.Pruned(sub)
			}
			return hashtree.Labeled{Label: l, Tree: t}
		}
		v := m.view(c.ref, false)
		return hashtree.Fork{Left: walk(v.left), Right: walk(v.right)}
	}
	r := m.root()
	if r.ref == 0 {
		return hashtree.Empty{}
	}
	return walk(r)
}

// Ascend calls fn for every entry whose label is >= from, in label order, until fn returns
// false.
func (m *Merkle) Ascend(from []byte, fn func(label, value []byte, sub [32]byte) bool) {
	var walk func(c child) bool
	walk = func(c child) bool {
		if c.height == 0 {
			l, v, sub := m.leaf(c.ref)
			if bytes.Compare(l, from) < 0 {
				return true
			}
			return fn(l, v, sub)
		}
		v := m.view(c.ref, true)
		if bytes.Compare(from, v.sep) < 0 && !walk(v.left) {
			return false
		}
		return walk(v.right)
	}
	if r := m.root(); r.ref != 0 {
		walk(r)
	}
}

// check verifies the map (Store.Check calls it): node kinds, label order and separators,
// stored heights, AVL balance and hashes, the count, and that every node slot of every
// pool page is in the map, free or not yet used, exactly once. mark records the pages.
func (m *Merkle) check(mark func(pg uint32, what string) error) error {
	if m.s.h.merkle == 0 {
		return nil
	}
	if err := mark(m.s.h.merkle, "certified map meta"); err != nil {
		return err
	}
	if !bytes.Equal(m.meta[:8], metaMagic[:]) {
		return errfmt.Wrap("", ErrCorrupt, ": certified map meta page has no magic")
	}
	fail := func(msg string) error { return errfmt.Wrap("", ErrCorrupt, ": certified map: "+msg) }
	pools := map[uint32]bool{}
	p := make(page, PageSize)
	for pg := m.u32(metaLastPool); pg != 0; pg = p.child0() {
		if err := mark(pg, "certified map pool"); err != nil {
			return err
		}
		m.s.readPage(pg, p)
		if p.kind() != kindPool {
			return fail("pool page " + errfmt.Int(pg) + " has kind " + errfmt.Int(p.kind()))
		}
		pools[pg] = true
	}
	if len(pools) != int(m.u32(metaPools)) {
		return fail(errfmt.Int(len(pools)) + " pool pages linked, meta says " + errfmt.Int(m.u32(metaPools)))
	}
	used := map[uint32]string{}
	use := func(ref uint32, what string) error {
		pg, slot := ref>>refSlotBits, ref&(1<<refSlotBits-1)
		if !pools[pg] || slot >= nodesPerPage {
			return fail(what + " node " + errfmt.Int(ref) + " outside the pool pages")
		}
		if cur := m.u32(metaCurPage); pg == cur && slot >= m.u32(metaCurNext) {
			return fail(what + " node " + errfmt.Int(ref) + " beyond the allocated slots")
		}
		if prev, ok := used[ref]; ok {
			return fail(what + " node " + errfmt.Int(ref) + " is also " + prev)
		}
		used[ref] = what
		return nil
	}
	var count uint64
	var prev []byte
	var walk func(c child, lo, hi []byte) error
	walk = func(c child, lo, hi []byte) error {
		if err := use(c.ref, "map"); err != nil {
			return err
		}
		if c.height == 0 {
			l, _, sub := m.leaf(c.ref)
			if prev != nil && bytes.Compare(prev, l) >= 0 {
				return fail("labels out of order at " + errfmt.Hex(l))
			}
			if lo != nil && bytes.Compare(l, lo) < 0 || hi != nil && bytes.Compare(l, hi) >= 0 {
				return fail("label " + errfmt.Hex(l) + " outside its separators")
			}
			if labeledDigest(l, &sub) != c.digest {
				return fail("leaf " + errfmt.Hex(l) + " hash differs from its parent's")
			}
			prev = l
			count++
			return nil
		}
		v := m.view(c.ref, true)
		switch {
		case 1+max(v.left.height, v.right.height) != c.height:
			return fail("node " + errfmt.Int(c.ref) + " height " + errfmt.Int(1+max(v.left.height, v.right.height)) + ", parent says " + errfmt.Int(c.height))
		case int(v.left.height) > int(v.right.height)+1 || int(v.right.height) > int(v.left.height)+1:
			return fail("node " + errfmt.Int(c.ref) + " unbalanced")
		case forkDigest(&v.left.digest, &v.right.digest) != c.digest:
			return fail("node " + errfmt.Int(c.ref) + " hash differs from its parent's")
		}
		if err := walk(v.left, lo, v.sep); err != nil {
			return err
		}
		return walk(v.right, v.sep, hi)
	}
	if r := m.root(); r.ref != 0 {
		if err := walk(r, nil, nil); err != nil {
			return err
		}
	} else if m.RootHash() != emptyHash {
		return fail("empty map with a root hash")
	}
	if count != uint64(m.Len()) {
		return fail(errfmt.Int(count) + " entries, meta says " + errfmt.Int(m.Len()))
	}
	free := uint32(0)
	for ref := m.u32(metaFreeHead); ref != 0; {
		if err := use(ref, "free"); err != nil {
			return err
		}
		b := m.readNode(ref)
		if b[0] != nodeFree {
			return fail("free node " + errfmt.Int(ref) + " has kind " + errfmt.Int(b[0]))
		}
		ref = le.Uint32(b[4:])
		free++
	}
	if free != m.u32(metaFreeCount) {
		return fail(errfmt.Int(free) + " free nodes linked, meta says " + errfmt.Int(m.u32(metaFreeCount)))
	}
	want := (len(pools)-1)*nodesPerPage + int(m.u32(metaCurNext))
	if len(pools) == 0 {
		want = 0
	}
	if len(used) != want {
		return fail(errfmt.Int(len(used)) + " nodes in use or free, " + errfmt.Int(want) + " allocated")
	}
	return nil
}
