package cdk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
)

// executorMethod is the CDK's hidden timer method.
const executorMethod = "<cdk>_timer_executor"

// fire runs canister_global_timer at start+at, as the IC does when the timer is due (it
// disarms the timer first); the executor calls it makes join s.calls.
func (s *sim) fire(start uint64, at time.Duration) {
	s.t.Helper()
	s.f.Now, s.f.Timer = start+uint64(at), 0
	if err := s.exec(ic0test.GlobalTimer, s.rt.GlobalTimer); err != nil {
		s.t.Fatalf("canister_global_timer trapped: %v", err)
	}
}

// execute runs the oldest executor call as the IC would: an update whose caller is the
// canister itself. It returns the executor call and the execution's trap.
func (s *sim) execute() (ic0test.Call, error) {
	s.t.Helper()
	c := s.take(executorMethod)
	if string(c.Callee) != string(s.f.Self) {
		s.t.Fatalf("executor called on %x, not on the canister itself", c.Callee)
	}
	s.f.Caller, s.f.Arg = s.f.Self, c.Arg
	defer func() { s.f.Caller = alice.Bytes() }()
	return c, s.exec(ic0test.Update, s.rt.TimerExecutor)
}

// answer delivers the executor call's outcome to the global timer's callback: its reply, or
// the reject the IC makes of a trap.
func (s *sim) answer(c ic0test.Call, trap error) {
	s.t.Helper()
	var err error
	if trap != nil {
		s.f.Arg, s.f.RejectCode, s.f.RejectMessage = nil, uint32(cdk.RejectCanisterError), trap.Error()
		err = s.exec(ic0test.RejectCallback, func() { s.rt.HandleReject(c.RejectEnv) })
	} else {
		if !s.f.Replied {
			s.t.Fatalf("executor did not reply")
		}
		s.f.Arg = s.f.ReplyData
		err = s.exec(ic0test.ReplyCallback, func() { s.rt.HandleReply(c.ReplyEnv) })
	}
	if err != nil {
		s.t.Fatalf("global timer callback trapped: %v", err)
	}
}

// runDue executes every pending executor call and answers it; it returns the traps.
func (s *sim) runDue() []string {
	s.t.Helper()
	var traps []string
	for slices.ContainsFunc(s.calls, func(c ic0test.Call) bool { return c.Method == executorMethod }) {
		c, trap := s.execute()
		if trap != nil {
			traps = append(traps, trap.Error())
		}
		s.answer(c, trap)
	}
	return traps
}

func TestTimers(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	var fired []string
	var every, cleared cdk.TimerID
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			cdk.SetTimer(2*time.Second, func() { fired = append(fired, "once") })
			every = cdk.SetTimerInterval(time.Second, func() { fired = append(fired, "every") })
			cleared = cdk.SetTimer(500*time.Millisecond, func() { fired = append(fired, "cleared") })
			m.Reply()
		})
	})
	if s.f.Timer != start+uint64(500*time.Millisecond) || s.rt.Timers() != 3 {
		t.Fatalf("armed at +%v with %d timers, want +500ms and 3", time.Duration(s.f.Timer-start), s.rt.Timers())
	}
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			if !cdk.ClearTimer(cleared) || cdk.ClearTimer(cleared) {
				t.Error("ClearTimer result")
			}
			m.Reply()
		})
	})
	if s.f.Timer != start+uint64(time.Second) {
		t.Fatalf("after ClearTimer armed at +%v, want +1s", time.Duration(s.f.Timer-start))
	}
	tick := func(at time.Duration) {
		t.Helper()
		s.fire(start, at)
		if traps := s.runDue(); len(traps) != 0 {
			t.Fatal(traps)
		}
	}
	tick(time.Second)
	tick(2 * time.Second) // both due: in deadline order, id breaking ties
	tick(5*time.Second + 500*time.Millisecond)
	want := []string{"every", "once", "every", "every"}
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %q, want %q", fired, want)
	}
	// Missed ticks are skipped, the phase kept: next at +6s.
	if s.f.Timer != start+uint64(6*time.Second) || s.rt.Timers() != 1 {
		t.Fatalf("armed at +%v with %d timers", time.Duration(s.f.Timer-start), s.rt.Timers())
	}
	tick(6*time.Second + 900*time.Millisecond) // late, but not by a whole period
	if s.f.Timer != start+uint64(7*time.Second) {
		t.Fatalf("armed at +%v, want +7s", time.Duration(s.f.Timer-start))
	}
	s.exec(ic0test.Update, func() { s.rt.Update(func(m *cdk.Message) { cdk.ClearTimer(every); m.Reply() }) })
	if s.f.Timer != 0 || s.rt.Timers() != 0 {
		t.Fatalf("timer %d with no timers left", s.f.Timer)
	}
}

// Many timers, set in scrambled order (some cleared), run in (time, id) order.
func TestTimersRunInOrder(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	type run struct {
		at time.Duration
		id cdk.TimerID
	}
	var ran []run
	var want []run
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			for i := range 60 {
				at := time.Duration(i*37%23) * time.Millisecond // repeats: ids break the ties
				var id cdk.TimerID
				id = cdk.SetTimer(at, func() { ran = append(ran, run{at, id}) })
				if i%7 == 3 {
					cdk.ClearTimer(id)
					continue
				}
				want = append(want, run{at, id})
			}
			m.Reply()
		})
	})
	slices.SortFunc(want, func(a, b run) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return int(a.id) - int(b.id)
	})
	s.fire(start, time.Second)
	if traps := s.runDue(); len(traps) != 0 {
		t.Fatal(traps)
	}
	if !slices.Equal(ran, want) || s.rt.Timers() != 0 || s.f.Timer != 0 {
		t.Fatalf("ran %v\nwant %v (%d timers left, armed %d)", ran, want, s.rt.Timers(), s.f.Timer)
	}
}

// Every due timer runs in its own executor call: one that traps leaves the others' effects
// and the queue alone, and the timers after it still run.
func TestTimersAreIsolated(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	var ran []string
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			cdk.SetTimer(time.Second, func() { panic("first timer fails") })
			cdk.SetTimer(time.Second, func() { ran = append(ran, "good") })
			cdk.SetTimerInterval(time.Second, func() { panic("periodic fails") })
			cdk.SetTimer(2*time.Second, func() { ran = append(ran, "later") })
			m.Reply()
		})
	})
	s.fire(start, time.Second)
	// canister_global_timer ran no timer itself: it made one call per due timer.
	if len(s.calls) != 3 || len(ran) != 0 || s.f.Timer != start+uint64(2*time.Second) {
		t.Fatalf("after the global timer: %d calls, ran %q, armed at +%v", len(s.calls), ran, time.Duration(s.f.Timer-start))
	}
	traps := s.runDue()
	if want := []string{"panic: first timer fails", "panic: periodic fails"}; !slices.Equal(traps, want) {
		t.Fatalf("traps %q, want %q", traps, want)
	}
	if !slices.Equal(ran, []string{"good"}) {
		t.Fatalf("ran %q", ran)
	}
	var logged []string
	for _, p := range s.f.Prints {
		if strings.HasPrefix(p, "cdk: timer ") {
			logged = append(logged, p)
		}
	}
	if len(logged) != 1 || logged[0] != "cdk: timer 3 failed: call rejected (code 5): panic: periodic fails" {
		t.Fatalf("prints %q", s.f.Prints) // the last callback's prints: the periodic timer's reject
	}
	s.fire(start, 2*time.Second)
	if traps := s.runDue(); !slices.Equal(traps, []string{"panic: periodic fails"}) {
		t.Fatalf("traps %q", traps)
	}
	if !slices.Equal(ran, []string{"good", "later"}) || s.rt.Timers() != 1 || s.rt.PendingCalls() != 0 {
		t.Fatalf("ran %q, %d timers, %d calls pending", ran, s.rt.Timers(), s.rt.PendingCalls())
	}
}

// On the IC a trapping timer's execution is rolled back whole, its removal from the timers
// included: the reject callback forgets it.
func TestTrappedTimerForgotten(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { cdk.SetTimer(time.Second, func() {}); m.Reply() })
	})
	s.fire(start, time.Second)
	c := s.take(executorMethod)
	if s.rt.Timers() != 1 {
		t.Fatalf("%d timers while the executor call is in flight", s.rt.Timers())
	}
	// The executor trapped (say, out of instructions) and left nothing behind.
	s.answer(c, &ic0test.TrapError{Message: "out of instructions"})
	if s.rt.Timers() != 0 || s.rt.PendingCalls() != 0 || s.f.Timer != 0 {
		t.Fatalf("%d timers, %d calls, armed %d", s.rt.Timers(), s.rt.PendingCalls(), s.f.Timer)
	}
	if len(s.f.Prints) != 1 || !strings.Contains(s.f.Prints[0], "timer 1 failed: call rejected (code 5): out of instructions") {
		t.Fatalf("prints %q", s.f.Prints)
	}
}

// A timer's function runs like a handler: it can await calls; the executor replies once the
// function returns.
func TestTimerMakesBlockingCall(t *testing.T) {
	s := newSim(t, ic0test.Init)
	start := s.f.Now
	var got string
	s.exec(ic0test.Init, func() {
		s.rt.Init(func(m *cdk.Message) {
			cdk.SetTimer(0, func() {
				out, err := callText("ping", "timer")
				if err != nil {
					panic(err)
				}
				got = out
			})
		})
	})
	s.fire(start, 0)
	c, trap := s.execute()
	if trap != nil || s.f.Replied || got != "" {
		t.Fatalf("executor: trap %v, replied %v before the timer's call returned", trap, s.f.Replied)
	}
	if err := s.reply("ping", "pong"); err != nil {
		t.Fatal(err)
	}
	if got != "pong" || !s.f.Replied {
		t.Fatalf("timer got %q, executor replied %v", got, s.f.Replied)
	}
	s.answer(c, nil)
	if s.rt.Timers() != 0 || s.rt.PendingCalls() != 0 {
		t.Fatalf("%d timers, %d calls", s.rt.Timers(), s.rt.PendingCalls())
	}
}

// The executor is an update method anyone could call: it serves only the canister itself.
func TestTimerExecutorRejectsOthers(t *testing.T) {
	s := newSim(t, ic0test.Update)
	ran := false
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { cdk.SetTimer(0, func() { ran = true }); m.Reply() })
	})
	tests := []struct {
		name   string
		caller []byte
		arg    []byte
		want   string
	}{
		{"another caller", alice.Bytes(), []byte{0, 0, 0, 0, 0, 0, 0, 1}, "only the canister itself may call it"},
		{"malformed id", selfID.Bytes(), []byte{1}, "the argument must be a timer id of 8 bytes"},
	}
	for _, tt := range tests {
		s.f.Caller, s.f.Arg = tt.caller, tt.arg
		if err := s.exec(ic0test.Update, s.rt.TimerExecutor); err != nil {
			t.Fatalf("%s: trapped: %v", tt.name, err)
		}
		if !s.f.Rejected || !strings.Contains(s.f.Reject, tt.want) {
			t.Fatalf("%s: rejected %v %q", tt.name, s.f.Rejected, s.f.Reject)
		}
	}
	if ran || s.rt.Timers() != 1 {
		t.Fatalf("ran %v, %d timers", ran, s.rt.Timers())
	}
}

// A timer cleared after it was dispatched does not run: the executor just replies.
func TestTimerClearedInFlight(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	ran := false
	var id cdk.TimerID
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { id = cdk.SetTimer(time.Second, func() { ran = true }); m.Reply() })
	})
	s.fire(start, time.Second)
	var cleared bool
	s.exec(ic0test.Update, func() { s.rt.Update(func(m *cdk.Message) { cleared = cdk.ClearTimer(id); m.Reply() }) })
	if traps := s.runDue(); len(traps) != 0 || ran || !cleared || s.rt.Timers() != 0 {
		t.Fatalf("traps %q, ran %v, cleared %v, %d timers", traps, ran, cleared, s.rt.Timers())
	}
}

// When call_perform refuses the executor call, the timer stays due and the global timer is
// re-armed for it; a transient reject of a one-shot timer's call retries it.
func TestTimerRetries(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	runs := 0
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { cdk.SetTimer(time.Second, func() { runs++ }); m.Reply() })
	})
	s.f.PerformResult = uint32(cdk.RejectSysTransient)
	s.fire(start, time.Second)
	if len(s.calls) != 0 || s.f.Timer != start+uint64(time.Second) || s.rt.Timers() != 1 ||
		len(s.f.Prints) != 1 || !strings.HasPrefix(s.f.Prints[0], "cdk: timer 1 not started: cdk: the IC did not perform the call (code 2)") {
		t.Fatalf("calls %d, armed at +%v, %d timers, prints %q", len(s.calls), time.Duration(s.f.Timer-start), s.rt.Timers(), s.f.Prints)
	}
	s.f.PerformResult = 0
	s.fire(start, 2*time.Second)
	c := s.take(executorMethod)
	s.f.Arg, s.f.RejectCode, s.f.RejectMessage = nil, uint32(cdk.RejectSysTransient), "queue full"
	if err := s.exec(ic0test.RejectCallback, func() { s.rt.HandleReject(c.RejectEnv) }); err != nil {
		t.Fatal(err)
	}
	if s.f.Timer != start+uint64(2*time.Second) || s.rt.Timers() != 1 || runs != 0 {
		t.Fatalf("after a transient reject: armed at +%v, %d timers, %d runs", time.Duration(s.f.Timer-start), s.rt.Timers(), runs)
	}
	s.fire(start, 3*time.Second)
	if traps := s.runDue(); len(traps) != 0 || runs != 1 || s.rt.Timers() != 0 {
		t.Fatalf("traps %q, %d runs, %d timers", traps, runs, s.rt.Timers())
	}
}

// After a trapping canister_global_timer the IC's timer is off; the next update re-arms it.
func TestTimerRepairAfterTrap(t *testing.T) {
	s := newSim(t, ic0test.Update)
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { cdk.SetTimer(time.Second, func() {}); m.Reply() })
	})
	deadline := s.f.Timer
	s.f.Now, s.f.Timer = deadline+1, 0 // fired; its execution trapped and left nothing
	s.exec(ic0test.Update, func() { s.rt.Update(func(m *cdk.Message) { m.Reply() }) })
	if s.f.Timer != deadline {
		t.Fatalf("timer %d after repair, want %d", s.f.Timer, deadline)
	}
}

func TestSetTimerInQueryPanics(t *testing.T) {
	s := newSim(t, ic0test.Query)
	err := s.exec(ic0test.Query, func() {
		s.rt.Query(func(m *cdk.Message) { cdk.SetTimer(time.Second, func() {}) })
	})
	if err == nil ||
		err.Error() != "panic: "+cdk.ErrCannotSetTimer.Error()+" (query)" {
		t.Fatalf("trap %v", err)
	}
}

// The callbacks of a composite query cannot touch the global timer, even when it needs
// repair.
func TestCompositeCallbackLeavesTimerAlone(t *testing.T) {
	s := newSim(t, ic0test.Update)
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { cdk.SetTimer(time.Second, func() {}); m.Reply() })
	})
	s.f.Now += uint64(2 * time.Second) // due: repair would re-arm
	s.exec(ic0test.CompositeQuery, func() {
		s.rt.CompositeQuery(func(m *cdk.Message) {
			out, err := callText("peer", "q")
			if err != nil {
				panic(err)
			}
			m.Reply(out)
		})
	})
	c := s.take("peer")
	s.f.Arg = mustMarshal(t, "from peer")
	if err := s.exec(ic0test.CompositeReplyCallback, func() { s.rt.HandleReply(c.ReplyEnv) }); err != nil {
		t.Fatalf("composite callback trapped: %v", err)
	}
	s.wantReply("from peer")
}
