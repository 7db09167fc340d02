// Package payments (directory jsontwin) keeps the encoding/json decoding that
// internal/jsonlite replaced in the payments package, verbatim, as the oracle of the
// differential tests. Its package name is payments so that reflect names its types as it
// named the originals ("payments.SessionObject"), and encoding/json's error texts compare
// byte for byte. Only tests import it: the canister does not link encoding/json.
package payments

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EventEnvelope is the old eventEnvelope.
type EventEnvelope = eventEnvelope

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

// DecodeEnvelope is the old ParseEvent's first step.
func DecodeEnvelope(body []byte) (EventEnvelope, error) {
	var env eventEnvelope
	err := json.Unmarshal(body, &env)
	return env, err
}

// DecodeCreated is the old ParseEvent's decoding of created.
func DecodeCreated(raw []byte) (int64, error) {
	var n int64
	err := json.Unmarshal(raw, &n)
	return n, err
}

// ExpandableID is the old expandableID.
type ExpandableID = expandableID

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
	return fmt.Errorf("want an id string, an object or null, got %.20s", b)
}

// SessionObject is the old SessionObject.
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

// DecodeSession is the old parseSessionObject's (and TransformResponse's) decoding.
func DecodeSession(raw []byte) (SessionObject, error) {
	var s SessionObject
	err := json.Unmarshal(raw, &s)
	return s, err
}

// PaymentObject is the old paymentObject.
type PaymentObject = paymentObject

type paymentObject struct {
	ID             string       `json:"id"`
	Object         string       `json:"object"`
	PaymentIntent  expandableID `json:"payment_intent"`
	Refunded       bool         `json:"refunded"`
	AmountRefunded int64        `json:"amount_refunded"`
}

// DecodePayment is the old parsePaymentObject's decoding.
func DecodePayment(raw []byte) (PaymentObject, error) {
	var p paymentObject
	err := json.Unmarshal(raw, &p)
	return p, err
}

// DisputeObject is the old disputeObject.
type DisputeObject = disputeObject

type disputeObject struct {
	ID            string       `json:"id"`
	Object        string       `json:"object"`
	Charge        expandableID `json:"charge"`
	PaymentIntent expandableID `json:"payment_intent"`
	Status        string       `json:"status"`
}

// DecodeDispute is the old parseDisputeObject's decoding.
func DecodeDispute(raw []byte) (DisputeObject, error) {
	var d disputeObject
	err := json.Unmarshal(raw, &d)
	return d, err
}

type stripeError struct {
	Error *struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// StripeError is the old decoding of a Stripe error body (stripeMessage and
// TransformResponse): ok, type, code and message, the error, and the reduced body
// TransformResponse wrote.
func StripeError(body []byte) (ok bool, typ, code, message string, err error, reduced []byte) {
	var e stripeError
	err = json.Unmarshal(body, &e)
	if err == nil && e.Error != nil {
		reduced, _ = json.Marshal(map[string]map[string]string{"error": {"type": e.Error.Type, "code": e.Error.Code, "message": e.Error.Message}})
		return true, e.Error.Type, e.Error.Code, e.Error.Message, nil, reduced
	}
	return false, "", "", "", err, nil
}
