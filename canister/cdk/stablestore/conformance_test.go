package stablestore_test

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/payments/storetest"
)

// The store satisfies payments.Store structurally; this is the only place that says so.
var _ payments.Store = (*stablestore.Store)(nil)

func TestConformance(t *testing.T) {
	storetest.Run(t, func() payments.Store {
		st, err := stablestore.Open(stablestore.NewBuffer(0), 0)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// TestConformanceAtOffset runs the suite on a store that does not start at 0.
func TestConformanceAtOffset(t *testing.T) {
	storetest.Run(t, func() payments.Store {
		st, err := stablestore.Open(stablestore.NewBuffer(0), 3*stablestore.WasmPageSize+128)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestBoundsCoverPayments(t *testing.T) {
	if stablestore.MaxKeyLen < payments.MaxKeyBytes || stablestore.MaxValueLen < payments.MaxValueBytes {
		t.Fatalf("store bounds %d/%d below what payments writes (%d/%d)",
			stablestore.MaxKeyLen, stablestore.MaxValueLen, payments.MaxKeyBytes, payments.MaxValueBytes)
	}
}
