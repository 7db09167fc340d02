//go:build wasip1

package cdk

import "github.com/gocanister/stripe-ic/canister/cdk/ic0"

// root is the canister's Runtime: the one piece of mutable package state (pending calls),
// created when the Go runtime starts inside canister_init or canister_post_upgrade.
var root = newRuntime(ic0.System{}, defaultCallbacks(), randomSeed)

// Default is the canister's Runtime.
func Default() *Runtime { return root }

// The CDK's callback exports. icwasm appends them to table 0 and replaces the imports
// below with functions returning their indices (ABI.md, "Callbacks and table 0").

//go:wasmexport callback.cdk_reply
func replyCallback(env uint32) { root.HandleReply(env) }

//go:wasmexport callback.cdk_reject
func rejectCallback(env uint32) { root.HandleReject(env) }

//go:wasmexport callback.cdk_cleanup
func cleanupCallback(env uint32) { root.HandleCleanup(env) }

//go:wasmimport icwasm callback.cdk_reply
func replyIndex() uint32

//go:wasmimport icwasm callback.cdk_reject
func rejectIndex() uint32

//go:wasmimport icwasm callback.cdk_cleanup
func cleanupIndex() uint32

// defaultCallbacks resolves the indices lazily: the imports only exist in a linked module and
// a program that never calls does not need them.
func defaultCallbacks() callbackTable {
	return callbackTable{reply: replyIndex, reject: rejectIndex, cleanup: cleanupIndex}
}

// randomSeed re-seeds the module's deterministic random_get generator (ABI.md, "Other
// icwasm imports").
//
//go:wasmimport icwasm random_seed
func randomSeed(seed uint64)
