package main

import (
	"github.com/gocanister/stripe-ic/canister/payments"
)

// payment is payment of stripe_backend.did: the public fields of a Checkout Session.
type payment struct {
	ID                string  `ic:"id"`
	Status            string  `ic:"status"`
	StripeStatus      string  `ic:"stripe_status"`
	PaymentStatus     string  `ic:"payment_status"`
	AmountTotal       *int64  `ic:"amount_total"`
	Currency          string  `ic:"currency"`
	ClientReferenceID *string `ic:"client_reference_id"`
	Created           int64   `ic:"created"`
	Reason            *string `ic:"reason"`
	Confirmed         bool    `ic:"confirmed"`
	AmountRefunded    int64   `ic:"amount_refunded"`
	Dispute           *string `ic:"dispute"`
}

func paymentOf(r payments.Record) payment {
	p := payment{
		ID: r.SessionID, Status: r.Status.String(), StripeStatus: r.StripeStatus, PaymentStatus: r.PaymentStatus,
		Currency: r.Currency, ClientReferenceID: opt(r.ClientReferenceID), Created: r.Created,
		Reason: opt(r.Reason), Confirmed: r.ConfirmedByStripe(), AmountRefunded: r.AmountRefunded,
		Dispute: opt(r.DisputeStatus),
	}
	if r.HasAmountTotal {
		a := r.AmountTotal
		p.AmountTotal = &a
	}
	return p
}

type listRequest struct {
	Status *string `ic:"status"`
	After  *string `ic:"after"`
	Limit  *uint32 `ic:"limit"`
}

type paymentPage struct {
	Payments []payment `ic:"payments"`
	Next     *string   `ic:"next"`
}

type countEntry struct {
	Name  string `ic:"0,tuple"`
	Count uint64 `ic:"1,tuple"`
}

type statsView struct {
	Payments          uint64       `ic:"payments"`
	ByStatus          []countEntry `ic:"by_status"`
	Outcalls          uint64       `ic:"outcalls"`
	OutcallErrors     uint64       `ic:"outcall_errors"`
	WebhooksAccepted  uint64       `ic:"webhooks_accepted"`
	WebhooksRejected  uint64       `ic:"webhooks_rejected"`
	WebhooksDuplicate uint64       `ic:"webhooks_duplicate"`
	WebhooksIgnored   uint64       `ic:"webhooks_ignored"`
	Evicted           uint64       `ic:"evicted"`
	RememberedEvents  uint64       `ic:"remembered_events"`
	Cycles            uint64       `ic:"cycles"`
	WebhooksPending   uint64       `ic:"webhooks_pending"`
	ConfirmQueue      uint64       `ic:"confirm_queue"`
	Confirmations     uint64       `ic:"confirmations"`
	PendingEvents     uint64       `ic:"pending_events"`
	EventsApplied     uint64       `ic:"events_applied"`
	NotFoundCached    uint64       `ic:"not_found_cached"`

	Events eventStatsView `ic:"events"` // the event log and its deliveries (events.go)
}

// statuses lists the status names in a fixed order, so stats encode identically on every
// replica (map iteration order is random).
var statuses = []string{"checking", "needs_confirmation", "completed", "failed", "not_found", "refunded"}

func statsOf(s payments.Stats, cycles uint64) statsView {
	v := statsView{
		Payments: s.Payments, Outcalls: s.Outcalls, OutcallErrors: s.OutcallErrors,
		WebhooksAccepted: s.WebhooksAccepted, WebhooksRejected: s.WebhooksRejected,
		WebhooksDuplicate: s.WebhooksDuplicate, WebhooksIgnored: s.WebhooksIgnored,
		Evicted: s.Evicted, RememberedEvents: s.RememberedEvents, Cycles: cycles, ByStatus: []countEntry{},
		WebhooksPending: s.WebhooksPending, ConfirmQueue: s.ConfirmQueue, Confirmations: s.Confirmations,
		PendingEvents: s.PendingEvents, EventsApplied: s.EventsApplied, NotFoundCached: s.NotFoundCached,
	}
	for _, name := range statuses {
		if n, ok := s.ByStatus[name]; ok {
			v.ByStatus = append(v.ByStatus, countEntry{name, n})
		}
	}
	return v
}

type priceData struct {
	Currency    string `ic:"currency"`
	UnitAmount  int64  `ic:"unit_amount"`
	ProductName string `ic:"product_name"`
}

type lineItem struct {
	Price     *string    `ic:"price"`
	PriceData *priceData `ic:"price_data"`
	Quantity  int64      `ic:"quantity"`
}

type kvPair struct {
	Key   string `ic:"0,tuple"`
	Value string `ic:"1,tuple"`
}

type createSessionRequest struct {
	Mode              *string    `ic:"mode"`
	LineItems         []lineItem `ic:"line_items"`
	SuccessURL        string     `ic:"success_url"`
	CancelURL         *string    `ic:"cancel_url"`
	ClientReferenceID *string    `ic:"client_reference_id"`
	CustomerEmail     *string    `ic:"customer_email"`
	Metadata          *[]kvPair  `ic:"metadata"`
	RequestID         *string    `ic:"request_id"`
}

type createdSession struct {
	ID  string `ic:"id"`
	URL string `ic:"url"`
}

func (r createSessionRequest) toPayments() payments.CreateSessionRequest {
	out := payments.CreateSessionRequest{
		Mode: str(r.Mode), SuccessURL: r.SuccessURL, CancelURL: str(r.CancelURL),
		ClientReferenceID: str(r.ClientReferenceID), CustomerEmail: str(r.CustomerEmail), RequestID: str(r.RequestID),
	}
	for _, li := range r.LineItems {
		item := payments.LineItem{Price: str(li.Price), Quantity: li.Quantity}
		if pd := li.PriceData; pd != nil {
			item.PriceData = &payments.PriceData{Currency: pd.Currency, UnitAmount: pd.UnitAmount, ProductName: pd.ProductName}
		}
		out.LineItems = append(out.LineItems, item)
	}
	if r.Metadata != nil {
		out.Metadata = map[string]string{}
		for _, kv := range *r.Metadata {
			out.Metadata[kv.Key] = kv.Value
		}
	}
	return out
}
