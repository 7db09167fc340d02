package stablestore

import (
	"bytes"
	"errors"
	"hash/crc32"
	"strconv"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// The header is the first bytes of page 0 of the region (the rest of page 0 is unused, so
// node pages stay aligned to PageSize from the region start):
//
//	0  magic     [8]byte "GoStBT\x00\x01"
//	8  version   u32     FormatVersion
//	12 pageSize  u32     PageSize
//	16 root      u32     root page
//	20 height    u32     levels (1: the root is a leaf)
//	24 nextPage  u32     pages ever allocated, page 0 included (the high-water mark)
//	28 freeHead  u32     first free page (0: none); each links the next in its child0 field
//	32 freeCount u32     pages on the free list
//	36 merkle    u32     the certified map's meta page (0: none yet; see Merkle)
//	40 count     u64     number of entries
//	48 reserved  [12]byte
//	60 crc       u32     CRC-32 (IEEE) of bytes 0..60
const (
	headerSize = 64
	// FormatVersion is the on-memory format this package reads and writes.
	FormatVersion = 1
	// maxHeight bounds the tree height accepted from a header. With at least two cells per
	// node and 2^32 pages a tree cannot be taller than 32 levels.
	maxHeight = 32
)

var magic = [8]byte{'G', 'o', 'S', 't', 'B', 'T', 0, 1}

// ErrNotStore is returned by Open when the region holds something other than a store.
var ErrNotStore = errors.New("stablestore: region does not hold a store")

// ErrCorrupt is returned by Open (and Check) when the store's bytes are inconsistent.
var ErrCorrupt = errors.New("stablestore: corrupt store")

type header struct {
	root      uint32
	height    uint32
	nextPage  uint32
	freeHead  uint32
	freeCount uint32
	merkle    uint32
	count     uint64
}

func (h *header) encode(b []byte) {
	clear(b[:headerSize])
	copy(b, magic[:])
	le.PutUint32(b[8:], FormatVersion)
	le.PutUint32(b[12:], PageSize)
	le.PutUint32(b[16:], h.root)
	le.PutUint32(b[20:], h.height)
	le.PutUint32(b[24:], h.nextPage)
	le.PutUint32(b[28:], h.freeHead)
	le.PutUint32(b[32:], h.freeCount)
	le.PutUint32(b[36:], h.merkle)
	le.PutUint64(b[40:], h.count)
	le.PutUint32(b[60:], crc32.ChecksumIEEE(b[:60]))
}

// decode parses and sanity-checks a header.
func (h *header) decode(b []byte) error {
	if !bytes.Equal(b[:8], magic[:]) {
		return errfmt.Wrap("", ErrNotStore, ": magic "+strconv.Quote(string(b[:8])))
	}
	if sum := crc32.ChecksumIEEE(b[:60]); le.Uint32(b[60:]) != sum {
		return errfmt.Wrap("", ErrCorrupt, ": header checksum "+errfmt.Hex32(le.Uint32(b[60:]))+
			", want "+errfmt.Hex32(sum))
	}
	if v := le.Uint32(b[8:]); v != FormatVersion {
		return errfmt.Wrap("", ErrNotStore, ": format version "+errfmt.Int(v)+
			", this package reads "+errfmt.Int(FormatVersion))
	}
	if ps := le.Uint32(b[12:]); ps != PageSize {
		return errfmt.Wrap("", ErrNotStore, ": page size "+errfmt.Int(ps)+", this package uses "+
			errfmt.Int(PageSize))
	}
	*h = header{
		root:      le.Uint32(b[16:]),
		height:    le.Uint32(b[20:]),
		nextPage:  le.Uint32(b[24:]),
		freeHead:  le.Uint32(b[28:]),
		freeCount: le.Uint32(b[32:]),
		merkle:    le.Uint32(b[36:]),
		count:     le.Uint64(b[40:]),
	}
	switch {
	case h.nextPage < 2:
		return errfmt.Wrap("", ErrCorrupt, ": "+errfmt.Int(h.nextPage)+" pages allocated")
	case h.root == 0 || h.root >= h.nextPage:
		return errfmt.Wrap("", ErrCorrupt, ": root page "+errfmt.Int(h.root)+" of "+errfmt.Int(h.nextPage))
	case h.height == 0 || h.height > maxHeight:
		return errfmt.Wrap("", ErrCorrupt, ": height "+errfmt.Int(h.height))
	case h.merkle >= h.nextPage:
		return errfmt.Wrap("", ErrCorrupt, ": certified map page "+errfmt.Int(h.merkle)+" of "+errfmt.Int(h.nextPage))
	case h.freeHead >= h.nextPage || h.freeCount >= h.nextPage || (h.freeHead == 0) != (h.freeCount == 0):
		return errfmt.Wrap("", ErrCorrupt, ": free list head "+errfmt.Int(h.freeHead)+" with "+
			errfmt.Int(h.freeCount)+" pages of "+errfmt.Int(h.nextPage))
	}
	return nil
}
