package payments

import (
	"bytes"
	"testing"

	"github.com/gocanister/stripe-ic/canister/internal/jsonlite"
)

// The decoding of webhook bodies, Checkout Sessions and Stripe error bodies moved from
// encoding/json to jsonlite. These tests hold it to the old code (kept in
// jsontwin_test.go): the same values when it decoded, the same error texts when it did not.

var jsonDiffCases = []string{
	`{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1700000000,"livemode":true,"api_version":"2024-06-20","data":{"object":{"id":"cs_test_1","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":1000,"currency":"usd","client_reference_id":null,"created":1700000000,"payment_intent":"pi_1","invoice":{"id":"in_1","object":"invoice"},"livemode":false,"url":null}}}`,
	`{"id":"evt_1","object":"event","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1","object":"charge","payment_intent":{"id":"pi_1"},"refunded":true,"amount_refunded":5}}}`,
	`{"id":"evt_1","object":"event","type":"charge.dispute.closed","created":1,"data":{"object":{"id":"dp_1","object":"dispute","charge":"ch_1","payment_intent":null,"status":"won"}}}`,
	`{"ID":"a","id":"b","Id":"c","OBJECT":"event","ſtatus":"x","Type":"t","created":1,"data":{"object":{}},"data":{}}`,
	`{"id":"evt_1","object":"event","type":"x","created":1,"data":{"object":{"a":1}},"data":null}`,
	`{"id":"evt_1","object":"event","type":"x","created":1,"data":"str"}`,
	`{"id":"evt_1","object":"event","type":"x","created":1,"data":[1]}`,
	`{"id":1,"object":"event","type":"x","created":1,"data":{"object":{}}}`,
	`{"id":"evt_1","object":"event","type":"x","created":1.5,"data":{"object":{}}}`,
	`{"id":"evt_1","object":"event","type":"x","created":"1","livemode":"yes"}`,
	`{"id":"evt_1","livemode":1,"api_version":[],"type":{}}`,
	`{"id":null,"object":null,"created":null,"livemode":null,"data":{"object":null}}`,
	`{"id":"\u0065vt\ud83d\ude00\ud800","object":"event"}`,
	`[]`, `null`, `"event"`, `1`, `true`, `{`, `{"id":"x",}`, `{"id":"x"} x`, ``, `{"a":[[[`,
	`{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such <session> & more\u2028"}}`,
	`{"error":{"type":"api_error","message":"boom"}}`,
	`{"error":null}`, `{"error":{"type":5}}`, `{"error":"x"}`, `{"error":[]}`, `{"Error":{"Type":"a"},"error":{"code":"b"}}`,
	`{"id":"cs_test_1","payment_intent":5}`, `{"id":"cs_test_1","payment_intent":[1,2,3,4,5,6,7,8,9,10,11,12]}`,
	`{"id":"cs_test_1","payment_intent":{"id":7}}`, `{"id":"cs_test_1","payment_intent":{"id":7},"amount_total":"x"}`,
	`{"id":"cs_test_1","amount_total":"x","payment_intent":{"id":7}}`, `{"id":"cs_test_1","invoice":true,"status":3}`,
	`{"id":"cs_test_1","amount_total":1e3}`, `{"id":"cs_test_1","amount_total":9223372036854775808}`,
	`{"id":"cs_test_1","amount_total":null,"currency":null,"url":"https://x/<a>"}`,
	`{"id":"cs_test_1","payment_intent":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}`,
	"{\"id\":\"cs_test_1\",\"payment_intent\":[\"\xff\xfe\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\"]}",
	`{"id":"ch_1","object":"charge","refunded":"true","amount_refunded":-1}`,
	`{"object":"dispute","charge":false,"status":null}`,
}

func TestJSONDecodingMatchesEncodingJSON(t *testing.T) {
	for _, c := range jsonDiffCases {
		compareJSONDecoding(t, []byte(c))
	}
}

// FuzzDecodeWebhook: any body decodes with jsonlite exactly as with encoding/json, as an
// envelope, as each object kind and as a Stripe error body (values, error texts, and the
// bodies TransformResponse writes).
func FuzzDecodeWebhook(f *testing.F) {
	for _, c := range jsonDiffCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		compareJSONDecoding(t, body)
	})
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func compareJSONDecoding(t *testing.T, body []byte) {
	t.Helper()
	// The envelope, and ParseEvent's error when it does not decode.
	want, werr := oldDecode[eventEnvelope](body)
	var got envelope
	gerr := jsonlite.Unmarshal(body, "payments.eventEnvelope", got.fields())
	if errText(gerr) != errText(werr) {
		t.Fatalf("%q: envelope error %q, encoding/json %q", body, errText(gerr), errText(werr))
	}
	objects := [][]byte{body}
	if werr != nil {
		if _, err := ParseEvent(body); errText(err) != "malformed event: "+werr.Error() {
			t.Fatalf("%q: ParseEvent error %q, encoding/json's would be %q", body, errText(err), werr)
		}
	} else {
		if got.ID != want.ID || got.Object != want.Object || got.Type != want.Type || !bytes.Equal(got.Created, want.Created) ||
			got.Livemode != want.Livemode || got.APIVersion != want.APIVersion || (got.Data == nil) != (want.Data == nil) ||
			got.Data != nil && !bytes.Equal(got.Data.Object, want.Data.Object) {
			t.Fatalf("%q: envelope %+v, encoding/json %+v", body, got, want)
		}
		wc, wcerr := oldDecode[int64](want.Created)
		created, err := jsonlite.Parse(got.Created)
		gc, ok := created.Int64()
		if (err == nil && ok) != (wcerr == nil && created.Kind() != jsonlite.KindNull) || ok && gc != wc {
			t.Fatalf("%q: created %d (%v), encoding/json %d (%v)", body, gc, ok, wc, wcerr)
		}
		if got.Data != nil {
			objects = append(objects, got.Data.Object)
		}
	}
	for _, raw := range objects {
		compareObjects(t, raw)
	}
	compareStripeError(t, body)
}

func compareObjects(t *testing.T, raw []byte) {
	t.Helper()
	ws, werr := oldDecode[SessionObject](raw)
	var s SessionObject
	gerr := jsonlite.Unmarshal(raw, "payments.SessionObject", s.fields())
	if errText(gerr) != errText(werr) {
		t.Fatalf("%q: session error %q, encoding/json %q", raw, errText(gerr), errText(werr))
	}
	if werr == nil {
		w := ws
		if g, w := appendSessionProjection(nil, &s), appendSessionProjection(nil, &w); !bytes.Equal(g, w) || deref(s.URL) != deref(ws.URL) || (s.URL == nil) != (ws.URL == nil) {
			t.Fatalf("%q: session %s, encoding/json %s", raw, g, w)
		}
		resp := TransformResponse(OutcallResponse{Status: 200, Body: raw}, []byte(transformSession))
		if w := appendSessionProjection(nil, &w); !bytes.Equal(resp.Body, w) {
			t.Fatalf("%q: transformed %s, want %s", raw, resp.Body, w)
		}
	}

	wp, werr := oldDecode[paymentObject](raw)
	var p paymentObject
	gerr = jsonlite.Unmarshal(raw, "payments.paymentObject", p.fields())
	if errText(gerr) != errText(werr) {
		t.Fatalf("%q: payment error %q, encoding/json %q", raw, errText(gerr), errText(werr))
	}
	if werr == nil && (p.ID != wp.ID || p.Object != wp.Object || string(p.PaymentIntent) != string(wp.PaymentIntent) ||
		p.Refunded != wp.Refunded || p.AmountRefunded != wp.AmountRefunded) {
		t.Fatalf("%q: payment %+v, encoding/json %+v", raw, p, wp)
	}

	wd, werr := oldDecode[disputeObject](raw)
	var d disputeObject
	gerr = jsonlite.Unmarshal(raw, "payments.disputeObject", d.fields())
	if errText(gerr) != errText(werr) {
		t.Fatalf("%q: dispute error %q, encoding/json %q", raw, errText(gerr), errText(werr))
	}
	if werr == nil && (d.ID != wd.ID || d.Object != wd.Object || string(d.Charge) != string(wd.Charge) ||
		string(d.PaymentIntent) != string(wd.PaymentIntent) || d.Status != wd.Status) {
		t.Fatalf("%q: dispute %+v, encoding/json %+v", raw, d, wd)
	}
}

func compareStripeError(t *testing.T, body []byte) {
	t.Helper()
	ok, typ, code, msg, reduced := oldStripeError(body)
	e, gok := parseStripeError(body)
	if gok != ok || ok && (e.Type != typ || e.Code != code || e.Message != msg) {
		t.Fatalf("%q: Stripe error %+v (%v), encoding/json %q %q %q (%v)", body, e, gok, typ, code, msg, ok)
	}
	resp := TransformResponse(OutcallResponse{Status: 400, Body: body}, []byte(transformSession))
	if !bytes.Equal(resp.Body, reduced) {
		t.Fatalf("%q: transformed error body %s, encoding/json %s", body, resp.Body, reduced)
	}
	wantMsg := "no Stripe error body"
	if ok {
		wantMsg = clip(typ + ": " + msg)
	}
	if got := stripeMessage(body); got != wantMsg {
		t.Fatalf("%q: stripeMessage %q, want %q", body, got, wantMsg)
	}
}
