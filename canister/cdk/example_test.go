package cdk_test

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Canister logic written against *cdk.Message runs natively on a fake System API: this is
// how a canister's handlers are unit-tested. In the canister, the export calls
// cdk.Update(addHandler).
func ExampleNewRuntime() {
	var total uint64
	addHandler := func(m *cdk.Message) {
		var n uint64
		m.MustArgs(&n)
		total += n
		m.Reply(total)
	}

	arg, _ := candid.Marshal(uint64(40))
	f := &ic0test.Fake{Context: ic0test.Update, Arg: arg}
	rt := cdk.NewRuntime(f)
	f.Run(func() { rt.Update(addHandler) })
	f.Run(func() { rt.Update(addHandler) })

	reply, _ := f.Result()
	var got uint64
	_ = candid.Unmarshal(reply, &got)
	fmt.Println(got)
	// Output: 80
}

// A handler blocks on a call; on the fake, the test plays the IC: it runs the method, takes
// the call it made, and delivers the answer in a reply callback execution, which resumes the
// handler.
func ExampleMessage_Call() {
	ledger := principal.MustParse("ryjl3-tyaaa-aaaaa-aaaba-cai")
	pay := func(m *cdk.Message) {
		var balance uint64
		if err := m.CallDecode(cdk.Call{Callee: ledger, Method: "balance"}, &balance); err != nil {
			m.Reject(err.Error())
			return
		}
		m.Reply(fmt.Sprintf("balance %d", balance))
	}

	f := &ic0test.Fake{Context: ic0test.Update, Arg: []byte("DIDL\x00\x00")}
	rt := cdk.NewRuntime(f)
	f.Run(func() { rt.Update(pay) })
	call := f.Calls[0]
	fmt.Println("called", call.Method, "replied:", f.Replied)

	f.Context, f.Arg = ic0test.ReplyCallback, mustEncode(uint64(42))
	f.Run(func() { rt.HandleReply(call.ReplyEnv) })
	reply, _ := f.Result()
	var s string
	_ = candid.Unmarshal(reply, &s)
	fmt.Println(s)
	// Output:
	// called balance replied: false
	// balance 42
}

func mustEncode(v ...any) []byte {
	b, err := candid.Marshal(v...)
	if err != nil {
		panic(err)
	}
	return b
}
