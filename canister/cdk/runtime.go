package cdk

import (
	"reflect"
	"strconv"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
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
	KindTimer // a timer's function (SetTimer), in the CDK's timer executor
	KindLowWasmMemory
	KindReplyCallback
	KindRejectCallback
	KindCleanup
)

var kindNames = [...]string{"update", "query", "composite query", "canister_init",
	"canister_post_upgrade", "canister_pre_upgrade", "canister_inspect_message",
	"canister_heartbeat", "timer", "canister_on_low_wasm_memory",
	"reply callback", "reject callback", "cleanup callback"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// discarded reports whether the IC discards the changes of an execution of this kind (unless
// a query is called as an update, in replicated mode).
func (k Kind) discarded() bool {
	switch k {
	case KindQuery, KindCompositeQuery, KindInspectMessage:
		return true
	}
	return false
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
// and the timers. A wasip1 build has exactly one, which the package-level functions use and
// the CDK's own exports drive. Host tests make their own over a fake System API (NewRuntime)
// and call its methods, which are the bodies of the canister's exports; while one of them
// runs, the package-level functions act on that Runtime.
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
	// gcOff tells that this execution's changes are discarded and it runs with the garbage
	// collector off (gc_wasip1.go).
	gcOff bool
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

// run executes handler h for one entry point on a goroutine of its own (a task, see
// task.go), so that h can block on calls: the export returns when h finishes or awaits a
// call, and the call's callback resumes it. Executions that cannot call (plain queries,
// init, upgrade hooks, inspect_message) never block: their handler runs on the export's
// goroutine, which saves two goroutine switches (~45,000 instructions). A panic in h becomes
// ic0.trap with the panic message.
func (rt *Runtime) run(kind Kind, h func(*Message)) {
	defer rt.bind()()
	rt.discarding(kind)
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

// Entry points. Each runs h as the body of the export it is called from; the package-level
// functions of the same names (api.go) are what a canister calls.

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

// Heartbeat runs canister_heartbeat. h may make calls.
func (rt *Runtime) Heartbeat(h func()) { rt.run(KindHeartbeat, func(*Message) { h() }) }

// OnLowWasmMemory runs canister_on_low_wasm_memory. h may make calls.
func (rt *Runtime) OnLowWasmMemory(h func()) { rt.run(KindLowWasmMemory, func(*Message) { h() }) }

// trap aborts the execution with msg: the IC discards its changes and the caller receives
// msg. It does not return.
func (rt *Runtime) trap(msg string) {
	rt.sys.Trap(msg)
	panic("unreachable: ic0.trap returned") // for APIs whose Trap returns
}
