package cdk

import (
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/stable"
)

// The package-level API: what a canister calls. Each function acts on the canister's Runtime
// (in a host test, on the Runtime running an export; see Runtime).

// Entry points: call each from the export it names. The handler runs on its own goroutine
// when the execution may make calls (updates, composite queries, heartbeat, low-memory hook),
// so it can block on them; otherwise on the export's.

// Query runs a query method; call it from a `//go:wasmexport query.<name>` function.
func Query(h func(*Message)) { root().Query(h) }

// Update runs an update method; call it from a `//go:wasmexport update.<name>` function.
func Update(h func(*Message)) { root().Update(h) }

// CompositeQuery runs a composite query; call it from `//go:wasmexport composite_query.<name>`.
func CompositeQuery(h func(*Message)) { root().CompositeQuery(h) }

// Init runs the install hook; call it from `//go:wasmexport system.init`.
func Init(h func(*Message)) { root().Init(h) }

// PostUpgrade runs the post-upgrade hook; call it from `//go:wasmexport system.post_upgrade`.
func PostUpgrade(h func(*Message)) { root().PostUpgrade(h) }

// PreUpgrade runs the pre-upgrade hook; call it from `//go:wasmexport system.pre_upgrade`.
func PreUpgrade(h func()) { root().PreUpgrade(h) }

// InspectMessage runs the ingress filter; call it from `//go:wasmexport system.inspect_message`.
func InspectMessage(h func(*Message)) { root().InspectMessage(h) }

// Heartbeat runs the heartbeat; call it from `//go:wasmexport system.heartbeat`.
func Heartbeat(h func()) { root().Heartbeat(h) }

// OnLowWasmMemory runs the low-memory hook; call it from `//go:wasmexport system.on_low_wasm_memory`.
func OnLowWasmMemory(h func()) { root().OnLowWasmMemory(h) }

// TransformQuery is the body of an HTTPS outcall's transform query (export query.<name>).
func TransformQuery(f func(resp HTTPResponse, context []byte) HTTPResponse) {
	root().TransformQuery(f)
}

// Canister-wide operations.

// System is the underlying System API, for what the CDK does not wrap.
func System() ic0.API { return root().sys }

// Self is this canister's principal.
func Self() principal.Principal { return principal.FromBytes(root().sys.CanisterSelf()) }

// Time is the IC time of this execution (the same in every replica; constant during it).
func Time() time.Time { return time.Unix(0, int64(root().sys.Time())).UTC() }

// Stable is the canister's stable memory.
func Stable() stable.Memory { return stable.New(root().sys) }

// Print writes msg to the canister log (ic0.debug_print).
func Print(msg string) { root().sys.DebugPrint(msg) }

// Trap aborts the execution with msg: the IC discards its changes and the caller receives
// msg. It does not return.
func Trap(msg string) { root().trap(msg) }

// SetCertifiedData sets the data (at most 32 bytes, usually a hash tree root) that the IC
// certifies for queries. Not allowed in queries.
func SetCertifiedData(data []byte) error {
	if len(data) > 32 {
		return ErrCertifiedDataTooLong
	}
	root().sys.CertifiedDataSet(data)
	return nil
}

// DataCertificate returns the IC certificate of the certified data. It exists only in
// non-replicated queries; ok is false elsewhere.
func DataCertificate() (cert []byte, ok bool) {
	sys := root().sys
	if !sys.DataCertificatePresent() {
		return nil, false
	}
	return sys.DataCertificate(), true
}

// IsController reports whether p controls this canister.
func IsController(p principal.Principal) bool { return root().sys.IsController(p.Bytes()) }

// InstructionCounter is the number of instructions executed so far in this execution.
func InstructionCounter() uint64 {
	return root().sys.PerformanceCounter(ic0.CounterInstructions)
}

// CallContextInstructionCounter counts instructions across the executions of the current
// call context (the method and its callbacks).
func CallContextInstructionCounter() uint64 {
	return root().sys.PerformanceCounter(ic0.CounterCallContextInstructions)
}

// CycleBalance is the canister's cycle balance.
func CycleBalance() Cycles { return root().sys.CanisterCycleBalance() }

// CanisterVersion counts the changes to the canister's code, settings and mode.
func CanisterVersion() uint64 { return root().sys.CanisterVersion() }

// InReplicatedExecution is false in a query called outside of consensus.
func InReplicatedExecution() bool { return root().sys.InReplicatedExecution() }

// Getenv returns the canister environment variable name.
func Getenv(name string) (string, bool) {
	sys := root().sys
	if !sys.EnvVarNameExists(name) {
		return "", false
	}
	return sys.EnvVarValue(name), true
}
