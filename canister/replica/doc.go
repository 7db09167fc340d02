// Package replica is the local Internet Computer: it runs IC modules as the IC does, for
// development and tests, the way dfx's and PocketIC's local networks are used.
//
// The packages that can be embedded (like PocketIC's library) are public:
//
//	engine   executes canisters on wazero: the ic0 API with its context rules, metering,
//	         cycles, rollback of traps, inter-canister calls, timers
//	mgmt     the management canister (aaaaa-aa) on top of the engine
//	outcall  HTTPS outcalls sent by N simulated replicas that must agree
//	server   the assembled replica: engine, management canister, persistence, the IC HTTP
//	         interface and the HTTP gateway on one listener
//	deploy   installs a module through the HTTP interface, as dfx deploy does
//	network  the layout of the local network: root and application subnets, their
//	         canister ranges, the system canisters' ids (used by deploy tools and tests)
//	system/ledger  the bookkeeping of the system canisters' token ledgers (cycles
//	         ledger, ICP ledger; canister/cmd/system_canisters), plain Go
//
// The machinery behind the server is internal: the HTTP interface (internal/httpapi),
// certificates and the state tree (internal/certify), the HTTP gateway with response
// verification (internal/gateway, internal/gateway/rv) and the Wasm instrumentation that
// meters instructions (internal/instrument).
// Tests outside the replica (canister/e2e) reach the gateway's response verification, a
// gateway over a backend of their own and a test certificate signer through package
// verify (aliases of the internal ones).
package replica
