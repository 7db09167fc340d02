// Command stripe_backend is the product canister. For now it is a placeholder with one
// query and one update (see canister/stripe_backend.did); the Stripe logic comes later.
//
// Build it with `make canister` (GOOS=wasip1 go build, then icwasm link).
package main

import "github.com/gocanister/stripe-ic/canister/cdk"

// counter is the canister's heap state: it lives as long as the Wasm memory (until the
// next upgrade).
var counter uint64

//go:wasmexport query.greet
func greetExport() { cdk.Query(greet) }

//go:wasmexport update.increment
func incrementExport() { cdk.Update(increment) }

// greet : (text) -> (text) query
func greet(m *cdk.Message) {
	var name string
	m.MustArgs(&name)
	m.Reply("Hello, " + name + "!")
}

// increment : () -> (nat64) adds one to the counter and returns it.
func increment(m *cdk.Message) {
	m.MustArgs()
	counter++
	m.Reply(counter)
}

func main() {}
