package payments

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The encoding/json decoding that internal/jsonlite replaced, kept as the oracle of the
// differential tests (jsondiff_test.go). The object types (SessionObject, paymentObject,
// disputeObject) kept their declarations and json tags, and expandableID gets its old
// UnmarshalJSON back here, in the tests only; the two types whose declarations changed are
// declared as they were, under their old names, so that encoding/json's error texts (which
// name the types) compare byte for byte.

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

type stripeError struct {
	Error *struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

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

// oldDecode is the old json.Unmarshal of raw into a T.
func oldDecode[T any](raw []byte) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// oldStripeError is the old decoding of a Stripe error body (stripeMessage and
// TransformResponse): ok, type, code and message, and the reduced body TransformResponse
// wrote.
func oldStripeError(body []byte) (ok bool, typ, code, message string, reduced []byte) {
	e, err := oldDecode[stripeError](body)
	if err == nil && e.Error != nil {
		reduced, _ = json.Marshal(map[string]map[string]string{"error": {"type": e.Error.Type, "code": e.Error.Code, "message": e.Error.Message}})
		return true, e.Error.Type, e.Error.Code, e.Error.Message, reduced
	}
	return false, "", "", "", nil
}
