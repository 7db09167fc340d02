package cdk_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
)

// sim drives a Runtime over a Fake the way the IC does: one execution at a time, calls
// collected from each execution and answered later in callback executions.
type sim struct {
	t     *testing.T
	f     *ic0test.Fake
	rt    *cdk.Runtime
	calls []ic0test.Call // performed, not yet answered (in order)
}

func newSim(t *testing.T, ctx ic0test.Context, args ...any) *sim {
	f := newFake(ctx, args...)
	f.Balance = ic0.U128From(1_000_000_000_000)
	return &sim{t: t, f: f, rt: cdk.NewRuntime(f)}
}

// exec runs one execution in context ctx and collects its calls; it returns the trap.
func (s *sim) exec(ctx ic0test.Context, fn func()) error {
	s.f.Context = ctx
	err := s.f.Run(fn)
	if err == nil {
		s.calls = append(s.calls, s.f.Calls...)
	}
	return err
}

// take removes the pending call to method.
func (s *sim) take(method string) ic0test.Call {
	s.t.Helper()
	for i, c := range s.calls {
		if c.Method == method {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
			return c
		}
	}
	s.t.Fatalf("no pending call to %s (pending %v)", method, s.calls)
	return ic0test.Call{}
}

// reply answers the call to method with the Candid values; it returns the callback's trap.
func (s *sim) reply(method string, values ...any) error {
	c := s.take(method)
	s.f.Arg = mustMarshal(s.t, values...)
	return s.exec(ic0test.ReplyCallback, func() { s.rt.HandleReply(c.ReplyEnv) })
}

// reject answers the call to method with a reject.
func (s *sim) reject(method string, code cdk.RejectCode, msg string) error {
	c := s.take(method)
	s.f.Arg, s.f.RejectCode, s.f.RejectMessage = nil, uint32(code), msg
	return s.exec(ic0test.RejectCallback, func() { s.rt.HandleReject(c.RejectEnv) })
}

// result returns the reply of the current call context as a string.
func (s *sim) result() (string, error) {
	out, err := s.f.Result()
	if err != nil {
		return "", err
	}
	var r string
	if err := candid.Unmarshal(out, &r); err != nil {
		return "", err
	}
	return r, nil
}

func (s *sim) wantReply(want string) {
	s.t.Helper()
	got, err := s.result()
	if err != nil || got != want {
		s.t.Fatalf("reply %q, %v; want %q", got, err, want)
	}
}

func (s *sim) wantNoAnswer() {
	s.t.Helper()
	if s.f.Replied || s.f.Rejected || s.f.Trapped != nil {
		s.t.Fatalf("answered early: replied %v rejected %v trap %v", s.f.Replied, s.f.Rejected, s.f.Trapped)
	}
}

// callText calls otherCan's method with a text and blocks for its text reply.
func callText(method, arg string) (string, error) {
	return cdk.Call[string](otherCan, method, arg)
}

func TestSequentialBlockingCalls(t *testing.T) {
	s := newSim(t, ic0test.Update, "ada")
	steps := 0
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			var name string
			m.MustArgs(&name)
			steps++ // committed with the first execution
			a, err := callText("first", name)
			if err != nil {
				panic(err)
			}
			steps++
			b, err := callText("second", a)
			if err != nil {
				panic(err)
			}
			// The argument is still the method's, not the last reply.
			var again string
			m.MustArgs(&again)
			m.Reply(fmt.Sprintf("%s/%s/%s", again, a, b))
		})
	})
	s.wantNoAnswer()
	if steps != 1 || len(s.calls) != 1 || s.rt.PendingCalls() != 1 {
		t.Fatalf("after the method: steps %d, calls %d", steps, len(s.calls))
	}
	if err := s.reply("first", "A"); err != nil {
		t.Fatal(err)
	}
	s.wantNoAnswer()
	c := s.calls[0]
	var arg string
	if err := candid.Unmarshal(c.Arg, &arg); err != nil || arg != "A" || c.Method != "second" {
		t.Fatalf("second call %s(%q) %v", c.Method, arg, err)
	}
	if err := s.reply("second", "B"); err != nil {
		t.Fatal(err)
	}
	s.wantReply("ada/A/B")
	if steps != 2 || s.rt.PendingCalls() != 0 {
		t.Fatalf("steps %d, pending %d", steps, s.rt.PendingCalls())
	}
}

func TestCallsInFlight(t *testing.T) {
	tests := []struct {
		name  string
		order []string // the order the callee answers in
	}{
		{"in order", []string{"a", "b"}},
		{"reversed", []string{"b", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, ic0test.Update)
			s.exec(ic0test.Update, func() {
				s.rt.Update(func(m *cdk.Message) {
					fa, err := cdk.Send(cdk.Request{Callee: otherCan, Method: "a", Arg: mustMarshalNoT()})
					if err != nil {
						panic(err)
					}
					fb, err := cdk.Send(cdk.Request{Callee: otherCan, Method: "b", Arg: mustMarshalNoT()})
					if err != nil {
						panic(err)
					}
					var a, b string
					if err := fa.Decode(&a); err != nil {
						panic(err)
					}
					if err := fb.Decode(&b); err != nil {
						panic(err)
					}
					m.Reply(a + b)
				})
			})
			if len(s.calls) != 2 {
				t.Fatalf("%d calls in flight, want 2", len(s.calls))
			}
			for _, method := range tt.order {
				s.wantNoAnswer()
				if err := s.reply(method, strings.ToUpper(method)); err != nil {
					t.Fatal(err)
				}
			}
			s.wantReply("AB")
		})
	}
}

func TestRejectIsAnError(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var got error
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			_, got = cdk.Call[string](otherCan, "fail")
			m.Reply("handled")
		})
	})
	if err := s.reject("fail", cdk.RejectCanisterError, "callee trapped"); err != nil {
		t.Fatal(err)
	}
	s.wantReply("handled")
	var ce *cdk.CallError
	if !errors.As(got, &ce) || ce.Code != cdk.RejectCanisterError || ce.Message != "callee trapped" || ce.IsSync() ||
		errors.Is(got, cdk.ErrCallNotPerformed) {
		t.Fatalf("error %v, want an asynchronous CallError", got)
	}
	if want := "call rejected (code 5): callee trapped"; got.Error() != want {
		t.Fatalf("error %q, want %q", got, want)
	}
}

func TestCannotCall(t *testing.T) {
	tests := []struct {
		ctx ic0test.Context
		run func(*cdk.Runtime, func(*cdk.Message))
	}{
		{ic0test.Query, (*cdk.Runtime).Query},
		{ic0test.Init, (*cdk.Runtime).Init},
		{ic0test.PostUpgrade, (*cdk.Runtime).PostUpgrade},
		{ic0test.InspectMessage, (*cdk.Runtime).InspectMessage},
	}
	for _, tt := range tests {
		s := newSim(t, tt.ctx)
		var got error
		if err := s.exec(tt.ctx, func() {
			tt.run(s.rt, func(m *cdk.Message) { _, got = cdk.Call[string](otherCan, "x") })
		}); err != nil {
			t.Fatalf("context %d trapped: %v", tt.ctx, err)
		}
		if !errors.Is(got, cdk.ErrCannotCall) || len(s.calls) != 0 {
			t.Errorf("context %d: %v, want ErrCannotCall", tt.ctx, got)
		}
	}
	// A composite query can.
	s := newSim(t, ic0test.CompositeQuery)
	s.exec(ic0test.CompositeQuery, func() {
		s.rt.CompositeQuery(func(m *cdk.Message) {
			out, err := callText("peer", "q")
			if err != nil {
				panic(err)
			}
			m.Reply(out)
		})
	})
	if err := s.reply("peer", "from peer"); err != nil {
		t.Fatal(err)
	}
	s.wantReply("from peer")
}

func TestWaitFromAnotherGoroutine(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var f *cdk.Future
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			f, _ = cdk.Send(cdk.Request{Callee: otherCan, Method: "x"})
			m.Reply("returned")
		})
	})
	s.wantReply("returned")
	if _, err := f.Wait(); !errors.Is(err, cdk.ErrNotRunning) {
		t.Fatalf("Wait after the handler returned: %v", err)
	}
	// The answer arrives for a finished handler: stored, nothing runs.
	if err := s.reply("x", "late"); err != nil {
		t.Fatal(err)
	}
	if !f.Done() || s.rt.PendingCalls() != 0 {
		t.Fatal("late answer not recorded")
	}
}

// A trap in a callback rolls back that execution only; the IC then runs the cleanup
// callback, which abandons the handler parked on the call: its deferred calls run and it never
// resumes. The fake cannot roll the Go heap back, so the callback here traps before it
// resumes the handler (reading its argument in a context without one), which leaves the
// state exactly as the IC's rollback would.
func TestTrapInCallbackAbandonsHandler(t *testing.T) {
	s := newSim(t, ic0test.Update)
	deferred, resumed := 0, false
	var pendingB *cdk.Future
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			defer func() { deferred++ }()
			pendingB, _ = cdk.Send(cdk.Request{Callee: otherCan, Method: "b"})
			if _, err := callText("a", ""); err != nil {
				panic(err)
			}
			resumed = true
			m.Reply("resumed")
		})
	})
	c := s.take("a")
	s.f.Context = ic0test.Cleanup // no argument: MsgArgData traps
	if err := s.f.Run(func() { s.rt.HandleReply(c.ReplyEnv) }); err == nil {
		t.Fatal("callback did not trap")
	}
	if deferred != 0 || resumed || s.rt.PendingCalls() != 2 {
		t.Fatalf("after the trap: deferred %d resumed %v pending %d", deferred, resumed, s.rt.PendingCalls())
	}
	if err := s.f.Run(func() { s.rt.HandleCleanup(c.CleanupEnv) }); err != nil {
		t.Fatalf("cleanup trapped: %v", err)
	}
	if deferred != 1 || resumed || s.f.Replied {
		t.Fatalf("after cleanup: deferred %d resumed %v replied %v", deferred, resumed, s.f.Replied)
	}
	// The other call is still in flight; its answer is stored without running anything.
	if err := s.reply("b", "B"); err != nil {
		t.Fatal(err)
	}
	if !pendingB.Done() || s.rt.PendingCalls() != 0 || resumed {
		t.Fatalf("pending %d", s.rt.PendingCalls())
	}
}

// A panic after an await traps the callback execution with the panic message.
func TestPanicAfterAwaitTraps(t *testing.T) {
	s := newSim(t, ic0test.Update)
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			if _, err := callText("a", ""); err != nil {
				panic(err)
			}
			panic("failed after the await")
		})
	})
	if err := s.reply("a", "A"); err == nil || err.Error() != "panic: failed after the await" {
		t.Fatalf("trap %v", err)
	}
}

func TestCleanupBeforeWaitResolvesWithError(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var fa *cdk.Future
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			fa, _ = cdk.Send(cdk.Request{Callee: otherCan, Method: "a"})
			if _, err := callText("b", ""); err != nil {
				panic(err)
			}
			_, err := fa.Wait()
			m.Reply(fmt.Sprint(err))
		})
	})
	// a's callback trapped (say, out of instructions) while the handler waited on b.
	c := s.take("a")
	s.f.Context = ic0test.Cleanup
	if err := s.f.Run(func() { s.rt.HandleCleanup(c.CleanupEnv) }); err != nil {
		t.Fatal(err)
	}
	if err := s.reply("b", "B"); err != nil {
		t.Fatal(err)
	}
	s.wantReply("call rejected (code 5): " + cdk.ErrCallbackTrapped.Error())
}

// Handlers without a Message parameter (heartbeat, timers) call like any other: the calls
// are the package's functions, not the Message's.
func TestCallFromHeartbeat(t *testing.T) {
	s := newSim(t, ic0test.Heartbeat)
	var got string
	s.exec(ic0test.Heartbeat, func() {
		s.rt.Heartbeat(func() {
			out, err := callText("tick", "")
			if err != nil {
				panic(err)
			}
			got = out
		})
	})
	if got != "" || len(s.calls) != 1 {
		t.Fatalf("heartbeat did not park on its call: got %q, %d calls", got, len(s.calls))
	}
	if err := s.reply("tick", "tock"); err != nil {
		t.Fatal(err)
	}
	if got != "tock" {
		t.Fatalf("heartbeat got %q", got)
	}
}
