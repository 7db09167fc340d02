package main

// The event log and its destinations, wired to the IC: the Candid methods (list_events and
// the destination API), and the deliveries, which package payments plans and this file
// performs: a timer takes the batches that are due and calls each destination with
// cdk.SendWithCallback, so every destination's call is answered in its own callback and a
// slow or failing one never holds up another; each answer is reported to payments, which
// decides the retry, the dead letters and the next batch.

import (
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/payments"
	"github.com/gocanister/stripe-ic/canister/payments/eventsapi"
)

// deliveryTimeout is the best-effort timeout of a delivery call (the IC's maximum): on the
// IC a destination that never answers cannot keep a call, and so the canister's stop before
// an upgrade, open for longer.
const deliveryTimeout = 300

// icrc72Method is the ICRC-72 subscriber method: a destination with this method gets the
// events as ICRC-72 EventNotifications instead of payment_event records.
const icrc72Method = "icrc72_handle_notification"

// deliveryTimer is the one timer that starts due deliveries (zero at: none armed).
type deliveryTimer struct {
	id cdk.TimerID
	at time.Time
}

// eventOf is the payment_event of a log entry.
func eventOf(e payments.LogEntry) eventsapi.Event {
	v := eventsapi.Event{Seq: e.Seq, Kind: e.Kind.String(), SessionID: e.SessionID, NewStatus: e.NewStatus.String(),
		Currency: e.Currency, Time: uint64(e.Time), StripeEventID: opt(e.StripeEventID),
		AmountRefunded: e.AmountRefunded, Dispute: opt(e.Dispute)}
	if e.OldStatus != 0 {
		v.OldStatus = opt(e.OldStatus.String())
	}
	if e.HasAmount {
		a := e.Amount
		v.Amount = &a
	}
	return v
}

func caller(m *cdk.Message) payments.Caller {
	return payments.Caller{Principal: m.Caller().String(), IsController: cdk.IsController(m.Caller())}
}

func optU64(v uint64) *uint64 {
	if v == 0 {
		return nil
	}
	return &v
}

//go:wasmexport query.list_events
func listEvents() {
	cdk.Query(func(m *cdk.Message) {
		var req eventsapi.EventsRequest
		m.MustArgs(&req)
		r := payments.EventsRequest{Limit: num32(req.Limit)}
		if req.After != nil {
			r.After = *req.After
		}
		page, err := state.svc.ListEvents(caller(m), r)
		if err != nil {
			m.Reject("list_events: " + err.Error())
			return
		}
		out := eventsapi.EventPage{Events: []eventsapi.Event{}, Next: optU64(page.Next), First: page.First, Last: page.Last}
		for _, e := range page.Events {
			out.Events = append(out.Events, eventOf(e))
		}
		m.Reply(out)
	})
}

// destinationArgs is destination_args of stripe_backend.did.
type destinationArgs struct {
	Canister    principal.Principal `ic:"canister"`
	Method      *string             `ic:"method"`
	Kinds       *[]string           `ic:"kinds"`
	Statuses    *[]string           `ic:"statuses"`
	MaxAttempts *uint32             `ic:"max_attempts"`
	StartAfter  *uint64             `ic:"start_after"`
}

// destinationView is destination of stripe_backend.did.
type destinationView struct {
	ID           uint16              `ic:"id"`
	Canister     principal.Principal `ic:"canister"`
	Method       string              `ic:"method"`
	Kinds        []string            `ic:"kinds"`
	Statuses     []string            `ic:"statuses"`
	MaxAttempts  uint32              `ic:"max_attempts"`
	Cursor       uint64              `ic:"cursor"`
	Behind       uint64              `ic:"behind"`
	InFlight     bool                `ic:"in_flight"`
	Failures     uint32              `ic:"failures"`
	NextAttempt  *uint64             `ic:"next_attempt"`
	LastError    *string             `ic:"last_error"`
	LastSuccess  *uint64             `ic:"last_success"`
	Delivered    uint64              `ic:"delivered"`
	Calls        uint64              `ic:"calls"`
	FailedCalls  uint64              `ic:"failed_calls"`
	DeadLetters  uint64              `ic:"dead_letters"`
	DeadLettered uint64              `ic:"dead_lettered"`
	Queued       uint64              `ic:"queued"`
	Replayed     uint64              `ic:"replayed"`
	Dropped      uint64              `ic:"dropped"`
	Cycles       uint64              `ic:"cycles"`
}

func destinationOf(d payments.Destination) destinationView {
	v := destinationView{ID: d.ID, Method: d.Method, Kinds: []string{}, Statuses: []string{},
		MaxAttempts: uint32(d.MaxAttempts), Cursor: d.Cursor, Behind: state.svc.Behind(d), InFlight: d.InFlight,
		Failures: d.Failures, NextAttempt: optU64(uint64(d.NextAttempt)), LastError: opt(d.LastError),
		LastSuccess: optU64(uint64(d.LastSuccess)), Delivered: d.Delivered, Calls: d.Calls,
		FailedCalls: d.FailedCalls, DeadLetters: d.DeadLetters, DeadLettered: d.DeadLettered, Queued: d.Queued,
		Replayed: d.Replayed, Dropped: d.Dropped, Cycles: d.Cycles}
	if v.MaxAttempts == 0 {
		v.MaxAttempts = uint32(state.svc.EventConfig().MaxAttempts)
	}
	v.Canister, _ = principal.Parse(d.Canister) // stored from a principal: always parses
	for _, k := range d.Kinds {
		v.Kinds = append(v.Kinds, k.String())
	}
	for _, s := range d.Statuses {
		v.Statuses = append(v.Statuses, s.String())
	}
	return v
}

//go:wasmexport update.add_destination
func addDestination() {
	cdk.Update(func(m *cdk.Message) {
		var a destinationArgs
		m.MustArgs(&a)
		spec := payments.DestinationSpec{Canister: a.Canister.String(), Method: str(a.Method),
			MaxAttempts: num32(a.MaxAttempts), StartAfter: a.StartAfter}
		var err error
		if a.Kinds != nil {
			spec.Kinds, err = payments.ParseKinds(*a.Kinds)
		}
		if err == nil && a.Statuses != nil {
			spec.Statuses, err = payments.ParseStatuses(*a.Statuses)
		}
		var d payments.Destination
		if err == nil {
			d, err = state.svc.AddDestination(caller(m), spec, env())
		}
		if err != nil {
			m.Reject("add_destination: " + err.Error())
			return
		}
		m.Reply(destinationOf(d))
	})
}

//go:wasmexport update.remove_destination
func removeDestination() {
	cdk.Update(func(m *cdk.Message) {
		var id uint16
		m.MustArgs(&id)
		if err := state.svc.RemoveDestination(caller(m), id); err != nil {
			m.Reject("remove_destination: " + err.Error())
			return
		}
		m.Reply()
	})
}

//go:wasmexport query.list_destinations
func listDestinations() {
	cdk.Query(func(m *cdk.Message) {
		if !controllersOnly(m, "list_destinations") {
			return
		}
		ds, err := state.svc.Destinations()
		if err != nil {
			m.Reject(err.Error())
			return
		}
		out := []destinationView{}
		for _, d := range ds {
			out = append(out, destinationOf(d))
		}
		m.Reply(out)
	})
}

//go:wasmexport update.retry_dead_letters
func retryDeadLetters() {
	cdk.Update(func(m *cdk.Message) {
		var id *uint16
		m.MustArgs(&id)
		var which uint16
		if id != nil {
			which = *id
		}
		n, err := state.svc.RetryDeadLetters(caller(m), which, env())
		if err != nil {
			m.Reject("retry_dead_letters: " + err.Error())
			return
		}
		m.Reply(uint32(n))
	})
}

//go:wasmexport query.list_dead_letters
func listDeadLetters() {
	cdk.Query(func(m *cdk.Message) {
		var req eventsapi.DeadLettersRequest
		m.MustArgs(&req)
		var after uint64
		if req.After != nil {
			after = *req.After
		}
		page, err := state.svc.DeadLetters(caller(m), req.Destination, after, num32(req.Limit))
		if err != nil {
			m.Reject("list_dead_letters: " + err.Error())
			return
		}
		out := eventsapi.DeadLetterPage{DeadLetters: []eventsapi.DeadLetter{}, Next: optU64(page.Next)}
		for _, x := range page.Letters {
			out.DeadLetters = append(out.DeadLetters, eventsapi.DeadLetter{Event: eventOf(x.Entry), Reason: x.Reason, At: uint64(x.At)})
		}
		m.Reply(out)
	})
}

// eventStatsView is event_stats of stripe_backend.did.
type eventStatsView struct {
	Entries       uint64       `ic:"entries"`
	First         uint64       `ic:"first"`
	Last          uint64       `ic:"last"`
	Bytes         uint64       `ic:"bytes"`
	Pruned        uint64       `ic:"pruned"`
	Retention     uint32       `ic:"retention"`
	ByKind        []countEntry `ic:"by_kind"`
	Destinations  uint32       `ic:"destinations"`
	Calls         uint64       `ic:"calls"`
	FailedCalls   uint64       `ic:"failed_calls"`
	Delivered     uint64       `ic:"delivered"`
	DeadLettered  uint64       `ic:"dead_lettered"`
	DeadLetters   uint64       `ic:"dead_letters"`
	Replayed      uint64       `ic:"replayed"`
	Dropped       uint64       `ic:"dropped"`
	Cycles        uint64       `ic:"cycles"`
	MaxCallCycles uint64       `ic:"max_call_cycles"`
}

func eventStatsOf(s payments.EventStats) eventStatsView {
	v := eventStatsView{Entries: s.Entries, First: s.FirstSeq, Last: s.LastSeq, Bytes: s.Bytes, Pruned: s.Pruned,
		Retention: uint32(s.Retention), ByKind: []countEntry{}, Destinations: uint32(s.Destinations), Calls: s.Calls,
		FailedCalls: s.FailedCalls, Delivered: s.Delivered, DeadLettered: s.DeadLettered, DeadLetters: s.DeadLetters,
		Replayed: s.Replayed, Dropped: s.Dropped, Cycles: s.Cycles, MaxCallCycles: s.MaxCallCycles}
	for _, k := range payments.KindNames() {
		v.ByKind = append(v.ByKind, countEntry{k, s.ByKind[k]})
	}
	return v
}

// armDelivery makes sure the delivery timer fires when the next batch is due. payments calls
// it (Deps.EventsChanged) whenever destinations get work; every delivery step calls it too.
func armDelivery() {
	if state.svc == nil {
		return
	}
	next, ok := state.svc.NextDeliveryAt(env())
	t := &state.delivery
	if !ok || !t.at.IsZero() && !t.at.After(next) {
		return // nothing to do, or an earlier timer is armed
	}
	if !t.at.IsZero() {
		cdk.ClearTimer(t.id)
	}
	t.id, t.at = cdk.SetTimer(next.Sub(cdk.Time()), runDeliveries), next
}

// runDeliveries is the delivery timer: it sends every due batch.
func runDeliveries() {
	state.delivery = deliveryTimer{}
	ds, err := state.svc.DueDeliveries(env())
	if err != nil {
		cdk.Print("deliveries: " + err.Error())
	}
	for _, d := range ds {
		send(d)
	}
	armDelivery()
}

// send calls the destination with the batch; the answer (in its own callback execution)
// is reported to payments and the destination's next batch sent at once.
func send(d payments.Delivery) {
	arg, err := deliveryArg(d)
	var callee principal.Principal
	if err == nil {
		callee, err = principal.Parse(d.Canister)
	}
	if err != nil {
		report(d, payments.DeliveryResult{Err: err, NotSent: true})
		return
	}
	cost := cdk.System().CostCall(uint64(len(d.Method)), uint64(len(arg))).Lo
	err = cdk.SendWithCallback(cdk.Request{Callee: callee, Method: d.Method, Arg: arg, BestEffortTimeout: deliveryTimeout},
		func(_ *cdk.Message, r cdk.CallResult) {
			report(d, payments.DeliveryResult{Err: r.Err(), Cycles: cost})
			next, ok, err := state.svc.NextDelivery(d.Destination, env())
			if err != nil {
				cdk.Print("deliveries: " + err.Error())
			}
			if ok {
				send(next)
			}
			armDelivery()
		})
	if err != nil {
		var ce *cdk.CallError
		report(d, payments.DeliveryResult{Err: err, NotSent: !errors.As(err, &ce) || ce.IsSync()})
	}
}

func report(d payments.Delivery, r payments.DeliveryResult) {
	if err := state.svc.DeliveryDone(d, r, env()); err != nil {
		cdk.Print("deliveries: " + err.Error())
	}
}

// deliveryArg encodes a batch for its destination: (vec payment_event), or for an ICRC-72
// subscriber (vec EventNotification).
func deliveryArg(d payments.Delivery) ([]byte, error) {
	if d.Method == icrc72Method {
		return candid.Marshal(icrc72Notifications(d, cdk.Self()))
	}
	events := make([]eventsapi.Event, len(d.Events))
	for i, e := range d.Events {
		events[i] = eventOf(e)
	}
	return candid.Marshal(events)
}

// ICRC-72 (the pub/sub draft standard) EventNotification as its reference subscriber
// (PanIndustrial's icrc72-subscriber-mo) declares it. data is an ICRC-16 value; this is
// the subset of its arms the events use, which Candid's subtyping accepts where the full
// recursive ICRC16 is expected.
type icrc72Notification struct {
	ID          candid.Nat          `ic:"id"`
	EventID     candid.Nat          `ic:"eventId"`
	PrevEventID *candid.Nat         `ic:"prevEventId"`
	Timestamp   candid.Nat          `ic:"timestamp"`
	Namespace   string              `ic:"namespace"`
	Data        icrc16Map           `ic:"data"`
	Source      principal.Principal `ic:"source"`
	Headers     *[]icrc16Entry      `ic:"headers"`
	Filter      *string             `ic:"filter"`
}

type icrc16Map struct {
	Map *[]icrc16Entry `ic:"Map,variant"`
}

type icrc16Entry struct {
	Key   string      `ic:"0,tuple"`
	Value icrc16Value `ic:"1,tuple"`
}

type icrc16Value struct {
	Text  *string `ic:"Text,variant"`
	Nat64 *uint64 `ic:"Nat64,variant"`
	Int64 *int64  `ic:"Int64,variant"`
}

// icrc72Namespace prefixes the event kinds (ICRC-72 asks for namespaces a publisher can
// claim; "payment.completed" alone would clash with other publishers').
const icrc72Namespace = "com.stripe.ic."

func icrc72Notifications(d payments.Delivery, self principal.Principal) []icrc72Notification {
	out := make([]icrc72Notification, len(d.Events))
	for i, e := range d.Events {
		text := func(k, v string) icrc16Entry { return icrc16Entry{k, icrc16Value{Text: &v}} }
		data := []icrc16Entry{
			text("session_id", e.SessionID), text("new_status", e.NewStatus.String()), text("currency", e.Currency),
		}
		if e.OldStatus != 0 {
			data = append(data, text("old_status", e.OldStatus.String()))
		}
		if e.HasAmount {
			a := e.Amount
			data = append(data, icrc16Entry{"amount", icrc16Value{Int64: &a}})
		}
		if e.StripeEventID != "" {
			data = append(data, text("stripe_event_id", e.StripeEventID))
		}
		if e.AmountRefunded != 0 {
			a := e.AmountRefunded
			data = append(data, icrc16Entry{"amount_refunded", icrc16Value{Int64: &a}})
		}
		if e.Dispute != "" {
			data = append(data, text("dispute", e.Dispute))
		}
		out[i] = icrc72Notification{ID: candid.Nat(e.Seq), EventID: candid.Nat(e.Seq), Timestamp: candid.Nat(e.Time),
			Namespace: icrc72Namespace + e.Kind.String(), Data: icrc16Map{Map: &data}, Source: self}
	}
	return out
}

// eventArgs is event_config of stripe_backend.did; absent fields keep the defaults.
type eventArgs struct {
	LogRetention       *uint32 `ic:"log_retention"`
	MaxAttempts        *uint32 `ic:"max_attempts"`
	RetryBaseSeconds   *uint64 `ic:"retry_base_seconds"`
	RetryMaxSeconds    *uint64 `ic:"retry_max_seconds"`
	MaxBatch           *uint32 `ic:"max_batch"`
	MaxBatchBytes      *uint32 `ic:"max_batch_bytes"`
	MaxDeadLetters     *uint32 `ic:"max_dead_letters"`
	CallTimeoutSeconds *uint64 `ic:"call_timeout_seconds"`
}

func (a *eventArgs) toConfig() payments.EventConfig {
	if a == nil {
		return payments.EventConfig{}
	}
	return payments.EventConfig{
		LogRetention: num32(a.LogRetention), MaxAttempts: num32(a.MaxAttempts),
		RetryBase: seconds(a.RetryBaseSeconds), RetryMax: seconds(a.RetryMaxSeconds),
		MaxBatch: num32(a.MaxBatch), MaxBatchBytes: num32(a.MaxBatchBytes),
		MaxDeadLetters: num32(a.MaxDeadLetters), CallTimeout: seconds(a.CallTimeoutSeconds),
	}
}

func eventArgsOf(c payments.EventConfig) eventArgs {
	return eventArgs{
		LogRetention: u32(c.LogRetention), MaxAttempts: u32(c.MaxAttempts),
		RetryBaseSeconds: u64(c.RetryBase), RetryMaxSeconds: u64(c.RetryMax),
		MaxBatch: u32(c.MaxBatch), MaxBatchBytes: u32(c.MaxBatchBytes),
		MaxDeadLetters: u32(c.MaxDeadLetters), CallTimeoutSeconds: u64(c.CallTimeout),
	}
}
