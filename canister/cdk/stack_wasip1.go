//go:build wasip1

package cdk

// stackReserve is the stack space, in bytes, that reserveStack leaves free on the goroutine
// that runs the canister's exports (the frame size in stack_wasip1_wasm.s).
//
// Why: a Wasm export runs on the goroutine that was running when the previous export
// returned, and queries and most other entry points run their handler inline on it. The
// stack it has is whatever the last committed execution left: it grows (by copying, which
// walks every frame's pcvalue tables: about 250,000 instructions for a certified
// GET /checkout query's 11 KiB deep witness encoding) and the garbage collector halves it
// whenever a cycle finds it mostly unused. A query's growth is rolled back with the query, so
// every query paid it again. Reserving the space at the start and the end of every
// execution keeps the stack large in the committed state (a grown stack is only copied
// again after a GC cycle shrank it, and then at the shallow depth of an entry point, which
// is cheap) and costs about 20 instructions when it already is.
const stackReserve = 16 << 10

// reserveStack grows the calling goroutine's stack, if needed, so that stackReserve bytes
// are free below the caller's frame. Implemented in stack_wasip1_wasm.s.
func reserveStack()
