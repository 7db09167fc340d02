// Command empty is the smallest Go canister: one query export and nothing else.
package main

//go:wasmexport query.x
func x() {}

func main() {}
