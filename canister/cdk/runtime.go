package cdk

import (
	"errors"
	"reflect"
	"strconv"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/stable"
)

// Cycles is a 128-bit amount of cycles.
type Cycles = ic0.U128

// Kind is the kind of execution a handler runs in.
type Kind int

// Execution kinds.
const (
	KindUpdate Kind = iota
	KindQuery
	KindCompositeQuery
	KindInit
	KindPostUpgrade
	KindPreUpgrade
	KindInspectMessage
	KindHeartbeat
	KindGlobalTimer
	KindLowWasmMemory
	KindReplyCallback
	KindRejectCallback
	KindCleanup
)

var kindNames = [...]string{"update", "query", "composite query", "canister_init",
	"canister_post_upgrade", "canister_pre_upgrade", "canister_inspect_message",
	"canister_heartbeat", "canister_global_timer", "canister_on_low_wasm_memory",
	"reply callback", "reject callback", "cleanup callback"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// canReply reports whether a message of this kind has a caller waiting for a reply.
func (k Kind) canReply() bool {
	switch k {
	case KindUpdate, KindQuery, KindCompositeQuery, KindReplyCallback, KindRejectCallback:
		return true
	}
	return false
}

// Runtime is the CDK state of one canister: the System API, the calls awaiting an answer
// and the timers. A wasip1 build has exactly one (see Default); tests make their own.
type Runtime struct {
	sys       ic0.API
	callbacks callbackTable
	pending   map[uint32]*Future
	nextEnv   uint32
	yield     chan outcome // a task reports parking or finishing (task.go)
	current   *task        // the task holding control, nil between executions
	work      chan *task   // hands a task to an idle worker goroutine
	idle      int          // idle workers waiting on work
	timers    timerQueue
	// seed re-seeds the module's random_get generator (the icwasm random_seed import).
	seed func(uint64)
}

// callbackTable gives the table-0 indices of the CDK's callback exports.
type callbackTable struct {
	reply, reject, cleanup func() uint32
}

// NewRuntime returns a Runtime over sys. Host tests pass an ic0test.Fake; callbacks of
// calls made through it are then delivered with HandleReply/HandleReject/HandleCleanup.
// If sys has a RandomSeed(uint64) method (as ic0test.Fake does), SeedRandom calls it in place
// of the module's icwasm random_seed import.
func NewRuntime(sys ic0.API) *Runtime {
	seed := func(uint64) {}
	if s, ok := sys.(interface{ RandomSeed(uint64) }); ok {
		seed = s.RandomSeed
	}
	return newRuntime(sys, defaultCallbacks(), seed)
}

func newRuntime(sys ic0.API, cb callbackTable, seed func(uint64)) *Runtime {
	return &Runtime{sys: sys, callbacks: cb, pending: map[uint32]*Future{},
		yield: make(chan outcome), work: make(chan *task), seed: seed}
}

// System is the underlying System API, for what the CDK does not wrap.
func (rt *Runtime) System() ic0.API { return rt.sys }

// run executes handler h for one entry point on a goroutine of its own (a task, see
// task.go), so that h can block on calls: the export returns when h finishes or awaits a
// call, and the call's callback resumes it. Executions that cannot call (plain queries,
// init, upgrade hooks, inspect_message) never block: their handler runs on the export's
// goroutine, which saves two goroutine switches (~45,000 instructions). A panic in h becomes
// ic0.trap with the panic message.
func (rt *Runtime) run(kind Kind, h func(*Message)) {
	if kind.canSetTimer() {
		rt.timers.repair(rt)
	}
	m := &Message{rt: rt, kind: kind}
	if !kind.canCall() {
		rt.inline(m, h)
		return
	}
	rt.start(m, h)
}

// panicMessage is the trap message for a recovered panic value: what fmt's %v gives for
// strings, errors, Stringers, booleans and numbers, written without fmt (which would add
// about 170 KB gzip to every canister); other values show their type only.
func panicMessage(r any) string {
	switch v := r.(type) {
	case nil:
		return "panic: <nil>"
	case string:
		return "panic: " + v
	case error:
		return "panic: " + v.Error()
	case interface{ String() string }:
		return "panic: " + v.String()
	}
	v := reflect.ValueOf(r)
	switch v.Kind() {
	case reflect.String:
		return "panic: " + v.String()
	case reflect.Bool:
		return "panic: " + strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "panic: " + strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "panic: " + strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32:
		return "panic: " + strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return "panic: " + strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return "panic: value of type " + v.Type().String()
}

// Entry points. Each runs h as the body of the export it is called from.

// Query runs a query method.
func (rt *Runtime) Query(h func(*Message)) { rt.run(KindQuery, h) }

// Update runs an update method.
func (rt *Runtime) Update(h func(*Message)) { rt.run(KindUpdate, h) }

// CompositeQuery runs a composite query method.
func (rt *Runtime) CompositeQuery(h func(*Message)) { rt.run(KindCompositeQuery, h) }

// Init runs the canister_init hook; m carries the install argument. It cannot reply.
func (rt *Runtime) Init(h func(*Message)) { rt.run(KindInit, h) }

// PostUpgrade runs the canister_post_upgrade hook; m carries the upgrade argument.
func (rt *Runtime) PostUpgrade(h func(*Message)) { rt.run(KindPostUpgrade, h) }

// PreUpgrade runs the canister_pre_upgrade hook (save the heap to stable memory here).
func (rt *Runtime) PreUpgrade(h func()) { rt.run(KindPreUpgrade, func(*Message) { h() }) }

// InspectMessage runs canister_inspect_message: h calls m.Accept to let the ingress
// message through; returning without it rejects the message.
func (rt *Runtime) InspectMessage(h func(*Message)) { rt.run(KindInspectMessage, h) }

// Heartbeat runs canister_heartbeat.
func (rt *Runtime) Heartbeat(h func()) { rt.run(KindHeartbeat, func(*Message) { h() }) }

// OnLowWasmMemory runs canister_on_low_wasm_memory.
func (rt *Runtime) OnLowWasmMemory(h func()) { rt.run(KindLowWasmMemory, func(*Message) { h() }) }

// Canister-wide operations.

// Self is this canister's principal.
func (rt *Runtime) Self() principal.Principal { return principal.FromBytes(rt.sys.CanisterSelf()) }

// Time is the IC time of this execution (the same in every replica; constant during it).
func (rt *Runtime) Time() time.Time { return time.Unix(0, int64(rt.sys.Time())).UTC() }

// Stable is the canister's stable memory.
func (rt *Runtime) Stable() stable.Memory { return stable.New(rt.sys) }

// Print writes msg to the canister log (ic0.debug_print).
func (rt *Runtime) Print(msg string) { rt.sys.DebugPrint(msg) }

// Trap aborts the execution with msg: the IC discards its changes and the caller receives
// msg. It does not return.
func (rt *Runtime) Trap(msg string) {
	rt.sys.Trap(msg)
	panic("unreachable: ic0.trap returned") // for APIs whose Trap returns
}

// ErrCertifiedDataTooLong is returned for certified data over 32 bytes.
var ErrCertifiedDataTooLong = errors.New("cdk: certified data is limited to 32 bytes")

// SetCertifiedData sets the data (at most 32 bytes, usually a hash tree root) that the IC
// certifies for queries. Not allowed in queries.
func (rt *Runtime) SetCertifiedData(data []byte) error {
	if len(data) > 32 {
		return ErrCertifiedDataTooLong
	}
	rt.sys.CertifiedDataSet(data)
	return nil
}

// DataCertificate returns the IC certificate of the certified data. It exists only in
// non-replicated queries; ok is false elsewhere.
func (rt *Runtime) DataCertificate() (cert []byte, ok bool) {
	if !rt.sys.DataCertificatePresent() {
		return nil, false
	}
	return rt.sys.DataCertificate(), true
}

// IsController reports whether p controls this canister.
func (rt *Runtime) IsController(p principal.Principal) bool { return rt.sys.IsController(p.Bytes()) }

// InstructionCounter is the number of instructions executed so far in this execution.
func (rt *Runtime) InstructionCounter() uint64 {
	return rt.sys.PerformanceCounter(ic0.CounterInstructions)
}

// CallContextInstructionCounter counts instructions across the executions of the current
// call context (the method and its callbacks).
func (rt *Runtime) CallContextInstructionCounter() uint64 {
	return rt.sys.PerformanceCounter(ic0.CounterCallContextInstructions)
}

// SetGlobalTimer arms the global timer for t (the zero Time disarms it) and returns the
// previous deadline (zero if none). canister_global_timer runs once the time has passed.
// The timers of SetTimer and SetTimerInterval use the same global timer: use one or the
// other.
func (rt *Runtime) SetGlobalTimer(t time.Time) (previous time.Time) {
	var ns uint64
	if !t.IsZero() {
		ns = uint64(max(t.UnixNano(), 1))
	}
	old := rt.sys.GlobalTimerSet(ns)
	if old == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(old)).UTC()
}

// CycleBalance is the canister's cycle balance.
func (rt *Runtime) CycleBalance() Cycles { return rt.sys.CanisterCycleBalance() }

// CanisterVersion counts the changes to the canister's code, settings and mode.
func (rt *Runtime) CanisterVersion() uint64 { return rt.sys.CanisterVersion() }

// InReplicatedExecution is false in a query called outside of consensus.
func (rt *Runtime) InReplicatedExecution() bool { return rt.sys.InReplicatedExecution() }

// Getenv returns the canister environment variable name.
func (rt *Runtime) Getenv(name string) (string, bool) {
	if !rt.sys.EnvVarNameExists(name) {
		return "", false
	}
	return rt.sys.EnvVarValue(name), true
}
