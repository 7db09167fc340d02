package cdk

import (
	"container/heap"
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/internal/errfmt"
)

// Timers: one-shot and periodic callbacks multiplexed on the IC's single global timer.
//
// The canister exports system.global_timer and calls cdk.GlobalTimer from it; GlobalTimer
// runs the due timers (each like a handler, on its own goroutine, so it may make blocking
// calls) and re-arms ic0.global_timer_set for the next one. Do not also arm the global timer
// by hand (SetGlobalTimer) when using timers: they share it.
//
// Limits, by design of the IC and of this package:
//   - Timers live in the heap: an upgrade loses them. Re-create them in post_upgrade.
//   - Due timers run in one canister_global_timer execution. If one traps before its first
//     await, the whole execution is rolled back, re-arming included: the timers are still
//     due, and the CDK re-arms the global timer at the start of the next update, callback or
//     system task (so a timer that always traps is retried then; a trap after an await only
//     rolls back that callback's execution).
//   - A periodic timer whose callback is still awaiting a call when it is due again runs
//     again, concurrently; it keeps its period from the planned time, skipping missed ticks.
//   - Timers fire no earlier than their time, and in practice a round or more later.

// TimerID names a timer for ClearTimer.
type TimerID uint64

// ErrCannotSetTimer: queries and inspect_message cannot arm the global timer.
var ErrCannotSetTimer = errors.New("cdk: timers cannot be set in this execution")

// timer is one scheduled callback.
type timer struct {
	id       TimerID
	at       uint64 // IC time in nanoseconds
	interval uint64 // 0 for one-shot
	fn       func(*Message)
}

// timerQueue is a min-heap of timers by (at, id), with lazy deletion: ClearTimer only removes
// the timer from live, and the heap drops entries that are no longer live when they reach
// the top.
type timerQueue struct {
	heap   timerHeap
	live   map[TimerID]*timer
	nextID TimerID
	armed  uint64 // the deadline last given to ic0.global_timer_set, 0 for none
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].id < h[j].id
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

// canSetTimer reports whether ic0.global_timer_set is allowed (I G U Ry Rt C T).
func (k Kind) canSetTimer() bool {
	switch k {
	case KindQuery, KindCompositeQuery, KindInspectMessage:
		return false
	}
	return true
}

// peek returns the earliest live timer, dropping cleared ones from the top.
func (q *timerQueue) peek() *timer {
	for len(q.heap) > 0 {
		t := q.heap[0]
		if q.live[t.id] == t {
			return t
		}
		heap.Pop(&q.heap)
	}
	return nil
}

// rearm points the global timer at the earliest live timer (or disarms it).
func (rt *Runtime) rearm() {
	q := &rt.timers
	var next uint64
	if t := q.peek(); t != nil {
		next = max(t.at, 1)
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

func (rt *Runtime) addTimer(d, interval time.Duration, fn func(*Message)) TimerID {
	if t := rt.current; t != nil && !t.m.kind.canSetTimer() {
		panic(errfmt.Wrap("", ErrCannotSetTimer, " ("+t.m.kind.String()+")"))
	}
	q := &rt.timers
	if q.live == nil {
		q.live = map[TimerID]*timer{}
	}
	q.nextID++
	t := &timer{id: q.nextID, at: rt.sys.Time() + uint64(max(d, 0)), interval: uint64(max(interval, 0)), fn: fn}
	q.live[t.id] = t
	heap.Push(&q.heap, t)
	rt.rearm()
	return t.id
}

// SetTimer runs fn once, d from now, in a canister_global_timer execution (fn's Message has
// KindGlobalTimer: it can make calls, not reply). It panics in a query.
func (rt *Runtime) SetTimer(d time.Duration, fn func(*Message)) TimerID {
	return rt.addTimer(d, 0, fn)
}

// SetTimerInterval runs fn every interval (at least 1ns), the first time interval from now.
func (rt *Runtime) SetTimerInterval(interval time.Duration, fn func(*Message)) TimerID {
	interval = max(interval, 1)
	return rt.addTimer(interval, interval, fn)
}

// ClearTimer cancels a timer; it reports whether the timer was still scheduled. Clearing a
// periodic timer from its own callback stops it.
func (rt *Runtime) ClearTimer(id TimerID) bool {
	if _, ok := rt.timers.live[id]; !ok {
		return false
	}
	delete(rt.timers.live, id)
	rt.rearm()
	return true
}

// Timers is the number of scheduled timers.
func (rt *Runtime) Timers() int { return len(rt.timers.live) }

// GlobalTimer runs canister_global_timer: the due timers, then h (nil for none). Export it
// as system.global_timer whenever the canister uses SetTimer or SetTimerInterval.
func (rt *Runtime) GlobalTimer(h func()) {
	q := &rt.timers
	q.armed = 0 // the IC disarmed the global timer when it fired
	now := rt.sys.Time()
	var due []*timer
	for t := q.peek(); t != nil && t.at <= now; t = q.peek() {
		heap.Pop(&q.heap)
		due = append(due, t)
		if t.interval == 0 {
			delete(q.live, t.id)
			continue
		}
		next := *t
		next.at += t.interval
		if next.at <= now { // missed ticks: keep the phase, skip to the next one
			next.at += (now - next.at) / t.interval * t.interval
			next.at += t.interval
		}
		q.live[t.id] = &next
		heap.Push(&q.heap, &next)
	}
	rt.rearm()
	for _, t := range due {
		rt.start(&Message{rt: rt, kind: KindGlobalTimer}, t.fn)
	}
	if h != nil {
		rt.start(&Message{rt: rt, kind: KindGlobalTimer}, func(*Message) { h() })
	}
}
