package cdk

import "github.com/gocanister/stripe-ic/canister/internal/errfmt"

// Blocking calls: how a handler's goroutine waits for an answer (see call.go for the API).
// The handler's goroutine parks; the export returns, which ends the IC execution (and
// commits the heap: every await is a commit point, as in the IC's other CDKs); the call's
// reply or reject callback resumes the goroutine in a new execution.

// canCall reports whether executions of kind k may call (ic0.call_new: U CQ Ry Rt CRy CRt T).
func (k Kind) canCall() bool {
	switch k {
	case KindUpdate, KindCompositeQuery, KindReplyCallback, KindRejectCallback,
		KindHeartbeat, KindTimer, KindLowWasmMemory:
		return true
	}
	return false
}

// hasArg reports whether ic0.msg_arg_data is readable in the first execution of kind k.
func (k Kind) hasArg() bool {
	switch k {
	case KindUpdate, KindQuery, KindCompositeQuery, KindInit, KindPostUpgrade, KindReplyCallback:
		return true
	}
	return false
}

// Future is a call in flight, made by Send. Wait blocks for its result.
type Future struct {
	rt     *Runtime
	env    uint32
	task   *task                      // the task that made it (nil for SendWithCallback and the CDK's own calls)
	onDone func(*Message, CallResult) // SendWithCallback's handler, run as a task
	then   func(CallResult)           // the CDK's own bookkeeping, run inline in the callback
	res    CallResult
	done   bool
	// composite: made from a composite query, whose callbacks have no refund to read.
	composite bool
}

func (f *Future) resolve(r CallResult) { f.res, f.done = r, true }

// Done reports whether the result has arrived (Wait will not block).
func (f *Future) Done() bool { return f.done }

// Wait blocks until the call is answered and returns its reply bytes, or a *CallError for a
// reject. Only the handler that made the call may wait on it.
func (f *Future) Wait() ([]byte, error) {
	r, err := f.Result()
	if err != nil {
		return nil, err
	}
	return r.Reply, r.Err()
}

// Result is Wait returning the whole CallResult (with refunded cycles); err is only set when
// the handler cannot wait (ErrNotRunning). A reject is in the CallResult (see its Err).
func (f *Future) Result() (CallResult, error) {
	if !f.done {
		t := f.task
		if t == nil || f.rt.current != t {
			return CallResult{}, ErrNotRunning
		}
		t.park(f.rt, f)
	}
	return f.res, nil
}

// Decode waits and decodes the reply into ptrs (or returns the reject).
func (f *Future) Decode(ptrs ...any) error {
	r, err := f.Result()
	if err != nil {
		return err
	}
	return r.Decode(ptrs...)
}

// checkCall reports why m (the running handler's Message, nil between executions) cannot
// make a call now, and saves what later executions of the task can no longer read (the
// argument is the callee's reply in a reply callback).
func (m *Message) checkCall() error {
	if m == nil {
		return ErrNotRunning
	}
	if !m.kind.canCall() {
		return errfmt.Wrap("", ErrCannotCall, " ("+m.kind.String()+")")
	}
	if m.task == nil || m.rt.current != m.task {
		return ErrNotRunning
	}
	if m.kind.hasArg() && !m.hasArg {
		m.ArgData()
	}
	return nil
}
