package sandbox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stripe/stripe-mock/embedded"
	"github.com/stripe/stripe-mock/spec"
)

// Stripe's own OpenAPI description (the one stripe-mock embeds) checks the
// shapes independently of stripe-go, whose decoder accepts almost anything.
// The spec is of a newer API version than 2024-06-20; fields added since
// are not required here, so "required" lists are dropped and only the types,
// enums and nullability of what the sandbox sends are checked.
var openAPI = sync.OnceValues(func() (*spec.Spec, error) {
	var raw any
	if err := json.Unmarshal(embedded.OpenAPISpec, &raw); err != nil {
		return nil, err
	}
	dropRequired(raw)
	relaxed, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var s spec.Spec
	if err := json.Unmarshal(relaxed, &s); err != nil {
		return nil, err
	}
	return &s, nil
})

func dropRequired(v any) {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "required")
		for _, c := range t {
			dropRequired(c)
		}
	case []any:
		for _, c := range t {
			dropRequired(c)
		}
	}
}

// shapeError validates body against the named component schema.
func shapeError(component string, body []byte) error {
	s, err := openAPI()
	if err != nil {
		return fmt.Errorf("load Stripe OpenAPI spec: %w", err)
	}
	schema := s.Components.Schemas[component]
	if schema == nil {
		return fmt.Errorf("no schema %q", component)
	}
	validator, err := spec.GetValidatorForOpenAPI3Schema(schema, spec.GetComponentsForValidation(&s.Components))
	if err != nil {
		return fmt.Errorf("validator for %s: %w", component, err)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	// Renamed after 2024-06-20: ui_mode "hosted" is "hosted_page" in the
	// newer spec. Translate so the rest of the object is still checked.
	if m, ok := doc.(map[string]any); ok && component == "checkout.session" && m["ui_mode"] == "hosted" {
		m["ui_mode"] = "hosted_page"
	}
	return validator.Validate(doc)
}

func TestShapesMatchStripeOpenAPI(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	auth := "Bearer " + testKey
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 1234,
		SuccessURL: "https://x.test/?id={CHECKOUT_SESSION_ID}"})
	if err != nil {
		t.Fatal(err)
	}
	page := visitLink(t, link.URL, url.Values{"client_reference_id": {"r1"}})
	id := page[strings.LastIndexByte(page, '/')+1:]
	_, _, openBody := call(t, "GET", ts.URL+"/v1/checkout/sessions/"+id, auth, "", nil)
	call(t, "POST", page, "", "", url.Values{"card_number": {"4000000000000002"}})
	cs := getSession(t, ts.URL, id)
	_, _, failedPI := call(t, "GET", ts.URL+"/v1/payment_intents/"+cs.PaymentIntent.ID, auth, "", nil)
	call(t, "POST", page, "", "", url.Values{"card_number": {"4242424242424242"}, "email": {"a@b.test"}})

	get := func(path string) []byte {
		status, _, body := call(t, "GET", ts.URL+path, auth, "", nil)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		return []byte(body)
	}
	_, _, created := call(t, "POST", ts.URL+"/v1/webhook_endpoints", auth, "", url.Values{
		"url": {"https://hooks.test/x"}, "enabled_events[]": {"*"}})
	_, _, price := call(t, "POST", ts.URL+"/v1/prices", auth, "", url.Values{
		"currency": {"jpy"}, "unit_amount": {"500"}, "product_data[name]": {"Tea"}})
	_, _, product := call(t, "POST", ts.URL+"/v1/products", auth, "", url.Values{"name": {"Cake"}})
	_, _, apiErr := call(t, "GET", ts.URL+"/v1/checkout/sessions/cs_test_missing", auth, "", nil)

	cases := []struct {
		component string
		body      []byte
	}{
		{"checkout.session", []byte(openBody)},
		{"checkout.session", get("/v1/checkout/sessions/" + id)},
		{"checkout.session", get("/v1/checkout/sessions/" + id + "?expand[]=line_items&expand[]=payment_intent")},
		{"payment_link", get("/v1/payment_links/" + link.ID)},
		{"payment_intent", []byte(failedPI)},
		{"payment_intent", get("/v1/payment_intents/" + cs.PaymentIntent.ID)},
		{"price", []byte(price)},
		{"product", []byte(product)},
		{"webhook_endpoint", []byte(created)},
		{"error", []byte(apiErr)},
	}
	var events struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(get("/v1/events?limit=100"), &events); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Data {
		cases = append(cases, struct {
			component string
			body      []byte
		}{"event", e})
		var head struct {
			Data struct {
				Object struct {
					Object string `json:"object"`
				} `json:"object"`
			} `json:"data"`
		}
		_ = json.Unmarshal(e, &head)
		var env struct {
			Data struct {
				Object json.RawMessage `json:"object"`
			} `json:"data"`
		}
		_ = json.Unmarshal(e, &env)
		cases = append(cases, struct {
			component string
			body      []byte
		}{head.Data.Object.Object, env.Data.Object})
	}
	for _, c := range cases {
		if err := shapeError(c.component, c.body); err != nil {
			t.Errorf("%s does not match Stripe's OpenAPI schema: %v\n%s", c.component, err, c.body)
		}
	}
	// The check itself can fail: a wrong type is caught.
	broken := strings.Replace(string(cases[1].body), `"amount_total": 1234`, `"amount_total": "1234"`, 1)
	if broken == string(cases[1].body) || shapeError("checkout.session", []byte(broken)) == nil {
		t.Error("a string amount_total passes the schema check")
	}
}
