package cdk

import (
	"errors"
	"strconv"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Call is an inter-canister call for CallRaw.
type Call struct {
	Callee principal.Principal
	Method string
	Arg    []byte // Candid bytes; use candid.Marshal
	Cycles Cycles // attached cycles, taken from the balance
	// BestEffortTimeout, when non-zero, makes a best-effort call that the IC may answer
	// with SYS_UNKNOWN after this many seconds.
	BestEffortTimeout uint32
}

// CallResult is the answer to a call, as its callback sees it.
type CallResult struct {
	RejectCode    uint32 // 0 when the callee replied
	RejectMessage string
	Reply         []byte // the reply's Candid bytes
	Refunded      Cycles // attached cycles the callee did not accept
}

// CallError is a rejected call: Code is the IC reject code (ic0.RejectCanisterReject for an
// explicit reject, ic0.RejectCanisterError for a trap in the callee...).
type CallError struct {
	Code    uint32
	Message string
}

func (e *CallError) Error() string {
	return "call rejected (code " + strconv.FormatUint(uint64(e.Code), 10) + "): " + e.Message
}

// Err is nil for a reply and a *CallError for a reject.
func (r CallResult) Err() error {
	if r.RejectCode == 0 {
		return nil
	}
	return &CallError{Code: r.RejectCode, Message: r.RejectMessage}
}

// Decode decodes the reply into ptrs, or returns the reject as an error.
func (r CallResult) Decode(ptrs ...any) error {
	if err := r.Err(); err != nil {
		return err
	}
	if err := candid.Unmarshal(r.Reply, ptrs...); err != nil {
		return errfmt.Wrap("decoding the reply: ", err, "")
	}
	return nil
}

// ErrCallNotPerformed is returned when ic0.call_perform refuses a call (no callback will
// run).
var ErrCallNotPerformed = errors.New("cdk: the IC did not perform the call")

// CallRaw sends c and arranges for onDone to run in the execution that receives the
// answer (a reply or reject callback, with its own state commit). onDone's Message is that
// execution: replying to it answers the caller of the method that made the call, and onDone
// runs like a handler (it may itself make blocking calls). If onDone traps, the CDK's
// cleanup callback forgets the call.
//
// Most code should use the blocking Message.Call instead. The closure lives in the heap, so
// an answer that arrives after an upgrade finds no call and traps: stop the canister (let
// its calls finish) before upgrading it, as the IC recommends.
func (rt *Runtime) CallRaw(c Call, onDone func(m *Message, r CallResult)) error {
	f, err := rt.perform(c)
	if err != nil {
		return err
	}
	f.onDone = onDone
	return nil
}

// perform makes the call and registers its Future.
func (rt *Runtime) perform(c Call) (*Future, error) {
	env := rt.nextEnv
	rt.nextEnv++
	for rt.pending[env] != nil { // after 2^32 calls, skip ids still waiting
		env = rt.nextEnv
		rt.nextEnv++
	}
	reply, reject := rt.callbacks.reply(), rt.callbacks.reject()
	rt.sys.CallNew(c.Callee.Bytes(), c.Method, reply, env, reject, env)
	rt.sys.CallOnCleanup(rt.callbacks.cleanup(), env)
	if len(c.Arg) > 0 {
		rt.sys.CallDataAppend(c.Arg)
	}
	if c.Cycles != (Cycles{}) {
		rt.sys.CallCyclesAdd(c.Cycles)
	}
	if c.BestEffortTimeout > 0 {
		rt.sys.CallWithBestEffortResponse(c.BestEffortTimeout)
	}
	if code := rt.sys.CallPerform(); code != 0 {
		return nil, errfmt.Wrap("", ErrCallNotPerformed, ": "+c.Callee.String()+"."+c.Method+
			" (code "+errfmt.Int(code)+")")
	}
	f := &Future{rt: rt, env: env, composite: rt.current != nil && rt.current.m.kind == KindCompositeQuery}
	rt.pending[env] = f
	return f, nil
}

// refunded reads the refund in f's callback: composite query callbacks have none (and
// cannot call ic0.msg_cycles_refunded128).
func (f *Future) refunded() Cycles {
	if f.composite {
		return Cycles{}
	}
	return f.rt.sys.MsgCyclesRefunded()
}

// HandleReply is the body of the reply callback export for the call with env.
func (rt *Runtime) HandleReply(env uint32) {
	rt.callback(env, KindReplyCallback, func(f *Future) CallResult {
		return CallResult{Reply: rt.sys.MsgArgData(), Refunded: f.refunded()}
	})
}

// HandleReject is the body of the reject callback export for the call with env.
func (rt *Runtime) HandleReject(env uint32) {
	rt.callback(env, KindRejectCallback, func(f *Future) CallResult {
		return CallResult{RejectCode: rt.sys.MsgRejectCode(), RejectMessage: rt.sys.MsgRejectMsg(),
			Refunded: f.refunded()}
	})
}

// HandleCleanup is the body of the cleanup callback: the reply or reject callback of the call
// with env trapped, so everything it did was rolled back, and the IC has (or will, once its
// other calls are answered) rejected the call context with the trap. What the CDK does:
//
//   - a task (a handler blocked in Wait or Call) parked on this call is abandoned: it
//     unwinds with runtime.Goexit, so its deferred calls run, here, in the cleanup
//     context (where replying and calling trap; releasing locks or logging works);
//   - a call nobody waits on yet resolves to ErrCallbackTrapped, for a later Wait;
//   - a CallRaw call is forgotten.
//
// A deferred call that traps in the cleanup rolls the cleanup back: the task then stays
// parked for good (memory leak, no other harm: it never runs again).
func (rt *Runtime) HandleCleanup(env uint32) {
	f, ok := rt.pending[env]
	if !ok {
		return
	}
	delete(rt.pending, env)
	if t := f.task; t != nil && t.waiting == f && !t.done {
		rt.transfer(t, wake{abandon: true})
		return
	}
	f.resolve(CallResult{RejectCode: ic0.RejectCanisterError, RejectMessage: ErrCallbackTrapped.Error()})
}

// callback delivers the result of the call with env.
func (rt *Runtime) callback(env uint32, kind Kind, result func(*Future) CallResult) {
	f, ok := rt.pending[env]
	if !ok {
		rt.Trap("cdk: " + kind.String() + " for unknown call " + errfmt.Int(env))
		return
	}
	if !f.composite { // composite query callbacks cannot set the global timer
		rt.timers.repair(rt)
	}
	r := result(f)
	delete(rt.pending, env)
	f.resolve(r)
	switch t := f.task; {
	case f.onDone != nil:
		if f.composite { // what the callback may do is what its composite query may do
			kind = KindCompositeQuery
		}
		rt.run(kind, func(m *Message) { f.onDone(m, r) })
	case t != nil && t.waiting == f && !t.done:
		rt.transfer(t, wake{})
	}
	// Otherwise the task is busy elsewhere (it awaits another call) or gone (abandoned): the
	// result waits in the Future.
}

// PendingCalls is the number of calls awaiting an answer.
func (rt *Runtime) PendingCalls() int { return len(rt.pending) }
