// Package eventsapi holds the Candid types of the payments canister's event API
// (stripe_backend.did): the payment_event records the canister delivers to its destinations
// and answers from list_events, and the pages of list_events and list_dead_letters.
//
// The canister encodes these types and a subscriber canister written in Go decodes them, so
// the two cannot drift: a subscriber imports this package rather than restating the record
// (see examples/invoices). The types are plain structs with `ic:` tags; the package imports
// nothing, so it links into any canister for free and keeps package payments free of the CDK.
package eventsapi

// Event is payment_event: one entry of the event log. Kind is the event's name
// ("payment.completed", ...), the statuses are the payment's status names; Time is the
// canister time of the change (ns). Subscribers deduplicate by Seq: delivery is at least once.
type Event struct {
	Seq            uint64  `ic:"seq"`
	Kind           string  `ic:"kind"`
	SessionID      string  `ic:"session_id"`
	OldStatus      *string `ic:"old_status"`
	NewStatus      string  `ic:"new_status"`
	Amount         *int64  `ic:"amount"`
	Currency       string  `ic:"currency"`
	Time           uint64  `ic:"time"`
	StripeEventID  *string `ic:"stripe_event_id"`
	AmountRefunded int64   `ic:"amount_refunded"`
	Dispute        *string `ic:"dispute"`
}

// EventsRequest is the argument of list_events: the entries after After (all when absent),
// at most Limit of them (the canister's page size when absent).
type EventsRequest struct {
	After *uint64 `ic:"after"`
	Limit *uint32 `ic:"limit"`
}

// EventPage is list_events' answer. Next is the After of the following page (absent on the
// last one); First and Last are the log's oldest and newest sequence numbers.
type EventPage struct {
	Events []Event `ic:"events"`
	Next   *uint64 `ic:"next"`
	First  uint64  `ic:"first"`
	Last   uint64  `ic:"last"`
}

// DeadLettersRequest is the argument of list_dead_letters: one destination's dead letters
// after After, at most Limit of them.
type DeadLettersRequest struct {
	Destination uint16  `ic:"destination"`
	After       *uint64 `ic:"after"`
	Limit       *uint32 `ic:"limit"`
}

// DeadLetter is an event a destination failed to take: why, and when (ns) it was given up.
type DeadLetter struct {
	Event  Event  `ic:"event"`
	Reason string `ic:"reason"`
	At     uint64 `ic:"at"`
}

// DeadLetterPage is list_dead_letters' answer; Next as in EventPage.
type DeadLetterPage struct {
	DeadLetters []DeadLetter `ic:"dead_letters"`
	Next        *uint64      `ic:"next"`
}
