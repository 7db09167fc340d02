package main

import (
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/payments/eventsapi"
)

// The handlers on the CDK's fake System API: the IC's side is played by the test (who
// calls, with what, and the stable memory that an upgrade keeps).

var (
	payments   = principal.MustParse("rrkah-fqaaa-aaaaa-aaaaq-cai")
	controller = principal.MustParse("2ibo7-dia")
	stranger   = principal.MustParse("ryjl3-tyaaa-aaaaa-aaaba-cai")
)

func encode(t *testing.T, v ...any) []byte {
	t.Helper()
	b, err := candid.Marshal(v...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canister runs the canister's handlers on one fake, whose stable memory persists.
type canister struct {
	t  *testing.T
	f  *ic0test.Fake
	rt *cdk.Runtime
}

func install(t *testing.T) *canister {
	c := &canister{t: t, f: &ic0test.Fake{Controllers: [][]byte{controller.Bytes()}, Now: 1_000}}
	c.boot(ic0test.Init, encode(t, &initArgs{PaymentsCanister: payments}))
	return c
}

// boot runs init or post_upgrade on a fresh runtime (the heap is new, stable memory stays).
func (c *canister) boot(ctx ic0test.Context, arg []byte) error {
	c.rt = cdk.NewRuntime(c.f)
	c.f.Context, c.f.Arg = ctx, arg
	if ctx == ic0test.Init {
		return c.f.Run(func() { c.rt.Init(setup) })
	}
	return c.f.Run(func() { c.rt.PostUpgrade(setup) })
}

func (c *canister) call(ctx ic0test.Context, from principal.Principal, h func(*cdk.Message), arg []byte) ([]byte, error) {
	c.f.Context, c.f.Caller, c.f.Arg = ctx, from.Bytes(), arg
	c.f.Run(func() {
		if ctx == ic0test.Query {
			c.rt.Query(h)
		} else {
			c.rt.Update(h)
		}
	})
	return c.f.Result()
}

func (c *canister) deliver(from principal.Principal, events ...eventsapi.Event) error {
	_, err := c.call(ic0test.Update, from, handleEvents, encode(c.t, events))
	return err
}

func (c *canister) stats() Stats {
	c.t.Helper()
	b, err := c.call(ic0test.Query, controller, func(m *cdk.Message) { m.Reply(book.Stats()) }, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	var s Stats
	if err := candid.Unmarshal(b, &s); err != nil {
		c.t.Fatal(err)
	}
	return s
}

func TestOnlyThePaymentsCanisterWrites(t *testing.T) {
	c := install(t)
	if err := c.deliver(stranger, ev(1, "payment.completed", "cs_a")); err == nil || !strings.Contains(err.Error(), "only the payments canister") {
		t.Fatalf("a stranger delivered: %v", err)
	}
	if err := c.deliver(payments, ev(1, "payment.completed", "cs_a")); err != nil {
		t.Fatal(err)
	}
	if s := c.stats(); s.Invoices != 1 || s.Events != 1 {
		t.Fatalf("stats %+v", s)
	}
	for _, h := range []func(*cdk.Message){handleGetInvoice, handleList} {
		if _, err := c.call(ic0test.Query, payments, h, encode(t, "cs_a")); err == nil || !strings.Contains(err.Error(), "only for controllers") {
			t.Fatalf("a non-controller read: %v", err)
		}
	}
	b, err := c.call(ic0test.Query, controller, handleGetInvoice, encode(t, "cs_a"))
	var inv *Invoice
	if err != nil || candid.Unmarshal(b, &inv) != nil || inv == nil || inv.Status != "paid" || inv.ReceivedAt != 1_000 {
		t.Fatalf("get_invoice = %+v, %v", inv, err)
	}
	b, err = c.call(ic0test.Query, controller, handleList, encode(t, listRequest{}))
	var page invoicePage
	if err != nil || candid.Unmarshal(b, &page) != nil || len(page.Invoices) != 1 || page.Next != nil {
		t.Fatalf("list_invoices = %+v, %v", page, err)
	}
}

func TestUpgradeKeepsInvoices(t *testing.T) {
	c := install(t)
	if err := c.deliver(payments, ev(1, "payment.completed", "cs_a"), ev(2, "payment.completed", "cs_b")); err != nil {
		t.Fatal(err)
	}
	// Upgrade without an argument: the stored payments canister stays the writer.
	if err := c.boot(ic0test.PostUpgrade, encode(t)); err != nil {
		t.Fatal(err)
	}
	// The batch whose answer was lost comes again, with a new event: one new invoice.
	if err := c.deliver(payments, ev(1, "payment.completed", "cs_a"), ev(2, "payment.completed", "cs_b"), ev(3, "payment.completed", "cs_c")); err != nil {
		t.Fatal(err)
	}
	if s := c.stats(); s.Invoices != 3 || s.Duplicates != 2 || s.Events != 5 {
		t.Fatalf("after the upgrade: %+v", s)
	}
	// Install without an argument is refused with the expected shape.
	c2 := &canister{t: t, f: &ic0test.Fake{}}
	if err := c2.boot(ic0test.Init, encode(t)); err == nil || !strings.Contains(err.Error(), "payments_canister") {
		t.Fatalf("install without argument: %v", err)
	}
}
