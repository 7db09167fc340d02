package stablestore_test

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/stable"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/payments/storetest"
)

// What the canister passes: cdk.Stable() is a stable.Memory.
var _ stablestore.Memory = stable.Memory{}

// TestOverCDKStable runs the conformance suite over cdk/stable on the ic0 fake, the code
// path a canister uses, and checks an upgrade: a new Store over the kept stable memory
// (what post_upgrade does) sees everything.
func TestOverCDKStable(t *testing.T) {
	storetest.Run(t, func() payments.Store {
		return mustOpen(t, stable.New(&ic0test.Fake{}), 0)
	})

	fake := &ic0test.Fake{}
	st := mustOpen(t, stable.New(fake), stable.PageSize) // the first 64 KiB reserved
	m := newModel()
	for i := range 3000 {
		k, v := paymentKey(nil, i), paymentValue(nil, i)
		st.Set(k, v)
		m.set(k, v)
	}
	upgraded := &ic0test.Fake{Stable: fake.Stable} // a new heap, the same stable memory
	checkAll(t, mustOpen(t, stable.New(upgraded), stable.PageSize), m)
}
