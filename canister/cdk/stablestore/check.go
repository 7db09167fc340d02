package stablestore

import (
	"bytes"
	"fmt"
	"slices"
)

// Check walks the whole tree and the free list and verifies every invariant: node
// structure, key order and separator ranges, equal leaf depth, the entry count, and that
// each page below the high-water mark is either in the tree or free, exactly once. It
// reads every page (O(n)); it is meant for tests and for an occasional audit.
func (s *Store) Check() error {
	seen := make([]bool, s.h.nextPage)
	seen[0] = true
	mark := func(pg uint32, what string) error {
		if pg == 0 || pg >= s.h.nextPage {
			return fmt.Errorf("%w: %s page %d outside [1, %d)", ErrCorrupt, what, pg, s.h.nextPage)
		}
		if seen[pg] {
			return fmt.Errorf("%w: %s page %d used twice", ErrCorrupt, what, pg)
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
			return fmt.Errorf("page %d: %w", pg, err)
		}
		leaf := depth == int(s.h.height)
		switch {
		case leaf && p.kind() != kindLeaf, !leaf && p.kind() != kindBranch:
			return fmt.Errorf("%w: page %d at depth %d of %d has kind %d", ErrCorrupt, pg, depth, s.h.height, p.kind())
		case depth > 1 && p.n() == 0:
			return fmt.Errorf("%w: non-root page %d is empty", ErrCorrupt, pg)
		}
		for i := range p.n() {
			k := p.key(i)
			if i > 0 && bytes.Compare(p.key(i-1), k) >= 0 {
				return fmt.Errorf("%w: page %d: keys %d and %d out of order", ErrCorrupt, pg, i-1, i)
			}
			if (lo != nil && bytes.Compare(k, lo) < 0) || (hi != nil && bytes.Compare(k, hi) >= 0) {
				return fmt.Errorf("%w: page %d: key %x outside its parent's range [%x, %x)", ErrCorrupt, pg, k, lo, hi)
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
		return fmt.Errorf("%w: %d entries in the leaves, header says %d", ErrCorrupt, count, s.h.count)
	}
	p := make(page, PageSize)
	free := uint32(0)
	for pg := s.h.freeHead; pg != 0; pg = p.child0() {
		if err := mark(pg, "free"); err != nil {
			return err
		}
		s.readPage(pg, p)
		if p.kind() != kindFree {
			return fmt.Errorf("%w: free page %d has kind %d", ErrCorrupt, pg, p.kind())
		}
		free++
	}
	if free != s.h.freeCount {
		return fmt.Errorf("%w: %d free pages linked, header says %d", ErrCorrupt, free, s.h.freeCount)
	}
	for pg, ok := range seen {
		if !ok {
			return fmt.Errorf("%w: page %d is neither in the tree nor free", ErrCorrupt, pg)
		}
	}
	return nil
}

// checkPage verifies the slotted layout of a node: slots inside the heap, cells inside the
// page and not overlapping, and the garbage count matching the unused heap bytes.
func checkPage(p page) error {
	n, top := p.n(), p.top()
	if pageHeader+2*n > top || top > PageSize {
		return fmt.Errorf("%w: %d slots with the heap at %d", ErrCorrupt, n, top)
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
			return fmt.Errorf("%w: cell %d at %d outside the heap [%d, %d)", ErrCorrupt, i, off, top, PageSize)
		}
		size := cellSize(p.kind(), p[off:])
		if off+size > PageSize {
			return fmt.Errorf("%w: cell %d at %d runs past the page (%d bytes)", ErrCorrupt, i, off, size)
		}
		spans = append(spans, span{off, off + size})
		live += size
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return fmt.Errorf("%w: cells at %d and %d overlap", ErrCorrupt, spans[i-1].start, spans[i].start)
		}
	}
	if PageSize-top-p.garbage() != live {
		return fmt.Errorf("%w: heap of %d bytes with %d garbage holds %d live bytes", ErrCorrupt, PageSize-top, p.garbage(), live)
	}
	return nil
}
