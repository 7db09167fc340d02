package cdk

import (
	"runtime"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
)

// A task is one handler running on a goroutine of its own: the method of a call context, a
// timer's function, or the onDone of a SendWithCallback. The export that starts it, and
// every callback export that resumes it, hands control to the task's goroutine and waits on
// Runtime.yield until the task parks (awaits a call) or finishes. Exactly one goroutine runs at a time, so
// what the task does is part of the execution of the export that gave it control, and what
// it left in the heap is committed (or rolled back by a trap) with that execution.
//
// The export never returns while the task is runnable and the task never blocks on anything
// but its resume channel, so the Go scheduler always has a runnable goroutine: it never
// reaches poll_oneoff, which traps in a canister (ABI.md).
//
// Tasks run on pooled worker goroutines. A fresh goroutine starts with a small stack that
// grows (by copying) as the handler goes deeper, and Go frees grown stacks when a goroutine
// exits: a new goroutine per message measured ~110,000 extra instructions per message in
// stack growth alone. A worker keeps its stack between messages.
type task struct {
	m       *Message
	h       func(*Message)
	resume  chan wake
	waiting *Future // the call the task is parked on
	done    bool
}

// wake is what a callback hands to a parked task.
type wake struct {
	// abandon makes the task unwind (runtime.Goexit: its deferred calls run, and its worker
	// goroutine ends) instead of resuming: its call's callback trapped and the IC has
	// answered the call context.
	abandon bool
}

// outcome is what a task reports to the export waiting on it.
type outcome struct {
	panicked bool
	value    any // the recovered panic
}

// start runs h for m on a task and waits until it parks or finishes.
func (rt *Runtime) start(m *Message, h func(*Message)) {
	t := &task{m: m, h: h, resume: make(chan wake)}
	m.task = t
	rt.current = t
	if rt.idle > 0 {
		rt.idle--
		rt.work <- t
	} else {
		go rt.worker(t)
	}
	rt.settle(<-rt.yield)
}

// inline runs h for m on the calling goroutine; m cannot call, so h never parks.
func (rt *Runtime) inline(m *Message, h func(*Message)) {
	t := &task{m: m, h: h}
	m.task = t
	rt.current = t
	defer func() { rt.current = nil }()
	func() {
		defer func() {
			t.done = true
			if r := recover(); r != nil {
				rt.settle(outcome{panicked: true, value: r})
			}
		}()
		h(m)
	}()
}

// worker runs tasks one after the other; it ends when a task is abandoned.
func (rt *Runtime) worker(t *task) {
	for {
		o := rt.runTask(t)
		rt.idle++
		rt.yield <- o
		t = <-rt.work
	}
}

// runTask runs t's handler and reports how it ended. When the task is abandoned
// (runtime.Goexit) it reports from its deferred function, as the goroutine then ends.
func (rt *Runtime) runTask(t *task) (o outcome) {
	finished := false
	defer func() {
		t.done = true
		if finished {
			return
		}
		if r := recover(); r != nil {
			o = outcome{panicked: true, value: r}
			return
		}
		rt.yield <- outcome{} // runtime.Goexit: abandoned
	}()
	t.h(t.m)
	finished = true
	return outcome{}
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
	rt.trap(panicMessage(o.value))
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
