package payments

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRouter(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s := newTestService(t, Config{Limits: Limits{MaxBodyBytes: 1024}}, f)
	// A known terminal session to answer from state.
	s.HTTPUpdate(context.Background(), getCheckout(sessA), env(0))
	paid := eventJSON("evt_paid", EventSessionCompleted, t0.Unix(), sessionObj(sessB, "complete", "paid", nil))
	signed := func(b []byte) []Header {
		return []Header{{"Stripe-Signature", stripeSign(b, testSecret, t0).Header}}
	}
	big := make([]byte, 1025)
	cases := []struct {
		name        string
		req         HTTPRequest
		queryStatus int // 0: upgrade
		queryBody   string
		updStatus   int
		updBody     string // substring
	}{
		{"terminal session from state", getCheckout(sessA), 200, `"status":"completed"`, 200, `"status":"completed"`},
		{"query string ignored", HTTPRequest{Method: "GET", URL: "/checkout/" + sessA + "?t=1"}, 200, `"completed"`, 200, `"completed"`},
		{"absolute URL", HTTPRequest{Method: "GET", URL: "https://x.icp0.io/checkout/" + sessA}, 200, `"completed"`, 200, `"completed"`},
		{"absolute URL without path", HTTPRequest{Method: "GET", URL: "https://x.icp0.io"}, 404, "no route", 404, "no route"},
		{"unknown session upgrades", getCheckout("cs_live_unknown1"), 0, "", 200, `{"status":"failed","value":"no such checkout session"}`},
		{"invalid id", getCheckout("pi_123"), 400, "invalid checkout session id", 400, "cs_test_ or cs_live_"},
		{"id with bad characters", getCheckout("cs_test_abc%2F.."), 400, "only letters and digits", 400, "invalid"},
		{"empty id", getCheckout(""), 400, "must start with", 400, "must start with"},
		{"prefix only", getCheckout("cs_test_"), 400, "nothing after", 400, "nothing after"},
		{"id too long", getCheckout("cs_test_" + strings.Repeat("a", 250)), 400, "longer than 255", 400, "longer"},
		{"path below session", getCheckout(sessA + "/x"), 400, "invalid", 400, "invalid"},
		{"POST to checkout", HTTPRequest{Method: "POST", URL: "/checkout/" + sessA}, 405, "use GET", 405, "use GET"},
		{"GET webhook", HTTPRequest{Method: "GET", URL: "/webhook"}, 405, "use POST", 405, "use POST"},
		{"unknown route", HTTPRequest{Method: "GET", URL: "/admin"}, 404, "no route for /admin", 404, "no route"},
		{"root", HTTPRequest{Method: "GET", URL: "/"}, 404, "no route", 404, "no route"},
		{"oversize webhook", HTTPRequest{Method: "POST", URL: "/webhook", Body: big}, 413, "exceeds the limit of 1024", 413, "exceeds"},
		{"webhook without signature", HTTPRequest{Method: "POST", URL: "/webhook", Body: paid}, 400, "missing Stripe-Signature", 400, "missing Stripe-Signature"},
		{"webhook forged", HTTPRequest{Method: "POST", URL: "/webhook", Body: paid, Headers: []Header{{"stripe-signature", stripeSign(paid, "whsec_nope_00000000000000000000", t0).Header}}}, 400, "no v1 signature matches", 400, "no v1 signature matches"},
		{"webhook malformed JSON", HTTPRequest{Method: "POST", URL: "/webhook", Body: []byte("{"), Headers: signed([]byte("{"))}, 400, "malformed event", 400, "malformed event"},
		{"webhook valid (header case-insensitive)", HTTPRequest{Method: "POST", URL: "/webhook", Body: paid, Headers: signed(paid)}, 0, "", 200, `"outcome":"applied"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := s.HTTPQuery(tc.req, env(time.Second))
			switch {
			case tc.queryStatus == 0 && !q.Upgrade:
				t.Fatalf("query = %d %s, want upgrade", q.Status, q.Body)
			case tc.queryStatus != 0 && (q.Upgrade || q.Status != tc.queryStatus || !strings.Contains(string(q.Body), tc.queryBody)):
				t.Fatalf("query = %d %s (upgrade %v), want %d %q", q.Status, q.Body, q.Upgrade, tc.queryStatus, tc.queryBody)
			}
			u := s.HTTPUpdate(context.Background(), tc.req, env(time.Second))
			if u.Upgrade || u.Status != tc.updStatus || !strings.Contains(string(u.Body), tc.updBody) {
				t.Fatalf("update = %d %s, want %d %q", u.Status, u.Body, tc.updStatus, tc.updBody)
			}
			if ct := header(u.Headers, "content-type"); ct != "application/json" {
				t.Fatalf("content-type %q", ct)
			}
			if u.Status == 405 && header(u.Headers, "allow") == "" {
				t.Fatal("405 without Allow")
			}
		})
	}
	// The applied webhook is now a duplicate, answered by the query itself.
	req := HTTPRequest{Method: "POST", URL: "/webhook", Body: paid, Headers: signed(paid)}
	if q := s.HTTPQuery(req, env(2*time.Second)); q.Upgrade || q.Status != 200 || !strings.Contains(string(q.Body), `"duplicate"`) {
		t.Fatalf("duplicate query = %+v", q)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\n\r\t\x00\x1f", "<a&b>", "\u2028\u2029", "é世界", "\xff\xfe", "\uFFFD", "a\xc3"} {
		got := string(appendJSONString(nil, s))
		want, _ := jsonMarshalString(s)
		if got != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// TestNotFoundForBrowsers: a browser (Accept names text/html) gets an HTML 404 - on "/" one
// that says the page is not uploaded yet and how to upload it - while JSON clients keep
// JSON; the routes themselves answer as before whatever the Accept header.
func TestNotFoundForBrowsers(t *testing.T) {
	s := newTestService(t, Config{}, newFakeStripe())
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	cases := []struct {
		name, method, url, accept string
		wantType                  string // content-type
		want, notWant             []string
	}{
		{"root, browser", "GET", "/", browser, "text/html; charset=utf-8",
			[]string{"<h1>The payment page is not uploaded yet</h1>", "upload_assets", "make run"}, []string{`\u003c`, `{"error"`}},
		{"index.html, browser", "GET", "/index.html?x=1", browser, "text/html; charset=utf-8",
			[]string{"not uploaded yet"}, nil},
		{"root, JSON client", "GET", "/", "application/json", "application/json",
			[]string{`{"error":"no route for /: the payment page is not uploaded yet`, "upload_assets"}, []string{"<h1>"}},
		{"root, no Accept", "GET", "/", "", "application/json", []string{`"no route for /`}, nil},
		{"unknown path, browser", "GET", "/admin/<x>", browser, "text/html; charset=utf-8",
			[]string{"<h1>Not found</h1>", "<code>/admin/&lt;x&gt;</code>", `<a href="/">`, "/checkout/&lt;session id&gt;"},
			[]string{"<x>", "not uploaded"}},
		{"unknown path, JSON client", "GET", "/admin", "application/json", "application/json",
			[]string{`"no route for /admin; routes are GET /checkout/\u003csession id\u003e`}, []string{"<"}},
		{"checkout stays JSON for browsers", "GET", "/checkout/pi_123", browser, "application/json",
			[]string{"invalid checkout session id"}, nil},
		{"webhook method stays JSON for browsers", "GET", "/webhook", browser, "application/json",
			[]string{"use POST"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := HTTPRequest{Method: tc.method, URL: tc.url}
			if tc.accept != "" {
				req.Headers = []Header{{"Accept", tc.accept}}
			}
			for _, r := range []HTTPResponse{s.HTTPQuery(req, env(0)), s.HTTPUpdate(context.Background(), req, env(0))} {
				if r.Upgrade || r.Status >= 200 && r.Status < 300 {
					t.Fatalf("answer %d (upgrade %v), want an error", r.Status, r.Upgrade)
				}
				if ct := header(r.Headers, "content-type"); ct != tc.wantType {
					t.Errorf("content-type %q, want %q", ct, tc.wantType)
				}
				for _, w := range tc.want {
					if !strings.Contains(string(r.Body), w) {
						t.Errorf("body lacks %q:\n%s", w, r.Body)
					}
				}
				for _, w := range tc.notWant {
					if strings.Contains(string(r.Body), w) {
						t.Errorf("body has %q:\n%s", w, r.Body)
					}
				}
				if strings.HasPrefix(tc.wantType, "text/html") && (r.Status != 404 || header(r.Headers, "cache-control") != "no-store") {
					t.Errorf("status %d, cache-control %q; want 404, no-store", r.Status, header(r.Headers, "cache-control"))
				}
			}
		})
	}
}

func TestEscapeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/plain/path", "/plain/path"},
		{`/<script>alert("x")</script>`, "/&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
		{"/a&b'c", "/a&amp;b&#39;c"},
		{"/é", "/é"},
	}
	for _, tc := range tests {
		if got := escapeHTML(tc.in); got != tc.want {
			t.Errorf("escapeHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
