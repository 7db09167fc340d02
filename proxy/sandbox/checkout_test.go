package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v79"
)

// visitLink opens a Payment Link like a browser and returns the checkout
// page URL it redirects to.
func visitLink(t *testing.T, linkURL string, q url.Values) string {
	t.Helper()
	resp, err := noRedirect().Get(linkURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET %s: status %d, want 303", linkURL, resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc.String()
}

func getSession(t *testing.T, base, id string) stripe.CheckoutSession {
	t.Helper()
	status, _, body := call(t, "GET", base+"/v1/checkout/sessions/"+id, "Bearer "+testKey, "", nil)
	if status != http.StatusOK {
		t.Fatalf("get session: %d %s", status, body)
	}
	var cs stripe.CheckoutSession
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		t.Fatalf("decode session: %v", err)
	}
	return cs
}

func TestCheckoutFormFlow(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	link, err := sb.CreatePaymentLink(LinkSpec{
		ProductName: "Donation", Currency: "usd", UnitAmount: 1234,
		SuccessURL: "http://app.localhost:4943/?checkout_session_id={CHECKOUT_SESSION_ID}&from=stripe",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/b/", "/pay/"} {
		if !strings.HasPrefix(visitLink(t, ts.URL+path+link.ID, nil), ts.URL+"/c/pay/cs_test_") {
			t.Errorf("%s does not redirect to a checkout page", path)
		}
	}

	page := visitLink(t, link.URL, url.Values{
		"client_reference_id": {"ref_Abc-123"}, "prefilled_email": {"payer@example.com"},
	})
	id := page[strings.LastIndexByte(page, '/')+1:]

	// The page is a plain HTML form showing the formatted amount and hints.
	status, hdr, body := call(t, "GET", page, "", "", nil)
	for _, want := range []string{`<form method="post" action="/c/pay/` + id + `"`, "$12.34", "Donation",
		`name="card_number"`, ">Pay $12.34</button>", "4242 4242 4242 4242", `value="payer@example.com"`} {
		if !strings.Contains(body, want) {
			t.Errorf("checkout page lacks %q", want)
		}
	}
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") ||
		strings.Contains(body, "<script") {
		t.Errorf("checkout page: status %d, type %q, script-free %v", status, hdr.Get("Content-Type"),
			!strings.Contains(body, "<script"))
	}

	steps := []struct {
		name       string
		card       string
		wantStatus int
		wantText   string // in the page body
		wantLoc    string // redirect target
	}{
		{"incomplete", "", http.StatusPaymentRequired, "Your card number is incomplete.", ""},
		{"bad luhn", "4242 4242 4242 4241", http.StatusPaymentRequired, "Your card number is invalid.", ""},
		{"declined", "4000 0000 0000 0002", http.StatusPaymentRequired, "Your card was declined.", ""},
		{"paid", "4242 4242 4242 4242", http.StatusSeeOther, "",
			"http://app.localhost:4943/?checkout_session_id=" + id + "&from=stripe"},
		{"already paid", "4000 0000 0000 0002", http.StatusSeeOther, "",
			"http://app.localhost:4943/?checkout_session_id=" + id + "&from=stripe"},
	}
	for _, st := range steps {
		form := url.Values{"card_number": {st.card}, "card_expiry": {"12 / 34"}, "card_cvc": {"123"},
			"email": {"payer@example.com"}, "name": {"Ada Lovelace"}}
		status, hdr, body := call(t, "POST", page, "", "", form)
		if status != st.wantStatus {
			t.Fatalf("%s: status %d, want %d\n%s", st.name, status, st.wantStatus, body)
		}
		if st.wantText != "" && !strings.Contains(body, st.wantText) {
			t.Errorf("%s: page lacks %q", st.name, st.wantText)
		}
		if got := hdr.Get("Location"); got != st.wantLoc {
			t.Errorf("%s: Location %q, want %q", st.name, got, st.wantLoc)
		}
		if st.name == "declined" {
			cs := getSession(t, ts.URL, id)
			if cs.Status != stripe.CheckoutSessionStatusOpen || cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid ||
				cs.PaymentIntent == nil {
				t.Fatalf("after decline: session %s/%s, intent %v", cs.Status, cs.PaymentStatus, cs.PaymentIntent)
			}
			_, _, piBody := call(t, "GET", ts.URL+"/v1/payment_intents/"+cs.PaymentIntent.ID, "Bearer "+testKey, "", nil)
			var pi stripe.PaymentIntent
			if err := json.Unmarshal([]byte(piBody), &pi); err != nil {
				t.Fatal(err)
			}
			if pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || pi.LastPaymentError == nil ||
				pi.LastPaymentError.Code != stripe.ErrorCodeCardDeclined || pi.LastPaymentError.DeclineCode != "generic_decline" {
				t.Errorf("declined intent = %s, %+v", pi.Status, pi.LastPaymentError)
			}
		}
	}

	cs := getSession(t, ts.URL, id)
	if cs.Status != stripe.CheckoutSessionStatusComplete || cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		cs.ClientReferenceID != "ref_Abc-123" || cs.AmountTotal != 1234 || cs.Currency != "usd" ||
		cs.PaymentLink == nil || cs.PaymentLink.ID != link.ID || cs.URL != "" ||
		cs.CustomerDetails == nil || cs.CustomerDetails.Email != "payer@example.com" {
		t.Errorf("paid session = %+v", cs)
	}
	if st := sb.Stats(); st.Payments.Succeeded != 1 || st.Payments.Declined != 1 {
		t.Errorf("payment stats = %+v", st.Payments)
	}
}

func TestPaymentLinkQuery(t *testing.T) {
	sb, ts := startSandbox(t, Config{})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "JPY", UnitAmount: 1234})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ref, wantRef string
	}{
		{"kept", "abc_DEF-123", "abc_DEF-123"},
		{"invalid characters dropped", "a b<c>", ""},
		{"too long dropped", strings.Repeat("x", 201), ""},
		{"absent", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{}
			if tt.ref != "" {
				q.Set("client_reference_id", tt.ref)
			}
			page := visitLink(t, link.URL, q)
			cs := getSession(t, ts.URL, page[strings.LastIndexByte(page, '/')+1:])
			if cs.ClientReferenceID != tt.wantRef {
				t.Errorf("client_reference_id = %q, want %q", cs.ClientReferenceID, tt.wantRef)
			}
		})
	}
	// A zero-decimal currency is shown without /100.
	page := visitLink(t, link.URL, nil)
	if _, _, body := call(t, "GET", page, "", "", nil); !strings.Contains(body, "¥1,234") {
		t.Errorf("JPY page lacks ¥1,234")
	}
	// Without a success URL the page confirms the payment itself.
	status, _, body := call(t, "POST", page, "", "", url.Values{"card_number": {"4242424242424242"}})
	if status != http.StatusOK || !strings.Contains(body, "Payment successful") {
		t.Errorf("hosted confirmation: %d", status)
	}
	if status, _, _ := call(t, "GET", ts.URL+"/b/plink_unknown", "", "", nil); status != http.StatusNotFound {
		t.Errorf("unknown link: status %d", status)
	}
	if status, _, _ := call(t, "GET", ts.URL+"/c/pay/cs_test_unknown", "", "", nil); status != http.StatusNotFound {
		t.Errorf("unknown session page: status %d", status)
	}
}

func TestSessionExpiry(t *testing.T) {
	clock := &fakeClock{t: timeAt(2026, 1, 1)}
	sink := newSink(0)
	_, hooks := startWebhookEndpoint(t, sink)
	sb, ts := startSandbox(t, Config{Now: clock.Now, WebhookEndpoints: []string{hooks}})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 500})
	if err != nil {
		t.Fatal(err)
	}
	page := visitLink(t, link.URL, nil)
	id := page[strings.LastIndexByte(page, '/')+1:]
	clock.Advance(24*time.Hour + time.Second)
	if cs := getSession(t, ts.URL, id); cs.Status != stripe.CheckoutSessionStatusExpired {
		t.Fatalf("status after 24h = %s", cs.Status)
	}
	status, _, body := call(t, "POST", page, "", "", url.Values{"card_number": {"4242424242424242"}})
	if status != http.StatusGone && status != http.StatusOK || !strings.Contains(body, "expired") {
		t.Errorf("paying an expired session: %d", status)
	}
	d := sink.waitFor(t, 1)
	if !strings.Contains(string(d[0].body), `"checkout.session.expired"`) {
		t.Errorf("event = %s", d[0].body)
	}
}
