package cdk

import (
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/stable"
)

// The package-level API: the same operations as Runtime's, on Default().

// Query runs a query method; call it from a `//go:wasmexport query.<name>` function.
func Query(h func(*Message)) { Default().Query(h) }

// Update runs an update method; call it from a `//go:wasmexport update.<name>` function.
func Update(h func(*Message)) { Default().Update(h) }

// CompositeQuery runs a composite query; call it from `//go:wasmexport composite_query.<name>`.
func CompositeQuery(h func(*Message)) { Default().CompositeQuery(h) }

// Init runs the install hook; call it from `//go:wasmexport system.init`.
func Init(h func(*Message)) { Default().Init(h) }

// PostUpgrade runs the post-upgrade hook; call it from `//go:wasmexport system.post_upgrade`.
func PostUpgrade(h func(*Message)) { Default().PostUpgrade(h) }

// PreUpgrade runs the pre-upgrade hook; call it from `//go:wasmexport system.pre_upgrade`.
func PreUpgrade(h func()) { Default().PreUpgrade(h) }

// InspectMessage runs the ingress filter; call it from `//go:wasmexport system.inspect_message`.
func InspectMessage(h func(*Message)) { Default().InspectMessage(h) }

// Heartbeat runs the heartbeat; call it from `//go:wasmexport system.heartbeat`.
func Heartbeat(h func()) { Default().Heartbeat(h) }

// GlobalTimer runs the timer hook; call it from `//go:wasmexport system.global_timer`.
func GlobalTimer(h func()) { Default().GlobalTimer(h) }

// OnLowWasmMemory runs the low-memory hook; call it from `//go:wasmexport system.on_low_wasm_memory`.
func OnLowWasmMemory(h func()) { Default().OnLowWasmMemory(h) }

// Self is this canister's principal.
func Self() principal.Principal { return Default().Self() }

// Time is the IC time of the current execution.
func Time() time.Time { return Default().Time() }

// Stable is the canister's stable memory.
func Stable() stable.Memory { return Default().Stable() }

// Print writes msg to the canister log.
func Print(msg string) { Default().Print(msg) }

// Trap aborts the execution with msg.
func Trap(msg string) { Default().Trap(msg) }

// SetCertifiedData sets the certified data (at most 32 bytes).
func SetCertifiedData(data []byte) error { return Default().SetCertifiedData(data) }

// DataCertificate returns the certificate of the certified data in a non-replicated query.
func DataCertificate() ([]byte, bool) { return Default().DataCertificate() }

// IsController reports whether p controls this canister.
func IsController(p principal.Principal) bool { return Default().IsController(p) }

// InstructionCounter is the number of instructions executed in this execution.
func InstructionCounter() uint64 { return Default().InstructionCounter() }

// SetGlobalTimer arms (or with the zero Time disarms) the global timer.
func SetGlobalTimer(t time.Time) time.Time { return Default().SetGlobalTimer(t) }

// CycleBalance is the canister's cycle balance.
func CycleBalance() Cycles { return Default().CycleBalance() }

// CallRaw sends a call whose answer runs onDone in a callback execution.
func CallRaw(c Call, onDone func(m *Message, r CallResult)) error {
	return Default().CallRaw(c, onDone)
}

// CallContextInstructionCounter counts instructions across the current call context.
func CallContextInstructionCounter() uint64 { return Default().CallContextInstructionCounter() }

// CanisterVersion counts the changes to the canister's code, settings and mode.
func CanisterVersion() uint64 { return Default().CanisterVersion() }

// InReplicatedExecution is false in a query called outside of consensus.
func InReplicatedExecution() bool { return Default().InReplicatedExecution() }

// Getenv returns the canister environment variable name.
func Getenv(name string) (string, bool) { return Default().Getenv(name) }

// SetTimer runs fn once, d from now (export system.global_timer calling GlobalTimer).
func SetTimer(d time.Duration, fn func(*Message)) TimerID { return Default().SetTimer(d, fn) }

// SetTimerInterval runs fn every interval.
func SetTimerInterval(interval time.Duration, fn func(*Message)) TimerID {
	return Default().SetTimerInterval(interval, fn)
}

// ClearTimer cancels a timer.
func ClearTimer(id TimerID) bool { return Default().ClearTimer(id) }

// TransformQuery is the body of an HTTPS outcall's transform query (export query.<name>).
func TransformQuery(f func(resp HTTPResponse, context []byte) HTTPResponse) {
	Default().TransformQuery(f)
}

// Current is the Message of the running handler (see Runtime.Current).
func Current() *Message { return Default().Current() }

// RawRand returns 32 random bytes from raw_rand; it blocks like Message.Call.
func RawRand() ([]byte, error) { return current().RawRand() }

// SeedRandom seeds crypto/rand from raw_rand (see Message.SeedRandom); it blocks.
func SeedRandom() error { return current().SeedRandom() }

// current is the running handler's Message, or one that reports ErrNotRunning.
func current() *Message {
	if m := Current(); m != nil {
		return m
	}
	return &Message{rt: Default(), kind: KindUpdate}
}
