package cdk_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

func mustMarshal(t *testing.T, args ...any) []byte {
	t.Helper()
	b, err := candid.Marshal(args...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	alice    = principal.FromBytes([]byte{1, 2, 3})
	selfID   = principal.MustParse("ryjl3-tyaaa-aaaaa-aaaba-cai")
	otherCan = principal.FromBytes([]byte{0, 0, 0, 0, 0, 0, 0, 7, 1, 1})
)

func newFake(ctx ic0test.Context, args ...any) *ic0test.Fake {
	b, _ := candid.Marshal(args...)
	return &ic0test.Fake{Context: ctx, Arg: b, Caller: alice.Bytes(), Self: selfID.Bytes(), Now: 1_700_000_000_123_456_789}
}

func greet(m *cdk.Message) {
	var name string
	m.MustArgs(&name)
	m.Reply("Hello, " + name + "! from " + m.Caller().String())
}

func TestQueryReply(t *testing.T) {
	f := newFake(ic0test.Query, "Ada")
	rt := cdk.NewRuntime(f)
	if err := f.Run(func() { rt.Query(greet) }); err != nil {
		t.Fatal(err)
	}
	out, err := f.Result()
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := candid.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	if want := "Hello, Ada! from " + alice.String(); s != want {
		t.Fatalf("reply %q, want %q", s, want)
	}
}

func TestTraps(t *testing.T) {
	tests := []struct {
		name    string
		kind    ic0test.Context
		arg     []any
		handler func(*cdk.Message)
		init    bool
		want    string // exact trap message or, with a trailing "*", its prefix
	}{
		{"panic string", ic0test.Update, nil, func(*cdk.Message) { panic("boom") }, false, "panic: boom"},
		{"panic error", ic0test.Update, nil, func(*cdk.Message) { panic(errors.New("bad")) }, false, "panic: bad"},
		{"panic value", ic0test.Update, nil, func(*cdk.Message) { panic(42) }, false, "panic: 42"},
		{"panic stringer", ic0test.Update, nil, func(*cdk.Message) { panic(fmtStringer("s")) }, false, "panic: s"},
		{"panic named int", ic0test.Update, nil, func(*cdk.Message) { panic(code(-7)) }, false, "panic: -7"},
		{"panic uint8", ic0test.Update, nil, func(*cdk.Message) { panic(uint8(255)) }, false, "panic: 255"},
		{"panic bool", ic0test.Update, nil, func(*cdk.Message) { panic(true) }, false, "panic: true"},
		{"panic float", ic0test.Update, nil, func(*cdk.Message) { panic(1.5) }, false, "panic: 1.5"},
		{"panic float32", ic0test.Update, nil, func(*cdk.Message) { panic(float32(0.1)) }, false, "panic: 0.1"},
		{"panic named string", ic0test.Update, nil, func(*cdk.Message) { panic(label("x")) }, false, "panic: x"},
		{"panic struct", ic0test.Update, nil, func(*cdk.Message) { panic(struct{ A int }{1}) }, false,
			"panic: value of type struct { A int }"},
		{"panic nil", ic0test.Update, nil, func(*cdk.Message) { panic(nil) }, false,
			"panic: panic called with nil argument"},
		{"runtime error", ic0test.Update, nil, func(*cdk.Message) {
			var m map[string]int
			m["x"] = 1
		}, false, "panic: assignment to entry in nil map"},
		{"explicit trap", ic0test.Update, nil, func(m *cdk.Message) { cdk.Trap("stop") }, false, "stop"},
		{"reply twice", ic0test.Update, nil, func(m *cdk.Message) { m.Reply(); m.Reply() }, false,
			"panic: " + cdk.ErrAlreadyReplied.Error()},
		{"reject after reply", ic0test.Update, nil, func(m *cdk.Message) { m.Reply(); m.Reject("x") }, false,
			"panic: " + cdk.ErrAlreadyReplied.Error()},
		{"reply in init", ic0test.Init, nil, func(m *cdk.Message) { m.Reply() }, true,
			"panic: cdk: this execution has no caller to reply to (canister_init)"},
		{"bad argument", ic0test.Update, []any{uint8(1)}, greet, false,
			"decoding the arguments of update: candid: argument 0: cannot decode nat8 into Go string"},
		{"unencodable reply", ic0test.Update, nil, func(m *cdk.Message) { m.Reply(map[int]int{}) }, false,
			"panic: cdk: encoding the reply: candid: argument 0: unsupported Go type map[int]int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(tt.kind, tt.arg...)
			rt := cdk.NewRuntime(f)
			err := f.Run(func() {
				if tt.init {
					rt.Init(tt.handler)
				} else {
					rt.Update(tt.handler)
				}
			})
			if err == nil {
				t.Fatal("did not trap")
			}
			if err.Error() != tt.want {
				t.Fatalf("trap %q, want %q", err, tt.want)
			}
		})
	}
}

// code and label are named basic types: panics with them read as fmt's %v would.
type (
	code  int16
	label string
)

type fmtStringer string

func (s fmtStringer) String() string { return string(s) }

func TestRejectAndNoReply(t *testing.T) {
	f := newFake(ic0test.Update)
	rt := cdk.NewRuntime(f)
	f.Run(func() { rt.Update(func(m *cdk.Message) { m.Reject("nope") }) })
	if _, err := f.Result(); err == nil || err.Error() != "rejected: nope" {
		t.Fatalf("Result = %v", err)
	}
	f.Run(func() { rt.Update(func(m *cdk.Message) {}) })
	if _, err := f.Result(); !errors.Is(err, ic0test.ErrNoReply) {
		t.Fatalf("Result = %v", err)
	}
}

func TestCanisterWide(t *testing.T) {
	f := newFake(ic0test.Update)
	f.Controllers = [][]byte{alice.Bytes()}
	f.Instructions = 12345
	f.Env = map[string]string{"MODE": "test"}
	f.Balance = ic0.U128From(1000)
	f.Available = ic0.U128From(300)
	f.Version, f.Replicated = 3, true
	rt := cdk.NewRuntime(f)
	err := f.Run(func() {
		rt.Update(func(m *cdk.Message) {
			if cdk.Self() != selfID {
				t.Errorf("Self = %s", cdk.Self())
			}
			if got := cdk.Time(); !got.Equal(time.Unix(1_700_000_000, 123_456_789)) || got.Location() != time.UTC {
				t.Errorf("Time = %v", got)
			}
			if !cdk.IsController(m.Caller()) || cdk.IsController(selfID) {
				t.Error("IsController wrong")
			}
			if cdk.InstructionCounter() != 12345 || cdk.CallContextInstructionCounter() != 12345 {
				t.Error("InstructionCounter wrong")
			}
			if v, ok := cdk.Getenv("MODE"); !ok || v != "test" {
				t.Errorf("Getenv = %q %v", v, ok)
			}
			if _, ok := cdk.Getenv("NONE"); ok {
				t.Error("Getenv of a missing variable")
			}
			if err := cdk.SetCertifiedData(make([]byte, 33)); !errors.Is(err, cdk.ErrCertifiedDataTooLong) {
				t.Errorf("SetCertifiedData(33 bytes) = %v", err)
			}
			if err := cdk.SetCertifiedData([]byte("root")); err != nil {
				t.Error(err)
			}
			if _, ok := cdk.DataCertificate(); ok {
				t.Error("certificate in an update")
			}
			if cdk.CanisterVersion() != 3 || cdk.InReplicatedExecution() != true || cdk.System() != ic0.API(f) {
				t.Error("CanisterVersion, InReplicatedExecution or System wrong")
			}
			if got := m.AcceptCycles(ic0.U128From(200)); got != ic0.U128From(200) {
				t.Errorf("AcceptCycles = %v", got)
			}
			if m.CyclesAvailable() != ic0.U128From(100) || cdk.CycleBalance() != ic0.U128From(1200) {
				t.Errorf("cycles: available %v balance %v", m.CyclesAvailable(), cdk.CycleBalance())
			}
			if _, err := cdk.Stable().WriteAt([]byte("kept"), 10); err != nil {
				t.Error(err)
			}
			cdk.Print("hello log")
			m.Reply()
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(f.CertifiedData) != "root" || string(f.Stable[10:14]) != "kept" {
		t.Errorf("state: certified %q", f.CertifiedData)
	}
	if len(f.Prints) != 1 || f.Prints[0] != "hello log" {
		t.Errorf("Prints = %q", f.Prints)
	}
}

func TestDataCertificateInQuery(t *testing.T) {
	f := newFake(ic0test.Query)
	f.Certificate = []byte{0xd9, 0xd9, 0xf7}
	rt := cdk.NewRuntime(f)
	var got []byte
	f.Run(func() { rt.Query(func(m *cdk.Message) { got, _ = cdk.DataCertificate(); m.Reply() }) })
	if string(got) != string(f.Certificate) {
		t.Fatalf("certificate %x", got)
	}
}

func TestInspectMessage(t *testing.T) {
	f := newFake(ic0test.InspectMessage)
	f.Method = "increment"
	rt := cdk.NewRuntime(f)
	f.Run(func() {
		rt.InspectMessage(func(m *cdk.Message) {
			if m.MethodName() == "increment" && !m.Caller().IsAnonymous() {
				m.Accept()
			}
		})
	})
	if !f.MessageAccepted || f.Trapped != nil {
		t.Fatalf("accepted %v, trap %v", f.MessageAccepted, f.Trapped)
	}
}

func TestHooks(t *testing.T) {
	f := newFake(ic0test.PreUpgrade)
	rt := cdk.NewRuntime(f)
	ran := 0
	f.Run(func() { rt.PreUpgrade(func() { ran++ }) })
	f.Context = ic0test.Heartbeat
	f.Run(func() { rt.Heartbeat(func() { ran++ }) })
	f.Context = ic0test.Update // canister_on_low_wasm_memory runs like an update without caller
	f.Run(func() { rt.OnLowWasmMemory(func() { panic("hook failed") }) })
	if ran != 2 || f.Trapped == nil || f.Trapped.Message != "panic: hook failed" {
		t.Fatalf("ran %d, trap %v", ran, f.Trapped)
	}
	f = newFake(ic0test.PostUpgrade, "v2")
	rt = cdk.NewRuntime(f)
	var arg string
	f.Run(func() { rt.PostUpgrade(func(m *cdk.Message) { m.MustArgs(&arg) }) })
	if arg != "v2" || f.Trapped != nil {
		t.Fatalf("post_upgrade arg %q, trap %v", arg, f.Trapped)
	}
}

// On a host, the package-level functions act on the Runtime running an export, and on
// nothing between executions (as on the IC, where the System API exists only in one).
func TestPackageFunctionsNeedAnExecution(t *testing.T) {
	f := newFake(ic0test.Query)
	rt := cdk.NewRuntime(f)
	var self principal.Principal
	f.Run(func() { rt.Query(func(m *cdk.Message) { self = cdk.Self(); m.Reply() }) })
	if self != selfID {
		t.Fatalf("Self in a query = %s", self)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "no canister execution is running") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	cdk.Self()
}

// relay is a method that forwards its argument to another canister and replies with the
// answer, as the test canister's relay does.
func relay(m *cdk.Message) {
	var s string
	m.MustArgs(&s)
	err := cdk.SendWithCallback(cdk.Request{Callee: otherCan, Method: "echo", Arg: mustMarshalNoT(s), Cycles: ic0.U128From(5)},
		func(cb *cdk.Message, r cdk.CallResult) {
			var answer string
			if err := r.Decode(&answer); err != nil {
				cb.Reject("relay: " + err.Error())
				return
			}
			if answer == "trap" {
				panic("callback trapped")
			}
			cb.Reply("relayed: " + answer)
		})
	if err != nil {
		m.Reject(err.Error())
	}
}

func mustMarshalNoT(args ...any) []byte {
	b, err := candid.Marshal(args...)
	if err != nil {
		panic(err)
	}
	return b
}

func TestSendWithCallback(t *testing.T) {
	tests := []struct {
		name      string
		reply     string // the callee's answer; "" means a reject
		wantReply string
		wantErr   string
	}{
		{"reply", "pong", "relayed: pong", ""},
		{"reject", "", "", "rejected: relay: call rejected (code 4): no such method"},
		{"callback traps", "trap", "", "trapped: panic: callback trapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(ic0test.Update, "ping")
			f.Balance = ic0.U128From(100)
			rt := cdk.NewRuntime(f)
			if err := f.Run(func() { rt.Update(relay) }); err != nil {
				t.Fatal(err)
			}
			if f.Replied || f.Rejected || len(f.Calls) != 1 || rt.PendingCalls() != 1 {
				t.Fatalf("after the method: replied %v, calls %d, pending %d", f.Replied, len(f.Calls), rt.PendingCalls())
			}
			c := f.Calls[0]
			var arg string
			if err := candid.Unmarshal(c.Arg, &arg); err != nil || arg != "ping" {
				t.Fatalf("call arg %q %v", arg, err)
			}
			if string(c.Callee) != string(otherCan.Bytes()) || c.Method != "echo" || c.Cycles != ic0.U128From(5) ||
				!c.HasCleanup || c.ReplyFun == c.RejectFun || c.ReplyEnv != c.RejectEnv || c.CleanupEnv != c.ReplyEnv {
				t.Fatalf("call %+v", c)
			}
			// The answer arrives in a new execution.
			if tt.reply != "" {
				f.Context, f.Arg = ic0test.ReplyCallback, mustMarshal(t, tt.reply)
				f.Run(func() { rt.HandleReply(c.ReplyEnv) })
			} else {
				f.Context, f.Arg = ic0test.RejectCallback, nil
				f.RejectCode, f.RejectMessage = uint32(cdk.RejectCanisterReject), "no such method"
				f.Run(func() { rt.HandleReject(c.RejectEnv) })
			}
			out, err := f.Result()
			if f.Trapped != nil {
				// The IC runs the cleanup callback after a trapping callback.
				f.Context = ic0test.Cleanup
				if err := f.Run(func() { rt.HandleCleanup(c.CleanupEnv) }); err != nil {
					t.Fatalf("cleanup trapped: %v", err)
				}
			}
			switch {
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Result error %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			default:
				var s string
				if err := candid.Unmarshal(out, &s); err != nil || s != tt.wantReply {
					t.Fatalf("reply %q %v, want %q", s, err, tt.wantReply)
				}
			}
			if rt.PendingCalls() != 0 {
				t.Fatalf("%d calls still pending", rt.PendingCalls())
			}
		})
	}
}

func TestCallNotPerformed(t *testing.T) {
	f := newFake(ic0test.Update, "ping")
	f.PerformResult = 2
	f.Balance = ic0.U128From(100)
	rt := cdk.NewRuntime(f)
	f.Run(func() { rt.Update(relay) })
	if _, err := f.Result(); err == nil || !strings.Contains(err.Error(), "did not perform the call") {
		t.Fatalf("Result = %v", err)
	}
	if rt.PendingCalls() != 0 {
		t.Fatal("failed call left pending")
	}
}

func TestCallbackForUnknownCall(t *testing.T) {
	f := newFake(ic0test.ReplyCallback)
	rt := cdk.NewRuntime(f)
	if err := f.Run(func() { rt.HandleReply(99) }); err == nil || !strings.Contains(err.Error(), "unknown call 99") {
		t.Fatalf("trap = %v", err)
	}
}

// Init cannot call: the CDK says so before ic0.call_new would trap.
func TestNoCallsFromInit(t *testing.T) {
	f := newFake(ic0test.Init)
	rt := cdk.NewRuntime(f)
	var got error
	err := f.Run(func() {
		rt.Init(func(m *cdk.Message) {
			got = cdk.SendWithCallback(cdk.Request{Callee: otherCan, Method: "x"}, func(*cdk.Message, cdk.CallResult) {})
		})
	})
	if err != nil || !errors.Is(got, cdk.ErrCannotCall) || len(f.Calls) != 0 {
		t.Fatalf("trap %v, error %v, calls %d", err, got, len(f.Calls))
	}
	if !strings.Contains(got.Error(), "(canister_init)") {
		t.Fatalf("error %q does not name the execution", got)
	}
}
