//go:build !wasm

package sha256

import (
	"crypto/sha256"
	"hash"
)

// New returns a SHA-256 computation.
func New() hash.Hash { return sha256.New() }

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [Size]byte { return sha256.Sum256(data) }

func compress(state *[8]uint32, p []byte) { blockGeneric(state, p) }

func sumPadded(padded []byte) [Size]byte { return sumPaddedGeneric(padded) }

func sumPaddedTo(out *[Size]byte, padded []byte) { *out = sumPaddedGeneric(padded) }
