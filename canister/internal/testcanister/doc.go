// Package testcanister holds Go canisters built by the engine and replica tests. They are
// written with the CDK like a real canister and exercise what an IC emulator must get
// right (commit and rollback, traps, limits, upgrades, calls).
//
//	basic      every behaviour in one canister; interface in basic/basic.did
//	initreply  calls ic0.msg_reply from canister_init, which must trap (install fails)
//	async      the CDK's blocking calls, HTTPS outcalls, randomness and timers (async/async.did)
//	outcaller  raw_rand and http_request through the low-level SendWithCallback
//	web        the HTTP gateway protocol (web/main.go lists the routes)
//
// Build one with internal/gobuild.Wasm("internal/testcanister/basic") and link it with
// wasm/link (basic/basic.did as the Candid section).
package testcanister
