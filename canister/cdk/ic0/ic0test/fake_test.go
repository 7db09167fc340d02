package ic0test_test

import (
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
)

// TestRules checks the IC rules the fake enforces: each case must trap with the message
// fragment, or run cleanly when trap is empty.
func TestRules(t *testing.T) {
	tests := []struct {
		name string
		ctx  ic0test.Context
		run  func(f *ic0test.Fake)
		trap string
	}{
		{"reply in update", ic0test.Update, func(f *ic0test.Fake) { f.MsgReplyDataAppend([]byte("x")); f.MsgReply() }, ""},
		{"reply twice", ic0test.Update, func(f *ic0test.Fake) { f.MsgReply(); f.MsgReply() }, "already replied"},
		{"reject after reply", ic0test.Query, func(f *ic0test.Fake) { f.MsgReply(); f.MsgReject("x") }, "already replied"},
		{"append after reply", ic0test.Update, func(f *ic0test.Fake) { f.MsgReply(); f.MsgReplyDataAppend(nil) }, "already replied"},
		{"reply in init", ic0test.Init, func(f *ic0test.Fake) { f.MsgReply() }, "cannot be called"},
		{"reply in heartbeat", ic0test.Heartbeat, func(f *ic0test.Fake) { f.MsgReject("x") }, "cannot be called"},
		{"reply in reply callback", ic0test.ReplyCallback, func(f *ic0test.Fake) { f.MsgReply() }, ""},
		{"arg in reject callback", ic0test.RejectCallback, func(f *ic0test.Fake) { f.MsgArgData() }, "cannot be called"},
		{"reject code in update", ic0test.Update, func(f *ic0test.Fake) { f.MsgRejectCode() }, "cannot be called"},
		{"method name outside inspect", ic0test.Update, func(f *ic0test.Fake) { f.MsgMethodName() }, "cannot be called"},
		{"accept twice", ic0test.InspectMessage, func(f *ic0test.Fake) { f.AcceptMessage(); f.AcceptMessage() }, "already accepted"},
		{"timer in query", ic0test.Query, func(f *ic0test.Fake) { f.GlobalTimerSet(1) }, "cannot be called"},
		{"timer in timer", ic0test.GlobalTimer, func(f *ic0test.Fake) { f.GlobalTimerSet(1) }, ""},
		{"refund outside callbacks", ic0test.Update, func(f *ic0test.Fake) { f.MsgCyclesRefunded() }, "cannot be called"},
		{"refund in reject callback", ic0test.RejectCallback, func(f *ic0test.Fake) { f.MsgCyclesRefunded() }, ""},
		{"timer in composite callback", ic0test.CompositeReplyCallback, func(f *ic0test.Fake) { f.GlobalTimerSet(1) }, "cannot be called"},
		{"refund in composite callback", ic0test.CompositeRejectCallback, func(f *ic0test.Fake) { f.MsgCyclesRefunded() }, "cannot be called"},
		{"reply in composite callback", ic0test.CompositeReplyCallback, func(f *ic0test.Fake) { f.MsgArgData(); f.MsgReply() }, ""},
		{"reject message in composite callback", ic0test.CompositeRejectCallback, func(f *ic0test.Fake) { f.MsgRejectMsg() }, ""},
		{"random seed", ic0test.Update, func(f *ic0test.Fake) {
			if f.RandomSeed(7); len(f.Seeds) != 1 || f.Seeds[0] != 7 {
				panic("seed not recorded")
			}
		}, ""},
		{"call from query", ic0test.Query, func(f *ic0test.Fake) { f.CallNew(nil, "m", 1, 0, 2, 0) }, "cannot be called"},
		{"call data without call", ic0test.Update, func(f *ic0test.Fake) { f.CallDataAppend([]byte("x")) }, "no call is under construction"},
		{"perform without call", ic0test.Update, func(f *ic0test.Fake) { f.CallPerform() }, "no call is under construction"},
		{"cleanup twice", ic0test.Update, func(f *ic0test.Fake) {
			f.CallNew(nil, "m", 1, 0, 2, 0)
			f.CallOnCleanup(3, 0)
			f.CallOnCleanup(3, 0)
		}, "called twice"},
		{"cycles beyond balance", ic0test.Update, func(f *ic0test.Fake) {
			f.CallNew(nil, "m", 1, 0, 2, 0)
			f.CallCyclesAdd(ic0.U128From(1))
		}, "insufficient"},
		{"stable read out of bounds", ic0test.Update, func(f *ic0test.Fake) { f.Stable64Read(make([]byte, 1), 0) }, "out of bounds"},
		{"stable write out of bounds", ic0test.Update, func(f *ic0test.Fake) {
			f.Stable64Grow(1)
			f.Stable64Write(ic0.PageSize-1, []byte("ab"))
		}, "out of bounds"},
		{"certified data too long", ic0test.Update, func(f *ic0test.Fake) { f.CertifiedDataSet(make([]byte, 33)) }, "at most 32"},
		{"certified data in query", ic0test.Query, func(f *ic0test.Fake) { f.CertifiedDataSet(nil) }, "cannot be called"},
		{"certificate absent", ic0test.Query, func(f *ic0test.Fake) { f.DataCertificate() }, "cannot be called"},
		{"unknown counter", ic0test.Update, func(f *ic0test.Fake) { f.PerformanceCounter(7) }, "unknown counter"},
		{"trap", ic0test.Update, func(f *ic0test.Fake) { f.Trap("bye") }, "bye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &ic0test.Fake{Context: tt.ctx}
			err := f.Run(func() { tt.run(f) })
			switch {
			case tt.trap == "" && err != nil:
				t.Fatalf("trapped: %v", err)
			case tt.trap != "" && (err == nil || !strings.Contains(err.Error(), tt.trap)):
				t.Fatalf("trap = %v, want %q", err, tt.trap)
			}
		})
	}
}

func TestCallRecorded(t *testing.T) {
	f := &ic0test.Fake{Context: ic0test.Update, Balance: ic0.U128From(10)}
	f.Run(func() {
		f.CallNew([]byte{1}, "m", 1, 7, 2, 7)
		f.CallDataAppend([]byte("ab"))
		f.CallDataAppend([]byte("c"))
		f.CallCyclesAdd(ic0.U128From(4))
		f.CallWithBestEffortResponse(30)
		if f.CallPerform() != 0 {
			t.Error("perform failed")
		}
	})
	if len(f.Calls) != 1 {
		t.Fatalf("calls = %+v", f.Calls)
	}
	c := f.Calls[0]
	if string(c.Arg) != "abc" || c.Method != "m" || c.Cycles != ic0.U128From(4) || c.BestEffortTimeout != 30 || c.ReplyEnv != 7 {
		t.Fatalf("call = %+v", c)
	}
	if f.Balance != ic0.U128From(6) {
		t.Fatalf("balance = %v", f.Balance)
	}
	// A refused call gives the cycles back.
	f.PerformResult = 2
	f.Run(func() {
		f.CallNew([]byte{1}, "m", 1, 7, 2, 7)
		f.CallCyclesAdd(ic0.U128From(6))
		f.CallPerform()
	})
	if f.Balance != ic0.U128From(6) || len(f.Calls) != 0 {
		t.Fatalf("after a refused call: balance %v, calls %d", f.Balance, len(f.Calls))
	}
}

func TestU128(t *testing.T) {
	tests := []ic0.U128{{}, {Lo: 1}, {Hi: 1}, {Hi: 1<<64 - 1, Lo: 1<<64 - 1}, {Hi: 0x0102030405060708, Lo: 0x1112131415161718}}
	for _, u := range tests {
		if got := ic0.U128FromBytes(u.Bytes()); got != u {
			t.Errorf("round trip %v = %v", u, got)
		}
	}
	b := ic0.U128{Hi: 2, Lo: 1}.Bytes()
	if b[0] != 1 || b[8] != 2 {
		t.Errorf("layout %x: want low half first, little endian", b)
	}
	if v, ok := (ic0.U128{Lo: 5}).Uint64(); !ok || v != 5 {
		t.Error("Uint64 of a small amount")
	}
	if _, ok := (ic0.U128{Hi: 1}).Uint64(); ok {
		t.Error("Uint64 of a large amount")
	}
}
