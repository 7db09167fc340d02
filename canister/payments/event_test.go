package payments

import (
	"errors"
	"testing"
)

func TestParseEvent(t *testing.T) {
	good := eventJSON("evt_1", EventSessionCompleted, 1700000000, sessionObj(sessA, "complete", "paid", nil))
	ev, err := ParseEvent(good)
	if err != nil || ev.ID != "evt_1" || ev.Type != EventSessionCompleted || ev.Created != 1700000000 || ev.APIVersion != "2024-06-20" || len(ev.Object) == 0 {
		t.Fatalf("ParseEvent = %+v, %v", ev, err)
	}
	bad := map[string]string{
		"not json":        `{`,
		"array":           `[]`,
		"wrong object":    `{"id":"evt_1","object":"charge","type":"x","created":1,"data":{"object":{}}}`,
		"no object":       `{"id":"evt_1","type":"x","created":1,"data":{"object":{}}}`,
		"no id":           `{"object":"event","type":"x","created":1,"data":{"object":{}}}`,
		"no type":         `{"id":"evt_1","object":"event","created":1,"data":{"object":{}}}`,
		"no created":      `{"id":"evt_1","object":"event","type":"x","data":{"object":{}}}`,
		"string created":  `{"id":"evt_1","object":"event","type":"x","created":"1","data":{"object":{}}}`,
		"zero created":    `{"id":"evt_1","object":"event","type":"x","created":0,"data":{"object":{}}}`,
		"no data":         `{"id":"evt_1","object":"event","type":"x","created":1}`,
		"object is array": `{"id":"evt_1","object":"event","type":"x","created":1,"data":{"object":[1]}}`,
		"object is null":  `{"id":"evt_1","object":"event","type":"x","created":1,"data":{"object":null}}`,
		"id is number":    `{"id":1,"object":"event","type":"x","created":1,"data":{"object":{}}}`,
	}
	for name, body := range bad {
		if _, err := ParseEvent([]byte(body)); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	thin, err := ParseEvent([]byte(`{"id":"evt_t","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-01T00:00:00.000Z"}`))
	if err != nil || !thin.Thin {
		t.Fatalf("thin event: %+v, %v", thin, err)
	}
}

func TestParseSessionObject(t *testing.T) {
	cases := map[string]struct {
		body string
		ok   bool
		pi   string
	}{
		"ids":             {`{"id":"cs_test_1","object":"checkout.session","payment_intent":"pi_1"}`, true, "pi_1"},
		"expanded intent": {`{"id":"cs_test_1","payment_intent":{"id":"pi_2","object":"payment_intent"}}`, true, "pi_2"},
		"null intent":     {`{"id":"cs_test_1","payment_intent":null}`, true, ""},
		"intent number":   {`{"id":"cs_test_1","payment_intent":5}`, false, ""},
		"bad id":          {`{"id":"cs_1"}`, false, ""},
		"wrong object":    {`{"id":"cs_test_1","object":"payment_link"}`, false, ""},
	}
	for name, tc := range cases {
		so, err := parseSessionObject([]byte(tc.body))
		if (err == nil) != tc.ok || err == nil && string(so.PaymentIntent) != tc.pi {
			t.Errorf("%s: %+v, %v", name, so, err)
		}
	}
}
