package cdk

import (
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Timers: one-shot and periodic functions multiplexed on the IC's single global timer, as
// DFINITY's ic-cdk-timers does it.
//
// The CDK owns two exports for them (callbacks_wasip1.go), so a canister that sets timers
// cannot lack them: canister_global_timer and the hidden update method
// "<cdk>_timer_executor". When the global timer fires, canister_global_timer takes the due
// timers off the queue (rescheduling the periodic ones) and, for each, calls the executor
// on its own canister; the executor runs that one timer's function. So every timer runs in
// an execution, and a call context, of its own: a timer that traps rolls back only its own
// execution (the queue, committed by canister_global_timer, is untouched) and neither stops
// nor undoes the others; the global timer's callback logs its reject. Each run costs a
// self-call (the call fee and two more executions), which is the price of that isolation.
//
// Limits, by design of the IC and of this package:
//   - Timers live in the heap: an upgrade loses them. Re-create them in post_upgrade.
//   - A periodic timer keeps its phase: it is due at start+k*interval; when it runs late,
//     missed ticks are skipped, not caught up. If its previous run is still awaiting a call
//     when it is due again, it runs again, concurrently.
//   - A one-shot timer whose executor call the IC rejects with RejectSysTransient before it
//     ran (say, the canister's queue was full) is retried at the next global timer; one
//     whose call_perform fails stays due, and the global timer is re-armed for it.
//   - Timers fire no earlier than their time, and in practice a round or more later.
//   - The CDK arms ic0.global_timer_set itself; arming it by hand (System().GlobalTimerSet)
//     would move the CDK's timers.

// TimerID names a timer for ClearTimer.
type TimerID uint64

// timerExecutorMethod is the executor's method name: not a Candid identifier, so it cannot
// clash with a method of the canister's interface.
const timerExecutorMethod = "<cdk>_timer_executor"

// timerTask is one timer: its function and where it stands in the queue.
type timerTask struct {
	fn       func()
	interval uint64 // nanoseconds; 0 for one-shot
	// next is its entry in the queue; nil once a one-shot timer was dispatched (its
	// executor call is in flight).
	next *timerEntry
}

// timerEntry is a scheduled run: a timer and its time.
type timerEntry struct {
	id TimerID
	at uint64 // IC time in nanoseconds
}

// timerQueue is a min-heap of entries by (at, id), with lazy deletion: an entry counts only
// while it is its task's next; the heap drops the others when they reach the top.
type timerQueue struct {
	heap   timerHeap
	tasks  map[TimerID]*timerTask
	nextID TimerID
	armed  uint64 // the deadline last given to ic0.global_timer_set, 0 for none
}

// timerHeap is a binary min-heap by (at, id). It is written out rather than built on
// container/heap, whose interface methods cost every canister about 1 KB gzip.
type timerHeap []*timerEntry

func (h timerHeap) less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].id < h[j].id
}

// push adds e.
func (h *timerHeap) push(e *timerEntry) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// pop removes the top entry (the earliest).
func (h *timerHeap) pop() {
	s := *h
	n := len(s) - 1
	s[0], s[n] = s[n], nil
	s = s[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && s.less(r, c) {
			c = r
		}
		if !s.less(c, i) {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
}

// canSetTimer reports whether ic0.global_timer_set is allowed (I G U Ry Rt C T).
func (k Kind) canSetTimer() bool {
	switch k {
	case KindQuery, KindCompositeQuery, KindInspectMessage:
		return false
	}
	return true
}

// peek returns the earliest live entry, dropping stale ones from the top.
func (q *timerQueue) peek() *timerEntry {
	for len(q.heap) > 0 {
		e := q.heap[0]
		if t := q.tasks[e.id]; t != nil && t.next == e {
			return e
		}
		q.heap.pop()
	}
	return nil
}

// schedule queues task id at time at.
func (q *timerQueue) schedule(id TimerID, task *timerTask, at uint64) {
	e := &timerEntry{id: id, at: at}
	task.next = e
	q.heap.push(e)
}

// rearm points the global timer at the earliest live entry (or disarms it).
func (rt *Runtime) rearm() {
	q := &rt.timers
	var next uint64
	if e := q.peek(); e != nil {
		next = max(e.at, 1)
	}
	if next != q.armed {
		rt.sys.GlobalTimerSet(next)
		q.armed = next
	}
}

// repair re-arms a global timer whose deadline has passed: after a trapping
// canister_global_timer the IC's timer is off while the (rolled back) queue says it is armed.
// Re-arming a timer that is merely about to fire is harmless.
func (q *timerQueue) repair(rt *Runtime) {
	if q.armed != 0 && q.armed <= rt.sys.Time() {
		rt.sys.GlobalTimerSet(q.armed)
	}
}

// addNanos is a+d, saturating instead of wrapping.
func addNanos(a, d uint64) uint64 {
	if a+d < a {
		return ^uint64(0)
	}
	return a + d
}

func (rt *Runtime) addTimer(d, interval time.Duration, fn func()) TimerID {
	if t := rt.current; t != nil && !t.m.kind.canSetTimer() {
		panic(errfmt.Wrap("", ErrCannotSetTimer, " ("+t.m.kind.String()+")"))
	}
	q := &rt.timers
	if q.tasks == nil {
		q.tasks = map[TimerID]*timerTask{}
	}
	q.nextID++
	task := &timerTask{fn: fn, interval: uint64(max(interval, 0))}
	q.tasks[q.nextID] = task
	q.schedule(q.nextID, task, addNanos(rt.sys.Time(), uint64(max(d, 0))))
	rt.rearm()
	return q.nextID
}

// SetTimer runs fn once, d from now, in an update execution of its own (see the timer
// executor above): fn may make calls; if it traps, only its own changes are rolled back.
// It panics in a query.
func SetTimer(d time.Duration, fn func()) TimerID { return root().addTimer(d, 0, fn) }

// SetTimerInterval runs fn every interval (at least 1ns), the first time interval from now,
// each run isolated as SetTimer's.
func SetTimerInterval(interval time.Duration, fn func()) TimerID {
	interval = max(interval, 1)
	return root().addTimer(interval, interval, fn)
}

// ClearTimer cancels a timer; it reports whether the timer was still scheduled (or, for a
// one-shot timer, due and not yet run). Clearing a periodic timer from its own function
// stops it.
func ClearTimer(id TimerID) bool {
	rt := root()
	if _, ok := rt.timers.tasks[id]; !ok {
		return false
	}
	delete(rt.timers.tasks, id)
	rt.rearm()
	return true
}

// Timers is the number of timers set and not yet finished or cleared.
func (rt *Runtime) Timers() int { return len(rt.timers.tasks) }

// nextTick is when a periodic timer planned at at runs next, seen at now: at+interval,
// or, if that has passed, the first at+k*interval after now (the phase is kept).
func nextTick(at, interval, now uint64) uint64 {
	next := addNanos(at, interval)
	if next <= now {
		next = addNanos(next, (now-next)/interval*interval+interval)
	}
	return next
}

// GlobalTimer is the body of the CDK's canister_global_timer export: it dispatches every due
// timer to the executor (one self-call each), reschedules the periodic ones and re-arms the
// global timer. It runs no timer function itself, so it does not trap on their account.
func (rt *Runtime) GlobalTimer() {
	defer rt.bind()()
	q := &rt.timers
	q.armed = 0 // the IC disarmed the global timer when it fired
	now := rt.sys.Time()
	var self principal.Principal
	for e := q.peek(); e != nil && e.at <= now; e = q.peek() {
		if self.Len() == 0 {
			self = principal.FromBytes(rt.sys.CanisterSelf())
		}
		if err := rt.dispatch(self, e.id); err != nil {
			// Most likely out of cycles or a full queue: the others would fail the same way.
			// The entry stays due; rearm below asks for another global timer.
			rt.sys.DebugPrint("cdk: timer " + errfmt.Int(e.id) + " not started: " + err.Error())
			break
		}
		q.heap.pop()
		task := q.tasks[e.id]
		if task.interval == 0 {
			task.next = nil
			continue
		}
		q.schedule(e.id, task, nextTick(e.at, task.interval, now))
	}
	rt.rearm()
}

// dispatch calls the executor of this canister for timer id.
func (rt *Runtime) dispatch(self principal.Principal, id TimerID) error {
	arg := make([]byte, 8)
	for i := range arg {
		arg[i] = byte(id >> (56 - 8*i))
	}
	f, err := rt.perform(Request{Callee: self, Method: timerExecutorMethod, Arg: arg})
	if err != nil {
		return err
	}
	f.then = func(r CallResult) { rt.timerDone(id, r) }
	return nil
}

// timerDone handles the answer of timer id's executor call, in the global timer's call
// context: a reject is logged (the timer trapped, or never ran), and a one-shot timer is
// forgotten, or retried if the IC rejected the call before running it.
func (rt *Runtime) timerDone(id TimerID, r CallResult) {
	q := &rt.timers
	task := q.tasks[id]
	dispatched := task != nil && task.interval == 0 && task.next == nil
	if r.RejectCode == RejectSysTransient && dispatched {
		q.schedule(id, task, rt.sys.Time())
		rt.rearm()
		return
	}
	if err := r.Err(); err != nil {
		rt.sys.DebugPrint("cdk: timer " + errfmt.Int(id) + " failed: " + err.Error())
	}
	if dispatched { // it trapped: its executor's removal was rolled back
		delete(q.tasks, id)
	}
}

// TimerExecutor is the body of the CDK's hidden update method <cdk>_timer_executor: it runs
// the timer named by its argument (8 bytes, big endian) as a handler and replies when the
// function returns. It rejects every caller but the canister itself.
func (rt *Runtime) TimerExecutor() {
	defer rt.bind()()
	sys := rt.sys
	if string(sys.MsgCaller()) != string(sys.CanisterSelf()) {
		sys.MsgReject("cdk: " + timerExecutorMethod + " runs the canister's timers: only the canister itself may call it")
		return
	}
	arg := sys.MsgArgData()
	if len(arg) != 8 {
		sys.MsgReject("cdk: " + timerExecutorMethod + ": the argument must be a timer id of 8 bytes")
		return
	}
	var id TimerID
	for _, b := range arg {
		id = id<<8 | TimerID(b)
	}
	task := rt.timers.tasks[id]
	if task == nil { // cleared after it was dispatched
		sys.MsgReply()
		return
	}
	if task.interval == 0 {
		delete(rt.timers.tasks, id)
	}
	rt.run(KindTimer, func(m *Message) {
		task.fn()
		m.replyRaw(nil)
	})
}
