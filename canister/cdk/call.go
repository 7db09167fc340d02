package cdk

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Inter-canister calls. The common case is one line of blocking Go:
//
//	balance, err := cdk.Call[uint64](ledger, "balance", account)
//
// Call and Call2 decode one or two results; Notify sends a call whose answer nobody reads;
// Send starts a Request (cycles, best-effort timeout, raw Candid) and returns a Future, so a
// handler can have several calls in flight. A call blocks only the handler that makes it: its
// goroutine parks, the export returns (which commits the execution: every await is a commit
// point), and the call's reply or reject callback resumes it in a new execution.

// RejectCode says why the IC or the callee rejected a call (interface spec, "Reject codes").
type RejectCode = protocol.RejectCode

// The reject codes.
const (
	RejectSysFatal           = protocol.SysFatal           // fatal system error; retrying will not help
	RejectSysTransient       = protocol.SysTransient       // transient system error (queue full, out of cycles...); may be retried
	RejectDestinationInvalid = protocol.DestinationInvalid // no such canister or method
	RejectCanisterReject     = protocol.CanisterReject     // the callee rejected explicitly (msg_reject)
	RejectCanisterError      = protocol.CanisterError      // the callee trapped or did not reply
	RejectSysUnknown         = protocol.SysUnknown         // a best-effort call timed out: the outcome is unknown
)

// Request is an inter-canister call with every option, for Send, SendWithCallback and
// NotifyRequest.
type Request struct {
	Callee principal.Principal
	Method string
	Arg    []byte // Candid bytes (candid.Marshal); nil sends no bytes at all
	Cycles Cycles // attached cycles, taken from the balance; the callee may refund some
	// BestEffortTimeout, when non-zero, makes a best-effort call that the IC may answer
	// with RejectSysUnknown after this many seconds.
	BestEffortTimeout uint32
}

// CallResult is the raw answer to a call.
type CallResult struct {
	RejectCode    RejectCode // 0 when the callee replied
	RejectMessage string
	Reply         []byte // the reply's Candid bytes
	Refunded      Cycles // attached cycles the callee did not accept
}

// CallError is a call that failed: rejected by the callee or the IC (IsSync false), or
// refused by ic0.call_perform before it was sent (IsSync true; no callback runs, and
// errors.Is(err, ErrCallNotPerformed) holds).
type CallError struct {
	Code    RejectCode
	Message string
	sync    bool
}

// IsSync reports whether the call failed synchronously, at ic0.call_perform: it was never
// sent, so the callee did nothing (a reject after sending says nothing of the sort).
func (e *CallError) IsSync() bool { return e.sync }

func (e *CallError) Error() string {
	if e.sync {
		return ErrCallNotPerformed.Error() + " (code " + errfmt.Int(e.Code) + "): " + e.Message
	}
	return "call rejected (code " + errfmt.Int(e.Code) + "): " + e.Message
}

// Is makes errors.Is(err, ErrCallNotPerformed) true for a synchronous failure.
func (e *CallError) Is(target error) bool { return e.sync && target == ErrCallNotPerformed }

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

// Call calls method of callee with args (Candid-encoded) and blocks until the answer: the
// reply's one value decoded as T (T struct{} ignores the reply's values, for a method
// returning ()), or a *CallError. Only the handler's own goroutine may call; queries, init,
// upgrade hooks and inspect_message cannot (ErrCannotCall). State the handler changed before
// the call is committed even if it traps later.
func Call[T any](callee principal.Principal, method string, args ...any) (T, error) {
	var v T
	f, err := sendArgs(callee, method, args)
	if err != nil {
		return v, err
	}
	if _, ignore := any(v).(struct{}); ignore {
		err = f.Decode()
	} else {
		err = f.Decode(&v)
	}
	return v, err
}

// Call2 is Call for a method with two results.
func Call2[T1, T2 any](callee principal.Principal, method string, args ...any) (T1, T2, error) {
	var v1 T1
	var v2 T2
	f, err := sendArgs(callee, method, args)
	if err == nil {
		err = f.Decode(&v1, &v2)
	}
	return v1, v2, err
}

// sendArgs encodes args and sends the call.
func sendArgs(callee principal.Principal, method string, args []any) (*Future, error) {
	arg, err := candid.Marshal(args...)
	if err != nil {
		return nil, errfmt.Wrap("encoding the arguments of "+method+": ", err, "")
	}
	return Send(Request{Callee: callee, Method: method, Arg: arg})
}

// Send starts the call r and returns without waiting: the handler can start several calls
// and then Wait on each Future. The call leaves when the current execution ends (at the next
// await or when the handler returns), as on the IC. An error means no call was made.
func Send(r Request) (*Future, error) {
	rt := root()
	m, err := rt.caller(r)
	if err != nil {
		return nil, err
	}
	f, err := rt.perform(r)
	if err != nil {
		return nil, err
	}
	f.task = m.task
	return f, nil
}

// Notify sends a one-way call of method of callee with args: nothing waits for its answer
// and no callback runs (as ic-cdk's notify, the call names no valid callback, so the IC
// drops the answer). The error is a failure to send (IsSync); whether the callee ran is
// never known. An update that only notifies should still reply itself.
func Notify(callee principal.Principal, method string, args ...any) error {
	arg, err := candid.Marshal(args...)
	if err != nil {
		return errfmt.Wrap("encoding the arguments of "+method+": ", err, "")
	}
	return NotifyRequest(Request{Callee: callee, Method: method, Arg: arg})
}

// NotifyRequest is Notify for a Request (with cycles, or raw Candid).
func NotifyRequest(r Request) error {
	rt := root()
	if _, err := rt.caller(r); err != nil {
		return err
	}
	rt.sys.CallNew(r.Callee.Bytes(), r.Method, noCallback, 0, noCallback, 0)
	return rt.complete(r)
}

// noCallback is a table-0 index no module has: the IC traps when it tries to run it, which
// rolls back nothing and so drops a one-way call's answer.
const noCallback = ^uint32(0)

// SendWithCallback sends r and arranges for onDone to run in the execution that receives the
// answer (a reply or reject callback, with its own state commit). onDone's Message is that
// execution: replying to it answers the caller of the method that made the call, and onDone
// runs like a handler (it may itself make blocking calls). If onDone traps, the CDK's
// cleanup callback forgets the call.
//
// Most code should use the blocking Call or Send instead. The closure lives in the heap, so
// an answer that arrives after an upgrade finds no call and traps: stop the canister (let
// its calls finish) before upgrading it, as the IC recommends.
func SendWithCallback(r Request, onDone func(m *Message, r CallResult)) error {
	rt := root()
	if _, err := rt.caller(r); err != nil {
		return err
	}
	f, err := rt.perform(r)
	if err != nil {
		return err
	}
	f.onDone = onDone
	return nil
}

// caller is the running handler's Message if it may call now.
func (rt *Runtime) caller(r Request) (*Message, error) {
	var m *Message
	if t := rt.current; t != nil {
		m = t.m
	}
	if err := m.checkCall(); err != nil {
		return nil, errfmt.Wrap("calling "+r.Callee.String()+"."+r.Method+": ", err, "")
	}
	return m, nil
}

// perform makes the call and registers its Future.
func (rt *Runtime) perform(r Request) (*Future, error) {
	env := rt.nextEnv
	rt.nextEnv++
	for rt.pending[env] != nil { // after 2^32 calls, skip ids still waiting
		env = rt.nextEnv
		rt.nextEnv++
	}
	reply, reject := rt.callbacks.reply(), rt.callbacks.reject()
	rt.sys.CallNew(r.Callee.Bytes(), r.Method, reply, env, reject, env)
	rt.sys.CallOnCleanup(rt.callbacks.cleanup(), env)
	if err := rt.complete(r); err != nil {
		return nil, err
	}
	f := &Future{rt: rt, env: env, composite: rt.current != nil && rt.current.m.kind == KindCompositeQuery}
	rt.pending[env] = f
	return f, nil
}

// complete adds r's argument and options to the call under construction and performs it.
func (rt *Runtime) complete(r Request) error {
	if len(r.Arg) > 0 {
		rt.sys.CallDataAppend(r.Arg)
	}
	if r.Cycles != (Cycles{}) {
		rt.sys.CallCyclesAdd(r.Cycles)
	}
	if r.BestEffortTimeout > 0 {
		rt.sys.CallWithBestEffortResponse(r.BestEffortTimeout)
	}
	if code := rt.sys.CallPerform(); code != 0 {
		return &CallError{Code: RejectCode(code), Message: r.Callee.String() + "." + r.Method, sync: true}
	}
	return nil
}

// refunded reads the refund in f's callback: composite query callbacks have none (and
// cannot call ic0.msg_cycles_refunded128).
func (f *Future) refunded() Cycles {
	if f.composite {
		return Cycles{}
	}
	return f.rt.sys.MsgCyclesRefunded()
}

// HandleReply is the body of the CDK's reply callback export for the call with env.
func (rt *Runtime) HandleReply(env uint32) {
	rt.callback(env, KindReplyCallback, func(f *Future) CallResult {
		return CallResult{Reply: rt.sys.MsgArgData(), Refunded: f.refunded()}
	})
}

// HandleReject is the body of the CDK's reject callback export for the call with env.
func (rt *Runtime) HandleReject(env uint32) {
	rt.callback(env, KindRejectCallback, func(f *Future) CallResult {
		return CallResult{RejectCode: RejectCode(rt.sys.MsgRejectCode()), RejectMessage: rt.sys.MsgRejectMsg(),
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
//   - a SendWithCallback call is forgotten.
//
// A deferred call that traps in the cleanup rolls the cleanup back: the task then stays
// parked for good (memory leak, no other harm: it never runs again).
func (rt *Runtime) HandleCleanup(env uint32) {
	defer rt.bind()()
	f, ok := rt.pending[env]
	if !ok {
		return
	}
	delete(rt.pending, env)
	if t := f.task; t != nil && t.waiting == f && !t.done {
		rt.transfer(t, wake{abandon: true})
		return
	}
	f.resolve(CallResult{RejectCode: RejectCanisterError, RejectMessage: ErrCallbackTrapped.Error()})
}

// callback delivers the result of the call with env.
func (rt *Runtime) callback(env uint32, kind Kind, result func(*Future) CallResult) {
	defer rt.bind()()
	f, ok := rt.pending[env]
	if !ok {
		rt.trap("cdk: " + kind.String() + " for unknown call " + errfmt.Int(env))
		return
	}
	if !f.composite { // composite query callbacks cannot set the global timer
		rt.timers.repair(rt)
	}
	r := result(f)
	delete(rt.pending, env)
	f.resolve(r)
	switch t := f.task; {
	case f.then != nil:
		f.then(r)
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

// PendingCalls is the number of calls awaiting an answer (Send, Call, SendWithCallback and
// the CDK's own timer calls; not Notify).
func PendingCalls() int { return root().PendingCalls() }

// PendingCalls is the number of calls awaiting an answer.
func (rt *Runtime) PendingCalls() int { return len(rt.pending) }
