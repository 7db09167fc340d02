//go:build wasip1

package stable

import "github.com/gocanister/stripe-ic/canister/cdk/ic0"

// Direct returns the direct access to the stable memory behind m, if m is the canister's
// own (its API is ic0.System, as cdk.Stable's is in a canister).
func (m Memory) Direct() (Direct, bool) {
	_, ok := m.sys.(ic0.System)
	return Direct{}, ok
}

// ReadAt reads len(p) bytes at off, which must lie inside the memory (else it traps).
func (Direct) ReadAt(p []byte, off int64) { ic0.System{}.Stable64Read(p, uint64(off)) }

// WriteAt writes p at off, which must lie inside the memory (else it traps).
func (Direct) WriteAt(p []byte, off int64) { ic0.System{}.Stable64Write(uint64(off), p) }
