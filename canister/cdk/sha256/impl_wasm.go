//go:build wasm

package sha256

import (
	"hash"
	"unsafe"
)

// New returns a SHA-256 computation.
func New() hash.Hash { return newGeneric() }

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [Size]byte { return sumGeneric(data) }

// compress compresses one block with the linker's Wasm implementation
// (icwasm.sha256_block, canister/ABI.md): Go's code generator keeps this function's values
// in i64 registers and memory, which costs about twice the instructions of Wasm written
// with i32 locals.
func compress(state *[8]uint32, p []byte) {
	_ = p[blockSize-1]
	sha256Block(unsafe.Pointer(state), unsafe.Pointer(&p[0]))
}

// sha256Block is provided by icwasm link: state is [8]uint32 (little-endian words), block
// is 64 bytes.
//
//go:wasmimport icwasm sha256_block
//go:noescape
func sha256Block(state, block unsafe.Pointer)
