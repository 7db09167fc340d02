// Package stable exposes a canister's stable memory (the memory that survives upgrades) as
// an io.ReaderAt and io.WriterAt over the 64-bit ic0 stable64_* API. Writes grow the memory
// as needed; use io.NewSectionReader and io.NewOffsetWriter for streaming.
package stable

import (
	"errors"
	"io"
	"strconv"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// PageSize is the unit of stable memory growth (64 KiB).
const PageSize = ic0.PageSize

// ErrOutOfMemory is returned when the IC refuses to grow stable memory.
var ErrOutOfMemory = errors.New("stable memory: cannot grow (subnet or canister limit reached)")

// Memory is the stable memory of the canister. It holds no state of its own (the IC does),
// so any number of Memory values over the same API see the same bytes.
type Memory struct {
	sys ic0.API
}

// New returns the stable memory behind sys.
func New(sys ic0.API) Memory { return Memory{sys: sys} }

var (
	_ io.ReaderAt = Memory{}
	_ io.WriterAt = Memory{}
)

// Pages is the current size in 64 KiB pages.
func (m Memory) Pages() uint64 { return m.sys.Stable64Size() }

// Size is the current size in bytes.
func (m Memory) Size() int64 { return int64(m.sys.Stable64Size() * PageSize) }

// Grow adds n pages and returns the previous size in pages.
func (m Memory) Grow(n uint64) (oldPages uint64, err error) {
	old := m.sys.Stable64Grow(n)
	if old < 0 {
		return 0, errfmt.Wrap("", ErrOutOfMemory, ": growing by "+strconv.FormatUint(n, 10)+" pages")
	}
	return uint64(old), nil
}

// ReadAt reads len(p) bytes at offset off. Reading past the end returns the bytes that
// exist and io.EOF, as io.ReaderAt requires.
func (m Memory) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stable memory: negative offset")
	}
	size := m.Size()
	if off >= size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := len(p)
	var err error
	if int64(n) > size-off {
		n, err = int(size-off), io.EOF
	}
	if n > 0 {
		m.sys.Stable64Read(p[:n], uint64(off))
	}
	return n, err
}

// WriteAt writes p at offset off, first growing the memory to hold it.
func (m Memory) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stable memory: negative offset")
	}
	if len(p) == 0 {
		return 0, nil
	}
	end := uint64(off) + uint64(len(p))
	if err := m.Reserve(end); err != nil {
		return 0, err
	}
	m.sys.Stable64Write(uint64(off), p)
	return len(p), nil
}

// ReadAtUnchecked reads len(p) bytes at off without checking the size first: for a
// structure that grew the memory itself and knows the range is inside (cdk/stablestore),
// it saves a system call per read. A range outside traps.
func (m Memory) ReadAtUnchecked(p []byte, off int64) { m.sys.Stable64Read(p, uint64(off)) }

// WriteAtUnchecked is WriteAt without the size check and growth, for ranges known to be
// inside the memory. A range outside traps.
func (m Memory) WriteAtUnchecked(p []byte, off int64) { m.sys.Stable64Write(uint64(off), p) }

// Direct is the canister's stable memory without the ic0.API interface, for a structure
// on the hot path of every message (cdk/stablestore): a call costs the system call and
// little more. Its ranges must lie inside the memory (else it traps): get it from
// Memory.Direct, which reports whether the memory is the canister's own.
type Direct struct{}

// Reserve grows the memory (if needed) so that it holds at least size bytes.
func (m Memory) Reserve(size uint64) error {
	have := m.Pages()
	need := (size + PageSize - 1) / PageSize
	if need <= have {
		return nil
	}
	_, err := m.Grow(need - have)
	return err
}
