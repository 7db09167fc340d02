package stablestore

import (
	"errors"
	"fmt"
	"slices"
)

const (
	// PageSize is the size of a tree node. 8 KiB holds at least two of the largest cells,
	// so values live inline (no overflow pages) and every split succeeds.
	PageSize = 8192
	// MaxKeyLen and MaxValueLen bound entries. They keep a leaf cell below half a node,
	// which is what makes any split or redistribution produce two valid nodes.
	MaxKeyLen   = 512
	MaxValueLen = 3072

	// minFill is the fill (in bytes) under which a node is merged with or rebalanced
	// against a sibling after a delete.
	minFill = capacity / 4
	// growStep is the granularity of stable memory growth, in 64 KiB pages (1 MiB).
	growStep = 16
)

// ErrTooLarge is returned by Put for a key or value beyond MaxKeyLen or MaxValueLen.
var ErrTooLarge = errors.New("stablestore: entry too large")

// ErrIterating is returned by Put and Remove called from an Ascend callback.
var ErrIterating = errors.New("stablestore: store modified during Ascend")

// Store is an ordered byte key-value map kept as a B+tree in a region of stable memory
// starting at an offset. It holds no data on the heap beyond a copy of the header and
// scratch buffers, so any number of upgrades keep it and Open costs the same at any size.
//
// A Store is not safe for concurrent use (a canister runs one message at a time), and a
// region must have one Store at a time: the Store keeps the header on the heap, so a second
// Store over the same region would not see the first one's changes. Open it once in init
// and post_upgrade and keep it.
type Store struct {
	mem Memory
	off int64
	h   header

	path    []pathEntry // root-to-leaf path of the current Put or Remove
	scratch page        // compaction
	left    page        // split and merge output
	right   page
	sib     page // sibling read by Remove
	cell    []byte
	bcell   []byte
	sep     []byte
	cs      [][]byte
	hbuf    [headerSize]byte
	iter    []byte // Ascend's path pages

	iterating int
	reads     uint64
	writes    uint64
}

// pathEntry is one node on the path from the root: its page, its bytes and the child (in
// a branch) or cell (in the leaf) index the operation went through.
type pathEntry struct {
	pg  uint32
	buf page
	idx int
}

// Open returns the store in the region of mem starting at offset. If the region is
// empty (beyond the end of mem, or a zero header) it formats a new, empty store there;
// otherwise it reads and checks the header only, so its cost does not depend on the
// number of entries. The region extends to the end of mem: nothing else may use the
// memory above offset.
func Open(mem Memory, offset int64) (*Store, error) {
	if offset < 0 {
		return nil, fmt.Errorf("stablestore: open: negative offset %d", offset)
	}
	s := &Store{mem: mem, off: offset}
	if mem.Size() >= offset+headerSize {
		if _, err := mem.ReadAt(s.hbuf[:], offset); err != nil {
			return nil, fmt.Errorf("stablestore: open: reading the header at %d: %w", offset, err)
		}
		if s.hbuf != [headerSize]byte{} {
			if err := s.h.decode(s.hbuf[:]); err != nil {
				return nil, fmt.Errorf("stablestore: open at %d: %w", offset, err)
			}
			if end := s.pageOffset(s.h.nextPage); mem.Size() < end {
				return nil, fmt.Errorf("stablestore: open at %d: %w: %d pages end at %d beyond the memory size %d",
					offset, ErrCorrupt, s.h.nextPage, end, mem.Size())
			}
			return s, nil
		}
	}
	// Format: page 0 holds the header, page 1 the empty root leaf.
	s.h = header{root: 1, height: 1, nextPage: 2}
	if err := s.growTo(s.pageOffset(2)); err != nil {
		return nil, fmt.Errorf("stablestore: open: formatting at %d: %w", offset, err)
	}
	s.buffers()
	s.left.init(kindLeaf, 0)
	s.writePage(1, s.left)
	s.writeHeader()
	return s, nil
}

// Len returns the number of entries.
func (s *Store) Len() int { return int(s.h.count) }

// Stats describes the store's size and the page I/O since Open.
type Stats struct {
	Len       int
	Height    int
	Pages     int   // pages allocated in the region (header page and free pages included)
	FreePages int   // pages on the free list
	Bytes     int64 // bytes of the region in use: Pages * PageSize
	Reads     uint64
	Writes    uint64 // page writes (header writes not counted)
}

// Stats returns the current figures.
func (s *Store) Stats() Stats {
	return Stats{
		Len:       int(s.h.count),
		Height:    int(s.h.height),
		Pages:     int(s.h.nextPage),
		FreePages: int(s.h.freeCount),
		Bytes:     int64(s.h.nextPage) * PageSize,
		Reads:     s.reads,
		Writes:    s.writes,
	}
}

// buffers allocates the scratch pages on first use, so that Open (every post_upgrade)
// allocates nothing.
func (s *Store) buffers() {
	if s.scratch == nil {
		slab := make([]byte, 4*PageSize)
		s.scratch, s.left, s.right, s.sib = slab[:PageSize:PageSize], slab[PageSize:2*PageSize:2*PageSize],
			slab[2*PageSize:3*PageSize:3*PageSize], slab[3*PageSize:]
	}
}

// Get returns a copy of the value stored under key.
func (s *Store) Get(key []byte) ([]byte, bool) {
	s.buffers()
	p := s.scratch
	pg := s.h.root
	for range s.h.height - 1 {
		s.readPage(pg, p)
		pg = p.child(p.childIndex(key))
	}
	s.readPage(pg, p)
	i, ok := p.lowerBound(key)
	if !ok {
		return nil, false
	}
	return slices.Clone(p.value(i)), true
}

// Set stores a copy of value under key. It panics (a trap, in a canister) where Put
// returns an error; payments-style callers validate sizes beforehand.
func (s *Store) Set(key, value []byte) {
	if err := s.Put(key, value); err != nil {
		panic(err)
	}
}

// Delete removes key if present. It panics where Remove returns an error.
func (s *Store) Delete(key []byte) {
	if _, err := s.Remove(key); err != nil {
		panic(err)
	}
}

// Put stores a copy of value under key. It checks the sizes and grows the memory for the
// worst case before changing anything, so an error leaves the store as it was.
func (s *Store) Put(key, value []byte) error {
	switch {
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: key of %d bytes (at most %d)", ErrTooLarge, len(key), MaxKeyLen)
	case len(value) > MaxValueLen:
		return fmt.Errorf("%w: value of %d bytes (at most %d)", ErrTooLarge, len(value), MaxValueLen)
	case s.iterating > 0:
		return ErrIterating
	}
	s.buffers()
	leaf := s.descend(key)
	p := leaf.buf
	i, found := p.lowerBound(key)
	leaf.idx = i
	s.cell = appendLeafCell(s.cell[:0], key, value)
	used := p.used() + len(s.cell) + 2
	if found {
		old := p.cell(i)
		if len(old) == len(s.cell) {
			copy(old, s.cell)
			s.writePage(leaf.pg, p)
			return nil
		}
		used -= len(old) + 2
	}
	// Only a split allocates: one page per level and a new root at most.
	if used > capacity {
		if err := s.reserve(int(s.h.height) + 1); err != nil {
			return fmt.Errorf("stablestore: put: %w", err)
		}
	}
	if found {
		p.remove(i)
	} else {
		s.h.count++
	}
	if p.insert(i, s.cell, s.scratch) {
		s.writePage(leaf.pg, p)
	} else {
		l := len(s.path) - 1
		s.cs = slices.Insert(p.cells(s.cs[:0]), i, s.cell)
		s.split(l, kindLeaf, 0, s.cs, i == p.n() && s.rightmost(l))
	}
	s.writeHeader()
	return nil
}

// Remove deletes key and reports whether it was present. It only fails when the memory
// cannot grow for a rebalance (which may split a parent), before changing anything.
func (s *Store) Remove(key []byte) (bool, error) {
	if s.iterating > 0 {
		return false, ErrIterating
	}
	s.buffers()
	leaf := s.descend(key)
	i, found := leaf.buf.lowerBound(key)
	if !found {
		return false, nil
	}
	// Only a rebalance can allocate (sharing cells may split a parent): when the leaf falls
	// under minFill. Deletes that leave it fuller work even when the memory cannot grow.
	if leaf.buf.used()-len(leaf.buf.cell(i))-2 < minFill && len(s.path) > 1 {
		if err := s.reserve(int(s.h.height) + 1); err != nil {
			return false, fmt.Errorf("stablestore: remove: %w", err)
		}
	}
	leaf.idx = i
	leaf.buf.remove(i)
	s.h.count--
	s.rebalance(len(s.path) - 1)
	s.writeHeader()
	return true, nil
}

// Ascend calls fn for every entry whose key is >= from, in ascending byte order, until fn
// returns false. key and value are only valid during the call. fn may call Get but not
// Set or Delete (they panic).
func (s *Store) Ascend(from []byte, fn func(key, value []byte) bool) {
	h := int(s.h.height)
	// The outermost Ascend reuses the store's iteration buffer; one nested in a callback
	// (reading only, like Get) needs its own.
	var mem []byte
	if s.iterating == 0 {
		if len(s.iter) < h*PageSize {
			s.iter = make([]byte, h*PageSize)
		}
		mem = s.iter
	} else {
		mem = make([]byte, h*PageSize)
	}
	s.iterating++
	defer func() { s.iterating-- }()
	bufs := make([]page, h)
	idx := make([]int, h)
	pg := s.h.root
	for l := range h {
		bufs[l] = page(mem[l*PageSize : (l+1)*PageSize])
		s.readPage(pg, bufs[l])
		if l < h-1 {
			idx[l] = bufs[l].childIndex(from)
			pg = bufs[l].child(idx[l])
		} else {
			idx[l], _ = bufs[l].lowerBound(from)
		}
	}
	for {
		leaf := bufs[h-1]
		for i := idx[h-1]; i < leaf.n(); i++ {
			if !fn(leaf.key(i), leaf.value(i)) {
				return
			}
		}
		// Climb to the nearest ancestor with a child to the right, then down its leftmost path.
		l := h - 2
		for l >= 0 && idx[l] >= bufs[l].n() {
			l--
		}
		if l < 0 {
			return
		}
		idx[l]++
		for ; l < h-1; l++ {
			s.readPage(bufs[l].child(idx[l]), bufs[l+1])
			idx[l+1] = 0
		}
	}
}

// descend reads the path from the root to the leaf whose range holds key into s.path and
// returns the leaf's entry.
func (s *Store) descend(key []byte) *pathEntry {
	h := int(s.h.height)
	for len(s.path) < h {
		s.path = append(s.path, pathEntry{buf: make(page, PageSize)})
	}
	s.path = s.path[:h]
	pg := s.h.root
	for l := range s.path {
		e := &s.path[l]
		e.pg = pg
		s.readPage(pg, e.buf)
		if l < h-1 {
			e.idx = e.buf.childIndex(key)
			pg = e.buf.child(e.idx)
		}
	}
	return &s.path[h-1]
}

// rightmost reports whether the node at path level l is the last one of its level.
func (s *Store) rightmost(l int) bool {
	for _, e := range s.path[:l] {
		if e.idx != e.buf.n() {
			return false
		}
	}
	return true
}

// split writes cs (the too-large content of the node at path level l) as two nodes: the
// left half in place, the right half in a new page, and inserts the separator into the
// parent, splitting upwards as needed. appending says the new cell is the last of the
// whole tree (ascending keys: sequence numbers, queues).
func (s *Store) split(l int, kind byte, child0 uint32, cs [][]byte, appending bool) {
	right := s.alloc()
	s.sep = s.halve(kind, child0, cs, appending, s.sep[:0])
	s.writePage(s.path[l].pg, s.left)
	s.writePage(right, s.right)
	parentIdx := 0
	if l > 0 {
		parentIdx = s.path[l-1].idx
	}
	s.insertUp(l-1, parentIdx, right)
}

// halve lays cs out as two nodes in s.left and s.right, balancing their bytes (or, when
// appending, keeping the left node as full as possible: ascending inserts then fill nodes
// instead of leaving them half empty), and appends the separator key to sep. A leaf separator is the shortest key that is greater
// than the left's last key and not greater than the right's first (branches stay small);
// a branch gives its middle cell's key to the parent and that cell's child becomes the
// right node's child0.
func (s *Store) halve(kind byte, child0 uint32, cs [][]byte, appending bool, sep []byte) []byte {
	// Candidates: leaf left = cs[:k], right = cs[k:], 1 <= k < len;
	// branch left = cs[:k], right = cs[k+1:], 1 <= k < len-1.
	lo, hi := 1, len(cs)-1
	if kind == kindBranch {
		hi = len(cs) - 2
	}
	total := cellsUsed(cs)
	best, bestMax := -1, 0
	leftUsed := len(cs[0]) + 2
	for k := lo; k <= hi; k++ {
		rightUsed := total - leftUsed
		if kind == kindBranch {
			rightUsed -= len(cs[k]) + 2
		}
		if m := max(leftUsed, rightUsed); m <= capacity && (best < 0 || m < bestMax || appending) {
			best, bestMax = k, m
		}
		leftUsed += len(cs[k]) + 2
	}
	if best < 0 {
		panic(fmt.Sprintf("stablestore: no valid split of %d cells (%d bytes)", len(cs), total))
	}
	if kind == kindLeaf {
		s.left.rebuild(kindLeaf, 0, cs[:best])
		s.right.rebuild(kindLeaf, 0, cs[best:])
		last, first := cellKey(kindLeaf, cs[best-1]), cellKey(kindLeaf, cs[best])
		n := 0
		for n < len(last) && last[n] == first[n] {
			n++
		}
		return append(sep, first[:n+1]...)
	}
	mid := cs[best]
	s.left.rebuild(kindBranch, child0, cs[:best])
	s.right.rebuild(kindBranch, le.Uint32(mid[2:]), cs[best+1:])
	return append(sep, cellKey(kindBranch, mid)...)
}

// insertUp inserts the cell (s.sep, child) at cell index i of the branch at path level l,
// splitting it (and its ancestors) when it is full; l == -1 grows a new root.
func (s *Store) insertUp(l, i int, child uint32) {
	for {
		if l < 0 {
			root := s.alloc()
			s.left.init(kindBranch, s.h.root)
			s.bcell = appendBranchCell(s.bcell[:0], s.sep, child)
			s.left.insert(0, s.bcell, s.scratch)
			s.writePage(root, s.left)
			s.h.root = root
			s.h.height++
			return
		}
		e := &s.path[l]
		s.bcell = appendBranchCell(s.bcell[:0], s.sep, child)
		if e.buf.insert(i, s.bcell, s.scratch) {
			s.writePage(e.pg, e.buf)
			return
		}
		s.cs = slices.Insert(e.buf.cells(s.cs[:0]), i, s.bcell)
		child = s.alloc()
		s.sep = s.halve(kindBranch, e.buf.child0(), s.cs, i == e.buf.n() && s.rightmost(l), s.sep[:0])
		s.writePage(e.pg, s.left)
		s.writePage(child, s.right)
		l--
		if l >= 0 {
			i = s.path[l].idx
		}
	}
}

// rebalance writes the node at path level l after a cell was removed from it, merging it
// with a sibling (and going on with the parent) or sharing a sibling's cells when it fell
// under minFill, and collapses a root branch left without keys.
func (s *Store) rebalance(l int) {
	for {
		e := &s.path[l]
		if l == 0 {
			if e.buf.kind() == kindBranch && e.buf.n() == 0 {
				s.h.root = e.buf.child0()
				s.h.height--
				s.free(e.pg)
				return
			}
			s.writePage(e.pg, e.buf)
			return
		}
		if e.buf.used() >= minFill {
			s.writePage(e.pg, e.buf)
			return
		}
		parent := &s.path[l-1]
		kind := e.buf.kind()
		var left, right page
		var leftPg, rightPg uint32
		sepIdx := parent.idx - 1
		if parent.idx > 0 {
			leftPg, rightPg = parent.buf.child(parent.idx-1), e.pg
			s.readPage(leftPg, s.sib)
			left, right = s.sib, e.buf
		} else {
			sepIdx = 0
			leftPg, rightPg = e.pg, parent.buf.child(1)
			s.readPage(rightPg, s.sib)
			left, right = e.buf, s.sib
		}
		cs := left.cells(s.cs[:0])
		if kind == kindBranch {
			s.bcell = appendBranchCell(s.bcell[:0], parent.buf.key(sepIdx), right.child0())
			cs = append(cs, s.bcell)
		}
		cs = right.cells(cs)
		s.cs = cs
		if cellsUsed(cs) <= capacity {
			s.left.rebuild(kind, left.child0(), cs)
			s.writePage(leftPg, s.left)
			s.free(rightPg)
			parent.buf.remove(sepIdx)
			l--
			continue
		}
		s.sep = s.halve(kind, left.child0(), cs, false, s.sep[:0])
		s.writePage(leftPg, s.left)
		s.writePage(rightPg, s.right)
		parent.buf.remove(sepIdx)
		s.insertUp(l-1, sepIdx, rightPg)
		return
	}
}

// alloc takes a page from the free list or above the high-water mark. reserve must have
// made room first.
func (s *Store) alloc() uint32 {
	if pg := s.h.freeHead; pg != 0 {
		s.readPage(pg, s.scratch)
		s.h.freeHead = s.scratch.child0()
		s.h.freeCount--
		return pg
	}
	pg := s.h.nextPage
	s.h.nextPage++
	return pg
}

// free puts pg on the free list; its bytes are cleared so the layout only depends on the
// live content.
func (s *Store) free(pg uint32) {
	s.scratch.init(kindFree, s.h.freeHead)
	s.writePage(pg, s.scratch)
	s.h.freeHead = pg
	s.h.freeCount++
}

// reserve grows the memory so that n more pages can be allocated.
func (s *Store) reserve(n int) error {
	need := int64(n) - int64(s.h.freeCount)
	if need <= 0 {
		return nil
	}
	if int64(s.h.nextPage)+need > 1<<32-1 {
		return fmt.Errorf("stablestore: region full (%d pages)", s.h.nextPage)
	}
	return s.growTo(s.pageOffset(s.h.nextPage + uint32(need)))
}

// growTo grows the memory to at least end bytes, in steps of growStep 64 KiB pages.
func (s *Store) growTo(end int64) error {
	size := s.mem.Size()
	if size >= end {
		return nil
	}
	need := uint64(end-size+WasmPageSize-1) / WasmPageSize
	if _, err := s.mem.Grow((need + growStep - 1) / growStep * growStep); err == nil {
		return nil
	}
	// Near a limit: take only what this operation needs.
	if _, err := s.mem.Grow(need); err != nil {
		return fmt.Errorf("growing stable memory by %d pages to hold %d bytes: %w", need, end, err)
	}
	return nil
}

func (s *Store) pageOffset(pg uint32) int64 { return s.off + int64(pg)*PageSize }

// readPage and writePage panic on failure: reserve grew the memory beforehand and every
// page below the high-water mark exists, so a failure means the memory is broken (which
// traps, in a canister, and rolls the message back).
func (s *Store) readPage(pg uint32, p page) {
	s.reads++
	if _, err := s.mem.ReadAt(p, s.pageOffset(pg)); err != nil {
		panic(fmt.Errorf("stablestore: reading page %d: %w", pg, err))
	}
}

func (s *Store) writePage(pg uint32, p page) {
	s.writes++
	if _, err := s.mem.WriteAt(p, s.pageOffset(pg)); err != nil {
		panic(fmt.Errorf("stablestore: writing page %d: %w", pg, err))
	}
}

func (s *Store) writeHeader() {
	s.h.encode(s.hbuf[:])
	if _, err := s.mem.WriteAt(s.hbuf[:], s.off); err != nil {
		panic(fmt.Errorf("stablestore: writing the header: %w", err))
	}
}
