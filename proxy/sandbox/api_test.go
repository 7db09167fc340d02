package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	stripe "github.com/stripe/stripe-go/v79"
)

func decodeError(t *testing.T, body string) stripe.Error {
	t.Helper()
	var env struct {
		Error stripe.Error `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return env.Error
}

func basic(user string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"))
}

func TestAuthentication(t *testing.T) {
	_, ts := startSandbox(t, Config{})
	_, pinned := startSandbox(t, Config{APIKey: "rk_test_pinned"})
	tests := []struct {
		name   string
		base   string
		auth   string
		status int
	}{
		{"bearer secret test key", ts.URL, "Bearer sk_test_abc", 200},
		{"bearer restricted test key", ts.URL, "Bearer rk_test_abc", 200},
		{"basic with key as user", ts.URL, basic("sk_test_abc"), 200},
		{"lower-case scheme", ts.URL, "bearer sk_test_abc", 200},
		{"missing", ts.URL, "", 401},
		{"live key", ts.URL, "Bearer sk_live_abc", 401},
		{"publishable key", ts.URL, "Bearer pk_test_abc", 401},
		{"garbage", ts.URL, "Bearer hello", 401},
		{"empty test key", ts.URL, "Bearer sk_test_", 401},
		{"bad basic", ts.URL, "Basic !!!", 401},
		{"unknown scheme", ts.URL, "Token sk_test_abc", 401},
		{"pinned key", pinned.URL, "Bearer rk_test_pinned", 200},
		{"other key when pinned", pinned.URL, "Bearer sk_test_abc", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := call(t, "GET", tt.base+"/v1/events", tt.auth, "", nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if hdr.Get("Request-Id") == "" {
				t.Error("no Request-Id header")
			}
			if status == 401 {
				e := decodeError(t, body)
				if e.Type != stripe.ErrorTypeInvalidRequest || e.Msg == "" {
					t.Errorf("error = %+v", e)
				}
				if strings.Contains(e.Msg, "sk_test_abc") {
					t.Errorf("error message leaks the key: %q", e.Msg)
				}
			}
		})
	}
}

func TestIdempotency(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	auth := "Bearer " + testKey
	create := ts.URL + "/v1/checkout/sessions"
	params := url.Values{
		"mode":                                          {"payment"},
		"success_url":                                   {"https://x.test/?id={CHECKOUT_SESSION_ID}"},
		"line_items[0][quantity]":                       {"1"},
		"line_items[0][price_data][currency]":           {"usd"},
		"line_items[0][price_data][unit_amount]":        {"1234"},
		"line_items[0][price_data][product_data][name]": {"Thing"},
	}

	status, hdr, first := call(t, "POST", create, auth, "key-A", params)
	if status != 200 || hdr.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d replayed=%q %s", status, hdr.Get("Idempotent-Replayed"), first)
	}
	status, hdr, again := call(t, "POST", create, auth, "key-A", params)
	if status != 200 || again != first || hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d replayed=%q same=%v", status, hdr.Get("Idempotent-Replayed"), again == first)
	}

	// Same parameters in another order are the same request.
	pairs := strings.Split(params.Encode(), "&")
	slices.Reverse(pairs)
	req, _ := http.NewRequest("POST", create, strings.NewReader(strings.Join(pairs, "&")))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Idempotency-Key", "key-A")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("reordered parameters not replayed: %d", resp.StatusCode)
	}

	changed := url.Values{}
	for k, v := range params {
		changed[k] = v
	}
	changed.Set("line_items[0][price_data][unit_amount]", "999")
	status, _, body := call(t, "POST", create, auth, "key-A", changed)
	if e := decodeError(t, body); status != 400 || e.Type != stripe.ErrorTypeIdempotency {
		t.Errorf("changed params: %d %+v", status, e)
	}
	// The same key on another endpoint is also a different request.
	status, _, body = call(t, "POST", ts.URL+"/v1/products", auth, "key-A", url.Values{"name": {"x"}})
	if e := decodeError(t, body); status != 400 || e.Type != stripe.ErrorTypeIdempotency {
		t.Errorf("other endpoint: %d %+v", status, e)
	}

	// A different key executes again: a new session.
	status, _, other := call(t, "POST", create, auth, "key-B", params)
	var a, b stripe.CheckoutSession
	_ = json.Unmarshal([]byte(first), &a)
	_ = json.Unmarshal([]byte(other), &b)
	if status != 200 || a.ID == "" || a.ID == b.ID {
		t.Errorf("key-B: %d, ids %q %q", status, a.ID, b.ID)
	}

	// A validation error is not saved: the corrected request may reuse the key.
	bad := url.Values{"mode": {"payment"}}
	if status, _, body := call(t, "POST", create, auth, "key-C", bad); status != 400 ||
		decodeError(t, body).Param != "line_items" {
		t.Errorf("invalid request: %d %s", status, body)
	}
	if status, hdr, _ := call(t, "POST", create, auth, "key-C", params); status != 200 || hdr.Get("Idempotent-Replayed") != "" {
		t.Errorf("corrected request with the same key: %d replayed=%q", status, hdr.Get("Idempotent-Replayed"))
	}

	long := strings.Repeat("k", 256)
	if status, _, _ := call(t, "POST", create, auth, long, params); status != 400 {
		t.Errorf("256-character key: status %d", status)
	}
	if st := sb.Stats(); st.IdempotentReplays != 2 || st.APICalls["POST /v1/checkout/sessions"] != 8 {
		t.Errorf("stats = %+v", st)
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	const n = 8
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, body := call(t, "POST", ts.URL+"/v1/products", "Bearer "+testKey, "same", url.Values{"name": {"x"}})
			switch status {
			case 200:
				var p stripe.Product
				_ = json.Unmarshal([]byte(body), &p)
				ids <- p.ID
			case 409:
				if e := decodeError(t, body); e.Code != stripe.ErrorCodeIdempotencyKeyInUse {
					t.Errorf("409 error = %+v", e)
				}
			default:
				t.Errorf("status %d: %s", status, body)
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	sb.mu.Lock()
	products := len(sb.st.Products)
	sb.mu.Unlock()
	if len(seen) != 1 || products != 1 {
		t.Errorf("one key executed %d times (ids %v)", products, seen)
	}
}

func TestAPIValidation(t *testing.T) {
	_, ts := startSandbox(t, Config{})
	auth := "Bearer " + testKey
	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values
		status int
		code   stripe.ErrorCode
		param  string
	}{
		{"unknown session", "GET", "/v1/checkout/sessions/cs_test_nope", nil, 404, stripe.ErrorCodeResourceMissing, "session"},
		{"unknown link", "GET", "/v1/payment_links/plink_nope", nil, 404, stripe.ErrorCodeResourceMissing, "id"},
		{"unknown route", "GET", "/v1/customers", nil, 404, "", ""},
		{"missing mode", "POST", "/v1/checkout/sessions", url.Values{}, 400, stripe.ErrorCodeParameterMissing, "mode"},
		{"unknown param", "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"}, "bogus": {"1"}}, 400,
			stripe.ErrorCodeParameterUnknown, "bogus"},
		{"bad amount", "POST", "/v1/prices", url.Values{"currency": {"usd"}, "unit_amount": {"1.5"},
			"product_data[name]": {"x"}}, 400, stripe.ErrorCodeParameterInvalidInteger, "unit_amount"},
		{"unknown price", "POST", "/v1/payment_links", url.Values{"line_items[0][price]": {"price_nope"},
			"line_items[0][quantity]": {"1"}}, 404, stripe.ErrorCodeResourceMissing, "line_items[0][price]"},
		{"link without items", "POST", "/v1/payment_links", url.Values{}, 400, stripe.ErrorCodeParameterMissing, "line_items"},
		{"bad success url", "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"}, "success_url": {"nope"}}, 400, "", "success_url"},
		{"malformed key", "POST", "/v1/products", url.Values{"name[": {"x"}}, 400, "", ""},
		{"unknown get param", "GET", "/v1/checkout/sessions/cs_test_x?foo=1", nil, 400, stripe.ErrorCodeParameterUnknown, "foo"},
		{"mixed currencies", "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"},
			"line_items[0][quantity]": {"1"}, "line_items[0][price_data][currency]": {"usd"},
			"line_items[0][price_data][unit_amount]": {"1"}, "line_items[0][price_data][product_data][name]": {"a"},
			"line_items[1][quantity]": {"1"}, "line_items[1][price_data][currency]": {"eur"},
			"line_items[1][price_data][unit_amount]": {"1"}, "line_items[1][price_data][product_data][name]": {"b"},
		}, 400, "", "line_items"},
		{"price_data without product", "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"},
			"line_items[0][quantity]": {"1"}, "line_items[0][price_data][currency]": {"usd"},
			"line_items[0][price_data][unit_amount]": {"1"},
		}, 400, stripe.ErrorCodeParameterMissing, "line_items[0][price_data][product_data]"},
		{"zero quantity", "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"},
			"line_items[0][quantity]": {"0"}, "line_items[0][price]": {"price_x"},
		}, 400, "", "line_items[0][quantity]"},
		{"bad currency", "POST", "/v1/prices", url.Values{"currency": {"dollars"}, "unit_amount": {"1"},
			"product_data[name]": {"x"}}, 400, "", "currency"},
		{"unknown product", "POST", "/v1/prices", url.Values{"currency": {"usd"}, "unit_amount": {"1"},
			"product": {"prod_nope"}}, 404, stripe.ErrorCodeResourceMissing, "product"},
		{"expire twice", "POST", "/v1/checkout/sessions/cs_test_none/expire", url.Values{}, 404,
			stripe.ErrorCodeResourceMissing, "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, tt.method, ts.URL+tt.path, auth, "", tt.form)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			e := decodeError(t, body)
			if e.Code != tt.code || e.Param != tt.param || e.Msg == "" || e.Type != stripe.ErrorTypeInvalidRequest {
				t.Errorf("error = %+v, want code %q param %q", e, tt.code, tt.param)
			}
		})
	}
}

func TestRenderedShapes(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 1234})
	if err != nil {
		t.Fatal(err)
	}
	page := visitLink(t, link.URL, nil)
	call(t, "POST", page, "", "", url.Values{"card_number": {"4242424242424242"}})
	_, _, body := call(t, "GET", ts.URL+"/v1/checkout/sessions/"+page[strings.LastIndexByte(page, '/')+1:],
		"Bearer "+testKey, "", nil)
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	// Unexpanded references are id strings, unset strings null, metadata {}.
	if _, ok := raw["payment_intent"].(string); !ok {
		t.Errorf("payment_intent = %#v, want an id string", raw["payment_intent"])
	}
	if raw["payment_link"] != link.ID || raw["client_reference_id"] != nil || raw["url"] != nil {
		t.Errorf("payment_link %v, client_reference_id %v, url %v", raw["payment_link"], raw["client_reference_id"], raw["url"])
	}
	if m, ok := raw["metadata"].(map[string]any); !ok || len(m) != 0 {
		t.Errorf("metadata = %#v", raw["metadata"])
	}
	// Expanding returns the object.
	_, _, body = call(t, "GET", ts.URL+"/v1/checkout/sessions/"+raw["id"].(string)+"?expand[]=payment_intent",
		"Bearer "+testKey, "", nil)
	var cs stripe.CheckoutSession
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		t.Fatal(err)
	}
	if cs.PaymentIntent == nil || cs.PaymentIntent.Status != stripe.PaymentIntentStatusSucceeded || cs.PaymentIntent.Amount != 1234 {
		t.Errorf("expanded payment_intent = %+v", cs.PaymentIntent)
	}
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sb, err := New(Config{StateFile: path, BaseURL: "http://sandbox.test"})
	if err != nil {
		t.Fatal(err)
	}
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 100})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := sb.sessionFromLink(link.ID, url.Values{"client_reference_id": {"keep-me"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{StateFile: path, BaseURL: "http://sandbox.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	again.mu.Lock()
	got := again.st.Sessions[sess.ID]
	gotLink := again.st.Links[link.ID]
	again.mu.Unlock()
	if got == nil || got.ClientReferenceID != "keep-me" || gotLink == nil || gotLink.LineItems[0].UnitAmount != 100 {
		t.Errorf("after restart: session %+v, link %+v", got, gotLink)
	}
}

func TestHealthAndStats(t *testing.T) {
	_, ts := startSandbox(t, Config{})
	if status, _, body := call(t, "GET", ts.URL+"/_sandbox/health", "", "", nil); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("health: %d %s", status, body)
	}
	call(t, "GET", ts.URL+"/v1/checkout/sessions/cs_test_x", "Bearer "+testKey, "", nil)
	call(t, "GET", ts.URL+"/v1/checkout/sessions/cs_test_y", "Bearer "+testKey, "", nil)
	_, _, body := call(t, "GET", ts.URL+"/_sandbox/stats", "", "", nil)
	var st Stats
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.APICalls["GET /v1/checkout/sessions/{id}"] != 2 || st.APICallsTotal != 2 {
		t.Errorf("stats = %+v", st)
	}
	_, _, body = call(t, "POST", ts.URL+"/_sandbox/stats/reset", "", "", url.Values{})
	_ = json.Unmarshal([]byte(body), &st)
	if st.APICallsTotal != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestEventShape(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	link, _ := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 1234})
	page := visitLink(t, link.URL, nil)
	call(t, "POST", page, "", "", url.Values{"card_number": {"4242424242424242"}})
	_, _, body := call(t, "GET", ts.URL+"/v1/events?type=checkout.session.completed&limit=1", "Bearer "+testKey, "", nil)
	var list struct {
		Object string           `json:"object"`
		Data   []map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || list.Object != "list" || len(list.Data) != 1 {
		t.Fatalf("event list = %s (%v)", body, err)
	}
	evt := list.Data[0]
	data, _ := evt["data"].(map[string]any)
	if _, ok := evt["account"]; ok {
		t.Error("event has account")
	}
	if _, ok := data["previous_attributes"]; ok {
		t.Error("event has previous_attributes")
	}
	obj, _ := data["object"].(map[string]any)
	req, _ := evt["request"].(map[string]any)
	if evt["type"] != "checkout.session.completed" || evt["api_version"] != "2024-06-20" || obj["object"] != "checkout.session" ||
		req == nil || req["id"] != nil {
		t.Errorf("event = %v", evt)
	}
}
