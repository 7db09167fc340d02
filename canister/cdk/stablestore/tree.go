package stablestore

import (
	"errors"
	"slices"

	"github.com/gocanister/stripe-ic/canister/cdk/stable"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// The tree algorithms behind Store: descending, splitting upwards, rebalancing after a
// delete, page allocation and page I/O.

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
// instead of leaving them half empty), and appends the separator key to sep. A leaf
// separator is the shortest key that is greater than the left's last key and not greater
// than the right's first (branches stay small); a branch gives its middle cell's key to
// the parent and that cell's child becomes the right node's child0.
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
		panic("stablestore: no valid split of " + errfmt.Int(len(cs)) + " cells (" +
			errfmt.Int(total) + " bytes)")
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
		return errors.New("stablestore: region full (" + errfmt.Int(s.h.nextPage) + " pages)")
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
		return errfmt.Wrap("growing stable memory by "+errfmt.Int(need)+" pages to hold "+
			errfmt.Int(end)+" bytes: ", err, "")
	}
	return nil
}

func (s *Store) pageOffset(pg uint32) int64 { return s.off + int64(pg)*PageSize }

// readPage and writePage panic on failure: reserve grew the memory beforehand and every
// page below the high-water mark exists, so a failure means the memory is broken (which
// traps, in a canister, and rolls the message back).
func (s *Store) readPage(pg uint32, p page) {
	s.reads++
	if s.direct {
		stable.Direct{}.ReadAt(p, s.pageOffset(pg))
		return
	}
	if s.fast != nil {
		s.fast.ReadAtUnchecked(p, s.pageOffset(pg))
		return
	}
	if _, err := s.mem.ReadAt(p, s.pageOffset(pg)); err != nil {
		panic(errfmt.Wrap("stablestore: reading page "+errfmt.Int(pg)+": ", err, ""))
	}
}

func (s *Store) writePage(pg uint32, p page) {
	s.writes++
	if s.direct {
		stable.Direct{}.WriteAt(p, s.pageOffset(pg))
		return
	}
	if s.fast != nil {
		s.fast.WriteAtUnchecked(p, s.pageOffset(pg))
		return
	}
	if _, err := s.mem.WriteAt(p, s.pageOffset(pg)); err != nil {
		panic(errfmt.Wrap("stablestore: writing page "+errfmt.Int(pg)+": ", err, ""))
	}
}

func (s *Store) writeHeader() {
	s.h.encode(s.hbuf[:])
	s.writeAt(s.hbuf[:], s.off)
}

// writePageHeader makes page pg an empty page of the given kind by writing its header only:
// it is a page just taken from alloc, which is zero beyond the header (fresh memory, or
// cleared by free), so this leaves the same bytes as writing a whole page from init, at a
// 60th of the cost.
func (s *Store) writePageHeader(pg uint32, kind byte, child0 uint32) {
	var h [pageHeader]byte
	h[0] = kind
	le.PutUint32(h[8:12], child0)
	s.writes++
	s.writeAt(h[:], s.pageOffset(pg))
}

// uncheckedMemory is a Memory that can read and write without checking its size, which the
// store need not do: it reads and writes only below its high-water mark, in memory it grew
// beforehand. cdk/stable.Memory implements it and saves a system call per access.
type uncheckedMemory interface {
	ReadAtUnchecked(p []byte, off int64)
	WriteAtUnchecked(p []byte, off int64)
}

// readAt and writeAt are readPage and writePage for parts of pages (certified map nodes).
// In a canister they call the System API directly (a certified map update makes about 40
// such accesses); they are small enough to be inlined.
func (s *Store) readAt(b []byte, off int64) {
	if s.direct {
		stable.Direct{}.ReadAt(b, off)
		return
	}
	s.readAtMem(b, off)
}

func (s *Store) writeAt(b []byte, off int64) {
	if s.direct {
		stable.Direct{}.WriteAt(b, off)
		return
	}
	s.writeAtMem(b, off)
}

func (s *Store) readAtMem(b []byte, off int64) {
	if s.fast != nil {
		s.fast.ReadAtUnchecked(b, off)
		return
	}
	if _, err := s.mem.ReadAt(b, off); err != nil {
		panic(errfmt.Wrap("stablestore: reading at "+errfmt.Int(off)+": ", err, ""))
	}
}

func (s *Store) writeAtMem(b []byte, off int64) {
	if s.fast != nil {
		s.fast.WriteAtUnchecked(b, off)
		return
	}
	if _, err := s.mem.WriteAt(b, off); err != nil {
		panic(errfmt.Wrap("stablestore: writing at "+errfmt.Int(off)+": ", err, ""))
	}
}
