package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/replica/verify"
)

// pageAsset is a file of the payment page as upload_assets takes it.
type pageAsset struct {
	Path        string `ic:"path"`
	ContentType string `ic:"content_type"`
	Content     []byte `ic:"content"`
}

// pageFiles reads the payment page (frontend/) as `make run` uploads it.
func pageFiles(t *testing.T) []pageAsset {
	t.Helper()
	var files []pageAsset
	for _, f := range []struct{ name, ct string }{
		{"index.html", "text/html; charset=utf-8"}, {"app.js", "text/javascript; charset=utf-8"},
		{"style.css", "text/css; charset=utf-8"}, {"favicon.svg", "image/svg+xml"}, {"config.js", "text/javascript; charset=utf-8"},
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "frontend", f.name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, pageAsset{"/" + f.name, f.ct, b})
	}
	return files
}

type certificationView struct {
	CertifiedStatuses uint64 `ic:"certified_statuses"`
	RootHash          []byte `ic:"root_hash"`
	Certifies         uint64 `ic:"certifies"`
	Last              uint64 `ic:"last_certify_instructions"`
	Max               uint64 `ic:"max_certify_instructions"`
	Failures          uint64 `ic:"failures"`
}

// rawAnswer fetches path from the raw domain (no verification: the canister's own answer)
// and verifies it as the reference verifier does, with the replica's root key.
func rawAnswer(t *testing.T, s *stripeCanister, path string) (*http.Response, []byte, verify.Result, error) {
	t.Helper()
	raw := strings.Replace(s.origin, ".localhost", ".raw.localhost", 1)
	resp, err := s.client.Get(raw + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var hs []verify.Header
	for name, vs := range resp.Header {
		for _, v := range vs {
			hs = append(hs, verify.Header{Name: name, Value: v})
		}
	}
	res, verr := verify.Verify(verify.Request{Method: "GET", URL: path}, verify.Response{StatusCode: uint16(resp.StatusCode), Headers: hs, Body: body},
		verify.Params{CanisterID: s.id, RootKey: s.agent.GetRootKey(), Now: time.Now()})
	return resp, body, res, verr
}

// TestCertifiedPageAndStatus: the payment canister's page files, its 404 and the status of
// a paid session are fully certified (response verification v2, not skip) as the canister
// answers them, so the certified domain serves them; open sessions are answered by the
// update; all of it holds across an upgrade.
func TestCertifiedPageAndStatus(t *testing.T) {
	arg := `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "` + whsec + `" } })`
	s := deployStripe(t, arg)
	files := pageFiles(t)
	if err := s.agent.Call(s.id, "upload_assets", []any{files}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	paid := stripeSession{ID: "cs_test_certified01", Status: "complete", PaymentStatus: "paid", Amount: 1234, Created: now.Unix() - 60, PaymentIntent: "pi_certified01"}
	body := stripeEvent("evt_certified01", "checkout.session.completed", now.Unix(), paid.object(0))
	if code, out := s.webhook(t, body, stripeSignature(body, whsec, now)); code != 200 {
		t.Fatalf("webhook = %d %s", code, out)
	}

	check := func(t *testing.T) {
		for _, f := range append(files, pageAsset{"/", "text/html; charset=utf-8", files[0].Content}, pageAsset{"/?checkout_session_id=" + paid.ID, "text/html; charset=utf-8", files[0].Content}) {
			code, got := get(t, s.client, s.origin+f.Path)
			if code != 200 || got != string(f.Content) {
				t.Errorf("certified domain %s = %d (%d bytes)", f.Path, code, len(got))
			}
			resp, _, res, err := rawAnswer(t, s, f.Path)
			if err != nil || res.Version != 2 || res.Skip {
				t.Errorf("%s: %+v, %v; want a full v2 certification", f.Path, res, err)
			}
			if ct := resp.Header.Get("Content-Type"); ct != f.ContentType {
				t.Errorf("%s: content type %q", f.Path, ct)
			}
		}
		for _, p := range []string{"/nope", "/a/b/", "/favicon.ico"} {
			if code, _ := get(t, s.client, s.origin+p); code != 404 {
				t.Errorf("certified domain %s = %d, want 404", p, code)
			}
			if _, _, res, err := rawAnswer(t, s, p); err != nil || res.Skip {
				t.Errorf("404 %s: %+v, %v", p, res, err)
			}
		}
		// A browser gets payments' HTML 404 naming the path: the query cannot certify it
		// beside the JSON one, so it upgrades and the update answers.
		req, err := http.NewRequest("GET", s.origin+"/nope/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if br, err := s.client.Do(req); err != nil {
			t.Error(err)
		} else {
			page, _ := io.ReadAll(br.Body)
			br.Body.Close()
			if br.StatusCode != 404 || !strings.HasPrefix(br.Header.Get("Content-Type"), "text/html") || !bytes.Contains(page, []byte("<code>/nope/x</code>")) {
				t.Errorf("browser 404 on the certified domain = %d %q %s", br.StatusCode, br.Header.Get("Content-Type"), page)
			}
		}
		resp, got, res, err := rawAnswer(t, s, "/checkout/"+paid.ID)
		if err != nil || res.Skip || resp.StatusCode != 200 || !bytes.Contains(got, []byte(`"status":"completed"`)) {
			t.Errorf("paid status: %d %s: %+v, %v", resp.StatusCode, got, res, err)
		}
		if code, a := s.checkout(t, paid.ID); code != 200 || a.Status != "completed" {
			t.Errorf("certified domain: %d %+v", code, a)
		}
		// An open session is not certified: the query upgrades and the update answers.
		resp, got, _, err = rawAnswer(t, s, "/checkout/cs_test_stillopen")
		if err == nil || resp.Header.Get("IC-Certificate") != "" {
			t.Errorf("an open session's answer carries a certificate: %d %s", resp.StatusCode, got)
		}
		var cv certificationView
		if err := s.agent.Query(s.id, "certification", []any{}, []any{&cv}); err != nil {
			t.Fatal(err)
		}
		if cv.CertifiedStatuses != 1 || cv.Failures != 0 {
			t.Errorf("certification = %+v", cv)
		}
	}
	t.Run("installed", check)
	s.upgrade(t, "(null)")
	t.Run("upgraded", check)
}

// mitm is a gateway backend that reaches the replica over its HTTP API, like a boundary
// node, and alters the canister's query answers on the way.
type mitm struct {
	agent  *agent.Agent
	tamper func(r *httpgateway.Response)
}

func (m mitm) Query(_ context.Context, id principal.Principal, method string, arg []byte) ([]byte, error) {
	reply, err := m.agent.QueryRaw(id, method, arg)
	if err != nil || method != "http_request" || m.tamper == nil {
		return reply, err
	}
	var r httpgateway.Response
	if err := candid.Unmarshal(reply, &r); err != nil {
		return nil, err
	}
	m.tamper(&r)
	return candid.Marshal(r)
}

func (m mitm) Update(_ context.Context, id principal.Principal, method string, arg []byte) ([]byte, error) {
	return m.agent.CallRaw(id, method, arg)
}

func (m mitm) RootKey() []byte { return m.agent.GetRootKey() }

// TestGatewayRefusesAlteredAnswers puts a man in the middle between a gateway and the
// payment canister's answers: unaltered answers pass; an altered body, status or certified
// header is refused (503), for the page and for a paid session's status.
func TestGatewayRefusesAlteredAnswers(t *testing.T) {
	arg := `(record { api_host = "api.stripe.com"; webhook_secrets = opt vec { "` + whsec + `" } })`
	s := deployStripe(t, arg)
	if err := s.agent.Call(s.id, "upload_assets", []any{pageFiles(t)}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	paid := stripeSession{ID: "cs_test_mitm01", Status: "complete", PaymentStatus: "paid", Amount: 500, Created: now.Unix() - 60, PaymentIntent: "pi_mitm01"}
	body := stripeEvent("evt_mitm01", "checkout.session.completed", now.Unix(), paid.object(0))
	if code, out := s.webhook(t, body, stripeSignature(body, whsec, now)); code != 200 {
		t.Fatalf("webhook = %d %s", code, out)
	}
	serve := func(tamper func(r *httpgateway.Response), path string) (int, string) {
		t.Helper()
		g, err := verify.NewGateway(verify.GatewayConfig{Backend: mitm{s.agent, tamper}})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", path, nil)
		req.Host = s.id.String() + ".localhost"
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	header := func(name, value string) func(r *httpgateway.Response) {
		return func(r *httpgateway.Response) {
			for i, h := range r.Headers {
				if strings.EqualFold(h.Name, name) {
					r.Headers[i].Value = value
				}
			}
		}
	}
	for _, path := range []string{"/", "/app.js", "/config.js", "/checkout/" + paid.ID, "/nope"} {
		t.Run(path, func(t *testing.T) {
			code, honest := serve(nil, path)
			if code != 200 && code != 404 {
				t.Fatalf("unaltered: %d %s", code, honest)
			}
			for name, tamper := range map[string]func(r *httpgateway.Response){
				"body":         func(r *httpgateway.Response) { r.Body = bytes.Replace(r.Body, []byte("e"), []byte("E"), 1) },
				"status":       func(r *httpgateway.Response) { r.StatusCode = 201 },
				"content-type": header("Content-Type", "text/html"),
				"csp/cache":    header("Cache-Control", "max-age=31536000"),
			} {
				if code, got := serve(tamper, path); code != http.StatusServiceUnavailable {
					t.Errorf("%s altered: %d %.80q, want 503", name, code, got)
				}
			}
		})
	}
	// An unpaid session's "Paid" answer made up by the middle man has nothing to verify
	// against: the canister never certified it.
	forged := func(r *httpgateway.Response) {
		r.Body = []byte(`{"status":"completed","value":{"id":"cs_test_unpaid01","status":"complete","payment_status":"paid"}}`)
		r.Upgrade = nil
	}
	if code, got := serve(forged, "/checkout/cs_test_unpaid01"); code != http.StatusServiceUnavailable {
		t.Errorf("forged paid status: %d %s, want 503", code, got)
	}
}
