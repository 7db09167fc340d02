package payments

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/internal/jsonlite"
)

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
	Thin       bool   // a v2 thin event: carries only a reference, nothing to apply
	Object     []byte // the raw JSON of data.object (a json.RawMessage)
}

// envelope is an event's envelope. jsonlite decodes it with the names, types and error texts
// encoding/json gave the type it replaced, payments.eventEnvelope (see fields).
type envelope struct {
	ID         string
	Object     string
	Type       string
	Created    []byte
	Livemode   bool
	APIVersion string
	Data       *eventData
}

type eventData struct{ Object []byte }

// eventDataType is the Go type encoding/json named in its messages for data.
const eventDataType = `struct { Object json.RawMessage "json:\"object\"" }`

func (e *envelope) fields() []jsonlite.Field {
	return []jsonlite.Field{
		jsonlite.String("id", &e.ID),
		jsonlite.String("object", &e.Object),
		jsonlite.String("type", &e.Type),
		jsonlite.Raw("created", &e.Created),
		jsonlite.Bool("livemode", &e.Livemode),
		jsonlite.String("api_version", &e.APIVersion),
		jsonlite.ObjectPtr("data", eventDataType, &e.Data, func(d *eventData) []jsonlite.Field {
			return []jsonlite.Field{jsonlite.Raw("object", &d.Object)}
		}),
	}
}

// ParseEvent decodes and checks an event envelope: a JSON object with object "event" (or a v2
// thin event), an id, a type and a positive created time, and for v1 events a data.object
// that is a JSON object.
func ParseEvent(body []byte) (Event, error) {
	var env envelope
	if err := jsonlite.Unmarshal(body, "payments.eventEnvelope", env.fields()); err != nil {
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
	// What json.Unmarshal(created, &ev.Created) accepted and left positive: an integer.
	created, err := jsonlite.Parse(env.Created)
	if ev.Created, _ = created.Int64(); err != nil || ev.Created <= 0 {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": created must be a positive Unix time")
	}
	if env.Data == nil || len(env.Data.Object) == 0 || env.Data.Object[0] != '{' {
		return Event{}, errfmt.Wrap("", ErrMalformedEvent, ": data.object must be a JSON object")
	}
	ev.Object = env.Data.Object
	return ev, nil
}

// expandableID is a Stripe field that is an id string, an expanded object with an id, or
// null.
type expandableID string

// expandableIDType is the Go type encoding/json named for the expanded object.
const expandableIDType = `struct { ID string "json:\"id\"" }`

// field decodes the member name into e, as its UnmarshalJSON method did with encoding/json.
func (e *expandableID) field(name string) jsonlite.Field {
	return jsonlite.Custom(name, func(v jsonlite.Value) error {
		switch v.Kind() {
		case jsonlite.KindNull:
			*e = ""
		case jsonlite.KindString:
			s, _ := v.Str()
			*e = expandableID(s)
		case jsonlite.KindObject:
			var id string
			if err := jsonlite.Decode(v, expandableIDType, []jsonlite.Field{jsonlite.String("id", &id)}); err != nil {
				return err
			}
			*e = expandableID(id)
		default:
			return errors.New("want an id string, an object or null, got " + errfmt.Prefix(string(v.Raw()), 20))
		}
		return nil
	})
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

// fields lists what SessionObject's json tags say, for jsonlite.
func (s *SessionObject) fields() []jsonlite.Field {
	return []jsonlite.Field{
		jsonlite.String("id", &s.ID),
		jsonlite.String("object", &s.Object),
		jsonlite.String("status", &s.Status),
		jsonlite.String("payment_status", &s.PaymentStatus),
		jsonlite.IntPtr("amount_total", &s.AmountTotal),
		jsonlite.StringPtr("currency", &s.Currency),
		jsonlite.StringPtr("client_reference_id", &s.ClientReferenceID),
		jsonlite.Int("created", "int64", &s.Created),
		s.PaymentIntent.field("payment_intent"),
		s.Invoice.field("invoice"),
		jsonlite.Bool("livemode", &s.Livemode),
		jsonlite.StringPtr("url", &s.URL),
	}
}

// sessionMask lists the fields the proxy keeps (x-json-mask): what SessionObject decodes.
const sessionMask = "id,object,status,payment_status,amount_total,currency,client_reference_id,created,payment_intent,invoice,livemode,url"

// fetchMask is sessionMask without url: a fetched session's url is never used (only a
// created session's is), and it is most of an open session's size.
const fetchMask = "id,object,status,payment_status,amount_total,currency,client_reference_id,created,payment_intent,invoice,livemode"

func parseSessionObject(raw []byte) (SessionObject, error) {
	var s SessionObject
	if err := jsonlite.Unmarshal(raw, "payments.SessionObject", s.fields()); err != nil {
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

func (p *paymentObject) fields() []jsonlite.Field {
	return []jsonlite.Field{
		jsonlite.String("id", &p.ID),
		jsonlite.String("object", &p.Object),
		p.PaymentIntent.field("payment_intent"),
		jsonlite.Bool("refunded", &p.Refunded),
		jsonlite.Int("amount_refunded", "int64", &p.AmountRefunded),
	}
}

func parsePaymentObject(raw []byte, wantObject string) (paymentObject, error) {
	var p paymentObject
	if err := jsonlite.Unmarshal(raw, "payments.paymentObject", p.fields()); err != nil {
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

func (d *disputeObject) fields() []jsonlite.Field {
	return []jsonlite.Field{
		jsonlite.String("id", &d.ID),
		jsonlite.String("object", &d.Object),
		d.Charge.field("charge"),
		d.PaymentIntent.field("payment_intent"),
		jsonlite.String("status", &d.Status),
	}
}

func parseDisputeObject(raw []byte) (disputeObject, error) {
	var d disputeObject
	if err := jsonlite.Unmarshal(raw, "payments.disputeObject", d.fields()); err != nil {
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
