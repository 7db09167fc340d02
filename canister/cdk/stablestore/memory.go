package stablestore

import (
	"errors"
	"io"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// WasmPageSize is the unit in which stable memory grows (64 KiB), as in package cdk/stable.
const WasmPageSize = protocol.StablePageBytes

// Memory is what the store needs from stable memory. cdk/stable.Memory (what cdk.Stable()
// returns) satisfies it; Buffer is the in-memory implementation for native tests.
//
// The store grows the memory itself through Grow before an operation starts writing, so a
// refused growth fails the operation before anything changed; WriteAt is then only ever
// called within Size.
type Memory interface {
	io.ReaderAt
	io.WriterAt
	// Size is the current size in bytes (a multiple of WasmPageSize).
	Size() int64
	// Grow adds pages of WasmPageSize bytes and returns the previous size in pages.
	Grow(pages uint64) (oldPages uint64, err error)
}

// ErrBufferFull is returned by Buffer.Grow beyond the Buffer's limit.
var ErrBufferFull = errors.New("stablestore: buffer memory limit reached")

// Buffer is a Memory on the Go heap, for tests and native use. It grows in 64 KiB chunks
// (no large reallocations at hundreds of MiB), starts empty and reads zeros where nothing
// was written, like fresh stable memory. The zero value is an empty, unlimited Buffer.
type Buffer struct {
	chunks   [][]byte
	maxPages uint64 // 0: unlimited
}

// NewBuffer returns an empty Buffer that refuses to grow beyond maxPages 64 KiB pages
// (0: unlimited), to exercise out-of-memory paths.
func NewBuffer(maxPages uint64) *Buffer { return &Buffer{maxPages: maxPages} }

var _ Memory = (*Buffer)(nil)

// Size implements Memory.
func (b *Buffer) Size() int64 { return int64(len(b.chunks)) * WasmPageSize }

// Grow implements Memory.
func (b *Buffer) Grow(pages uint64) (uint64, error) {
	old := uint64(len(b.chunks))
	if b.maxPages != 0 && old+pages > b.maxPages {
		return 0, errfmt.Wrap("", ErrBufferFull, ": "+errfmt.Int(old)+" + "+errfmt.Int(pages)+
			" pages > "+errfmt.Int(b.maxPages))
	}
	for range pages {
		b.chunks = append(b.chunks, make([]byte, WasmPageSize))
	}
	return old, nil
}

// ReadAt implements io.ReaderAt: reading past the end returns what exists and io.EOF.
func (b *Buffer) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stablestore: buffer: negative offset")
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= b.Size() {
			return n, io.EOF
		}
		n += copy(p[n:], b.chunks[pos/WasmPageSize][pos%WasmPageSize:])
	}
	return n, nil
}

// WriteAt implements io.WriterAt, growing the buffer as cdk/stable.Memory does.
func (b *Buffer) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stablestore: buffer: negative offset")
	}
	if end := off + int64(len(p)); end > b.Size() {
		if _, err := b.Grow(uint64((end - b.Size() + WasmPageSize - 1) / WasmPageSize)); err != nil {
			return 0, err
		}
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		n += copy(b.chunks[pos/WasmPageSize][pos%WasmPageSize:], p[n:])
	}
	return n, nil
}

// Bytes returns a copy of the whole memory (to compare layouts in tests).
func (b *Buffer) Bytes() []byte {
	out := make([]byte, 0, b.Size())
	for _, c := range b.chunks {
		out = append(out, c...)
	}
	return out
}
