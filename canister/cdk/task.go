package cdk

import (
	"runtime"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
)

// A task is one handler running on its own goroutine: the method of a call context, a
// timer callback, or the onDone of a CallRaw. The export that starts it, and every callback
// export that resumes it, hands control to the task's goroutine and waits on Runtime.yield
// until the task parks (awaits a call) or finishes. Exactly one goroutine runs at a time, so
// what the task does is part of the execution of the export that gave it control, and what
// it left in the heap is committed (or rolled back by a trap) with that execution.
//
// The export never returns while the task is runnable and the task never blocks on anything
// but its resume channel, so the Go scheduler always has a runnable goroutine: it never
// reaches poll_oneoff, which traps in a canister (ABI.md).
type task struct {
	m       *Message
	resume  chan wake
	waiting *Future // the call the task is parked on
	done    bool
}

// wake is what a callback hands to a parked task.
type wake struct {
	// abandon makes the task unwind (runtime.Goexit: its deferred calls run) instead of
	// resuming: its call's callback trapped and the IC has answered the call context.
	abandon bool
}

// outcome is what a task reports to the export waiting on it.
type outcome struct {
	panicked bool
	value    any // the recovered panic
}

// start runs h for m on a new task and waits until it parks or finishes.
func (rt *Runtime) start(m *Message, h func(*Message)) {
	t := &task{m: m, resume: make(chan wake)}
	m.task = t
	rt.current = t
	go t.main(rt, h)
	rt.settle(<-rt.yield)
}

// main is the task's goroutine.
func (t *task) main(rt *Runtime, h func(*Message)) {
	panicked := true
	defer func() {
		t.done = true
		o := outcome{}
		if panicked {
			// A panic, or runtime.Goexit (abandonment) for which recover returns nil.
			if r := recover(); r != nil {
				o = outcome{panicked: true, value: r}
			}
		}
		rt.yield <- o
	}()
	h(t.m)
	panicked = false
}

// transfer resumes t with w and waits until it parks or finishes again.
func (rt *Runtime) transfer(t *task, w wake) {
	rt.current = t
	t.resume <- w
	rt.settle(<-rt.yield)
}

// settle ends an export after its task parked or finished: a panic becomes ic0.trap.
func (rt *Runtime) settle(o outcome) {
	rt.current = nil
	if !o.panicked {
		return
	}
	if t, ok := o.value.(ic0.TrapPanic); ok {
		panic(t) // a fake's Trap unwinding: already a trap
	}
	rt.Trap(panicMessage(o.value))
}

// park suspends the running task until f's callback (or the cleanup) resumes it. It runs on
// the task's goroutine.
func (t *task) park(rt *Runtime, f *Future) {
	t.waiting = f
	rt.yield <- outcome{}
	w := <-t.resume
	t.waiting = nil
	if w.abandon {
		runtime.Goexit()
	}
}
