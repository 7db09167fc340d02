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
// # Blocking calls
//
// The handler of an execution that can call (update, composite query, timer, heartbeat)
// runs on a goroutine of its own (a pooled worker), so it can call other canisters as plain
// blocking Go:
//
//	//go:wasmexport update.pay
//	func pay() {
//		cdk.Update(func(m *cdk.Message) {
//			var balance uint64
//			if err := m.CallDecode(cdk.Call{Callee: ledger, Method: "balance"}, &balance, account); err != nil {
//				m.Reject(err.Error()) // a *CallError for a reject, with the IC's code
//				return
//			}
//			...
//		})
//	}
//
// The export hands control to the handler's goroutine and waits until the handler finishes
// or awaits a call; then the export returns and the IC execution ends. The call's reply or
// reject callback (an export of this package) hands the answer to the waiting goroutine and
// again waits. Exactly one goroutine runs at any time. As in the IC's other CDKs, every await
// is a commit point: a trap after it rolls back only the execution since the last await.
// Message.CallAsync starts calls without waiting (several in flight; Future.Wait collects
// them). Current returns the running handler's Message to code that has none (Heartbeat and
// GlobalTimer handlers, libraries). Plain queries, init, post_upgrade, pre_upgrade and
// inspect_message cannot call: Call returns ErrCannotCall there, and their handlers run on
// the export's goroutine (a goroutine switch costs about 20,000 instructions).
//
// When a callback traps, the IC rolls it back, answers the call context with the trap, and
// runs the cleanup callback: the CDK then unwinds the handler that was waiting on that call
// with runtime.Goexit, so its deferred functions run (in the cleanup context: they can
// release locks or log, not reply or call) and its goroutine ends. Calls it still had in
// flight are answered into Futures nobody reads.
//
// Rules for handlers: block only on CDK calls (a channel, mutex wait or time.Sleep that no
// other goroutine can end makes the Go runtime call poll_oneoff, which traps; so a
// sync.Mutex held across an await makes every other message that wants it trap); do not start
// goroutines that outlive the handler, nor call or Wait from other goroutines; a canister
// with calls in flight must be stopped before an upgrade (the waiting handlers live in the
// heap, which the upgrade discards).
//
// # Management canister, timers, randomness
//
// Message.HTTPRequest makes an HTTPS outcall (with a transform query written with
// TransformQuery, and the fee from ic0.cost_http_request); Message.RawRand and
// Message.SeedRandom give randomness (before SeedRandom, crypto/rand is a fixed generator, the
// same on every replica and after every install). SetTimer, SetTimerInterval and ClearTimer
// multiplex the global timer; GlobalTimer, exported as system.global_timer, runs them. Timers
// live in the heap: an upgrade loses them, so re-create them in post_upgrade.
//
// # Module size
//
// The CDK's packages (cdk, candid, principal, stable, stablestore, httpgateway, httpcert,
// hashtree, reprhash) import neither fmt nor anything that links os (net/url, crypto/*; hashtree and
// reprhash hash with internal/sha256 in Wasm builds): fmt alone adds about 170 KB gzip to a
// Go wasip1 module. Their errors are built with internal/errfmt, which gives the
// messages fmt.Errorf would. A minimal canister (e2e/testdata/minimal) is about 685 KB gzip,
// 175 KB over the same canister without the CDK; most of that is reflect (cdk/candid) and
// package time (whose initialisation links internal/godebug and syscall).
//
// # Host tests
//
// The package-level functions work on the canister's single Runtime (the only mutable
// package state of a wasip1 build: pending calls, timers, worker goroutines). Runtime is also
// constructible with NewRuntime over any ic0.API, which is how host tests drive canister
// logic with ic0test.Fake (callbacks are delivered with HandleReply, HandleReject and
// HandleCleanup); on a host build the package-level functions panic.
package cdk
