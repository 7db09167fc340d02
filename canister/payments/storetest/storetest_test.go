package storetest_test

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/payments/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func() payments.Store { return payments.NewMemStore() })
}
