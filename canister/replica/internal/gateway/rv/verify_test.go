package rv

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

var (
	testCanister = principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}}
	testNow      = time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
)

const fullExpr = `default_certification(ValidationArgs{certification:Certification{request_certification:RequestCertification{certified_request_headers:["host"],certified_query_parameters:["session"]},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:["content-type"]}}}})`

const responseOnlyExpr = `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{response_header_exclusions:ResponseHeaderList{headers:["x-debug"]}}}})`

func newSigner(t *testing.T) *rvtest.Signer {
	t.Helper()
	s, err := rvtest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// certifyResponse adds IC-Certificate for tree (certified at certTime, for the
// given certified data) to the response.
func certifyResponse(t testing.TB, s *rvtest.Signer, resp *Response, tree hashtree.Node, certified []byte, certTime time.Time, exprPath []string) {
	t.Helper()
	if certified == nil {
		d := tree.Digest()
		certified = d[:]
	}
	cert, err := s.DataCertificate(testCanister, certified, certTime)
	if err != nil {
		t.Fatal(err)
	}
	resp.Headers = append(resp.Headers, Header{"IC-Certificate", rvtest.CertificateHeaderV2(cert, hashtree.Encode(tree), exprPath)})
}

func build(t testing.TB, entries ...hashtree.Entry) hashtree.Node {
	t.Helper()
	n, err := hashtree.Build(entries...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func baseRequest() Request {
	return Request{
		Method:  "GET",
		URL:     "/checkout/cs_1?session=cs_1&canisterId=x",
		Headers: []Header{{"host", "x.localhost:4943"}, {"accept", "*/*"}},
	}
}

func baseResponse(expr string) Response {
	return Response{
		StatusCode: 200,
		Headers: []Header{
			{"Content-Type", "application/json"},
			{"X-Debug", "1"},
			{"IC-CertificateExpression", expr},
		},
		Body: []byte(`{"status":"paid"}`),
	}
}

// fullyCertified returns a response certified with fullExpr (request and
// response) under the exact path of the request, plus the skip entry.
func fullyCertified(t testing.TB, s *rvtest.Signer, req Request) Response {
	resp := baseResponse(fullExpr)
	spec, err := ParseExpression(fullExpr)
	if err != nil {
		t.Fatal(err)
	}
	reqHash := RequestHash(req, *spec.Request)
	exprPath := ExactPath("/checkout/cs_1")
	tree := build(t,
		rvtest.SkipEntry(),
		rvtest.CertificationEntry(exprPath, fullExpr, reqHash[:], ResponseHash(resp, spec.Response)),
	)
	certifyResponse(t, s, &resp, tree, nil, testNow, exprPath)
	return resp
}

func setHeader(resp *Response, name, value string) {
	for i, h := range resp.Headers {
		if strings.EqualFold(h.Name, name) {
			resp.Headers[i].Value = value
		}
	}
}

func TestVerify(t *testing.T) {
	s := newSigner(t)
	other := newSigner(t)
	params := Params{CanisterID: testCanister, RootKey: s.RootKey(), Now: testNow}
	skipTree := build(t, rvtest.SkipEntry())

	skipResponse := func(certTime time.Time, certified []byte, signer *rvtest.Signer) Response {
		resp := baseResponse(protocol.SkipCertificationExpression)
		certifyResponse(t, signer, &resp, skipTree, certified, certTime, WildcardPath(""))
		return resp
	}

	tests := []struct {
		name    string
		req     func() Request
		resp    func(req Request) Response
		params  Params
		want    Result
		wantErr string
	}{
		{
			name: "skip certification",
			resp: func(Request) Response { return skipResponse(testNow, nil, s) },
			want: Result{Version: 2, Skip: true},
		},
		{
			name: "skip certification, time at the edge",
			resp: func(Request) Response { return skipResponse(testNow.Add(-5*time.Minute), nil, s) },
			want: Result{Version: 2, Skip: true},
		},
		{
			name: "full certification",
			resp: func(req Request) Response { return fullyCertified(t, s, req) },
			want: Result{Version: 2, CertifiedHeaders: []Header{{"content-type", "application/json"}}},
		},
		{
			name: "response-only certification under a wildcard",
			resp: func(Request) Response {
				resp := baseResponse(responseOnlyExpr)
				spec, err := ParseExpression(responseOnlyExpr)
				if err != nil {
					t.Fatal(err)
				}
				exprPath := WildcardPath("/checkout")
				tree := build(t, rvtest.SkipEntry(), rvtest.CertificationEntry(exprPath, responseOnlyExpr, nil, ResponseHash(resp, spec.Response)))
				certifyResponse(t, s, &resp, tree, nil, testNow, exprPath)
				return resp
			},
			want: Result{Version: 2, CertifiedHeaders: []Header{{"content-type", "application/json"}}},
		},
		{
			name:    "uncertified response",
			resp:    func(Request) Response { return baseResponse(protocol.SkipCertificationExpression) },
			wantErr: "no IC-Certificate header",
		},
		{
			name: "no expression header",
			resp: func(Request) Response {
				return withoutHeader(skipResponse(testNow, nil, s), "IC-CertificateExpression")
			},
			wantErr: "no IC-CertificateExpression",
		},
		{
			name: "certified data does not match the tree",
			resp: func(Request) Response {
				return skipResponse(testNow, bytes.Repeat([]byte{7}, 32), s)
			},
			wantErr: "does not match the tree's root hash",
		},
		{
			name: "expression hash not in the tree",
			resp: func(Request) Response {
				resp := skipResponse(testNow, nil, s)
				setHeader(&resp, "IC-CertificateExpression", "default_certification(ValidationArgs{no_certification: Empty{}})")
				return resp
			},
			wantErr: "expression hash",
		},
		{
			name:    "stale certificate",
			resp:    func(Request) Response { return skipResponse(testNow.Add(-5*time.Minute-time.Second), nil, s) },
			wantErr: "too far in the past",
		},
		{
			name:    "certificate from the future",
			resp:    func(Request) Response { return skipResponse(testNow.Add(6*time.Minute), nil, s) },
			wantErr: "too far in the future",
		},
		{
			name:    "signed by another key",
			resp:    func(Request) Response { return skipResponse(testNow, nil, other) },
			wantErr: "certificate verification failed",
		},
		{
			name:    "certificate for another canister",
			resp:    func(Request) Response { return skipResponse(testNow, nil, s) },
			params:  Params{CanisterID: principal.Principal{Raw: []byte{9}}, RootKey: s.RootKey(), Now: testNow},
			wantErr: "does not reveal the canister's certified data",
		},
		{
			name: "tampered body",
			resp: func(req Request) Response {
				resp := fullyCertified(t, s, req)
				resp.Body = []byte(`{"status":"open"}`)
				return resp
			},
			wantErr: "not certified",
		},
		{
			name: "tampered status",
			resp: func(req Request) Response {
				resp := fullyCertified(t, s, req)
				resp.StatusCode = 302
				return resp
			},
			wantErr: "not certified",
		},
		{
			name: "tampered certified header",
			resp: func(req Request) Response {
				resp := fullyCertified(t, s, req)
				setHeader(&resp, "content-type", "text/html")
				return resp
			},
			wantErr: "not certified",
		},
		{
			name: "uncertified header may change but is dropped",
			resp: func(req Request) Response {
				resp := fullyCertified(t, s, req)
				setHeader(&resp, "x-debug", "2")
				return resp
			},
			want: Result{Version: 2, CertifiedHeaders: []Header{{"content-type", "application/json"}}},
		},
		{
			name: "other certified query parameter value",
			req: func() Request {
				r := baseRequest()
				r.URL = "/checkout/cs_1?session=cs_2&canisterId=x"
				return r
			},
			resp:    func(Request) Response { return fullyCertified(t, s, baseRequest()) },
			wantErr: "not certified",
		},
		{
			name: "uncertified query parameter may differ",
			req: func() Request {
				r := baseRequest()
				r.URL = "/checkout/cs_1?session=cs_1&canisterId=y"
				return r
			},
			resp: func(Request) Response { return fullyCertified(t, s, baseRequest()) },
			want: Result{Version: 2, CertifiedHeaders: []Header{{"content-type", "application/json"}}},
		},
		{
			name: "skip path while a more specific exact path is certified",
			req: func() Request {
				r := baseRequest()
				return r
			},
			resp: func(req Request) Response {
				full := fullyCertified(t, s, req)
				// Serve the skip expression with the same tree: the exact
				// path exists, so <*> is not the most specific one.
				resp := baseResponse(protocol.SkipCertificationExpression)
				for _, h := range full.Headers {
					if h.Name == "IC-Certificate" {
						h.Value = strings.Replace(h.Value, h.Value[strings.Index(h.Value, "expr_path="):], "", 1)
						h.Value += "expr_path=:" + b64CBOR(t, WildcardPath("")) + ":, version=2"
						resp.Headers = append(resp.Headers, h)
					}
				}
				return resp
			},
			wantErr: "more specific exact path",
		},
		{
			name: "unsupported version",
			resp: func(Request) Response {
				resp := skipResponse(testNow, nil, s)
				setHeader(&resp, "IC-Certificate", strings.Replace(headerOf(resp, "IC-Certificate"), "version=2", "version=3", 1))
				return resp
			},
			wantErr: "unsupported response verification version 3",
		},
		{
			name: "missing expr_path",
			resp: func(Request) Response {
				resp := skipResponse(testNow, nil, s)
				v := headerOf(resp, "IC-Certificate")
				i := strings.Index(v, ", expr_path=")
				j := strings.Index(v, ", version=")
				setHeader(&resp, "IC-Certificate", v[:i]+v[j:])
				return resp
			},
			wantErr: "no expr_path",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := baseRequest()
			if tt.req != nil {
				req = tt.req()
			}
			p := params
			if tt.params.RootKey != nil {
				p = tt.params
			}
			got, err := Verify(req, tt.resp(req), p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tt.want.Version || got.Skip != tt.want.Skip || len(got.CertifiedHeaders) != len(tt.want.CertifiedHeaders) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got.CertifiedHeaders {
				if got.CertifiedHeaders[i] != tt.want.CertifiedHeaders[i] {
					t.Errorf("certified header %d = %v, want %v", i, got.CertifiedHeaders[i], tt.want.CertifiedHeaders[i])
				}
			}
		})
	}
}

func withoutHeader(resp Response, name string) Response {
	var kept []Header
	for _, h := range resp.Headers {
		if !strings.EqualFold(h.Name, name) {
			kept = append(kept, h)
		}
	}
	resp.Headers = kept
	return resp
}

func headerOf(resp Response, name string) string {
	v, _ := headerValue(resp.Headers, name)
	return v
}

func b64CBOR(t *testing.T, path []string) string {
	t.Helper()
	h := rvtest.CertificateHeaderV2(nil, nil, path)
	i := strings.Index(h, "expr_path=:") + len("expr_path=:")
	return h[i : i+strings.Index(h[i:], ":")]
}

func TestVerifyV1(t *testing.T) {
	s := newSigner(t)
	params := Params{CanisterID: testCanister, RootKey: s.RootKey(), Now: testNow}
	body := []byte("<html>hello</html>")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()
	sum := sha256.Sum256(body)
	tree := build(t, hashtree.Entry{Path: rvtest.Labels("http_assets", "/index.html"), Value: sum[:]})
	digest := tree.Digest()
	cert, err := s.DataCertificate(testCanister, digest[:], testNow)
	if err != nil {
		t.Fatal(err)
	}
	header := Header{"IC-Certificate", rvtest.CertificateHeaderV1(cert, hashtree.Encode(tree))}
	tests := []struct {
		name    string
		url     string
		body    []byte
		headers []Header
		wantErr bool
	}{
		{"exact asset", "/index.html", body, nil, false},
		{"fallback to index.html", "/some/route", body, nil, false},
		{"gzip encoded", "/", gz.Bytes(), []Header{{"Content-Encoding", "gzip"}}, false},
		{"tampered", "/", []byte("<html>evil</html>"), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := Response{StatusCode: 200, Headers: append([]Header{header}, tt.headers...), Body: tt.body}
			got, err := Verify(Request{Method: "GET", URL: tt.url}, resp, params)
			if tt.wantErr {
				if err == nil {
					t.Fatal("tampered v1 body verified")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 {
				t.Errorf("version = %d", got.Version)
			}
		})
	}
}

// BenchmarkVerify measures a full verification: BLS signature check (the
// bulk), tree checks and hashing.
func BenchmarkVerify(b *testing.B) {
	s, err := rvtest.NewSigner()
	if err != nil {
		b.Fatal(err)
	}
	params := Params{CanisterID: testCanister, RootKey: s.RootKey(), Now: testNow}
	skip := baseResponse(protocol.SkipCertificationExpression)
	certifyResponse(b, s, &skip, build(b, rvtest.SkipEntry()), nil, testNow, WildcardPath(""))
	cases := map[string]Response{
		"skip": skip,
		"full": fullyCertified(b, s, baseRequest()),
	}
	for name, resp := range cases {
		b.Run(name, func(b *testing.B) {
			req := baseRequest()
			for b.Loop() {
				if _, err := Verify(req, resp, params); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}

func TestVerifyDelegation(t *testing.T) {
	root, subnet := newSigner(t), newSigner(t)
	subnetID := principal.Principal{Raw: []byte{0xaa, 2}}
	tree := build(t, rvtest.SkipEntry())
	digest := tree.Digest()
	state := rvtest.StateTree(testCanister, digest[:], testNow)
	tests := []struct {
		name     string
		from, to principal.Principal
		wantErr  string
	}{
		{"canister in range", principal.Principal{Raw: []byte{0}}, principal.Principal{Raw: []byte{0xff}}, ""},
		{"canister out of range", principal.Principal{Raw: []byte{0xf0}}, principal.Principal{Raw: []byte{0xff}}, "not in range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			del, err := root.Delegation(subnet, subnetID, tt.from, tt.to, testNow)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := subnet.SignTreeDelegated(state, subnetID, del)
			if err != nil {
				t.Fatal(err)
			}
			resp := baseResponse(protocol.SkipCertificationExpression)
			resp.Headers = append(resp.Headers, Header{"IC-Certificate", rvtest.CertificateHeaderV2(cert, hashtree.Encode(tree), WildcardPath(""))})
			_, err = Verify(baseRequest(), resp, Params{CanisterID: testCanister, RootKey: root.RootKey(), Now: testNow})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
			// The subnet key alone is not the root of trust.
			if _, err := Verify(baseRequest(), resp, Params{CanisterID: testCanister, RootKey: subnet.RootKey(), Now: testNow}); err == nil {
				t.Error("verified against the subnet key as root")
			}
		})
	}
}

// FuzzVerify mutates a correctly certified response. Signatures cannot be
// forged by mutation, so the interesting inputs are the parts the
// certificate does not sign directly: expr_path, the tree, the expression,
// the URL and the body. Whatever verifies under full certification must be
// the response that was certified.
func FuzzVerify(f *testing.F) {
	s, err := rvtest.NewDeterministicSigner([]byte("rv fuzz"))
	if err != nil {
		f.Fatal(err)
	}
	params := Params{CanisterID: testCanister, RootKey: s.RootKey(), Now: testNow}
	req := baseRequest()
	full := fullyCertified(f, s, req)
	skip := baseResponse(protocol.SkipCertificationExpression)
	certifyResponse(f, s, &skip, build(f, rvtest.SkipEntry()), nil, testNow, WildcardPath(""))
	for _, resp := range []Response{full, skip} {
		if _, err := Verify(req, resp, params); err != nil {
			f.Fatalf("seed does not verify: %v", err)
		}
		expr, _ := headerValue(resp.Headers, certificateExpressionHeader)
		f.Add(headerOf(resp, "IC-Certificate"), expr, req.URL, resp.Body)
	}
	f.Fuzz(func(t *testing.T, certHeader, expr, url string, body []byte) {
		req := baseRequest()
		req.URL = url
		resp := Response{StatusCode: 200, Body: body, Headers: []Header{
			{"Content-Type", "application/json"},
			{"IC-CertificateExpression", expr},
			{"IC-Certificate", certHeader},
		}}
		res, err := Verify(req, resp, params)
		if err != nil || res.Skip || res.Version != 2 {
			return
		}
		if !bytes.Equal(body, full.Body) || expr != fullExpr {
			t.Fatalf("verified a response that was never certified: expr %q body %q", expr, body)
		}
	})
}
