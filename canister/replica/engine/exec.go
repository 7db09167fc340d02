package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/tetratelabs/wazero/api"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// callback is a table-0 function index with its environment argument.
type callback struct{ fun, env uint32 }

// outCall is a call made with call_new ... call_perform.
type outCall struct {
	callee  []byte
	method  string
	arg     []byte
	cycles  uint64
	reply   callback
	reject  callback
	cleanup *callback
	timeout uint32 // best-effort timeout in seconds, 0 for guaranteed response
	// reserved is the response transmission fee paid at call_perform; the response refunds
	// the part its size did not use.
	reserved uint64
	// execPrepaid is the execution fee of the response callback, paid at call_perform.
	execPrepaid uint64
}

// Execution describes one finished run of canister code, for Config.Observe.
type Execution struct {
	Canister     principal.Principal
	Kind         string // the execution context, e.g. "update", "non-replicated query", "init"
	Entry        string // the export run ("canister_update increment", "canister_init") or "callback"
	Instructions int64  // instructions metered (what performance_counter(0) reports at the end)
	// Cycles is the execution fee this run added to its message's charge (the base fee on
	// the message's first run, the instructions on every run); 0 for queries, which are free.
	Cycles  uint64
	Trapped bool
}

// execution is one run of canister code (a message, a callback, a system method). Everything
// it changes outside Wasm memory, globals and stable memory is staged here and applied only
// when it commits.
type execution struct {
	e   *Engine
	c   *canister
	in  *instance
	typ apiType

	method     string // inspect_message: the method name
	arg        []byte
	caller     []byte
	cc         *callContext        // nil for start, init, pre_upgrade
	rejectCode protocol.RejectCode // callbacks
	rejectMsg  string
	refunded   uint64
	time       uint64
	cert       []byte // data certificate for non-replicated queries
	certLoaded bool

	limit               int64 // instruction limit of this execution
	limitShown          int64 // the limit reported in the error (install shares one budget)
	contextInstructions int64 // instructions of earlier executions of the call context
	used                int64

	// Staged effects.
	replyBuf        []byte
	replied         bool
	rejected        bool
	rejectOut       string
	pending         *outCall
	calls           []*outCall
	balance         uint64
	accepted        uint64
	certData        []byte
	certSet         bool
	timer           uint64
	timerSet        bool
	acceptedMessage bool

	trapMsg    string // the message of ic0.trap, for the log
	stableMark int    // journal length at the start, for rollback
	err        *execError
	entry      string // the export (or "callback") being run, for Config.Observe
	// meter charges the message the execution belongs to; nil for free executions (queries).
	meter *meter
}

// newExec prepares an execution of type typ on c (which must be locked and have a module).
func (c *canister) newExec(typ apiType, cc *callContext) *execution {
	x := &execution{
		e: c.e, c: c, in: c.inst, typ: typ, cc: cc,
		time:       c.nextTime(),
		balance:    c.cycles,
		timer:      c.timer,
		stableMark: len(c.journal),
	}
	x.limit = c.e.cfg.Limits.forType(typ)
	x.limitShown = x.limit
	if cc != nil {
		x.caller = cc.caller
		x.contextInstructions = cc.instructions
	}
	return x
}

// trap aborts the execution with err. It is only called from host functions: wazero turns the
// panic into an error of the exported function's Call.
func (x *execution) trap(err *execError) {
	if x.err == nil {
		x.err = err
	}
	panic(x.err)
}

// charge subtracts n instructions from the execution's counter, trapping when it runs out.
func (x *execution) charge(n int64) {
	if n == 0 {
		return
	}
	left := int64(x.in.counter.Get()) - n
	x.in.counter.Set(uint64(left))
	if left < 0 {
		x.trap(errInstructionLimit(x.limitShown))
	}
}

func (x *execution) instructionsUsed() int64 {
	return x.limit - int64(x.in.counter.Get())
}

func (x *execution) certificate() []byte {
	if !x.certLoaded {
		x.certLoaded = true
		if x.cert == nil && x.e.cfg.DataCertificate != nil && !x.typ.replicated() {
			x.cert = x.e.cfg.DataCertificate(x.c.id, x.c.certifiedData)
		}
	}
	if x.typ.replicated() {
		return nil
	}
	return x.cert
}

// invoke calls an exported function of the instance with the given arguments.
func (x *execution) invoke(fn api.Function, params ...uint64) *execError {
	x.in.counter.Set(uint64(x.limit))
	ctx := context.WithValue(context.Background(), execKey{}, x)
	_, err := fn.Call(ctx, params...)
	left := int64(x.in.counter.Get())
	x.used = x.limit - left
	if left < 0 {
		x.used = x.limit
	}
	x.account(err != nil)
	if err == nil {
		return nil
	}
	switch {
	case x.err != nil:
	case left < 0:
		x.err = errInstructionLimit(x.limitShown)
	default:
		x.err = classifyTrap(err)
	}
	x.c.logTrap(x, x.err)
	return x.err
}

// account charges the run's execution fee to its message and reports the run to
// Config.Observe.
func (x *execution) account(trapped bool) {
	var cycles uint64
	if x.meter != nil {
		cycles = x.meter.add(x.used)
		x.c.charge(x.cc, FeeExecution, cycles)
	}
	if obs := x.e.cfg.Observe; obs != nil {
		obs(Execution{Canister: x.c.id, Kind: x.typ.String(), Entry: x.entry, Instructions: x.used, Cycles: cycles, Trapped: trapped})
	}
}

// logTrap records the trap of a replicated execution in the canister's log, as the IC
// does ("[TRAP]: <message>").
func (c *canister) logTrap(x *execution, err *execError) {
	if !x.typ.replicated() {
		return
	}
	msg := err.text
	if err.errorCode == protocol.ErrCanisterCalledTrap {
		msg = x.trapMsg
	}
	c.appendLog(x.time, []byte("[TRAP]: "+msg))
}

// run calls the exported function name.
func (x *execution) run(name string) *execError {
	x.entry = name
	fn := x.in.function(name)
	if fn == nil {
		x.account(true)
		x.err = errFunctionNotFound(0, 0)
		return x.err
	}
	return x.invoke(fn)
}

// runCallback calls table-0 entry cb through the instrumentation's trampoline.
func (x *execution) runCallback(cb callback) *execError {
	x.entry = "callback"
	if x.in.callback == nil {
		x.account(true)
		x.err = errFunctionNotFound(0, cb.fun)
		return x.err
	}
	err := x.invoke(x.in.callback, uint64(cb.env), uint64(cb.fun))
	if err != nil && err.errorCode == protocol.ErrCanisterTrapped &&
		(strings.HasSuffix(err.text, "table out of bounds") || strings.HasSuffix(err.text, "indirect call type mismatch")) {
		// The trampoline itself failed: the index does not name a (env: i32) -> () function.
		x.err = errFunctionNotFound(0, cb.fun)
		return x.err
	}
	return err
}

// classifyTrap maps a wazero runtime error to the replica's trap description.
func classifyTrap(err error) *execError {
	var ee *execError
	if errors.As(err, &ee) {
		return ee
	}
	msg := err.Error()
	// wazero's runtime error texts and the replica's descriptions of the same traps.
	for _, t := range [...]struct{ wazero, replica string }{
		{"unreachable", "unreachable"},
		{"out of bounds memory access", "heap out of bounds"},
		{"integer divide by zero", "integer division by 0"},
		{"integer overflow", "integer overflow"},
		{"invalid conversion to integer", "invalid conversion to integer"},
		{"stack overflow", "stack overflow"},
		{"invalid table access", "table out of bounds"},
		{"indirect call type mismatch", "indirect call type mismatch"},
	} {
		if strings.Contains(msg, t.wazero) {
			return errTrapped(t.replica)
		}
	}
	return errTrapped("unknown (" + msg + ")")
}
