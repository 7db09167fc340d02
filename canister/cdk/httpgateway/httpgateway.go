// Package httpgateway is the canister side of the IC HTTP gateway protocol: the Candid types
// of http_request / http_request_update and the response certification that lets the
// certified domain (<id>.icp0.io, <id>.localhost) accept a canister's answers.
//
// Certification here is the protocol's "skip certification" case: the canister certifies,
// once, that its responses are not individually certified, and attaches that proof (the data
// certificate and a tiny tree) to every query response. It is what a canister answering
// dynamic JSON (such as payment status) needs; the certificate still proves the response
// comes from this canister's state.
//
// Router dispatches requests on method and path patterns ("GET /checkout/{id}"), answers
// 404 and 405 (with Allow), and upgrades the routes that must run as update calls.
package httpgateway

import (
	"encoding/base64"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// HeaderField is one HTTP header, Candid `record { text; text }`.
type HeaderField struct {
	Name  string `ic:"0,tuple"`
	Value string `ic:"1,tuple"`
}

// Request is the gateway's HttpRequest.
type Request struct {
	Method             string        `ic:"method"`
	URL                string        `ic:"url"`
	Headers            []HeaderField `ic:"headers"`
	Body               []byte        `ic:"body"`
	CertificateVersion *uint16       `ic:"certificate_version"`
}

// UpdateRequest is the argument of http_request_update (no certificate_version).
type UpdateRequest struct {
	Method  string        `ic:"method"`
	URL     string        `ic:"url"`
	Headers []HeaderField `ic:"headers"`
	Body    []byte        `ic:"body"`
}

// Response is the gateway's HttpResponse (without a streaming strategy).
type Response struct {
	StatusCode uint16        `ic:"status_code"`
	Headers    []HeaderField `ic:"headers"`
	Body       []byte        `ic:"body"`
	Upgrade    *bool         `ic:"upgrade"`
}

// Header returns the first value of the named header (case-insensitive), or "".
func (r *Request) Header(name string) string {
	for _, h := range r.Headers {
		if HeaderNameEqual(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// HeaderNameEqual reports whether two header names are equal. HTTP field names are ASCII
// tokens compared case-insensitively; strings.EqualFold would also fold non-ASCII letters
// (U+212A KELVIN SIGN equals "k"), which a gateway does not.
func HeaderNameEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// The skip case's hash tree and its root are constants: they are written out here rather
// than built with cdk/hashtree at run time, which would cost every canister that serves
// HTTP a SHA-256 implementation and the tree code for four fixed values.
// TestSkipTreeDerivation derives them with cdk/hashtree.
const (
	// skipExprHash is sha256(protocol.SkipCertificationExpression).
	skipExprHash = "\xc3\x1a\xba\xdb\xd0\xb0\x59\xf9\xd4\x64\xfd\x6d\xf4\xda\x9e\x2d" +
		"\xc0\x87\xae\x7d\x0b\x40\x46\x8d\x33\x72\x26\xd4\x13\xb3\x37\x23"

	// skipTree is the CBOR hash tree http_expr/<*>/skipExprHash/"": the
	// self-describing tag 55799, then [2, label, subtree] for each label and [3, ""] for
	// the empty leaf.
	skipTree = "\xd9\xd9\xf7" +
		"\x83\x02" + "\x49" + "http_expr" +
		"\x83\x02" + "\x43" + "<*>" +
		"\x83\x02" + "\x58\x20" + skipExprHash +
		"\x82\x03" + "\x40"

	// skipRoot is the root hash of skipTree.
	skipRoot = "\x55\xec\xc3\x1c\x3e\x80\x47\xfc\x15\x8f\x20\xea\x0a\xa0\x60\x9a" +
		"\xac\xc7\xb5\x7e\x06\xea\x40\xdc\x41\x86\x02\x72\xa7\xd6\x42\x91"

	// skipExprPath is the CBOR expression path ["http_expr", "<*>"] (tag 55799).
	skipExprPath = "\xd9\xd9\xf7\x82" + "\x69" + "http_expr" + "\x63" + "<*>"
)

// SkipCertifiedData is the value a canister must set as its certified data (in init and
// post_upgrade) for skip-certified responses to verify.
func SkipCertifiedData() []byte { return []byte(skipRoot) }

// SkipHeaders returns the IC-Certificate and IC-CertificateExpression headers of a
// skip-certified response, given the data certificate (ic0.data_certificate_copy) of the
// query answering it.
func SkipHeaders(certificate []byte) []HeaderField {
	enc := base64.StdEncoding.EncodeToString
	return []HeaderField{
		{Name: "IC-Certificate", Value: "certificate=:" + enc(certificate) + ":, tree=:" + enc([]byte(skipTree)) +
			":, version=2, expr_path=:" + enc([]byte(skipExprPath)) + ":"},
		{Name: "IC-CertificateExpression", Value: protocol.SkipCertificationExpression},
	}
}
