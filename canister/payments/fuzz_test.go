package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v79/webhook"
)

// FuzzParseSignatureHeader: the parser never panics, what it accepts is well formed, and the
// verifier is never more lenient than stripe-go: whatever we accept, stripe-go accepts.
func FuzzParseSignatureHeader(f *testing.F) {
	body := []byte(`{"id":"evt_1","object":"event"}`)
	f.Add(stripeSign(body, testSecret, t0).Header, body)
	f.Add(multiHeader(body, t0, testSecretOld, testSecret), body)
	f.Add("t=1760000000,v1=zz,v0=00", body)
	f.Add("t=1760000000,t=1,v1="+strings.Repeat("a", 64), []byte{})
	f.Add("", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		sh, err := ParseSignatureHeader(header)
		if err == nil {
			if sh.Timestamp < 0 || len(sh.V1) == 0 {
				t.Fatalf("accepted %q as %+v", header, sh)
			}
		}
		// Both with the tolerance out of the way: compare signature logic only.
		v := NewVerifier([]string{testSecret}, 1<<62, 1<<62)
		if _, err := v.Verify(body, header, t0); err == nil {
			if err := webhook.ValidatePayloadIgnoringTolerance(body, header, testSecret); err != nil {
				t.Fatalf("we accept %q, stripe-go refuses: %v", header, err)
			}
		}
	})
}

// FuzzParseEvent: any body, correctly signed, is either refused with 400 or applied, never
// panics, and leaves the store consistent (every index entry backed by a record).
func FuzzParseEvent(f *testing.F) {
	f.Add(eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)))
	f.Add(eventJSON("evt_2", EventChargeRefunded, t0.Unix(), map[string]any{"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "refunded": true}))
	f.Add(eventJSON("evt_3", EventInvoicePaid, t0.Unix(), map[string]any{"id": "in_1", "object": "invoice"}))
	f.Add([]byte(`{"id":"evt_t","object":"v2.core.event","type":"x","created":"2024-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"evt_1","object":"event","type":"checkout.session.expired","created":1,"data":{"object":{"id":"cs_test_1","payment_intent":{"id":7}}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if err == nil && (ev.ID == "" || ev.Type == "" || !ev.Thin && (ev.Created <= 0 || len(ev.Object) == 0)) {
			t.Fatalf("accepted incomplete event %+v", ev)
		}
		for _, cfg := range []Config{{}, proxyCfg} {
			s := newTestService(t, cfg, nil)
			hdr := SignatureHeaderFor(body, t0, testSecret)
			res, err := s.HandleWebhook(body, hdr, env(0))
			if err != nil && !IsWebhookRejection(err) {
				t.Fatalf("storage error: %v", err)
			}
			if err == nil && res.Outcome == "" {
				t.Fatal("accepted without an outcome")
			}
			if got := s.led.st.Len(); got != countKeys(s)+eventKeys(s) && got != 0 {
				t.Fatalf("store has %d entries, records justify %d", got, countKeys(s)+eventKeys(s))
			}
			if cfg.IdempotentProxy != "" {
				if r, ok, _ := s.Payment(res.SessionID); ok && r.Status == StatusCompleted {
					t.Fatal("a webhook alone completed a payment with a proxy configured")
				}
			}
		}
	})
}

func eventKeys(s *Service) int { return 2 * int(s.led.m.events) }

// FuzzRouter: any request gets a well-formed answer from both entry points; only the query
// upgrades, and error answers are JSON.
func FuzzRouter(f *testing.F) {
	paid := eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
	f.Add("GET", "/checkout/"+sessA, "", "", []byte(nil))
	f.Add("GET", "/checkout/cs_live_abc?x=1", "", "", []byte(nil))
	f.Add("POST", "/webhook", "Stripe-Signature", stripeSign(paid, testSecret, t0).Header, paid)
	f.Add("PUT", "/webhook", "", "", []byte("x"))
	f.Add("GET", "/", "", "", []byte(nil))
	f.Add("GET", "/checkout/", "", "", []byte(nil))
	f.Add("GET", "checkout/cs_test_1", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, url, hname, hvalue string, body []byte) {
		fs := newFakeStripe()
		fs.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
		s := newTestService(t, Config{Limits: Limits{MaxBodyBytes: 4096}}, fs)
		req := HTTPRequest{Method: method, URL: url, Headers: []Header{{hname, hvalue}}, Body: body}
		q := s.HTTPQuery(req, env(0))
		checkResponse(t, q, true)
		u := s.HTTPUpdate(context.Background(), req, env(0))
		checkResponse(t, u, false)
		if len(fs.requests) > 1 {
			t.Fatalf("%d outcalls for one request", len(fs.requests))
		}
		for _, r := range fs.requests {
			if !strings.HasPrefix(r.URL, "https://api.stripe.com/v1/checkout/sessions/cs_") {
				t.Fatalf("outcall to %s", r.URL)
			}
		}
	})
}

func checkResponse(t *testing.T, r HTTPResponse, query bool) {
	t.Helper()
	if r.Upgrade {
		if !query {
			t.Fatal("update answered upgrade")
		}
		return
	}
	switch r.Status {
	case 200, 400, 404, 405, 413, 429, 502, 503:
	default:
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if !json.Valid(r.Body) {
		t.Fatalf("body is not JSON: %q", r.Body)
	}
}

// FuzzRecordDecode: decoding is one-to-one within each version: whatever decodes
// re-encodes to the same bytes, except that a version-1 record comes out as version 2
// (version byte 2, and its four absent fields as four zero bytes).
func FuzzRecordDecode(f *testing.F) {
	for _, r := range sampleRecords() {
		b, _ := r.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		if err := r.UnmarshalBinary(b); err != nil {
			return
		}
		out, _ := r.MarshalBinary()
		want := b
		if b[0] == recordVersion1 {
			want = append(append([]byte{recordVersion}, b[1:]...), 0, 0, 0, 0)
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("decode/encode not one-to-one:\n in %x\nout %x", b, out)
		}
	})
}

// FuzzAppendJSONString: the allocation-free JSON string writer agrees with encoding/json.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "\x00\x1f\u2028<>&", "\xff\xc3", "\uFFFD\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
