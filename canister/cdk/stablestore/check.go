package stablestore

import (
	"bytes"
	"slices"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Check walks the whole tree, the free list and the certified map, and verifies every invariant: node
// structure, key order and separator ranges, equal leaf depth, the entry count, and that
// each page below the high-water mark is either in the tree or free, exactly once. It
// reads every page (O(n)); it is meant for tests and for an occasional audit.
func (s *Store) Check() error {
	seen := make([]bool, s.h.nextPage)
	seen[0] = true
	mark := func(pg uint32, what string) error {
		if pg == 0 || pg >= s.h.nextPage {
			return errfmt.Wrap("", ErrCorrupt, ": "+what+" page "+errfmt.Int(pg)+" outside [1, "+
				errfmt.Int(s.h.nextPage)+")")
		}
		if seen[pg] {
			return errfmt.Wrap("", ErrCorrupt, ": "+what+" page "+errfmt.Int(pg)+" used twice")
		}
		seen[pg] = true
		return nil
	}
	var count uint64
	var walk func(pg uint32, depth int, lo, hi []byte) error
	walk = func(pg uint32, depth int, lo, hi []byte) error {
		if err := mark(pg, "node"); err != nil {
			return err
		}
		p := make(page, PageSize)
		s.readPage(pg, p)
		if err := checkPage(p); err != nil {
			return errfmt.Wrap("page "+errfmt.Int(pg)+": ", err, "")
		}
		leaf := depth == int(s.h.height)
		switch {
		case leaf && p.kind() != kindLeaf, !leaf && p.kind() != kindBranch:
			return errfmt.Wrap("", ErrCorrupt, ": page "+errfmt.Int(pg)+" at depth "+
				errfmt.Int(depth)+" of "+errfmt.Int(s.h.height)+" has kind "+errfmt.Int(p.kind()))
		case depth > 1 && p.n() == 0:
			return errfmt.Wrap("", ErrCorrupt, ": non-root page "+errfmt.Int(pg)+" is empty")
		}
		for i := range p.n() {
			k := p.key(i)
			if i > 0 && bytes.Compare(p.key(i-1), k) >= 0 {
				return errfmt.Wrap("", ErrCorrupt, ": page "+errfmt.Int(pg)+": keys "+
					errfmt.Int(i-1)+" and "+errfmt.Int(i)+" out of order")
			}
			if (lo != nil && bytes.Compare(k, lo) < 0) || (hi != nil && bytes.Compare(k, hi) >= 0) {
				return errfmt.Wrap("", ErrCorrupt, ": page "+errfmt.Int(pg)+": key "+errfmt.Hex(k)+
					" outside its parent's range ["+errfmt.Hex(lo)+", "+errfmt.Hex(hi)+")")
			}
		}
		if leaf {
			count += uint64(p.n())
			return nil
		}
		for i := 0; i <= p.n(); i++ {
			clo, chi := lo, hi
			if i > 0 {
				clo = bytes.Clone(p.key(i - 1))
			}
			if i < p.n() {
				chi = bytes.Clone(p.key(i))
			}
			if err := walk(p.child(i), depth+1, clo, chi); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(s.h.root, 1, nil, nil); err != nil {
		return err
	}
	if count != s.h.count {
		return errfmt.Wrap("", ErrCorrupt, ": "+errfmt.Int(count)+
			" entries in the leaves, header says "+errfmt.Int(s.h.count))
	}
	p := make(page, PageSize)
	free := uint32(0)
	for pg := s.h.freeHead; pg != 0; pg = p.child0() {
		if err := mark(pg, "free"); err != nil {
			return err
		}
		s.readPage(pg, p)
		if p.kind() != kindFree {
			return errfmt.Wrap("", ErrCorrupt, ": free page "+errfmt.Int(pg)+" has kind "+
				errfmt.Int(p.kind()))
		}
		free++
	}
	if free != s.h.freeCount {
		return errfmt.Wrap("", ErrCorrupt, ": "+errfmt.Int(free)+" free pages linked, header says "+
			errfmt.Int(s.h.freeCount))
	}
	if err := s.Merkle().check(mark); err != nil {
		return err
	}
	for pg, ok := range seen {
		if !ok {
			return errfmt.Wrap("", ErrCorrupt, ": page "+errfmt.Int(pg)+" is neither in the tree nor free")
		}
	}
	return nil
}

// checkPage verifies the slotted layout of a node: slots inside the heap, cells inside the
// page and not overlapping, and the garbage count matching the unused heap bytes.
func checkPage(p page) error {
	n, top := p.n(), p.top()
	if pageHeader+2*n > top || top > PageSize {
		return errfmt.Wrap("", ErrCorrupt, ": "+errfmt.Int(n)+" slots with the heap at "+errfmt.Int(top))
	}
	live := 0
	type span struct{ start, end int }
	spans := make([]span, 0, n)
	for i := range n {
		off := p.slot(i)
		hdr := leafCellHeader
		if p.kind() == kindBranch {
			hdr = branchCellHeader
		}
		if off < top || off+hdr > PageSize {
			return errfmt.Wrap("", ErrCorrupt, ": cell "+errfmt.Int(i)+" at "+errfmt.Int(off)+
				" outside the heap ["+errfmt.Int(top)+", "+errfmt.Int(PageSize)+")")
		}
		size := cellSize(p.kind(), p[off:])
		if off+size > PageSize {
			return errfmt.Wrap("", ErrCorrupt, ": cell "+errfmt.Int(i)+" at "+errfmt.Int(off)+
				" runs past the page ("+errfmt.Int(size)+" bytes)")
		}
		spans = append(spans, span{off, off + size})
		live += size
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return errfmt.Wrap("", ErrCorrupt, ": cells at "+errfmt.Int(spans[i-1].start)+" and "+
				errfmt.Int(spans[i].start)+" overlap")
		}
	}
	if PageSize-top-p.garbage() != live {
		return errfmt.Wrap("", ErrCorrupt, ": heap of "+errfmt.Int(PageSize-top)+" bytes with "+
			errfmt.Int(p.garbage())+" garbage holds "+errfmt.Int(live)+" live bytes")
	}
	return nil
}
