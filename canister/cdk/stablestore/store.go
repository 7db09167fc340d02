package stablestore

import (
	"errors"
	"slices"

	"github.com/gocanister/stripe-ic/canister/cdk/stable"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
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
	mem  Memory
	fast uncheckedMemory // mem, when it can skip its bounds checks (cdk/stable.Memory)
	// direct: mem is the canister's own stable memory, read and written through
	// cdk/stable.Direct without interface calls.
	direct bool
	off    int64
	h      header

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

	merkle    *Merkle // the certified map, once asked for
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
		return nil, errors.New("stablestore: open: negative offset " + errfmt.Int(offset))
	}
	s := &Store{mem: mem, off: offset}
	s.fast, _ = mem.(uncheckedMemory)
	if sm, ok := mem.(stable.Memory); ok {
		_, s.direct = sm.Direct()
	}
	if mem.Size() >= offset+headerSize {
		if _, err := mem.ReadAt(s.hbuf[:], offset); err != nil {
			return nil, errfmt.Wrap("stablestore: open: reading the header at "+errfmt.Int(offset)+
				": ", err, "")
		}
		if s.hbuf != [headerSize]byte{} {
			if err := s.h.decode(s.hbuf[:]); err != nil {
				return nil, errfmt.Wrap("stablestore: open at "+errfmt.Int(offset)+": ", err, "")
			}
			if end := s.pageOffset(s.h.nextPage); mem.Size() < end {
				return nil, errfmt.Wrap("stablestore: open at "+errfmt.Int(offset)+
					": ", ErrCorrupt, ": "+errfmt.Int(s.h.nextPage)+" pages end at "+
					errfmt.Int(end)+" beyond the memory size "+errfmt.Int(mem.Size()))
			}
			return s, nil
		}
	}
	// Format: page 0 holds the header, page 1 the empty root leaf.
	s.h = header{root: 1, height: 1, nextPage: 2}
	if err := s.growTo(s.pageOffset(2)); err != nil {
		return nil, errfmt.Wrap("stablestore: open: formatting at "+errfmt.Int(offset)+": ", err, "")
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
		return errfmt.Wrap("", ErrTooLarge, ": key of "+errfmt.Int(len(key))+" bytes (at most "+
			errfmt.Int(MaxKeyLen)+")")
	case len(value) > MaxValueLen:
		return errfmt.Wrap("", ErrTooLarge, ": value of "+errfmt.Int(len(value))+" bytes (at most "+
			errfmt.Int(MaxValueLen)+")")
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
			return errfmt.Wrap("stablestore: put: ", err, "")
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
			return false, errfmt.Wrap("stablestore: remove: ", err, "")
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
// returns false. key and value are only valid during the call. fn may call Get and
// Ascend, not Set or Delete (they panic: changing the tree under a scan would corrupt it).
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
