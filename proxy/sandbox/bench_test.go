package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkRetrieveSession measures GET /v1/checkout/sessions/{id} through
// stripe-go, the call the canister's proxy makes per poll.
func BenchmarkRetrieveSession(b *testing.B) {
	sb, ts := startSandbox(b, Config{})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 1234})
	if err != nil {
		b.Fatal(err)
	}
	sess, err := sb.sessionFromLink(link.ID, url.Values{})
	if err != nil {
		b.Fatal(err)
	}
	sc := stripeClient(ts.URL, testKey)
	b.ResetTimer()
	for b.Loop() {
		if _, err := sc.CheckoutSessions.Get(sess.ID, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/retrieve")
}

// BenchmarkPaymentFlow runs the browser side of one payment (open the link,
// submit 4242, follow nothing) and reports the events it emits.
func BenchmarkPaymentFlow(b *testing.B) {
	sb, ts := startSandbox(b, Config{})
	link, err := sb.CreatePaymentLink(LinkSpec{Currency: "usd", UnitAmount: 1234,
		SuccessURL: "http://page.test/?checkout_session_id={CHECKOUT_SESSION_ID}"})
	if err != nil {
		b.Fatal(err)
	}
	client := noRedirect()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Get(link.URL + "?client_reference_id=bench")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		page := ts.URL + resp.Header.Get("Location")
		resp, err = client.Post(page, "application/x-www-form-urlencoded",
			strings.NewReader("card_number=4242424242424242"))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("pay: status %d", resp.StatusCode)
		}
	}
	st := sb.Stats()
	b.ReportMetric(float64(st.Webhooks.Events)/float64(b.N), "events/payment")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/payment")
}
