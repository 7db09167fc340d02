// Package engine is the canister execution engine of the local replica: it installs Internet
// Computer canister modules, runs their messages on wazero with the IC's System API (ic0),
// rolls back failed executions and queries, meters instructions and routes calls between
// canisters. The HTTP interface, the gateway and the management canister are built on it.
//
// # Using it
//
//	e, _ := engine.New(ctx, engine.Config{SubnetID: subnet, RootKey: der, Management: mgmt,
//		DataCertificate: certify, OnCommit: save})
//	id, _ := e.CreateCanister(engine.CreateOptions{Controllers: ctrls, Cycles: n})
//	err := e.InstallCode(ctx, id, engine.InstallArgs{Mode: engine.Install, Module: wasm, Arg: arg, Sender: who})
//	err = e.Admit(ctx, in)                               // accept an ingress message? (inspect_message, cycles)
//	out, err := e.Submit(ctx, in)                        // blocks until the call is answered; out.Usage: its fees
//	reply, err := e.Update(ctx, id, method, arg, caller) // the same without an ingress reception fee
//	reply, err = e.Query(ctx, id, method, arg, caller, engine.QueryOptions{})
//	e.Tick(ctx)                                          // heartbeats and due global timers
//	go e.RunTicks(ctx, 500*time.Millisecond)             // ... or periodically
//
// Failed calls return a *protocol.Reject (reject code, message and IC error code such as
// "IC0503", with the replica's message texts, e.g. "Error from Canister <id>: Canister called
// `ic0.trap` with message: '...'.\nConsider gracefully handling ... See documentation: ...").
// Update/Query on aaaaa-aa and calls canisters make to it go to Config.Management, which runs
// on its own goroutine and may take as long as it needs (HTTPS outcalls). Lifecycle
// operations for it: CreateCanister, InstallCode, UninstallCode, StartCanister, StopCanister,
// DeleteCanister, SetControllers, AddCycles, Info (status, module hash, controllers, cycles,
// certified data, metadata sections), Transform (runs an HTTP outcall transform function).
// Non-replicated queries get their data certificate from QueryOptions or lazily from
// Config.DataCertificate(canister, certifiedData).
//
// # Executions and contexts
//
// Every run of canister code is an execution with an API type (the spec's context: start,
// init, pre upgrade, update, replicated/non replicated query, composite query, reply/reject
// callback, cleanup, inspect message, heartbeat, global timer). Each ic0 function carries the
// contexts allowed by the spec (see ic0-api.txt); a call from another context traps with the
// replica's contract violation, e.g. `"ic0_msg_reply" cannot be executed in init mode`
// (IC0504). Effects other than memory (reply, outgoing calls, cycles, certified data, timer)
// are staged in the execution and applied only when it commits.
//
// # Messages
//
// Each canister has a FIFO queue served by one goroutine, so its messages run one at a time
// in arrival order, as on the IC. An ingress update creates a call context; its method may
// reply, reject, or call other canisters (call_new ... call_perform). Calls are delivered when
// the execution commits, to the callee's queue or to the management handler; the answer comes
// back to the caller's queue, where the reply or reject callback (a table-0 index, invoked
// through the trampoline the instrumentation adds) runs as an execution of its own. If a
// callback traps, its changes are discarded and the cleanup callback runs. A call context
// that ends without an answer is rejected with the error of its last failed execution or
// "did not reply" (IC0506). Non-replicated queries run directly under the canister's lock.
// Composite queries run their whole call tree synchronously (one at a time engine-wide, since
// they hold several canisters' locks), keeping the canister's state between the method and
// its callbacks and discarding everything at the end; loops in the call graph are refused.
//
// # Atomicity and rollback
//
// An execution that traps leaves no trace: Wasm memory, all mutable globals (the
// instrumentation exports even the module's internal ones), stable memory, replies and calls
// are discarded. Queries (and inspect_message) always roll back. The committed Wasm state of
// a canister is an image (memory copy and globals) next to the live instance:
//
//   - Memory: the instrumentation keeps a 64-bit dirty mask (bit p%64 for every written 64 KiB
//     page p, see package instrument); rollback copies only the pages whose bit is set from
//     the image back, commit copies them into the image. A 64 MiB memory therefore costs
//     about 1/64 of it per touched bit instead of a full copy. Memory cannot shrink: if an
//     execution grew it and is rolled back, the module is instantiated again (without its
//     start function) and the image written into the new instance.
//   - Globals: read and written through their exports.
//   - Stable memory lives in the engine (a byte slice); an undo journal records what an
//     execution overwrote or grew, and rollback replays it backwards.
//
// # Instructions
//
// Modules are instrumented before compilation (package instrument): every basic block
// subtracts its cost from an exported counter, function entries and loop headers trap when it
// is negative, bulk memory costs one instruction per byte and System API calls a fixed
// overhead plus one per byte copied. The engine sets the counter to the limit of the execution
// (Config.Limits: 5 B query, 40 B update/timer/callback, 300 B for a whole install or
// upgrade, 200 M inspect_message) and reports "Canister exceeded the limit of N instructions
// for single message execution." (IC0522) when it runs out; performance_counter(0) is the limit
// minus the counter, (1) adds the earlier executions of the call context.
//
// # Install
//
// Modules (raw or gzip) are validated with the IC's rules (canister/wasm/validate), refused
// with "Canister's Wasm module is not valid: ..." (IC0505), instrumented and compiled once per
// module hash. Install/reinstall run the start function then canister_init(arg); upgrade runs
// canister_pre_upgrade on the old instance, keeps stable memory, drops Wasm memory and
// globals, and runs start and canister_post_upgrade(arg). The whole operation shares the
// install instruction limit and is atomic: on failure the canister keeps its old module and
// state.
//
// # Cycles
//
// Balances are uint64 (128-bit amounts above 2^64 saturate). Canisters pay the IC's fees, from
// the fee table of package protocol scaled to Config.Nodes (type Costs):
//
//   - Executions (updates, replicated queries, callbacks, heartbeats, timers, installs) pay a
//     base fee and one cycle per instruction. As on the IC, the fee of the whole instruction
//     limit is prepaid before the message runs, above the freezing threshold, and what the
//     instructions did not use is refunded afterwards; a trap is paid for too. Queries,
//     composite queries, transforms and inspect_message are free.
//   - Ingress messages submitted with Submit pay their reception (per message and per byte of
//     the envelope), charged to the receiving canister, or for calls to aaaaa-aa to the
//     canister they are about (Ingress.Payer). Update charges no reception.
//   - Calls pay at call_perform (cost_call: 260,000 + 1,000 per byte of method name and
//     argument), reserve the transmission of a 2 MiB response and prepay the execution of the
//     callback; the response refunds what its size and the callback did not use. Cycles
//     attached with call_cycles_add move to the callee, which accepts them with
//     msg_cycles_accept; the rest comes back with the answer. What the management canister
//     keeps of attached cycles is its fee (outcalls, canister creation, signatures).
//   - Memory (Wasm, stable, the module; at least the memory allocation) and compute allocation
//     are paid every protocol.AllocationChargeSeconds by Tick. A canister that cannot pay is
//     uninstalled and loses its balance.
//
// The freezing threshold (Settings.FreezingThreshold seconds of idle_cycles_burned_per_day) is
// enforced: below it a canister refuses ingress messages (Admit) and queries ("is unable to
// process query calls because it's frozen"), and no execution, call, transfer or burn may take
// its balance below it ("Canister <id> is out of cycles", IC0207, the amount missing told to
// controllers only). Config.OnCharge and Config.Observe report every fee paid; Submit's
// Outcome has a message's usage by fee. cost_* use the same fees.
//
// # Persistence
//
// Export returns a canister's committed state (module as installed, Wasm memory, globals,
// stable memory, certified data, timer, cycles, controllers, status, version, last time) as a
// CanisterState, which Encode writes with encoding/gob; Import recreates the canister from it
// without running any code. Config.OnCommit fires after every change of persistent state so a
// server can save (or schedule saving) the canister. Calls in flight are not persisted.
// ExportAnswered also takes the answers to ingress messages submitted with a Tag, exactly those
// whose effects the state includes, so a server saves each answer with its effects; Revert
// puts a canister back to a saved state (or removes it) when saving failed.
//
// # Settings, logs, snapshots, history
//
// Each canister has Settings besides its controllers (UpdateSettings), all enforced: the
// freezing threshold (a canister below the idle burn of that many seconds refuses ingress,
// calls and queries; ic0.canister_liquid_cycle_balance128 excludes the reserve), compute and memory allocation
// (idle burn; the allocation caps Wasm plus stable memory), the Wasm memory limit (an
// update-like execution ending above it traps) and threshold (canister_on_low_wasm_memory),
// log visibility and size, snapshot and status visibility, environment variables
// (ic0.env_var_*) and the minimum cycles of calls from canisters. Debug prints and trap
// messages of replicated executions go to the canister's log (Logs). TakeSnapshot,
// LoadSnapshot, Snapshots and DeleteSnapshot keep copies of module and state;
// SnapshotMetadata, ReadSnapshot and SnapshotChunk read them, CreateSnapshot, WriteSnapshot
// and AddSnapshotChunk build one from uploaded metadata and data; RecordChange and History
// keep the changes canister_info reports. All of it is persisted with the state.
//
// Limitations: no deterministic time slicing (long executions just run), stable memory is
// held in RAM (Config.MaxStablePages), wasm64 memories are neither tracked page by page nor charged per byte
// for bulk operations.
package engine
