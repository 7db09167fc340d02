// Package cdk is the Go canister development kit: it turns Go functions into Internet
// Computer entry points and gives them the System API with Go types.
//
// A canister uses the package-level functions, as Rust canisters use ic-cdk's. A method is
// a static export (see canister/ABI.md) whose body hands a handler to the CDK; the handler's
// Message is the incoming message (argument, caller, reply):
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
// Everything that is not about the message is a function of the package: Self, Time,
// Stable, Print, SetCertifiedData, CycleBalance, the calls and the timers.
//
// # Calls
//
// The handler of an execution that can call (update, composite query, heartbeat, timer)
// runs on a goroutine of its own (a pooled worker), so it calls other canisters as plain
// blocking Go:
//
//	//go:wasmexport update.pay
//	func pay() {
//		cdk.Update(func(m *cdk.Message) {
//			balance, err := cdk.Call[uint64](ledger, "balance", account)
//			if err != nil {
//				m.Reject(err.Error()) // a *CallError, with the IC's RejectCode
//				return
//			}
//			...
//		})
//	}
//
// Call decodes one result, Call2 two (T struct{} ignores them); Notify sends a one-way
// call; Send starts a Request (cycles, best-effort timeout, raw Candid) and returns a
// Future, so several calls can be in flight; SendWithCallback runs a function in the
// callback instead of resuming the handler. A failed call is a *CallError: its Code is the
// RejectCode, and IsSync tells a call ic0.call_perform refused (never sent) from one the
// callee or the IC rejected.
//
// The export hands control to the handler's goroutine and waits until the handler finishes
// or awaits a call; then the export returns and the IC execution ends. The call's reply or
// reject callback (an export of this package) hands the answer to the waiting goroutine and
// again waits. Exactly one goroutine runs at any time. As in the IC's other CDKs, every await
// is a commit point: a trap after it rolls back only the execution since the last await.
// Plain queries, init, post_upgrade, pre_upgrade and inspect_message cannot call: the calls
// return ErrCannotCall there, and their handlers run on the export's goroutine (a goroutine
// switch costs about 20,000 instructions).
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
// # Timers, outcalls, randomness
//
// SetTimer and SetTimerInterval run a function later, each run isolated in an update
// execution of its own (as ic-cdk-timers does, through a call to the canister's own hidden
// "<cdk>_timer_executor" method), so a timer that traps rolls back only itself. The CDK owns
// the exports this needs, canister_global_timer included: a canister never declares them.
// Timers live in the heap: an upgrade loses them, so re-create them in post_upgrade.
// Outcall makes an HTTPS outcall (with a transform query written with TransformQuery, and
// the fee from ic0.cost_http_request); RawRand and SeedRandom give randomness (before
// SeedRandom, crypto/rand is a fixed generator, the same on every replica and after every
// install).
//
// # Module size
//
// The CDK's packages (cdk, candid, principal, stable, stablestore, httpgateway, httpcert,
// hashtree, reprhash) import neither fmt nor anything that links os (net/url, crypto/*; hashtree and
// reprhash hash with cdk/sha256 in Wasm builds): fmt alone adds about 170 KB gzip to a
// Go wasip1 module. Their errors are built with canister/internal/errfmt, which gives the
// messages fmt.Errorf would. A minimal canister (e2e/testdata/minimal) is about 694 KB gzip,
// 182 KB over the same canister without the CDK; most of that is reflect (cdk/candid) and
// package time (whose initialisation links internal/godebug and syscall); the timer exports
// the CDK owns (global timer and executor, with the call machinery they link) are about 8 KB.
//
// # Host tests
//
// The package's state is one Runtime (the only mutable package state of a wasip1 build:
// pending calls, timers, worker goroutines). Host tests build their own over a fake System
// API, NewRuntime(&ic0test.Fake{...}), and call its methods, which are the bodies of the
// canister's exports: Update(h) for an update method, HandleReply for the CDK's reply
// callback, GlobalTimer and TimerExecutor for the timer exports. While one of them runs, the
// package-level functions act on that Runtime, so canister code runs unchanged on the fake;
// outside of them they panic, as the System API exists only in an execution.
package cdk
