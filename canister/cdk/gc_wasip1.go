//go:build wasip1

package cdk

import _ "unsafe" // go:linkname

// Garbage collection and executions whose changes the IC discards.
//
// A query's memory is rolled back when it ends, so whatever the runtime does lazily in a
// query is done again by the next one. A garbage collection cycle that a query starts
// (because the committed heap was just below the trigger; the certified GET /checkout query
// then cost 2,460,000 instructions instead of 600,000) or helps to mark is wasted work, and
// it would be repeated by every query until an update moved the heap past the trigger. So,
// like Motoko's runtime, whose collector only runs in update messages, the CDK does not
// collect garbage in queries: a discarded execution runs with the collector off (its garbage
// is discarded with it; a query that allocates more than the canister's free memory traps
// instead of collecting, a memory limit set with runtime/debug.SetMemoryLimit still applies),
// and every committed execution ends with no marking in progress, so that no cycle spans
// into the next message (about 7,000 instructions).

// setGCPercent is what runtime/debug.SetGCPercent calls; runtime/debug itself links fmt and
// os (about 170 KB gzip in a canister). The runtime provides it under this name.
//
//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(percent int32) int32

// discarding turns the collector off for an execution of kind whose changes the IC discards
// (it first finishes a cycle's marking, if one is in progress); the setting is discarded
// with the rest of the execution's memory. A query called as an update (replicated
// execution) commits and keeps the collector.
func (rt *Runtime) discarding(kind Kind) {
	if kind.discarded() && !rt.sys.InReplicatedExecution() {
		rt.gcOff = true
		setGCPercent(-1)
	}
}

// settleGC finishes the marking of a cycle in progress, if any: turning the collector off
// waits for that (a few thousand instructions when no cycle is running). Not needed where
// discarding turned the collector off.
func (rt *Runtime) settleGC() {
	if !rt.gcOff {
		setGCPercent(setGCPercent(-1))
	}
}
