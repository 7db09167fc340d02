//go:build wasip1

package cdk

import "github.com/gocanister/stripe-ic/canister/cdk/ic0"

// canister is the canister's Runtime: the one piece of mutable package state (pending calls,
// timers, worker goroutines), created when the Go runtime starts inside canister_init or
// canister_post_upgrade.
var canister = newRuntime(ic0.System{}, defaultCallbacks(), randomSeed)

// root is the Runtime the package-level functions act on.
func root() *Runtime { return canister }

// bind starts every entry point and its result ends it. Host tests bind a Runtime there
// (callbacks_other.go); a canister has one Runtime, and ends every execution whose changes
// are kept with no garbage collection marking in progress (gc_wasip1.go) and with the stack
// of the goroutine that runs its exports reserved (stack_wasip1.go). A discarded execution
// (a query) does neither: whatever it did would be rolled back and redone by the next one.
func (rt *Runtime) bind() func() {
	return unbind
}

func unbind() {
	if !canister.gcOff {
		canister.settleGC()
		reserveStack()
	}
}

// The CDK's own exports, which every CDK canister has (ABI.md, "Exports the CDK owns"): the
// callbacks of its calls, the global timer and the timer executor. icwasm appends the
// callbacks to table 0 and replaces the imports below with functions returning their
// indices (ABI.md, "Callbacks and table 0").

//go:wasmexport callback.cdk_reply
func replyCallback(env uint32) { canister.HandleReply(env) }

//go:wasmexport callback.cdk_reject
func rejectCallback(env uint32) { canister.HandleReject(env) }

//go:wasmexport callback.cdk_cleanup
func cleanupCallback(env uint32) { canister.HandleCleanup(env) }

//go:wasmimport icwasm callback.cdk_reply
func replyIndex() uint32

//go:wasmimport icwasm callback.cdk_reject
func rejectIndex() uint32

//go:wasmimport icwasm callback.cdk_cleanup
func cleanupIndex() uint32

// globalTimer runs the due timers, each in a call to timerExecutor (timer.go).
//
//go:wasmexport system.global_timer
func globalTimer() { canister.GlobalTimer() }

// timerExecutor is the hidden update method that runs one timer; only the canister itself
// may call it. Its name is no Candid identifier, so it cannot clash with a method of the
// canister's interface.
//
//go:wasmexport update.<cdk>_timer_executor
func timerExecutor() { canister.TimerExecutor() }

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
