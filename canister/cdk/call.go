package cdk

import (
	"errors"
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
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
}

// CallError is a rejected call.
type CallError struct {
	Code    uint32
	Message string
}

func (e *CallError) Error() string {
	return fmt.Sprintf("call rejected (code %d): %s", e.Code, e.Message)
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
	return candid.Unmarshal(r.Reply, ptrs...)
}

// ErrCallNotPerformed is returned when ic0.call_perform refuses a call (no callback will
// run).
var ErrCallNotPerformed = errors.New("cdk: the IC did not perform the call")

// CallRaw sends c and arranges for onDone to run in the execution that receives the
// answer (a reply or reject callback, with its own state commit). onDone's Message is that
// execution: replying to it answers the caller of the method that made the call. If onDone
// traps, the CDK's cleanup callback forgets the call.
//
// This is the low-level call path: state between the call and its callback lives in the
// closure. A later layer builds blocking calls on it. The closure lives in the heap, so an
// answer that arrives after an upgrade finds no call and traps: stop the canister (let its
// calls finish) before upgrading it, as the IC recommends.
func (rt *Runtime) CallRaw(c Call, onDone func(m *Message, r CallResult)) error {
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
		return fmt.Errorf("%w: %s.%s (code %d)", ErrCallNotPerformed, c.Callee, c.Method, code)
	}
	rt.pending[env] = onDone
	return nil
}

// HandleReply is the body of the reply callback export for the call with env.
func (rt *Runtime) HandleReply(env uint32) {
	rt.callback(env, KindReplyCallback, func(m *Message) CallResult {
		return CallResult{Reply: m.ArgData()}
	})
}

// HandleReject is the body of the reject callback export for the call with env.
func (rt *Runtime) HandleReject(env uint32) {
	rt.callback(env, KindRejectCallback, func(m *Message) CallResult {
		return CallResult{RejectCode: rt.sys.MsgRejectCode(), RejectMessage: rt.sys.MsgRejectMsg()}
	})
}

// HandleCleanup is the body of the cleanup callback: the reply or reject callback trapped,
// so its removal of the call was rolled back; forget the call now.
func (rt *Runtime) HandleCleanup(env uint32) {
	delete(rt.pending, env)
}

func (rt *Runtime) callback(env uint32, kind Kind, result func(*Message) CallResult) {
	rt.run(kind, func(m *Message) {
		onDone, ok := rt.pending[env]
		if !ok {
			panic(fmt.Sprintf("cdk: %s for unknown call %d", kind, env))
		}
		delete(rt.pending, env)
		onDone(m, result(m))
	})
}

// PendingCalls is the number of calls awaiting an answer.
func (rt *Runtime) PendingCalls() int { return len(rt.pending) }
