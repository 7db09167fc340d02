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
// every query paid it again. Reserving the space at the end of every execution whose changes
// are kept leaves the stack large in the committed state, where the next query finds it (a
// grown stack is only copied again after a GC cycle shrank it, and then at the shallow depth
// of an entry point, which is cheap); it costs about 20 instructions when the stack already
// is large. A query does not reserve: its growth would be rolled back with it.
const stackReserve = 16 << 10

// reserveStack grows the calling goroutine's stack, if needed, so that stackReserve bytes
// are free below the caller's frame. Implemented in stack_wasip1_wasm.s.
func reserveStack()
