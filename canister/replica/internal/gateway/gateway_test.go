package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

var (
	canisterID = principal.MustDecode("bkyz2-fmaaa-aaaaa-qaaaq-cai")
	otherID    = principal.MustDecode("bd3sg-teaaa-aaaaa-qaaba-cai")
	now        = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
)

const fullExpr = `default_certification(ValidationArgs{certification:Certification{request_certification:RequestCertification{certified_request_headers:["host"],certified_query_parameters:[]},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:["content-type"]}}}})`

// fakeBackend is a replica hosting one canister whose query and update
// handlers each test supplies.
type fakeBackend struct {
	signer *rvtest.Signer
	query  func(method string, arg []byte) ([]byte, error)
	update func(method string, arg []byte) ([]byte, error)

	mu    sync.Mutex
	calls []string
	args  [][]byte
}

func (f *fakeBackend) record(kind, method string, arg []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, kind+" "+method)
	f.args = append(f.args, arg)
}

func (f *fakeBackend) Query(_ context.Context, c principal.Principal, method string, arg []byte) ([]byte, error) {
	f.record("query", method, arg)
	if !c.Equal(canisterID) {
		return nil, &protocol.Reject{Code: protocol.DestinationInvalid, Message: fmt.Sprintf("Canister %s not found", c), ErrorCode: "IC0301"}
	}
	return f.query(method, arg)
}

func (f *fakeBackend) Update(_ context.Context, c principal.Principal, method string, arg []byte) ([]byte, error) {
	f.record("update", method, arg)
	if f.update == nil {
		return nil, &protocol.Reject{Code: protocol.DestinationInvalid, Message: "Canister has no update method 'http_request_update'", ErrorCode: "IC0302"}
	}
	return f.update(method, arg)
}

func (f *fakeBackend) RootKey() []byte { return f.signer.RootKey() }

// canned describes the canister's answer to http_request.
type canned struct {
	status  uint16
	headers [][2]string
	body    string
	upgrade bool
	// cert: "" (none), "skip", "full" (exact path, request and response), "v1".
	cert          string
	certTime      time.Time
	certifiedData []byte         // overrides the tree's root hash
	signer        *rvtest.Signer // overrides the replica's key
	expr          string         // overrides the expression header value
}

func decodeRequest(t testing.TB, arg []byte) httpRequest {
	t.Helper()
	var req httpRequest
	if err := candid.Unmarshal(arg, []any{&req}); err != nil {
		t.Fatalf("decode HttpRequest: %v", err)
	}
	return req
}

func encodeResponse(t testing.TB, status uint16, hs []headerField, body []byte, upgrade bool) []byte {
	t.Helper()
	resp := httpResponse{StatusCode: status, Headers: hs, Body: body}
	if upgrade {
		resp.Upgrade = &upgrade
	}
	b, err := candid.Marshal([]any{resp})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// answer builds the canister's reply to req, certified as c says.
func (f *fakeBackend) answer(t testing.TB, arg []byte, c canned) []byte {
	t.Helper()
	req := decodeRequest(t, arg)
	var hs []headerField
	for _, h := range c.headers {
		hs = append(hs, headerField{Name: h[0], Value: h[1]})
	}
	status := c.status
	if status == 0 {
		status = 200
	}
	body := []byte(c.body)
	var tree []hashtree.Entry
	var exprPath []string
	expr := ""
	switch c.cert {
	case "":
		return encodeResponse(t, status, hs, body, c.upgrade)
	case "skip":
		tree, exprPath, expr = []hashtree.Entry{rvtest.SkipEntry()}, rv.WildcardPath(""), protocol.SkipCertificationExpression
	case "full":
		spec, err := rv.ParseExpression(fullExpr)
		if err != nil {
			t.Fatal(err)
		}
		path, _, _ := strings.Cut(req.URL, "?")
		exprPath, expr = rv.ExactPath(path), fullExpr
		hs = append(hs, headerField{Name: "IC-CertificateExpression", Value: expr})
		reqHash := rv.RequestHash(rv.Request{Method: req.Method, URL: req.URL, Headers: toHeaders(req.Headers), Body: req.Body}, *spec.Request)
		respHash := rv.ResponseHash(rv.Response{StatusCode: status, Headers: toHeaders(hs), Body: body}, spec.Response)
		tree = []hashtree.Entry{rvtest.SkipEntry(), rvtest.CertificationEntry(exprPath, expr, reqHash[:], respHash)}
	case "v1":
		sum := sha256.Sum256(body)
		tree = []hashtree.Entry{{Path: rvtest.Labels("http_assets", "/index.html"), Value: sum[:]}}
	}
	root, err := hashtree.Build(tree...)
	if err != nil {
		t.Fatal(err)
	}
	certified := c.certifiedData
	if certified == nil {
		d := root.Digest()
		certified = d[:]
	}
	signer, at := f.signer, now
	if c.signer != nil {
		signer = c.signer
	}
	if !c.certTime.IsZero() {
		at = c.certTime
	}
	cert, err := signer.DataCertificate(canisterID, certified, at)
	if err != nil {
		t.Fatal(err)
	}
	if c.cert == "v1" {
		hs = append(hs, headerField{Name: "IC-Certificate", Value: rvtest.CertificateHeaderV1(cert, hashtree.Encode(root))})
		return encodeResponse(t, status, hs, body, c.upgrade)
	}
	if c.cert == "skip" {
		if c.expr != "" {
			expr = c.expr
		}
		hs = append(hs, headerField{Name: "IC-CertificateExpression", Value: expr})
	}
	hs = append(hs, headerField{Name: "IC-Certificate", Value: rvtest.CertificateHeaderV2(cert, hashtree.Encode(root), exprPath)})
	return encodeResponse(t, status, hs, body, c.upgrade)
}

func newGateway(t *testing.T, f *fakeBackend, cfg Config) *http.Client {
	t.Helper()
	cfg.Backend = f
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	// Every host name (<id>.localhost:4943, 127.0.0.1:4943) reaches the
	// test server; the Host header keeps the name.
	return &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func newSigner(t testing.TB) *rvtest.Signer {
	t.Helper()
	s, err := rvtest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	certifiedURL = "http://" + canisterID.Encode() + ".localhost:4943"
	rawURL       = "http://" + canisterID.Encode() + ".raw.localhost:4943"
	localURL     = "http://127.0.0.1:4943"
)

type result struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, url string, body []byte, headers map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func TestGateway(t *testing.T) {
	signer := newSigner(t)
	other := newSigner(t)
	jsonHeaders := [][2]string{{"Content-Type", "application/json"}, {"X-Debug", "on"}}
	tests := []struct {
		name       string
		method     string
		url        string
		answer     canned
		wantStatus int
		wantBody   string // substring
		wantHeader map[string]string
		noHeader   []string
	}{
		{
			name: "skip certification on the certified domain", url: certifiedURL + "/checkout/cs_1",
			answer:     canned{headers: jsonHeaders, body: `{"status":"open"}`, cert: "skip"},
			wantStatus: 200, wantBody: `{"status":"open"}`,
			wantHeader: map[string]string{"Content-Type": "application/json", "X-Debug": "on", "Ic-Certificateexpression": protocol.SkipCertificationExpression},
		},
		{
			name: "full certification returns only certified headers", url: certifiedURL + "/checkout/cs_1?x=1",
			answer:     canned{headers: jsonHeaders, body: `{"status":"paid"}`, cert: "full"},
			wantStatus: 200, wantBody: `{"status":"paid"}`,
			wantHeader: map[string]string{"Content-Type": "application/json"},
			noHeader:   []string{"X-Debug", "Ic-Certificate", "Ic-Certificateexpression"},
		},
		{
			name: "uncertified response on the certified domain", url: certifiedURL + "/",
			answer:     canned{headers: jsonHeaders, body: "hi"},
			wantStatus: 503, wantBody: "Response verification failed: response has no IC-Certificate header",
		},
		{
			name: "uncertified response on the raw domain", url: rawURL + "/",
			answer:     canned{headers: jsonHeaders, body: "hi", status: 201},
			wantStatus: 201, wantBody: "hi", wantHeader: map[string]string{"X-Debug": "on"},
		},
		{
			name: "wrong certified data", url: certifiedURL + "/",
			answer:     canned{body: "hi", cert: "skip", certifiedData: bytes.Repeat([]byte{1}, 32)},
			wantStatus: 503, wantBody: "does not match the tree's root hash",
		},
		{
			name: "wrong expression", url: certifiedURL + "/",
			answer:     canned{body: "hi", cert: "skip", expr: "default_certification(ValidationArgs{ no_certification:Empty{}})"},
			wantStatus: 503, wantBody: "expression hash",
		},
		{
			name: "stale certificate", url: certifiedURL + "/",
			answer:     canned{body: "hi", cert: "skip", certTime: now.Add(-6 * time.Minute)},
			wantStatus: 503, wantBody: "too far in the past",
		},
		{
			name: "wrong signature", url: certifiedURL + "/",
			answer:     canned{body: "hi", cert: "skip", signer: other},
			wantStatus: 503, wantBody: "certificate verification failed",
		},
		{
			name: "v1 certification", url: certifiedURL + "/",
			answer:     canned{headers: [][2]string{{"Cache-Control", "max-age=99"}, {"Content-Type", "text/html"}}, body: "<html>", cert: "v1"},
			wantStatus: 200, wantBody: "<html>",
			wantHeader: map[string]string{"Content-Type": "text/html"}, noHeader: []string{"Cache-Control"},
		},
		{
			name: "v1 certification refuses redirects", url: certifiedURL + "/",
			answer:     canned{status: 302, headers: [][2]string{{"Location", "https://evil"}}, cert: "v1"},
			wantStatus: 503, wantBody: "does not allow redirects",
		},
		{
			name: "canisterId parameter is the certified domain", url: localURL + "/?canisterId=" + canisterID.Encode(),
			answer:     canned{body: "hi"},
			wantStatus: 503, wantBody: "no IC-Certificate",
		},
		{
			name: "canisterId parameter with skip certification", url: "http://localhost:4943/x?canisterId=" + canisterID.Encode(),
			answer:     canned{body: "hi", cert: "skip"},
			wantStatus: 200, wantBody: "hi",
		},
		{
			name: "unknown canister", url: "http://" + otherID.Encode() + ".localhost:4943/",
			wantStatus: 404, wantBody: "Canister " + otherID.Encode() + " not found",
		},
		{
			name: "invalid canister id in host", url: "http://not-a-canister.localhost:4943/",
			wantStatus: 400, wantBody: "Invalid canister id",
		},
		{
			name: "invalid canister id parameter", url: localURL + "/?canisterId=aaaaa-aa-x",
			wantStatus: 400, wantBody: "Invalid canister id",
		},
		{
			name: "no canister id", url: localURL + "/",
			wantStatus: 400, wantBody: "Could not find a canister id",
		},
		{
			name: "no content type sniffing", url: rawURL + "/",
			answer:     canned{body: "<html><body>hi</body></html>"},
			wantStatus: 200, wantBody: "<html>", noHeader: []string{"Content-Type"},
		},
		{
			name: "invalid header name from the canister", url: rawURL + "/",
			answer:     canned{headers: [][2]string{{"Bad Name", "x"}}},
			wantStatus: 502, wantBody: "invalid header",
		},
		{
			name: "header injection from the canister", url: rawURL + "/",
			answer:     canned{headers: [][2]string{{"X-A", "a\r\nSet-Cookie: x=1"}}},
			wantStatus: 502, wantBody: "invalid header", noHeader: []string{"Set-Cookie"},
		},
		{
			name: "invalid status code from the canister", url: rawURL + "/",
			answer:     canned{status: 42},
			wantStatus: 502, wantBody: "status code",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeBackend{signer: signer}
			f.query = func(method string, arg []byte) ([]byte, error) {
				return f.answer(t, arg, tt.answer), nil
			}
			c := newGateway(t, f, Config{})
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			got := do(t, c, method, tt.url, nil, nil)
			if got.status != tt.wantStatus || !strings.Contains(got.body, tt.wantBody) {
				t.Fatalf("got %d %q, want %d containing %q", got.status, got.body, tt.wantStatus, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got.header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, got.header.Get(k), v)
				}
			}
			for _, k := range tt.noHeader {
				if _, ok := got.header[http.CanonicalHeaderKey(k)]; ok {
					t.Errorf("header %s present: %q", k, got.header.Get(k))
				}
			}
		})
	}
}

func TestForwardsRequestUntouched(t *testing.T) {
	f := &fakeBackend{signer: newSigner(t)}
	var got httpRequest
	f.query = func(method string, arg []byte) ([]byte, error) {
		got = decodeRequest(t, arg)
		return encodeResponse(t, 200, nil, nil, false), nil
	}
	c := newGateway(t, f, Config{})
	// A Stripe webhook: signature over the exact bytes, which are not UTF-8
	// text and contain CRLF.
	body := append([]byte("{\"id\":\"evt_1\"}\r\n"), 0xff, 0x00)
	res := do(t, c, http.MethodPost, rawURL+"/webhook?a=%2F&b=1&canisterId=x", body, map[string]string{
		"Stripe-Signature": "t=1,v1=abc",
		"Content-Type":     "application/json",
	})
	if res.status != 200 {
		t.Fatalf("status %d %s", res.status, res.body)
	}
	if got.Method != "POST" || got.URL != "/webhook?a=%2F&b=1&canisterId=x" || !bytes.Equal(got.Body, body) {
		t.Errorf("forwarded %s %s %q", got.Method, got.URL, got.Body)
	}
	if got.CertificateVersion == nil || *got.CertificateVersion != 2 {
		t.Errorf("certificate_version = %v", got.CertificateVersion)
	}
	want := map[string]string{
		"host":             canisterID.Encode() + ".raw.localhost:4943",
		"stripe-signature": "t=1,v1=abc",
		"content-type":     "application/json",
		"content-length":   fmt.Sprint(len(body)),
	}
	if got.Headers[0].Name != "host" {
		t.Errorf("first header is %q, want host", got.Headers[0].Name)
	}
	seen := map[string]string{}
	for _, h := range got.Headers {
		seen[h.Name] = h.Value
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("header %s = %q, want %q (all: %v)", k, seen[k], v, got.Headers)
		}
	}
}

func TestUpgrade(t *testing.T) {
	f := &fakeBackend{signer: newSigner(t)}
	f.query = func(method string, arg []byte) ([]byte, error) {
		// The query only asks for an upgrade; its other fields are ignored.
		return encodeResponse(t, 500, []headerField{{Name: "x-query", Value: "1"}}, []byte("ignored"), true), nil
	}
	var updArg []byte
	f.update = func(method string, arg []byte) ([]byte, error) {
		updArg = arg
		upgrade := true // ignored in an update's answer
		return encodeResponse(t, 200, []headerField{{Name: "content-type", Value: "application/json"}}, []byte(`{"ok":true}`), upgrade), nil
	}
	c := newGateway(t, f, Config{})
	body := []byte(`{"type":"checkout.session.completed"}`)
	res := do(t, c, http.MethodPost, certifiedURL+"/webhook", body, nil)
	if res.status != 200 || res.body != `{"ok":true}` || res.header.Get("X-Query") != "" {
		t.Fatalf("got %d %q %v", res.status, res.body, res.header)
	}
	if strings.Join(f.calls, ",") != "query http_request,update http_request_update" {
		t.Errorf("calls %v", f.calls)
	}
	var upd httpUpdateRequest
	if err := candid.Unmarshal(updArg, []any{&upd}); err != nil {
		t.Fatal(err)
	}
	if upd.Method != "POST" || upd.URL != "/webhook" || !bytes.Equal(upd.Body, body) {
		t.Errorf("update request %+v", upd)
	}
	if bytes.Equal(updArg, f.args[0]) {
		t.Error("update argument equals the query's (certificate_version not dropped)")
	}

	t.Run("update rejected", func(t *testing.T) {
		f.update = func(string, []byte) ([]byte, error) {
			return nil, &protocol.Reject{Code: protocol.CanisterError, Message: "Canister trapped: boom", ErrorCode: "IC0503"}
		}
		res := do(t, c, http.MethodPost, certifiedURL+"/webhook", body, nil)
		want := `Replica Error: reject code CanisterError, message Canister trapped: boom, error code Some("IC0503")`
		if res.status != 502 || res.body != want {
			t.Errorf("got %d %q", res.status, res.body)
		}
	})
}

func TestQueryReject(t *testing.T) {
	f := &fakeBackend{signer: newSigner(t)}
	f.query = func(string, []byte) ([]byte, error) {
		return nil, &protocol.Reject{Code: protocol.CanisterReject, Message: "no"}
	}
	res := do(t, newGateway(t, f, Config{}), http.MethodGet, rawURL+"/", nil, nil)
	if res.status != 502 || res.body != "Replica Error: reject code CanisterReject, message no, error code None" {
		t.Errorf("got %d %q", res.status, res.body)
	}
	f.query = func(string, []byte) ([]byte, error) { return []byte("DIDL\x00\x01\x71\x00"), nil }
	res = do(t, newGateway(t, f, Config{}), http.MethodGet, rawURL+"/", nil, nil)
	if res.status != 502 || !strings.Contains(res.body, "Failed to decode") {
		t.Errorf("malformed reply: got %d %q", res.status, res.body)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	f := &fakeBackend{signer: newSigner(t)}
	f.query = func(string, []byte) ([]byte, error) { return encodeResponse(t, 200, nil, nil, false), nil }
	c := newGateway(t, f, Config{MaxRequestBody: 10})
	if res := do(t, c, http.MethodPost, rawURL+"/", make([]byte, 11), nil); res.status != 413 {
		t.Errorf("11 bytes: %d %q", res.status, res.body)
	}
	if res := do(t, c, http.MethodPost, rawURL+"/", make([]byte, 10), nil); res.status != 200 {
		t.Errorf("10 bytes: %d %q", res.status, res.body)
	}
	if len(f.calls) != 1 {
		t.Errorf("oversize request reached the canister: %v", f.calls)
	}
}

// streamingCanister serves /big.txt in chunks "c0".."c<n-1>" through the
// http_stream callback; certify adds full certification of the whole body.
func streamingCanister(t *testing.T, f *fakeBackend, chunks int, callback principal.Principal, certify bool) string {
	var whole strings.Builder
	for i := range chunks {
		fmt.Fprintf(&whole, "c%d", i)
	}
	f.query = func(method string, arg []byte) ([]byte, error) {
		switch method {
		case "http_request":
			hs := [][2]string{{"content-type", "text/plain"}}
			if certify {
				// Certify the assembled body like an asset canister does.
				req := decodeRequest(t, arg)
				spec, _ := rv.ParseExpression(fullExpr)
				hs = append(hs, [2]string{"IC-CertificateExpression", fullExpr})
				var rhs []rv.Header
				for _, h := range hs {
					rhs = append(rhs, rv.Header{Name: h[0], Value: h[1]})
				}
				reqHash := rv.RequestHash(rv.Request{Method: req.Method, URL: req.URL, Headers: toHeaders(req.Headers)}, *spec.Request)
				respHash := rv.ResponseHash(rv.Response{StatusCode: 200, Headers: rhs, Body: []byte(whole.String())}, spec.Response)
				root, err := hashtree.Build(rvtest.CertificationEntry(rv.ExactPath("/big.txt"), fullExpr, reqHash[:], respHash))
				if err != nil {
					t.Fatal(err)
				}
				d := root.Digest()
				cert, err := f.signer.DataCertificate(canisterID, d[:], now)
				if err != nil {
					t.Fatal(err)
				}
				hs = append(hs, [2]string{"IC-Certificate", rvtest.CertificateHeaderV2(cert, hashtree.Encode(root), rv.ExactPath("/big.txt"))})
			}
			return streamingReply(200, hs, []byte("c0"), callback, "http_stream", tokenVal("/big.txt", 1)), nil
		case "http_stream":
			m, err := wire.NewReader(arg)
			if err != nil {
				return nil, err
			}
			// The token comes back as sent: record { key; index }.
			var tok struct {
				Key   string  `ic:"key"`
				Index idl.Nat `ic:"index"`
			}
			if err := candid.Unmarshal(arg, []any{&tok}); err != nil {
				return nil, fmt.Errorf("token %x (%d types): %w", arg, len(m.Table), err)
			}
			if tok.Key != "/big.txt" {
				return nil, fmt.Errorf("token key %q", tok.Key)
			}
			i := tok.Index.BigInt().Uint64()
			var next []byte
			if int(i)+1 < chunks {
				next = tokenVal("/big.txt", i+1)
			}
			return callbackReply(fmt.Appendf(nil, "c%d", i), next), nil
		}
		return nil, &protocol.Reject{Code: protocol.DestinationInvalid, Message: "no method " + method}
	}
	return whole.String()
}

func TestStreaming(t *testing.T) {
	t.Run("raw", func(t *testing.T) {
		f := &fakeBackend{signer: newSigner(t)}
		want := streamingCanister(t, f, 5, canisterID, false)
		res := do(t, newGateway(t, f, Config{}), http.MethodGet, rawURL+"/big.txt", nil, nil)
		if res.status != 200 || res.body != want || res.header.Get("Content-Length") != fmt.Sprint(len(want)) {
			t.Fatalf("got %d %q %v, want %q", res.status, res.body, res.header, want)
		}
		if len(f.calls) != 5 {
			t.Errorf("calls %v", f.calls)
		}
	})
	t.Run("certified whole body", func(t *testing.T) {
		f := &fakeBackend{signer: newSigner(t)}
		want := streamingCanister(t, f, 4, canisterID, true)
		res := do(t, newGateway(t, f, Config{}), http.MethodGet, certifiedURL+"/big.txt", nil, nil)
		if res.status != 200 || res.body != want {
			t.Fatalf("got %d %q, want %q", res.status, res.body, want)
		}
	})
	t.Run("callback on another canister", func(t *testing.T) {
		f := &fakeBackend{signer: newSigner(t)}
		streamingCanister(t, f, 3, otherID, false)
		res := do(t, newGateway(t, f, Config{}), http.MethodGet, rawURL+"/big.txt", nil, nil)
		if res.status != 502 || !strings.Contains(res.body, "is not a method of canister") {
			t.Fatalf("got %d %q", res.status, res.body)
		}
	})
	t.Run("body limit", func(t *testing.T) {
		f := &fakeBackend{signer: newSigner(t)}
		streamingCanister(t, f, 10, canisterID, false)
		res := do(t, newGateway(t, f, Config{MaxResponseBody: 7}), http.MethodGet, rawURL+"/big.txt", nil, nil)
		if res.status != 507 || !strings.Contains(res.body, "exceeds limit") {
			t.Fatalf("got %d %q", res.status, res.body)
		}
	})
	t.Run("callback limit", func(t *testing.T) {
		f := &fakeBackend{signer: newSigner(t)}
		streamingCanister(t, f, 10, canisterID, false)
		res := do(t, newGateway(t, f, Config{MaxCallbacks: 3}), http.MethodGet, rawURL+"/big.txt", nil, nil)
		if res.status != 507 || len(f.calls) != 4 {
			t.Fatalf("got %d %q after %v", res.status, res.body, f.calls)
		}
	})
}

// BenchmarkGateway measures a certified-domain GET end to end through the
// handler (decode, verify, respond) with a canned skip-certified reply.
const benchBody = 1 << 20

func BenchmarkGateway(b *testing.B) {
	f := &fakeBackend{signer: newSigner(b)}
	arg, err := encodeQueryRequest(httpUpdateRequest{Method: "GET", URL: "/"})
	if err != nil {
		b.Fatal(err)
	}
	reply := f.answer(b, arg, canned{body: strings.Repeat("x", benchBody), cert: "skip"})
	f.query = func(string, []byte) ([]byte, error) { return reply, nil }
	g, err := New(Config{Backend: f, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, certifiedURL+"/", nil))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func TestRequestURL(t *testing.T) {
	tests := []struct {
		target, want string
	}{
		{"/", "/"},
		{"/a%20b/c?x=%2F&y", "/a%20b/c?x=%2F&y"},
		{"/empty?", "/empty?"},
		{"http://" + canisterID.Encode() + ".localhost:4943/p%2Fq?z=1", "/p%2Fq?z=1"},
		{"http://localhost:4943", "/"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.target, nil)
		if got := requestURL(r); got != tt.want {
			t.Errorf("requestURL(%q) = %q, want %q", tt.target, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	g, err := New(Config{Backend: &fakeBackend{}, Domains: []string{"localhost", "icp0.test"}})
	if err != nil {
		t.Fatal(err)
	}
	id := canisterID.Encode()
	tests := []struct {
		host, query string
		want        principal.Principal
		raw         bool
		wantErr     bool
	}{
		{host: id + ".localhost:4943", want: canisterID},
		{host: id + ".raw.localhost:4943", want: canisterID, raw: true},
		{host: strings.ToUpper(id) + ".LOCALHOST", want: canisterID},
		{host: id + ".icp0.test", want: canisterID},
		{host: id + ".localhost.", want: canisterID},
		{host: id + ".localhost", query: "canisterId=" + otherID.Encode(), want: canisterID}, // the host wins
		{host: "127.0.0.1:4943", query: "canisterId=" + id, want: canisterID},
		{host: "localhost:4943", query: "a=1&canisterId=" + id, want: canisterID},
		{host: "[::1]:4943", query: "canisterId=" + id, want: canisterID},
		{host: "x." + id + ".localhost", wantErr: true},
		{host: "127.0.0.1:4943", query: "canisterId=" + strings.ToUpper(id), want: canisterID}, // textual ids are case-insensitive
		{host: "127.0.0.1:4943", query: "canisterId=aaaaa-aaaaa", wantErr: true},
		{host: "127.0.0.1:4943", wantErr: true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/?"+tt.query, nil)
		r.Host = tt.host
		got, err := g.resolve(r)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s ?%s: resolved to %v", tt.host, tt.query, got)
			}
			continue
		}
		if err != nil || !got.id.Equal(tt.want) || got.raw != tt.raw {
			t.Errorf("%s ?%s: got %v raw=%v err=%v", tt.host, tt.query, got.id, got.raw, err)
		}
	}
}
