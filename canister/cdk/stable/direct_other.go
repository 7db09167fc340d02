//go:build !wasip1

package stable

// Direct returns the direct access to the stable memory behind m, if m is the canister's
// own: never outside wasip1, where an ic0.API implementation such as ic0test.Fake serves it.
func (m Memory) Direct() (Direct, bool) { return Direct{}, false }

// ReadAt is never called outside wasip1 (Direct reports false).
func (Direct) ReadAt(p []byte, off int64) { panic("stable: no direct stable memory outside wasip1") }

// WriteAt is never called outside wasip1 (Direct reports false).
func (Direct) WriteAt(p []byte, off int64) { panic("stable: no direct stable memory outside wasip1") }
