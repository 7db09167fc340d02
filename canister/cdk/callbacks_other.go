//go:build !wasip1

package cdk

import "sync/atomic"

// defaultCallbacks stands in for the table-0 indices outside Wasm: tests see these numbers in
// the calls a Fake records and deliver answers with Runtime.HandleReply and friends.
func defaultCallbacks() callbackTable {
	return callbackTable{
		reply:   func() uint32 { return 1 },
		reject:  func() uint32 { return 2 },
		cleanup: func() uint32 { return 3 },
	}
}

// running is the Runtime whose export a host test is running: outside Wasm there is no
// canister, so the package-level functions act on the Runtime that is executing (the
// analogue of a canister's one Runtime). Host tests that use them run one Runtime at a time.
var running atomic.Pointer[Runtime]

// root is the Runtime the package-level functions act on.
func root() *Runtime {
	if rt := running.Load(); rt != nil {
		return rt
	}
	panic("cdk: no canister execution is running: outside GOOS=wasip1, the package-level " +
		"functions work inside the exports of a Runtime (cdk.NewRuntime(&ic0test.Fake{}))")
}

// bind makes rt the Runtime of the package-level functions until the returned function runs.
func (rt *Runtime) bind() func() {
	prev := running.Swap(rt)
	return func() { running.Store(prev) }
}
