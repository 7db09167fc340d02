package cdk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Typed calls: one result, two results, none; each decodes what the callee replied.
func TestTypedCalls(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var (
		n     uint64
		a, b  string
		err1  error
		err2  error
		errNo error
	)
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			n, err1 = cdk.Call[uint64](otherCan, "count", "x", uint8(2))
			a, b, err2 = cdk.Call2[string, string](otherCan, "pair")
			_, errNo = cdk.Call[struct{}](otherCan, "unit")
			m.Reply()
		})
	})
	c := s.calls[0]
	var arg string
	var arg2 uint8
	if err := candid.Unmarshal(c.Arg, &arg, &arg2); err != nil || arg != "x" || arg2 != 2 {
		t.Fatalf("count(%q, %d) %v", arg, arg2, err)
	}
	if err := s.reply("count", uint64(7)); err != nil {
		t.Fatal(err)
	}
	if err := s.reply("pair", "A", "B"); err != nil {
		t.Fatal(err)
	}
	if err := s.reply("unit"); err != nil {
		t.Fatal(err)
	}
	if n != 7 || err1 != nil || a != "A" || b != "B" || err2 != nil || errNo != nil {
		t.Fatalf("count %d %v, pair %q %q %v, unit %v", n, err1, a, b, err2, errNo)
	}
}

func TestTypedCallErrors(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var errDecode, errEncode, errReject error
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			_, errEncode = cdk.Call[string](otherCan, "bad", map[int]int{})
			_, errDecode = cdk.Call[string](otherCan, "number")
			_, _, errReject = cdk.Call2[string, string](otherCan, "gone")
			m.Reply()
		})
	})
	if len(s.calls) != 1 || s.calls[0].Method != "number" {
		t.Fatalf("calls %+v: an argument that cannot be encoded must not be sent", s.calls)
	}
	if err := s.reply("number", uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.reject("gone", cdk.RejectDestinationInvalid, "no such canister"); err != nil {
		t.Fatal(err)
	}
	if errEncode == nil || !strings.HasPrefix(errEncode.Error(), "encoding the arguments of bad: candid:") {
		t.Errorf("encode: %v", errEncode)
	}
	if errDecode == nil || !strings.Contains(errDecode.Error(), "decoding the reply: candid:") {
		t.Errorf("decode: %v", errDecode)
	}
	var ce *cdk.CallError
	if !errors.As(errReject, &ce) || ce.Code != cdk.RejectDestinationInvalid || ce.IsSync() {
		t.Errorf("reject: %v", errReject)
	}
}

// A call ic0.call_perform refuses fails at once, synchronously: no callback will run.
func TestCallNotPerformedIsSync(t *testing.T) {
	s := newSim(t, ic0test.Update)
	s.f.PerformResult = uint32(cdk.RejectSysTransient)
	var errCall, errNotify error
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			_, errCall = cdk.Call[string](otherCan, "x")
			errNotify = cdk.Notify(otherCan, "y")
			m.Reply()
		})
	})
	for _, err := range []error{errCall, errNotify} {
		var ce *cdk.CallError
		if !errors.As(err, &ce) || !ce.IsSync() || ce.Code != cdk.RejectSysTransient || !errors.Is(err, cdk.ErrCallNotPerformed) {
			t.Fatalf("error %v, want a synchronous CallError", err)
		}
		if !strings.HasPrefix(err.Error(), "cdk: the IC did not perform the call (code 2): ") {
			t.Fatalf("message %q", err)
		}
	}
	if len(s.calls) != 0 || s.rt.PendingCalls() != 0 {
		t.Fatalf("calls %d, pending %d", len(s.calls), s.rt.PendingCalls())
	}
}

// Notify sends a call that names no callback (no cleanup either) and registers nothing.
func TestNotify(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var err1, err2, errQuery error
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			err1 = cdk.Notify(otherCan, "ping", "hi")
			err2 = cdk.NotifyRequest(cdk.Request{Callee: otherCan, Method: "deposit", Cycles: ic0.U128From(9)})
			m.Reply()
		})
	})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if len(s.calls) != 2 || s.rt.PendingCalls() != 0 {
		t.Fatalf("calls %d, pending %d", len(s.calls), s.rt.PendingCalls())
	}
	for _, c := range s.calls {
		if c.ReplyFun != ^uint32(0) || c.RejectFun != ^uint32(0) || c.HasCleanup {
			t.Fatalf("one-way call %+v names a callback", c)
		}
	}
	var arg string
	if err := candid.Unmarshal(s.calls[0].Arg, &arg); err != nil || arg != "hi" || s.calls[1].Cycles != ic0.U128From(9) {
		t.Fatalf("calls %+v", s.calls)
	}
	s.exec(ic0test.Query, func() {
		s.rt.Query(func(m *cdk.Message) { errQuery = cdk.Notify(otherCan, "ping"); m.Reply() })
	})
	if !errors.Is(errQuery, cdk.ErrCannotCall) {
		t.Fatalf("Notify in a query: %v", errQuery)
	}
}

// Send takes every option of a Request; the Future's Result carries the refund.
func TestSendRequest(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var res cdk.CallResult
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			f, err := cdk.Send(cdk.Request{Callee: otherCan, Method: "m", Arg: []byte("DIDL\x00\x00"),
				Cycles: ic0.U128From(50), BestEffortTimeout: 10})
			if err != nil {
				panic(err)
			}
			if res, err = f.Result(); err != nil {
				panic(err)
			}
			m.Reply()
		})
	})
	c := s.calls[0]
	if c.Cycles != ic0.U128From(50) || c.BestEffortTimeout != 10 || string(c.Arg) != "DIDL\x00\x00" {
		t.Fatalf("call %+v", c)
	}
	s.f.Refunded = ic0.U128From(20)
	if err := s.reply("m"); err != nil {
		t.Fatal(err)
	}
	if res.Refunded != ic0.U128From(20) || res.RejectCode != 0 || res.Err() != nil {
		t.Fatalf("result %+v", res)
	}
}

// RejectCode is the protocol's type: its named values print as agent-rs prints them.
func TestRejectCodeNames(t *testing.T) {
	tests := []struct {
		code cdk.RejectCode
		want string
		raw  uint32
	}{
		{cdk.RejectSysFatal, "SysFatal", ic0.RejectSysFatal},
		{cdk.RejectSysTransient, "SysTransient", ic0.RejectSysTransient},
		{cdk.RejectDestinationInvalid, "DestinationInvalid", ic0.RejectDestinationInvalid},
		{cdk.RejectCanisterReject, "CanisterReject", ic0.RejectCanisterReject},
		{cdk.RejectCanisterError, "CanisterError", ic0.RejectCanisterError},
		{cdk.RejectSysUnknown, "SysUnknown", ic0.RejectSysUnknown},
	}
	for _, tt := range tests {
		if tt.code.String() != tt.want || uint32(tt.code) != tt.raw {
			t.Errorf("%d: %s, want %s (%d)", tt.code, tt.code, tt.want, tt.raw)
		}
	}
	var _ protocol.RejectCode = cdk.RejectCanisterReject // the same type, not a copy
}
