// Package cdk is the Go canister development kit: it turns Go functions into Internet
// Computer entry points and gives them the System API with Go types.
//
// A method is a static export (see canister/ABI.md) whose body hands a handler to the CDK:
//
//	//go:wasmexport query.greet
//	func greet() {
//		cdk.Query(func(m *cdk.Message) {
//			var name string
//			m.MustArgs(&name)
//			m.Reply("Hello, " + name + "!")
//		})
//	}
//
//	//go:wasmexport update.increment
//	func increment() {
//		cdk.Update(func(m *cdk.Message) {
//			counter++
//			m.Reply(counter)
//		})
//	}
//
// A panic in a handler becomes ic0.trap with the panic message, so the caller sees it and
// the IC rolls back every change of the execution. Arguments and replies are Candid
// (package candid); MustArgs traps on a malformed argument, as the IC's other CDKs do.
//
// The package-level functions work on the canister's single Runtime (the only mutable
// package state of a wasip1 build, holding pending calls). Runtime is also constructible
// with NewRuntime over any ic0.API, which is how host tests drive canister logic with
// ic0test.Fake; on a host build the package-level functions panic.
package cdk
