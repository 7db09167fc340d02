package rv

import (
	"encoding/hex"
	"strings"
	"testing"
	"unicode"
)

// The expected hashes below are the test vectors of the reference
// implementation (dfinity/response-verification, ic-http-certification).

func removeSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func TestRequestHashVectors(t *testing.T) {
	rc := RequestCertification{CertifiedRequestHeaders: []string{"host"}}
	mk := func(url string) Request {
		return Request{
			Method: "POST",
			URL:    url,
			Headers: []Header{
				{"Accept-Language", "en"},
				{"Accept-Language", "en-US"},
				{"Host", "https://ic0.app"},
			},
			Body: []byte{0, 1, 2, 3, 4, 5, 6},
		}
	}
	tests := []struct {
		name, url string
		params    []string
		want      string
	}{
		{"without query", "https://ic0.app", nil, "10796453466efb3e333891136b8a5931269f77e40ead9d437fcee94a02fa833c"},
		{"with query", "https://ic0.app?q=hello+world&name=foo&name=bar&color=purple", []string{"q", "name"}, "3ade1c9054f05bc8bcebd3fd7b884078a6e67c63e5ac4a639fa46a47f5a955c9"},
		{"fragment ignored", "https://ic0.app?q=hello+world&name=foo&name=bar&color=purple#index.html", []string{"q", "name"}, "3ade1c9054f05bc8bcebd3fd7b884078a6e67c63e5ac4a639fa46a47f5a955c9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := rc
			rc.CertifiedQueryParameters = tt.params
			got := RequestHash(mk(tt.url), rc)
			if hex.EncodeToString(got[:]) != tt.want {
				t.Errorf("RequestHash = %x, want %s", got, tt.want)
			}
		})
	}
	t.Run("query order matters", func(t *testing.T) {
		rc := RequestCertification{CertifiedQueryParameters: []string{"name"}}
		a := RequestHash(mk("/?name=foo&name=bar"), rc)
		b := RequestHash(mk("/?name=bar&name=foo"), rc)
		if a == b {
			t.Error("reordered query parameters hash the same")
		}
	})
}

func TestResponseHashVectors(t *testing.T) {
	const certifiedExpr = `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},
		response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:["Accept-Encoding","Cache-Control"]}}}})`
	const exclusionsExpr = `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},
		response_certification:ResponseCertification{response_header_exclusions:ResponseHeaderList{headers:["Content-Security-Policy"]}}}})`
	mk := func(expr string) Response {
		return Response{
			StatusCode: 200,
			Headers: []Header{
				{"IC-Certificate", "certificate=:SGVsbG8gQ2VydGlmaWNhdGUh:,tree=:SGVsbG8gVHJlZSE=:"},
				{"IC-CertificateExpression", removeSpace(expr)},
				{"Accept-Encoding", "gzip"},
				{"Cache-Control", "no-cache"},
				{"Cache-Control", "no-store"},
				{"Content-Security-Policy", "default-src 'self'"},
			},
			Body: []byte("Hello World!"),
		}
	}
	both := []string{"Accept-Encoding", "Cache-Control"}
	tests := []struct {
		name        string
		expr        string
		rc          ResponseCertification
		headersHash string
		hash        string
	}{
		{"certified headers", certifiedExpr, ResponseCertification{Headers: both},
			"eac859a99d5bd7b71f46dbacecff4aaa0a7a7131802c136a77a76c8e018af5f7",
			"3393250e3cedc30408dcb7e8963898c3d7549b8a0b76496b82fdfeae99c2ac78"},
		{"header exclusions", exclusionsExpr, ResponseCertification{Headers: both, Exclude: true},
			"d618f70bf2578d5a672374ffbaade3910e858384f42d01ac2863946ab596bcac",
			"a2ffb50ef8971650c2fb46c0a2788b7d5ac5a027d635175e8e06b419ce6c4cda"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := mk(tt.expr)
			if got := responseHeadersHash(resp, tt.rc); hex.EncodeToString(got[:]) != tt.headersHash {
				t.Errorf("headers hash = %x, want %s", got, tt.headersHash)
			}
			if got := ResponseHash(resp, tt.rc); hex.EncodeToString(got[:]) != tt.hash {
				t.Errorf("ResponseHash = %x, want %s", got, tt.hash)
			}
		})
	}
}

func TestFilterResponseHeaders(t *testing.T) {
	headers := []Header{
		{"IC-Certificate", "x"}, {"IC-CertificateExpression", "y"},
		{"Content-Type", "text/html"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"},
	}
	tests := []struct {
		name string
		rc   ResponseCertification
		want []Header
	}{
		{"include", ResponseCertification{Headers: []string{"content-type", "IC-Certificate"}},
			[]Header{{"content-type", "text/html"}}},
		{"exclude", ResponseCertification{Headers: []string{"Content-Type"}, Exclude: true},
			[]Header{{"set-cookie", "a=1"}, {"set-cookie", "b=2"}}},
		{"include nothing", ResponseCertification{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FilterResponseHeaders(headers, tt.rc)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("header %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestURLPath(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"/sample-asset.txt", "/sample-asset.txt", false},
		{"https://canister.com/%73ample-asset.txt", "/sample-asset.txt", false},
		{"/path/123?foo=test%20component&bar=1", "/path/123", false},
		{"/a%20file.txt#frag", "/a file.txt", false},
		{"/%E6%97%A0%E8%AE%BA", "/无论", false},
		{"/bad%zzescape", "/bad%zzescape", false},
		{"/invalid%FFutf8", "", true},
		{"https://canister.com", "/", false},
	}
	for _, tt := range tests {
		got, err := urlPath(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("urlPath(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
