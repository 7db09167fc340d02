package cdk_test

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
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
