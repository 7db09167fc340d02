package rv

import (
	"crypto/sha256"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gocanister/stripe-ic/canister/cdk/reprhash"
)

// Header is one HTTP header as exchanged with a canister: a name and a value.
type Header struct {
	Name, Value string
}

// Request is the part of an HttpRequest that certification covers.
type Request struct {
	Method  string
	URL     string // path and query, as sent to the canister
	Headers []Header
	Body    []byte
}

// Response is a canister's HttpResponse after all streamed chunks were
// appended to Body.
type Response struct {
	StatusCode uint16
	Headers    []Header
	Body       []byte
}

const (
	certificateHeader           = "ic-certificate"
	certificateExpressionHeader = "ic-certificateexpression"
)

// strEntry is a text field of a representation-independent hash.
func strEntry(k, v string) reprhash.Field { return reprhash.Field{Key: k, Value: reprhash.Text(v)} }

// natEntry is a natural-number field of a representation-independent hash.
func natEntry(k string, n uint64) reprhash.Field {
	return reprhash.Field{Key: k, Value: reprhash.Nat(n)}
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(e string) bool { return strings.EqualFold(e, s) })
}

// RequestHash computes the request hash for a full certification
// (certified request headers and query parameters from the expression).
func RequestHash(req Request, rc RequestCertification) [32]byte {
	var entries []reprhash.Field
	for _, h := range req.Headers {
		if containsFold(rc.CertifiedRequestHeaders, h.Name) {
			entries = append(entries, strEntry(strings.ToLower(h.Name), h.Value))
		}
	}
	entries = append(entries, strEntry(":ic-cert-method", req.Method))
	if query, ok := urlQuery(req.URL); ok {
		entries = append(entries, strEntry(":ic-cert-query", filterQuery(query, rc.CertifiedQueryParameters)))
	}
	body := sha256.Sum256(req.Body)
	head := reprhash.Map(entries)
	return sha256.Sum256(append(head[:], body[:]...))
}

// filterQuery keeps the name=value fragments whose name is certified, in
// their original order and with their original encoding.
func filterQuery(query string, certified []string) string {
	var kept []string
	for frag := range strings.SplitSeq(query, "&") {
		name, _, _ := strings.Cut(frag, "=")
		if containsFold(certified, name) {
			kept = append(kept, frag)
		}
	}
	return strings.Join(kept, "&")
}

// FilterResponseHeaders returns the response headers a certification covers
// (names lower-cased), without IC-Certificate and IC-CertificateExpression.
// With a full or response-only certification these are the only headers a
// gateway may pass on.
func FilterResponseHeaders(headers []Header, rc ResponseCertification) []Header {
	var out []Header
	for _, h := range headers {
		name := strings.ToLower(h.Name)
		if name == certificateHeader || name == certificateExpressionHeader {
			continue
		}
		listed := containsFold(rc.Headers, name)
		if listed != rc.Exclude {
			out = append(out, Header{name, h.Value})
		}
	}
	return out
}

// ResponseHash computes the response hash: certified headers, the
// IC-CertificateExpression header, the :ic-cert-status pseudo header and the
// body hash.
func ResponseHash(resp Response, rc ResponseCertification) [32]byte {
	head := responseHeadersHash(resp, rc)
	body := sha256.Sum256(resp.Body)
	return sha256.Sum256(append(head[:], body[:]...))
}

func responseHeadersHash(resp Response, rc ResponseCertification) [32]byte {
	var entries []reprhash.Field
	for _, h := range FilterResponseHeaders(resp.Headers, rc) {
		entries = append(entries, strEntry(h.Name, h.Value))
	}
	if expr, ok := headerValue(resp.Headers, certificateExpressionHeader); ok {
		entries = append(entries, strEntry(certificateExpressionHeader, expr))
	}
	entries = append(entries, natEntry(":ic-cert-status", uint64(resp.StatusCode)))
	return reprhash.Map(entries)
}

// headerValue finds a header case-insensitively; with repeated headers the
// last one wins, like a map built from the list.
func headerValue(headers []Header, name string) (string, bool) {
	var v string
	var found bool
	for _, h := range headers {
		if strings.EqualFold(h.Name, name) {
			v, found = h.Value, true
		}
	}
	return v, found
}

// urlQuery returns the query of a request URL (path?query#fragment or an
// absolute URL) and whether it has one at all: "/a?" has an empty query,
// "/a" has none.
func urlQuery(u string) (string, bool) {
	u, _, _ = strings.Cut(u, "#")
	_, q, ok := strings.Cut(u, "?")
	return q, ok
}

// urlPath returns the percent-decoded path of a request URL.
func urlPath(u string) (string, error) {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	if i := strings.Index(u, "://"); i >= 0 && !strings.Contains(u[:i], "/") {
		rest := u[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			u = rest[j:]
		} else {
			u = "/"
		}
	}
	return percentDecode(u)
}

// percentDecode decodes %XX escapes (leaving malformed ones as they are) and
// insists on UTF-8, like the urlencoding crate the reference verifier uses.
func percentDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		if !utf8.ValidString(s) {
			return "", errInvalidPath
		}
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	if !utf8.ValidString(b.String()) {
		return "", errInvalidPath
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
