package main

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
)

// call runs handler h as a method of kind ctx with the Candid args and decodes the reply
// into out.
func call(t *testing.T, ctx ic0test.Context, h func(*cdk.Message), out any, args ...any) {
	t.Helper()
	arg, err := candid.Marshal(args...)
	if err != nil {
		t.Fatal(err)
	}
	f := &ic0test.Fake{Context: ctx, Arg: arg}
	rt := cdk.NewRuntime(f)
	f.Run(func() { rt.Update(h) })
	reply, err := f.Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := candid.Unmarshal(reply, out); err != nil {
		t.Fatal(err)
	}
}

func TestGreet(t *testing.T) {
	var s string
	call(t, ic0test.Query, greet, &s, "IC")
	if s != "Hello, IC!" {
		t.Fatalf("greet = %q", s)
	}
}

func TestIncrement(t *testing.T) {
	counter = 0
	for want := uint64(1); want <= 3; want++ {
		var got uint64
		call(t, ic0test.Update, increment, &got)
		if got != want {
			t.Fatalf("increment = %d, want %d", got, want)
		}
	}
}
