//go:build wasm

package sha256

import "hash"

// New returns a SHA-256 computation.
func New() hash.Hash { return newGeneric() }

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [Size]byte { return sumGeneric(data) }
