//go:build !wasip1

package cdk

// defaultCallbacks stands in for the table-0 indices outside Wasm: tests see these numbers in
// the calls a Fake records and deliver answers with Runtime.HandleReply and friends.
func defaultCallbacks() callbackTable {
	return callbackTable{
		reply:   func() uint32 { return 1 },
		reject:  func() uint32 { return 2 },
		cleanup: func() uint32 { return 3 },
	}
}

// Default is the canister's Runtime. Outside a wasip1 build there is no canister: it
// panics (tests use NewRuntime with a fake).
func Default() *Runtime {
	panic("cdk: the package-level API needs GOOS=wasip1; in host tests use cdk.NewRuntime(&ic0test.Fake{})")
}
