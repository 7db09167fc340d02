//go:build !wasip1

package main

// replyFromInit has no ic0 outside wasip1; the canister only makes sense as Wasm.
func replyFromInit() { panic("initreply runs only as a wasip1 canister") }
