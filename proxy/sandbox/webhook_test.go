package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/webhook"
)

func timeAt(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func startWebhookEndpoint(t *testing.T, h http.Handler) (*httptest.Server, string) {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, ts.URL + "/webhook"
}

func TestSignatureHeaderMatchesStripeGo(t *testing.T) {
	payload := []byte(`{"id":"evt_1","object":"event","api_version":"2024-06-20"}`)
	now := time.Unix(1700000000, 0)
	const secret = "whsec_test_secret"
	want := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: secret, Timestamp: now,
	})
	if got := SignatureHeader(payload, secret, now); got != want.Header {
		t.Errorf("SignatureHeader = %q, stripe-go signs %q", got, want.Header)
	}
}

func TestWebhookDelivery(t *testing.T) {
	sink := newSink(0)
	_, hooks := startWebhookEndpoint(t, sink)
	const secret = "whsec_sandbox_test_secret"
	sb, ts := startSandbox(t, Config{WebhookEndpoints: []string{hooks}, WebhookSecret: secret})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 1234, SuccessURL: "https://x.test/{CHECKOUT_SESSION_ID}"})
	if err != nil {
		t.Fatal(err)
	}
	page := visitLink(t, link.URL, url.Values{"client_reference_id": {"ref1"}})
	id := page[strings.LastIndexByte(page, '/')+1:]
	if status, _, _ := call(t, "POST", page, "", "", url.Values{"card_number": {"4242424242424242"}}); status != http.StatusSeeOther {
		t.Fatalf("pay: status %d", status)
	}
	// payment_intent.created, charge.succeeded, payment_intent.succeeded, checkout.session.completed
	got := sink.waitFor(t, 4)
	var types []string
	for _, d := range got {
		evt, err := webhook.ConstructEventWithOptions(d.body, d.signature, secret,
			webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: false})
		if err != nil {
			t.Fatalf("stripe-go rejects the delivery: %v\n%s", err, d.body)
		}
		if evt.APIVersion != "2024-06-20" || evt.Object != "event" || !strings.HasPrefix(evt.ID, "evt_") ||
			evt.Livemode || evt.PendingWebhooks != 1 {
			t.Errorf("event envelope = %+v", evt)
		}
		types = append(types, string(evt.Type))
		if evt.Type == "checkout.session.completed" {
			var cs stripe.CheckoutSession
			if err := json.Unmarshal(evt.Data.Raw, &cs); err != nil {
				t.Fatal(err)
			}
			if cs.ID != id || cs.PaymentStatus != "paid" || cs.Status != "complete" || cs.ClientReferenceID != "ref1" ||
				cs.AmountTotal != 1234 || cs.PaymentIntent == nil || !strings.HasPrefix(cs.PaymentIntent.ID, "pi_") {
				t.Errorf("completed session = %+v", cs)
			}
			// The event is also readable through the API, byte for byte.
			_, _, body := call(t, "GET", ts.URL+"/v1/events/"+evt.ID, "Bearer "+testKey, "", nil)
			if body != string(d.body) {
				t.Errorf("GET /v1/events/%s differs from the delivered body", evt.ID)
			}
		}
		if _, err := webhook.ConstructEventWithOptions(d.body, d.signature, "whsec_wrong",
			webhook.ConstructEventOptions{}); err == nil {
			t.Error("a wrong secret verifies")
		}
	}
	slices.Sort(types)
	want := []string{"charge.succeeded", "checkout.session.completed", "payment_intent.created", "payment_intent.succeeded"}
	if !slices.Equal(types, want) {
		t.Errorf("event types = %v, want %v", types, want)
	}
}

func TestWebhookDeclineEvent(t *testing.T) {
	sink := newSink(0)
	_, hooks := startWebhookEndpoint(t, sink)
	sb, _ := startSandbox(t, Config{WebhookEndpoints: []string{hooks}})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "eur", UnitAmount: 999})
	if err != nil {
		t.Fatal(err)
	}
	page := visitLink(t, link.URL, nil)
	call(t, "POST", page, "", "", url.Values{"card_number": {"4000000000000002"}})
	got := sink.waitFor(t, 2)
	var failed *stripe.Event
	for _, d := range got {
		evt, err := webhook.ConstructEvent(d.body, d.signature, sb.WebhookSecret())
		if err != nil {
			t.Fatal(err)
		}
		if evt.Type == "payment_intent.payment_failed" {
			failed = &evt
		}
	}
	if failed == nil {
		t.Fatal("no payment_intent.payment_failed event")
	}
	var pi stripe.PaymentIntent
	if err := json.Unmarshal(failed.Data.Raw, &pi); err != nil {
		t.Fatal(err)
	}
	if pi.LastPaymentError == nil || pi.LastPaymentError.Msg != "Your card was declined." || pi.Amount != 999 {
		t.Errorf("failed intent = %+v", pi)
	}
}

func TestWebhookRetry(t *testing.T) {
	sink := newSink(2) // two 500s, then 200
	_, hooks := startWebhookEndpoint(t, sink)
	sb, _ := startSandbox(t, Config{
		WebhookEndpoints: []string{hooks},
		Retry:            RetryPolicy{MaxAttempts: 5, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond},
	})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 100})
	if err != nil {
		t.Fatal(err)
	}
	page := visitLink(t, link.URL, nil)
	// Expiring the session emits exactly one event; a form error emits none.
	call(t, "POST", page, "", "", url.Values{"card_number": {"0000"}})
	id := page[strings.LastIndexByte(page, '/')+1:]
	status, _, body := call(t, "POST", sb.BaseURL()+"/v1/checkout/sessions/"+id+"/expire", "Bearer "+testKey, "", url.Values{})
	if status != http.StatusOK {
		t.Fatalf("expire: %d %s", status, body)
	}
	got := sink.waitFor(t, 1)
	if _, err := webhook.ConstructEvent(got[0].body, got[0].signature, sb.WebhookSecret()); err != nil {
		t.Fatalf("retried delivery does not verify: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for sb.Stats().Webhooks.Delivered != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := sb.Stats().Webhooks
	if st.Events != 1 || st.Delivered != 1 || st.FailedAttempts != 2 || st.Pending != 0 || st.Abandoned != 0 {
		t.Errorf("webhook stats = %+v", st)
	}
	sink.mu.Lock()
	attempts := sink.attempts
	sink.mu.Unlock()
	if attempts != 3 {
		t.Errorf("endpoint saw %d attempts, want 3", attempts)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	sink := newSink(1000)
	_, hooks := startWebhookEndpoint(t, sink)
	sb, _ := startSandbox(t, Config{
		WebhookEndpoints: []string{hooks},
		Retry:            RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond},
	})
	link, _ := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 100})
	page := visitLink(t, link.URL, nil)
	id := page[strings.LastIndexByte(page, '/')+1:]
	call(t, "POST", sb.BaseURL()+"/v1/checkout/sessions/"+id+"/expire", "Bearer "+testKey, "", url.Values{})
	deadline := time.Now().Add(5 * time.Second)
	for sb.Stats().Webhooks.Abandoned != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := sb.Stats().Webhooks; st.Abandoned != 1 || st.FailedAttempts != 3 || st.Delivered != 0 {
		t.Errorf("webhook stats = %+v", st)
	}
}

func TestRetryBackoff(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, InitialBackoff: time.Second, MaxBackoff: 5 * time.Second}.withDefaults()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := p.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestWebhookEndpointsAPI(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	sc := stripeClient(ts.URL, testKey)
	all, onlyExpired := newSink(0), newSink(0)
	allSrv, _ := startWebhookEndpoint(t, all)
	expSrv, _ := startWebhookEndpoint(t, onlyExpired)

	// The canister on the local replica is reached as <id>.raw.localhost:
	// the sandbox resolves *.localhost to loopback without DNS.
	allURL := strings.Replace(allSrv.URL, "127.0.0.1", "aaaaa-aa.raw.localhost", 1) + "/webhook"
	weAll, err := sc.WebhookEndpoints.New(&stripe.WebhookEndpointParams{
		URL: stripe.String(allURL), EnabledEvents: stripe.StringSlice([]string{"*"}),
	})
	if err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	weExp, err := sc.WebhookEndpoints.New(&stripe.WebhookEndpointParams{
		URL:           stripe.String(expSrv.URL + "/hook"),
		EnabledEvents: stripe.StringSlice([]string{"checkout.session.expired"}),
	})
	if err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	if !strings.HasPrefix(weAll.ID, "we_") || !strings.HasPrefix(weAll.Secret, "whsec_") ||
		weAll.Secret == weExp.Secret || weAll.Status != "enabled" || weAll.URL != allURL {
		t.Fatalf("endpoint = %+v", weAll)
	}
	got, err := sc.WebhookEndpoints.Get(weAll.ID, nil)
	if err != nil || got.Secret != "" || got.URL != allURL {
		t.Errorf("get endpoint (secret must not be shown again) = %+v, %v", got, err)
	}

	link, _ := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 100})
	page := visitLink(t, link.URL, nil)
	id := page[strings.LastIndexByte(page, '/')+1:]
	call(t, "POST", ts.URL+"/v1/checkout/sessions/"+id+"/expire", "Bearer "+testKey, "", url.Values{})
	call(t, "POST", page, "", "", url.Values{"card_number": {"4000000000000002"}}) // expired: no event

	for _, c := range []struct {
		sink   *webhookSink
		secret string
	}{{all, weAll.Secret}, {onlyExpired, weExp.Secret}} {
		d := c.sink.waitFor(t, 1)
		evt, err := webhook.ConstructEvent(d[0].body, d[0].signature, c.secret)
		if err != nil || evt.Type != "checkout.session.expired" || evt.PendingWebhooks != 2 {
			t.Errorf("delivery = %+v, %v", evt, err)
		}
	}

	del, err := sc.WebhookEndpoints.Del(weAll.ID, nil)
	if err != nil || !del.Deleted {
		t.Fatalf("delete: %+v %v", del, err)
	}
	list := sc.WebhookEndpoints.List(&stripe.WebhookEndpointListParams{})
	var ids []string
	for list.Next() {
		ids = append(ids, list.WebhookEndpoint().ID)
	}
	if err := list.Err(); err != nil || !slices.Equal(ids, []string{weExp.ID}) {
		t.Errorf("list after delete = %v, %v", ids, err)
	}
}

func TestIsLocalhostName(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "abc.raw.localhost": true, "x.localhost.": true,
		"localhost.example": false, "notlocalhost": false, "127.0.0.1": false, "": false,
	} {
		if got := isLocalhostName(host); got != want {
			t.Errorf("isLocalhostName(%q) = %v", host, got)
		}
	}
}
