//go:build wasm

package sha256

import (
	"hash"
	"unsafe"
)

// New returns a SHA-256 computation.
func New() hash.Hash { return newGeneric() }

// Sum256 returns the SHA-256 digest of data. A short message (most of a hash tree's) is
// padded on the stack and hashed in one call of the linker's code.
func Sum256(data []byte) [Size]byte {
	switch n := len(data); {
	case n <= 2*blockSize-9:
		var b [2 * blockSize]byte
		copy(b[:], data)
		return sumPadded(Pad(b[:n], n))
	case n <= 4*blockSize-9: // an HTTP answer's body, such as a payment status
		var b [4 * blockSize]byte
		copy(b[:], data)
		return sumPadded(Pad(b[:n], n))
	}
	return sumGeneric(data)
}

// compress compresses one block with the linker's Wasm implementation
// (icwasm.sha256_block, canister/ABI.md): Go's code generator keeps this function's values
// in i64 registers and memory, which costs about twice the instructions of Wasm written
// with i32 locals.
func compress(state *[8]uint32, p []byte) {
	_ = p[blockSize-1]
	sha256Block(unsafe.Pointer(state), unsafe.Pointer(&p[0]))
}

// sumPadded hashes whole padded blocks (at least one) in one call of the linker's code
// (icwasm.sha256_sum): the state stays in Wasm locals and the digest is written
// big-endian, so a hash costs the Go code only this call.
func sumPadded(padded []byte) [Size]byte {
	var out [Size]byte
	sumPaddedTo(&out, padded)
	return out
}

// sumPaddedTo is sumPadded writing the digest to out.
func sumPaddedTo(out *[Size]byte, padded []byte) {
	sha256Sum(unsafe.Pointer(out), unsafe.Pointer(unsafe.SliceData(padded)), uint32(len(padded)/blockSize))
}

// sha256Block is provided by icwasm link: state is [8]uint32 (little-endian words), block
// is 64 bytes.
//
//go:wasmimport icwasm sha256_block
//go:noescape
func sha256Block(state, block unsafe.Pointer)

// sha256Sum is provided by icwasm link: the digest of blocks (>= 1) padded 64-byte blocks
// at padded, written big-endian at out.
//
//go:wasmimport icwasm sha256_sum
//go:noescape
func sha256Sum(out, padded unsafe.Pointer, blocks uint32)
