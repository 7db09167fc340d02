package stablestore

import (
	"bytes"
	"encoding/binary"
)

// Node pages are slotted pages of PageSize bytes:
//
//	0  kind     u8   kindLeaf, kindBranch or kindFree
//	1  reserved u8
//	2  n        u16  number of cells
//	4  top      u16  start of the cell heap; cells live in [top, PageSize) (0 means PageSize)
//	6  garbage  u16  bytes of dead cells inside the heap (reclaimed by compact)
//	8  child0   u32  branch: leftmost child; free page: next free page
//	12 reserved u32
//	16 slots    u16[n] cell offsets, in key order
//
// Cells are allocated downwards from the end of the page, so inserting a cell moves at most
// the slot array. Leaf cell: klen u16, vlen u16, key, value. Branch cell: klen u16,
// child u32, key; the child holds the keys >= key (and < the next cell's key), child0 the
// keys below the first cell's key. All integers are little-endian.
const (
	pageHeader = 16
	capacity   = PageSize - pageHeader // bytes for slots and cells

	kindFree   = 0xFE
	kindLeaf   = 1
	kindBranch = 2

	leafCellHeader   = 4
	branchCellHeader = 6
)

var le = binary.LittleEndian

type page []byte

func (p page) kind() byte       { return p[0] }
func (p page) n() int           { return int(le.Uint16(p[2:])) }
func (p page) setN(n int)       { le.PutUint16(p[2:], uint16(n)) }
func (p page) garbage() int     { return int(le.Uint16(p[6:])) }
func (p page) setGarbage(g int) { le.PutUint16(p[6:], uint16(g)) }
func (p page) child0() uint32   { return le.Uint32(p[8:]) }

// top is stored modulo 1<<16: an empty heap (top == PageSize == 8192) fits, and 0 reads
// as PageSize so a zeroed header is an empty page.
func (p page) top() int {
	if t := int(le.Uint16(p[4:])); t != 0 {
		return t
	}
	return PageSize
}
func (p page) setTop(t int) { le.PutUint16(p[4:], uint16(t%PageSize)) }

func (p page) slot(i int) int { return int(le.Uint16(p[pageHeader+2*i:])) }

// init makes p an empty page of the given kind.
func (p page) init(kind byte, child0 uint32) {
	clear(p)
	p[0] = kind
	le.PutUint32(p[8:], child0)
}

// key returns the key of cell i.
func (p page) key(i int) []byte {
	off := p.slot(i)
	klen := int(le.Uint16(p[off:]))
	if p.kind() == kindLeaf {
		return p[off+leafCellHeader : off+leafCellHeader+klen]
	}
	return p[off+branchCellHeader : off+branchCellHeader+klen]
}

// value returns the value of leaf cell i.
func (p page) value(i int) []byte {
	off := p.slot(i)
	klen, vlen := int(le.Uint16(p[off:])), int(le.Uint16(p[off+2:]))
	start := off + leafCellHeader + klen
	return p[start : start+vlen]
}

// child returns child i of a branch, 0 <= i <= n: child0 or the child of cell i-1.
func (p page) child(i int) uint32 {
	if i == 0 {
		return p.child0()
	}
	return le.Uint32(p[p.slot(i-1)+2:])
}

// cell returns the raw bytes of cell i.
func (p page) cell(i int) []byte {
	off := p.slot(i)
	return p[off : off+cellSize(p.kind(), p[off:])]
}

// cellSize is the size of the cell starting at c.
func cellSize(kind byte, c []byte) int {
	klen := int(le.Uint16(c))
	if kind == kindLeaf {
		return leafCellHeader + klen + int(le.Uint16(c[2:]))
	}
	return branchCellHeader + klen
}

// cellKey is the key of the raw cell c.
func cellKey(kind byte, c []byte) []byte {
	klen := int(le.Uint16(c))
	if kind == kindLeaf {
		return c[leafCellHeader : leafCellHeader+klen]
	}
	return c[branchCellHeader : branchCellHeader+klen]
}

// used is the number of bytes the slots and live cells take (at most capacity).
func (p page) used() int { return 2*p.n() + PageSize - p.top() - p.garbage() }

// lowerBound returns the first cell index whose key is >= key, and whether it is equal.
func (p page) lowerBound(key []byte) (int, bool) {
	lo, hi := 0, p.n()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(p.key(m), key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < p.n() && bytes.Equal(p.key(lo), key)
}

// childIndex returns the index of the branch child whose range holds key: the number of
// cell keys <= key.
func (p page) childIndex(key []byte) int {
	lo, hi := 0, p.n()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(p.key(m), key) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// insert puts cell c at index i, compacting if needed; false if it does not fit.
func (p page) insert(i int, c []byte, scratch page) bool {
	n := p.n()
	need := len(c) + 2
	if p.top()-(pageHeader+2*n) < need {
		if p.used()+need > capacity {
			return false
		}
		p.compact(scratch)
	}
	top := p.top() - len(c)
	copy(p[top:], c)
	p.setTop(top)
	s := p[pageHeader:]
	copy(s[2*(i+1):2*(n+1)], s[2*i:2*n])
	le.PutUint16(s[2*i:], uint16(top))
	p.setN(n + 1)
	return true
}

// remove deletes cell i; its bytes become garbage until the next compaction.
func (p page) remove(i int) {
	n := p.n()
	size := len(p.cell(i))
	s := p[pageHeader:]
	copy(s[2*i:], s[2*(i+1):2*n])
	le.PutUint16(s[2*(n-1):], 0)
	p.setN(n - 1)
	if n == 1 { // empty: reset the heap so the page bytes only depend on its content
		clear(p[pageHeader:])
		p.setTop(PageSize)
		p.setGarbage(0)
		return
	}
	p.setGarbage(p.garbage() + size)
}

// compact rewrites the cells without gaps, in slot order (deterministic).
func (p page) compact(scratch page) {
	copy(scratch, p)
	p.rebuild(p.kind(), p.child0(), scratch.cells(nil))
}

// cells appends the raw cells of p, in key order, to dst.
func (p page) cells(dst [][]byte) [][]byte {
	for i := range p.n() {
		dst = append(dst, p.cell(i))
	}
	return dst
}

// rebuild makes p a page holding exactly cs (which must fit and must not alias p).
func (p page) rebuild(kind byte, child0 uint32, cs [][]byte) {
	p.init(kind, child0)
	top := PageSize
	for i, c := range cs {
		top -= len(c)
		copy(p[top:], c)
		le.PutUint16(p[pageHeader+2*i:], uint16(top))
	}
	p.setTop(top)
	p.setN(len(cs))
}

// cellsUsed is the space cs take in a page (slots included).
func cellsUsed(cs [][]byte) int {
	n := 0
	for _, c := range cs {
		n += len(c) + 2
	}
	return n
}

func appendLeafCell(dst, key, value []byte) []byte {
	dst = le.AppendUint16(dst, uint16(len(key)))
	dst = le.AppendUint16(dst, uint16(len(value)))
	dst = append(dst, key...)
	return append(dst, value...)
}

func appendBranchCell(dst, key []byte, child uint32) []byte {
	dst = le.AppendUint16(dst, uint16(len(key)))
	dst = le.AppendUint32(dst, child)
	return append(dst, key...)
}
