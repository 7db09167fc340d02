package main

import (
	"testing"

	agentcandid "github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	agentprincipal "github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/payments"
)

// refNotification is ICRC-72's EventNotification as its reference subscriber declares it
// (PanIndustrial's icrc72-subscriber-mo, service.mo), with more of ICRC16's arms than the
// canister sends: decoding with agent-go checks the field names and the shape.
type refNotification struct {
	ID          idl.Nat                  `ic:"id"`
	EventID     idl.Nat                  `ic:"eventId"`
	PrevEventID *idl.Nat                 `ic:"prevEventId"`
	Timestamp   idl.Nat                  `ic:"timestamp"`
	Namespace   string                   `ic:"namespace"`
	Data        refICRC16                `ic:"data"`
	Source      agentprincipal.Principal `ic:"source"`
	Headers     *[]refPair               `ic:"headers"`
	Filter      *string                  `ic:"filter"`
}

type refICRC16 struct {
	Map   *[]refPair `ic:"Map,variant"`
	Text  *string    `ic:"Text,variant"`
	Nat   *idl.Nat   `ic:"Nat,variant"`
	Nat64 *uint64    `ic:"Nat64,variant"`
	Int64 *int64     `ic:"Int64,variant"`
	Bool  *bool      `ic:"Bool,variant"`
	Blob  *[]byte    `ic:"Blob,variant"`
}

type refPair struct {
	Key   string  `ic:"0"`
	Value refLeaf `ic:"1"`
}

type refLeaf struct {
	Text  *string  `ic:"Text,variant"`
	Nat   *idl.Nat `ic:"Nat,variant"`
	Nat64 *uint64  `ic:"Nat64,variant"`
	Int64 *int64   `ic:"Int64,variant"`
	Bool  *bool    `ic:"Bool,variant"`
}

func TestICRC72Notifications(t *testing.T) {
	self := principal.MustParse("rrkah-fqaaa-aaaaa-aaaaq-cai")
	d := payments.Delivery{Method: icrc72Method, Events: []payments.LogEntry{
		{Seq: 7, Kind: payments.KindCompleted, SessionID: "cs_test_1", NewStatus: payments.StatusCompleted,
			OldStatus: payments.StatusNeedsConfirmation, Amount: 2500, HasAmount: true, Currency: "usd", Time: 1_700_000_000_000_000_000,
			StripeEventID: "evt_1"},
		{Seq: 8, Kind: payments.KindCreated, SessionID: "cs_test_2", NewStatus: payments.StatusChecking, Time: 1},
		{Seq: 9, Kind: payments.KindDisputed, SessionID: "cs_test_1", OldStatus: payments.StatusCompleted, NewStatus: payments.StatusCompleted,
			AmountRefunded: 700, Dispute: "needs_response", Time: 2},
	}}
	b, err := candid.Marshal(icrc72Notifications(d, self))
	if err != nil {
		t.Fatal(err)
	}
	var got []refNotification
	if err := agentcandid.Unmarshal(b, []any{&got}); err != nil {
		t.Fatalf("agent-go cannot decode the notifications as ICRC-72's: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("%d notifications", len(got))
	}
	n := got[0]
	if n.EventID.BigInt().Uint64() != 7 || n.ID.BigInt().Uint64() != 7 || n.Timestamp.BigInt().Uint64() != 1_700_000_000_000_000_000 ||
		n.Namespace != "com.stripe.ic.payment.completed" || n.Source.String() != self.String() || n.PrevEventID != nil || n.Data.Map == nil {
		t.Fatalf("notification %+v", n)
	}
	fields := map[string]refLeaf{}
	for _, p := range *n.Data.Map {
		fields[p.Key] = p.Value
	}
	if *fields["session_id"].Text != "cs_test_1" || *fields["amount"].Int64 != 2500 || *fields["old_status"].Text != "needs_confirmation" ||
		*fields["new_status"].Text != "completed" || *fields["stripe_event_id"].Text != "evt_1" || *fields["currency"].Text != "usd" {
		t.Fatalf("data %+v", fields)
	}
	second := map[string]bool{}
	for _, p := range *got[1].Data.Map {
		second[p.Key] = true
	}
	if second["amount"] || second["old_status"] || second["stripe_event_id"] || second["amount_refunded"] || second["dispute"] ||
		got[1].Namespace != "com.stripe.ic.payment.created" {
		t.Fatalf("second notification %+v %v", got[1], second)
	}
	third := map[string]refLeaf{}
	for _, p := range *got[2].Data.Map {
		third[p.Key] = p.Value
	}
	if got[2].Namespace != "com.stripe.ic.payment.disputed" || third["amount_refunded"].Int64 == nil || *third["amount_refunded"].Int64 != 700 ||
		third["dispute"].Text == nil || *third["dispute"].Text != "needs_response" {
		t.Fatalf("third notification %+v %v", got[2], third)
	}
}
