package main

import (
	"bytes"
	"errors"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/payments/eventsapi"
)

// The invoice book: the canister's domain logic, in plain Go over an ordered key-value
// store (a stablestore.Store in the canister, so every invoice survives upgrades), tested
// natively. Keys:
//
//	i/<session id>  -> Invoice (Candid)
//	m               -> counters (Candid)
//	c/payments      -> the payments canister's principal (the one writer)

// Invoice is one invoice: one per completed payment.
type Invoice struct {
	Number    uint64 `ic:"number"` // 1, 2, 3, ... in order of creation
	SessionID string `ic:"session_id"`
	Amount    *int64 `ic:"amount"`
	Currency  string `ic:"currency"`
	Status    string `ic:"status"` // paid | refunded | disputed | void
	Refunded  bool   `ic:"refunded"`
	Disputed  bool   `ic:"disputed"` // a dispute was ever opened
	// AmountRefunded is what was refunded so far (partial refunds keep the invoice paid);
	// Dispute is Stripe's status of the payment's dispute, if any.
	AmountRefunded int64   `ic:"amount_refunded"`
	Dispute        *string `ic:"dispute"`
	PaidAt         uint64  `ic:"paid_at"`     // when the payment completed (the event's time, ns)
	ReceivedAt     uint64  `ic:"received_at"` // when this canister learned it (ns)
	UpdatedAt      uint64  `ic:"updated_at"`
	LastSeq        uint64  `ic:"last_seq"` // the newest event applied: anything not newer is a duplicate
}

// Stats are the book's counters.
type Stats struct {
	Invoices   uint64 `ic:"invoices"`
	Paid       uint64 `ic:"paid"`
	Refunded   uint64 `ic:"refunded"`
	Disputed   uint64 `ic:"disputed"`
	Void       uint64 `ic:"void"`
	Events     uint64 `ic:"events"`     // events received, duplicates included
	Duplicates uint64 `ic:"duplicates"` // events already applied (delivery is at least once)
	Ignored    uint64 `ic:"ignored"`    // kinds that do not concern invoices
	LastSeq    uint64 `ic:"last_seq"`   // the highest sequence number received
}

// Store is what the book needs of its storage: stablestore.Store's shape.
type Store interface {
	Get(key []byte) ([]byte, bool)
	Set(key, value []byte)
	Ascend(from []byte, fn func(key, value []byte) bool)
}

// Book keeps the invoices.
type Book struct {
	st    Store
	stats Stats
}

var (
	keyStats    = []byte("m")
	keyPayments = []byte("c/payments")
	pfxInvoice  = "i/"
)

// OpenBook opens the book kept in st (empty or written by an earlier version).
func OpenBook(st Store) (*Book, error) {
	b := &Book{st: st}
	if v, ok := st.Get(keyStats); ok {
		if err := candid.Unmarshal(v, &b.stats); err != nil {
			return nil, errors.New("invoices: stored counters: " + err.Error())
		}
	}
	return b, nil
}

// Payments returns the principal allowed to deliver events (raw bytes).
func (b *Book) Payments() []byte {
	v, _ := b.st.Get(keyPayments)
	return v
}

// SetPayments sets the principal allowed to deliver events.
func (b *Book) SetPayments(p []byte) { b.st.Set(keyPayments, p) }

func (b *Book) get(session string) (Invoice, bool, error) {
	v, ok := b.st.Get([]byte(pfxInvoice + session))
	if !ok {
		return Invoice{}, false, nil
	}
	var inv Invoice
	if err := candid.Unmarshal(v, &inv); err != nil {
		return Invoice{}, false, errors.New("invoices: stored invoice " + session + ": " + err.Error())
	}
	return inv, true, nil
}

func (b *Book) put(inv *Invoice) error {
	v, err := candid.Marshal(*inv)
	if err != nil {
		return err
	}
	b.st.Set([]byte(pfxInvoice+inv.SessionID), v)
	return nil
}

func (b *Book) saveStats() error {
	v, err := candid.Marshal(b.stats)
	if err != nil {
		return err
	}
	b.st.Set(keyStats, v)
	return nil
}

// Invoice returns the invoice of a payment.
func (b *Book) Invoice(session string) (Invoice, bool, error) { return b.get(session) }

// Stats returns the counters.
func (b *Book) Stats() Stats { return b.stats }

// Apply applies a batch of events at time now (ns). The payments canister delivers each
// payment's events in sequence order, at least once: an event whose seq is not above the
// invoice's LastSeq was applied before and changes nothing, so a redelivered batch (after a
// lost answer, a stop or an upgrade of either side) never makes a second invoice.
func (b *Book) Apply(events []eventsapi.Event, now uint64) error {
	for _, e := range events {
		if err := b.apply(e, now); err != nil {
			return err
		}
	}
	return b.saveStats()
}

func (b *Book) apply(e eventsapi.Event, now uint64) error {
	b.stats.Events++
	b.stats.LastSeq = max(b.stats.LastSeq, e.Seq)
	inv, ok, err := b.get(e.SessionID)
	if err != nil {
		return err
	}
	if ok && e.Seq <= inv.LastSeq {
		b.stats.Duplicates++
		return nil
	}
	var status string
	switch e.Kind {
	case "payment.completed":
		status = "paid"
	case "payment.refunded":
		status = "refunded"
	case "payment.partially_refunded":
		status = "paid"
		if ok {
			status = inv.Status
		}
	case "payment.disputed":
		// Every change of the dispute is an event; one closed in the merchant's favour
		// gives the invoice back its status.
		status = "disputed"
		if e.Dispute != nil && (*e.Dispute == "won" || *e.Dispute == "warning_closed") {
			status = "paid"
			if inv.Refunded || e.NewStatus == "refunded" {
				status = "refunded"
			}
		}
	case "payment.failed":
		if !ok {
			b.stats.Ignored++ // never paid: no invoice
			return nil
		}
		status = "void" // a completion that Stripe later reported otherwise
	default:
		b.stats.Ignored++
		return nil
	}
	if !ok {
		// The first event that shows the payment was made creates its invoice (a refund or
		// dispute creates it too when the completion predates this subscriber).
		b.stats.Invoices++
		inv = Invoice{Number: b.stats.Invoices, SessionID: e.SessionID, Amount: e.Amount, Currency: e.Currency,
			PaidAt: e.Time, ReceivedAt: now}
	} else {
		b.count(inv.Status, -1)
	}
	inv.Status = status
	inv.Refunded = inv.Refunded || status == "refunded"
	inv.Disputed = inv.Disputed || e.Kind == "payment.disputed"
	inv.AmountRefunded = max(inv.AmountRefunded, e.AmountRefunded)
	if e.Dispute != nil {
		inv.Dispute = e.Dispute
	}
	inv.LastSeq, inv.UpdatedAt = e.Seq, now
	b.count(status, +1)
	return b.put(&inv)
}

func (b *Book) count(status string, d int) {
	var p *uint64
	switch status {
	case "paid":
		p = &b.stats.Paid
	case "refunded":
		p = &b.stats.Refunded
	case "disputed":
		p = &b.stats.Disputed
	case "void":
		p = &b.stats.Void
	default:
		return
	}
	*p = uint64(int64(*p) + int64(d))
}

// List returns up to limit invoices after the session id after, in session id order, and
// the cursor of the next page ("" on the last).
func (b *Book) List(after string, limit int) ([]Invoice, string, error) {
	from := []byte(pfxInvoice + after)
	if after != "" {
		from = append(from, 0)
	}
	var out []Invoice
	var err error
	more := false
	b.st.Ascend(from, func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxInvoice)) {
			return false
		}
		if len(out) == limit {
			more = true
			return false
		}
		var inv Invoice
		if err = candid.Unmarshal(v, &inv); err != nil {
			return false
		}
		out = append(out, inv)
		return true
	})
	if err != nil || !more {
		return out, "", err
	}
	return out, out[len(out)-1].SessionID, nil
}
