package cdk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
)

func TestTimers(t *testing.T) {
	s := newSim(t, ic0test.Update)
	start := s.f.Now
	var fired []string
	var once, every, cleared cdk.TimerID
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			once = s.rt.SetTimer(2*time.Second, func(*cdk.Message) { fired = append(fired, "once") })
			every = s.rt.SetTimerInterval(time.Second, func(*cdk.Message) { fired = append(fired, "every") })
			cleared = s.rt.SetTimer(500*time.Millisecond, func(*cdk.Message) { fired = append(fired, "cleared") })
			m.Reply()
		})
	})
	if s.f.Timer != start+uint64(500*time.Millisecond) {
		t.Fatalf("armed at +%v, want +500ms", time.Duration(s.f.Timer-start))
	}
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			if !s.rt.ClearTimer(cleared) || s.rt.ClearTimer(cleared) {
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
		s.f.Now, s.f.Timer = start+uint64(at), 0 // the IC disarms the timer when it fires
		if err := s.exec(ic0test.GlobalTimer, func() { s.rt.GlobalTimer(nil) }); err != nil {
			t.Fatal(err)
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
	_ = once
	s.exec(ic0test.Update, func() { s.rt.Update(func(m *cdk.Message) { s.rt.ClearTimer(every); m.Reply() }) })
	if s.f.Timer != 0 || s.rt.Timers() != 0 {
		t.Fatalf("timer %d with no timers left", s.f.Timer)
	}
}

// A timer callback runs like a handler: it can await calls.
func TestTimerMakesBlockingCall(t *testing.T) {
	s := newSim(t, ic0test.Init)
	var got string
	s.exec(ic0test.Init, func() {
		s.rt.Init(func(m *cdk.Message) {
			s.rt.SetTimer(0, func(m *cdk.Message) {
				out, err := callText(m, "ping", "timer")
				if err != nil {
					panic(err)
				}
				got = out
			})
		})
	})
	s.f.Timer = 0
	if err := s.exec(ic0test.GlobalTimer, func() { s.rt.GlobalTimer(nil) }); err != nil {
		t.Fatal(err)
	}
	if err := s.reply("ping", "pong"); err != nil {
		t.Fatal(err)
	}
	if got != "pong" {
		t.Fatalf("timer got %q", got)
	}
}

// After a trapping canister_global_timer the IC's timer is off; the next update re-arms it.
func TestTimerRepairAfterTrap(t *testing.T) {
	s := newSim(t, ic0test.Update)
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) { s.rt.SetTimer(time.Second, func(*cdk.Message) {}); m.Reply() })
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
		s.rt.Query(func(m *cdk.Message) { s.rt.SetTimer(time.Second, func(*cdk.Message) {}) })
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
		s.rt.Update(func(m *cdk.Message) { s.rt.SetTimer(time.Second, func(*cdk.Message) {}); m.Reply() })
	})
	s.f.Now += uint64(2 * time.Second) // due: repair would re-arm
	s.exec(ic0test.CompositeQuery, func() {
		s.rt.CompositeQuery(func(m *cdk.Message) {
			out, err := callText(m, "peer", "q")
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
