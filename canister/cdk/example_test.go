package cdk_test

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Canister logic runs natively on a fake System API: this is how a canister's handlers are
// unit-tested. In the canister, the export calls cdk.Update(add); here a Runtime over the
// fake runs the export's body, and the package-level functions act on it meanwhile.
func ExampleNewRuntime() {
	var total uint64
	add := func(m *cdk.Message) {
		var n uint64
		m.MustArgs(&n)
		total += n
		cdk.Print("added at " + cdk.Time().Format("15:04"))
		m.Reply(total)
	}

	arg, _ := candid.Marshal(uint64(40))
	f := &ic0test.Fake{Context: ic0test.Update, Arg: arg}
	rt := cdk.NewRuntime(f)
	f.Run(func() { rt.Update(add) })
	f.Run(func() { rt.Update(add) })

	reply, _ := f.Result()
	var got uint64
	_ = candid.Unmarshal(reply, &got)
	fmt.Println(got, f.Prints)
	// Output: 80 [added at 00:00]
}

// A handler blocks on a call; on the fake, the test plays the IC: it runs the method, takes
// the call it made, and delivers the answer in a reply callback execution, which resumes the
// handler.
func ExampleCall() {
	ledger := principal.MustParse("ryjl3-tyaaa-aaaaa-aaaba-cai")
	pay := func(m *cdk.Message) {
		balance, err := cdk.Call[uint64](ledger, "balance")
		if err != nil {
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
