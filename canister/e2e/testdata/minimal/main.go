// Command minimal is the smallest useful Go canister written with the CDK: an empty query,
// a counter query and a counter update, with Candid replies. `make bench` reports its size
// and the instructions of each method.
package main

import "github.com/gocanister/stripe-ic/canister/cdk"

var counter uint64

//go:wasmexport query.empty
func empty() { cdk.Query(func(m *cdk.Message) { m.Reply() }) }

//go:wasmexport query.get
func get() { cdk.Query(func(m *cdk.Message) { m.Reply(counter) }) }

//go:wasmexport update.increment
func increment() {
	cdk.Update(func(m *cdk.Message) {
		counter++
		m.Reply(counter)
	})
}

func main() {}
