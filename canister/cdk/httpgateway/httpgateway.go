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
	"crypto/sha256"
	"encoding/base64"
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
		if equalFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func equalFold(a, b string) bool {
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

// SkipExpression is the certification expression of the skip case.
const SkipExpression = "default_certification(ValidationArgs{no_certification:Empty{}})"

// Hash-tree encoding (IC interface spec, "Certificate"): CBOR arrays [tag, ...].
const (
	tagLabeled = 2
	tagLeaf    = 3
)

// skipTree returns the CBOR hash tree http_expr/<*>/sha256(SkipExpression)/"" and its
// root hash. Written out by hand: a general CBOR library would add ~100 KB to the module
// for three nested arrays.
func skipTree() (cborTree []byte, root [32]byte) {
	exprHash := sha256.Sum256([]byte(SkipExpression))
	leaf := hashLeaf(nil)
	h3 := hashLabeled(exprHash[:], leaf)
	h2 := hashLabeled([]byte("<*>"), h3)
	root = hashLabeled([]byte("http_expr"), h2)

	var b []byte
	b = append(b, 0xd9, 0xd9, 0xf7) // self-describing CBOR tag 55799
	b = labeled(b, []byte("http_expr"))
	b = labeled(b, []byte("<*>"))
	b = labeled(b, exprHash[:])
	b = append(b, 0x82, tagLeaf)
	b = cborBytes(b, nil)
	return b, root
}

func labeled(b, label []byte) []byte {
	b = append(b, 0x83, tagLabeled)
	return cborBytes(b, label)
}

func cborBytes(b, data []byte) []byte {
	n := len(data)
	switch {
	case n < 24:
		b = append(b, 0x40|byte(n))
	case n < 256:
		b = append(b, 0x58, byte(n))
	default:
		b = append(b, 0x59, byte(n>>8), byte(n))
	}
	return append(b, data...)
}

func cborText(b []byte, s string) []byte {
	n := len(s)
	if n < 24 {
		b = append(b, 0x60|byte(n))
	} else {
		b = append(b, 0x78, byte(n))
	}
	return append(b, s...)
}

func domainSep(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func hashLeaf(data []byte) [32]byte {
	return sha256.Sum256(append(domainSep("ic-hashtree-leaf"), data...))
}

func hashLabeled(label []byte, sub [32]byte) [32]byte {
	b := append(domainSep("ic-hashtree-labeled"), label...)
	return sha256.Sum256(append(b, sub[:]...))
}

// SkipCertifiedData is the value a canister must set as its certified data (in init and
// post_upgrade) for skip-certified responses to verify.
func SkipCertifiedData() []byte {
	_, root := skipTree()
	return root[:]
}

// SkipHeaders returns the IC-Certificate and IC-CertificateExpression headers of a
// skip-certified response, given the data certificate (ic0.data_certificate_copy) of the
// query answering it.
func SkipHeaders(certificate []byte) []HeaderField {
	tree, _ := skipTree()
	var path []byte
	path = append(path, 0xd9, 0xd9, 0xf7, 0x82) // ["http_expr", "<*>"]
	path = cborText(path, "http_expr")
	path = cborText(path, "<*>")
	enc := base64.StdEncoding.EncodeToString
	return []HeaderField{
		{Name: "IC-Certificate", Value: "certificate=:" + enc(certificate) + ":, tree=:" + enc(tree) + ":, version=2, expr_path=:" + enc(path) + ":"},
		{Name: "IC-CertificateExpression", Value: SkipExpression},
	}
}
