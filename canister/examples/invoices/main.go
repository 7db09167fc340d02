// Command invoices is an example subscriber of the payments canister's event destinations,
// and the template for a canister of your own written in Go with this repository's CDK: it
// keeps one invoice per completed payment and marks it refunded or disputed when the
// payments canister reports so.
//
//   - Only the payments canister may write: on_payment_event rejects every other caller (the
//     payments canister retries, then keeps the batch as dead letters).
//   - Only controllers read: get_invoice, list_invoices, invoice_stats.
//   - Everything lives in stable memory (cdk/stablestore), so an upgrade keeps every invoice
//     without a pre_upgrade dump; the handlers hold no state on the heap that matters.
//   - Delivery is at least once and in order per payment: the book ignores an event whose
//     sequence number it has already applied (book.go).
//
// The domain logic is plain Go (book.go, tested natively in book_test.go); this file wires
// it to the IC, and main_test.go runs the handlers on the CDK's fake System API.
//
// Build: `make examples` (GOOS=wasip1 go build, then icwasm link with invoices.did). Deploy
// it, then point the payments canister at it:
//
//	dfx deploy invoices --argument '(record { payments_canister = principal "<stripe_backend id>" })'
//	dfx canister call stripe_backend add_destination '(record { canister = principal "<invoices id>";
//	    kinds = opt vec { "payment.completed"; "payment.refunded"; "payment.partially_refunded";
//	    "payment.disputed"; "payment.failed" } })'
package main

import (
	"bytes"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/payments/eventsapi"
)

// book is the canister's state root: a view of stable memory, opened by init and
// post_upgrade.
var book *Book

// initArgs is init_args of invoices.did (optional on upgrade: the stored one stays).
type initArgs struct {
	PaymentsCanister principal.Principal `ic:"payments_canister"`
}

//go:wasmexport system.init
func initHook() { cdk.Init(setup) }

//go:wasmexport system.post_upgrade
func postUpgrade() { cdk.PostUpgrade(setup) }

func setup(m *cdk.Message) {
	st, err := stablestore.Open(cdk.Stable(), 0)
	if err != nil {
		cdk.Trap("invoices: opening stable memory: " + err.Error())
	}
	if book, err = OpenBook(st); err != nil {
		cdk.Trap(err.Error())
	}
	var arg *initArgs
	if err := m.Args(&arg); err != nil {
		cdk.Trap("invoices: the argument must be (opt record { payments_canister : principal }): " + err.Error())
	}
	switch {
	case arg != nil:
		book.SetPayments(arg.PaymentsCanister.Bytes())
	case book.Payments() == nil:
		cdk.Trap(`invoices: install with (record { payments_canister = principal "<id of stripe_backend>" })`)
	}
}

//go:wasmexport update.on_payment_event
func onPaymentEvent() { cdk.Update(handleEvents) }

func handleEvents(m *cdk.Message) {
	if !bytes.Equal(m.Caller().Bytes(), book.Payments()) {
		m.Reject("on_payment_event: only the payments canister may deliver events; " + m.Caller().String() + " is not it")
		return
	}
	var events []eventsapi.Event
	m.MustArgs(&events)
	if err := book.Apply(events, uint64(cdk.Time().UnixNano())); err != nil {
		cdk.Trap(err.Error()) // roll the batch back: the payments canister sends it again
	}
	m.Reply()
}

// controllers rejects callers that do not control this canister.
func controllers(m *cdk.Message, method string) bool {
	if cdk.IsController(m.Caller()) {
		return true
	}
	m.Reject(method + " is only for controllers of this canister")
	return false
}

//go:wasmexport query.get_invoice
func getInvoice() { cdk.Query(handleGetInvoice) }

func handleGetInvoice(m *cdk.Message) {
	if !controllers(m, "get_invoice") {
		return
	}
	var session string
	m.MustArgs(&session)
	inv, ok, err := book.Invoice(session)
	if err != nil {
		m.Reject(err.Error())
		return
	}
	var out *Invoice
	if ok {
		out = &inv
	}
	m.Reply(out)
}

type listRequest struct {
	After *string `ic:"after"`
	Limit *uint32 `ic:"limit"`
}

type invoicePage struct {
	Invoices []Invoice `ic:"invoices"`
	Next     *string   `ic:"next"`
}

// maxPage bounds a list_invoices page (a query's reply must stay below 2 MiB).
const maxPage = 500

//go:wasmexport query.list_invoices
func listInvoices() { cdk.Query(handleList) }

func handleList(m *cdk.Message) {
	if !controllers(m, "list_invoices") {
		return
	}
	var req listRequest
	m.MustArgs(&req)
	limit := maxPage
	if req.Limit != nil && *req.Limit > 0 && *req.Limit < maxPage {
		limit = int(*req.Limit)
	}
	after := ""
	if req.After != nil {
		after = *req.After
	}
	invs, next, err := book.List(after, limit)
	if err != nil {
		m.Reject(err.Error())
		return
	}
	page := invoicePage{Invoices: append([]Invoice{}, invs...)}
	if next != "" {
		page.Next = &next
	}
	m.Reply(page)
}

//go:wasmexport query.invoice_stats
func invoiceStats() {
	cdk.Query(func(m *cdk.Message) {
		if controllers(m, "invoice_stats") {
			m.Reply(book.Stats())
		}
	})
}

func main() {}
