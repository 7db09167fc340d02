package payments

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// ErrMalformedEvent wraps every reason an event body is refused.
var ErrMalformedEvent = errors.New("malformed event")

// Event types the state machine acts on. Any other type is acknowledged and ignored.
const (
	EventSessionCompleted        = "checkout.session.completed"
	EventSessionAsyncSucceeded   = "checkout.session.async_payment_succeeded"
	EventSessionAsyncFailed      = "checkout.session.async_payment_failed"
	EventSessionExpired          = "checkout.session.expired"
	EventPaymentIntentSucceeded  = "payment_intent.succeeded"
	EventPaymentIntentFailed     = "payment_intent.payment_failed"
	EventChargeRefunded          = "charge.refunded"
	EventDisputeCreated          = "charge.dispute.created"
	EventDisputeUpdated          = "charge.dispute.updated"
	EventDisputeClosed           = "charge.dispute.closed"
	EventInvoicePaid             = "invoice.paid"
	EventInvoicePaymentSucceeded = "invoice.payment_succeeded"
	EventInvoicePaymentFailed    = "invoice.payment_failed"
	thinEventObject              = "v2.core.event"
	maxEventIDLen                = 255
	maxEventTypeLen              = 128
	maxObjectIDLen               = 255
)

// Event is the part of a Stripe event envelope the canister needs. Object is the raw
// data.object, decoded on demand by type.
type Event struct {
	ID         string
	Type       string
	Created    int64
	Livemode   bool
	APIVersion string
	Thin       bool // a v2 thin event: carries only a reference, nothing to apply
	Object     json.RawMessage
}

type eventEnvelope struct {
	ID         string          `json:"id"`
	Object     string          `json:"object"`
	Type       string          `json:"type"`
	Created    json.RawMessage `json:"created"`
	Livemode   bool            `json:"livemode"`
	APIVersion string          `json:"api_version"`
	Data       *struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// ParseEvent decodes and checks an event envelope: a JSON object with object "event" (or a v2
// thin event), an id, a type and a positive created time, and for v1 events a data.object
// that is a JSON object.
func ParseEvent(body []byte) (Event, error) {
	var env eventEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": "+err.Error())
	}
	ev := Event{ID: env.ID, Type: env.Type, Livemode: env.Livemode, APIVersion: env.APIVersion}
	switch env.Object {
	case "event":
	case thinEventObject:
		ev.Thin = true
	default:
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": object is "+strconv.Quote(clip(env.Object))+`, want "event"`)
	}
	if env.ID == "" || len(env.ID) > maxEventIDLen {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": id must be 1 to "+errfmt.Int(maxEventIDLen)+" bytes")
	}
	if env.Type == "" || len(env.Type) > maxEventTypeLen {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": type must be 1 to "+errfmt.Int(maxEventTypeLen)+" bytes")
	}
	if ev.Thin {
		// Thin events carry "created" as an RFC 3339 string and no data to apply.
		return ev, nil
	}
	if err := json.Unmarshal(env.Created, &ev.Created); err != nil || ev.Created <= 0 {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": created must be a positive Unix time")
	}
	if env.Data == nil || len(env.Data.Object) == 0 || env.Data.Object[0] != '{' {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": data.object must be a JSON object")
	}
	ev.Object = env.Data.Object
	return ev, nil
}

// expandableID decodes a Stripe field that is an id string, an expanded object with an id,
// or null.
type expandableID string

func (e *expandableID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*e = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = expandableID(s)
		return nil
	case len(b) > 0 && b[0] == '{':
		var o struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*e = expandableID(o.ID)
		return nil
	}
	return errors.New("want an id string, an object or null, got " + errfmt.Prefix(string(b), 20))
}

// SessionObject is the projection of a Checkout Session the canister keeps. Pointers keep
// Stripe's null apart from zero values.
type SessionObject struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Status            string       `json:"status"`
	PaymentStatus     string       `json:"payment_status"`
	AmountTotal       *int64       `json:"amount_total"`
	Currency          *string      `json:"currency"`
	ClientReferenceID *string      `json:"client_reference_id"`
	Created           int64        `json:"created"`
	PaymentIntent     expandableID `json:"payment_intent"`
	Invoice           expandableID `json:"invoice"`
	Livemode          bool         `json:"livemode"`
	URL               *string      `json:"url"`
}

// sessionMask lists the fields the proxy keeps (x-json-mask): what SessionObject decodes.
const sessionMask = "id,object,status,payment_status,amount_total,currency,client_reference_id,created,payment_intent,invoice,livemode,url"

// fetchMask is sessionMask without url: a fetched session's url is never used (only a
// created session's is), and it is most of an open session's size.
const fetchMask = "id,object,status,payment_status,amount_total,currency,client_reference_id,created,payment_intent,invoice,livemode"

func parseSessionObject(raw []byte) (SessionObject, error) {
	var s SessionObject
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, errfmt.Wrap("checkout session: ", err, "")
	}
	if s.Object != "" && s.Object != "checkout.session" {
		return s, errors.New("checkout session: object is " + strconv.Quote(clip(s.Object)))
	}
	if err := checkSessionID(s.ID); err != nil {
		return s, errfmt.Wrap("checkout session: ", err, "")
	}
	if len(s.PaymentIntent) > maxObjectIDLen || len(s.Invoice) > maxObjectIDLen {
		return s, errors.New("checkout session: payment_intent or invoice id too long")
	}
	// Stripe's own limits, enforced so that a stored record has a bounded size (a stable
	// B-tree needs one) whatever a webhook body contains.
	if len(s.Status) > maxEnumLen || len(s.PaymentStatus) > maxEnumLen || len(deref(s.Currency)) > maxEnumLen {
		return s, errors.New("checkout session: status, payment_status or currency too long")
	}
	if len(deref(s.ClientReferenceID)) > maxClientReferenceBytes {
		return s, errors.New("checkout session: client_reference_id longer than " + errfmt.Int(maxClientReferenceBytes) + " bytes")
	}
	// What the public view shows must be what Stripe can say: a claim of a negative or
	// impossible amount, or of a currency that is not an ISO 4217 code, is not one.
	if s.AmountTotal != nil {
		if err := checkAmount("amount_total", *s.AmountTotal); err != nil {
			return s, errfmt.Wrap("checkout session: ", err, "")
		}
	}
	if s.Currency != nil && !validCurrency(*s.Currency) {
		return s, errors.New("checkout session: currency " + strconv.Quote(clip(*s.Currency)) + " is not a lowercase ISO 4217 code")
	}
	if s.Created < 0 {
		return s, errors.New("checkout session: created is negative")
	}
	return s, nil
}

const (
	// maxEnumLen bounds status, payment_status and currency (all short enums at Stripe).
	maxEnumLen = 32
	// maxClientReferenceBytes: Stripe allows 200 characters, up to 4 bytes each in UTF-8.
	maxClientReferenceBytes = 800
	// maxStripeAmount is the largest amount Stripe accepts in any currency, in minor
	// units: 12 digits (IDR's limit; most currencies stop at 8).
	maxStripeAmount = 999_999_999_999
)

// checkAmount accepts what Stripe can report as an amount: 0 to maxStripeAmount.
func checkAmount(field string, v int64) error {
	if v < 0 || v > maxStripeAmount {
		return errors.New(field + " " + errfmt.Int(v) + " is outside Stripe's range 0.." + errfmt.Int(int64(maxStripeAmount)))
	}
	return nil
}

// validCurrency accepts a three-letter ISO 4217 code as Stripe writes it (lowercase).
func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'a' || c[i] > 'z' {
			return false
		}
	}
	return true
}

// paymentObject covers the fields used from payment_intent, charge and invoice objects.
type paymentObject struct {
	ID             string       `json:"id"`
	Object         string       `json:"object"`
	PaymentIntent  expandableID `json:"payment_intent"`
	Refunded       bool         `json:"refunded"`
	AmountRefunded int64        `json:"amount_refunded"`
}

func parsePaymentObject(raw []byte, wantObject string) (paymentObject, error) {
	var p paymentObject
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, errfmt.Wrap(wantObject+": ", err, "")
	}
	if p.Object != wantObject {
		return p, errors.New(wantObject + ": object is " + strconv.Quote(clip(p.Object)))
	}
	if p.ID == "" || len(p.ID) > maxObjectIDLen || len(p.PaymentIntent) > maxObjectIDLen {
		return p, errors.New(wantObject + ": id missing or too long")
	}
	if err := checkAmount("amount_refunded", p.AmountRefunded); err != nil {
		return p, errfmt.Wrap(wantObject+": ", err, "")
	}
	return p, nil
}

// disputeObject covers the fields used from a dispute (charge.dispute.* events).
type disputeObject struct {
	ID            string       `json:"id"`
	Object        string       `json:"object"`
	Charge        expandableID `json:"charge"`
	PaymentIntent expandableID `json:"payment_intent"`
	Status        string       `json:"status"`
}

func parseDisputeObject(raw []byte) (disputeObject, error) {
	var d disputeObject
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, errfmt.Wrap("dispute: ", err, "")
	}
	switch {
	case d.Object != "dispute":
		return d, errors.New("dispute: object is " + strconv.Quote(clip(d.Object)))
	case d.ID == "" || len(d.ID) > maxObjectIDLen || len(d.PaymentIntent) > maxObjectIDLen:
		return d, errors.New("dispute: id missing or too long")
	case d.Status == "" || len(d.Status) > maxEnumLen:
		return d, errors.New("dispute: status missing or too long")
	}
	return d, nil
}

// disputeClosed reports a final dispute status; an open one never replaces it.
func disputeClosed(status string) bool {
	return status == "won" || status == "lost" || status == "warning_closed"
}

// eventFamily is the object kind an event type refers to.
func eventFamily(t string) string {
	i := strings.LastIndexByte(t, '.')
	if i < 0 {
		return ""
	}
	return t[:i]
}
