// Package httpcert is response certification (version 2) of the IC HTTP Gateway Protocol
// for canisters, the counterpart of Rust's ic-http-certification and ic-certified-map: a
// canister certifies the responses its http_request query gives, so that an HTTP gateway
// (and @dfinity/response-verification) accepts them only with the certified status, headers
// and body.
//
// The pieces, from small to large:
//
//   - Certification is a certification expression (IC-CertificateExpression, a CEL text)
//     with its hash: ResponseOnly(headers...) certifies status, body and the named
//     headers; Skip() certifies that a response is not certified.
//   - Certification.Prepare adds the expression header to a response and returns the
//     response hash the tree must hold (ResponseHash: the representation-independent hash
//     of the certified headers and :ic-cert-status, then SHA-256 of it and the body hash).
//   - ExactPath and WildcardPath turn a URL path into the labels under http_expr where a
//     response is certified ("/app.js" -> app.js/<$>, a 404 fallback for "/" -> <*>), and
//     VerificationPaths lists the paths a gateway looks up for a request, so a witness can
//     prove the more specific ones absent (the gateway's fallback rules).
//   - Tree is the http_expr tree: a few entries on the heap (assets, fallbacks, skip
//     entries) and mounted large maps (ResponseMap, one stable-memory certified map per
//     route), with its root hash for ic0.certified_data_set and witnesses.
//   - CertificateHeader builds the IC-Certificate header from the query's data certificate,
//     the witness and the expression path.
//
// Typical use (see the example): at upload or in the update that changes an answer,
// Insert (or ResponseMap.Put) the prepared response and set the certified data to
// Tree.RootHash(); in the query, prepare the same response, and add CertificateHeader with
// Tree.Witness for the request. A response not in the tree must not be served from the
// query: answer upgrade = true instead, and the update's answer goes through consensus.
//
// The package imports neither fmt nor os, so canisters can link it.
package httpcert

import (
	"slices"
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/cdk/reprhash"
	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
)

// Header names of the protocol (lower case, as hashed).
const (
	CertificateHeaderName           = "ic-certificate"
	CertificateExpressionHeaderName = "ic-certificateexpression"
	statusPseudoHeader              = ":ic-cert-status"
)

// Certification is a certification expression and what follows from it. Make one with
// ResponseOnly or Skip, once, and reuse it: it holds the expression's hash.
type Certification struct {
	// Expression is the IC-CertificateExpression header value.
	Expression string
	// ExprHash is SHA-256 of Expression, the label under the expression path.
	ExprHash [32]byte
	// Headers are the certified response header names, lower case (ResponseOnly), or the
	// excluded ones (ResponseOnlyExcluding).
	Headers []string
	// Exclude says Headers are exclusions: every other header is certified.
	Exclude bool
	// IsSkip is set for Skip().
	IsSkip bool

	// remembered are HeadersHash results: a canister answers many responses with the same
	// status and headers (see HeadersHash).
	remembered []rememberedHash
}

type rememberedHash struct {
	status  uint16
	headers []httpgateway.HeaderField
	hash    [32]byte
}

// ResponseOnly certifies the status, the body and the named headers (case-insensitive;
// IC-CertificateExpression is always certified) of a response, whatever the request:
// default_certification with no_request_certification and certified_response_headers.
func ResponseOnly(headers ...string) *Certification {
	return newCertification(headers, false)
}

// ResponseOnlyExcluding certifies the status, the body and every header but the named
// ones (and IC-Certificate): response_header_exclusions.
func ResponseOnlyExcluding(headers ...string) *Certification {
	return newCertification(headers, true)
}

func newCertification(headers []string, exclude bool) *Certification {
	c := &Certification{Exclude: exclude}
	var b strings.Builder
	b.WriteString("default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{")
	if exclude {
		b.WriteString("response_header_exclusions")
	} else {
		b.WriteString("certified_response_headers")
	}
	b.WriteString(":ResponseHeaderList{headers:[")
	for i, h := range headers {
		c.Headers = append(c.Headers, strings.ToLower(h))
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(h)
		b.WriteByte('"')
	}
	b.WriteString("]}}}})")
	c.Expression = b.String()
	c.ExprHash = sha256.Sum256([]byte(c.Expression))
	return c
}

// Skip certifies that responses are not certified: a gateway accepts any response at a
// path whose entry has this expression. Use it only for answers whose content does not
// matter to a user (acknowledgements), never at a wildcard that covers certified routes.
func Skip() *Certification {
	c := &Certification{Expression: protocol.SkipCertificationExpression, IsSkip: true}
	c.ExprHash = sha256.Sum256([]byte(c.Expression))
	return c
}

// certifies reports whether the header is part of the response hash.
func (c *Certification) certifies(name string) bool {
	if httpgateway.HeaderNameEqual(name, CertificateHeaderName) || httpgateway.HeaderNameEqual(name, CertificateExpressionHeaderName) {
		return false
	}
	listed := false
	for _, h := range c.Headers {
		if httpgateway.HeaderNameEqual(h, name) {
			listed = true
			break
		}
	}
	return listed != c.Exclude
}

// Prepare adds the IC-CertificateExpression header to resp (replacing one already there),
// gives a nil body its empty form, and returns the response hash. The response the query
// serves must be prepared the same way, so that its hash is the one in the tree.
func (c *Certification) Prepare(resp *httpgateway.Response) [32]byte {
	resp.Headers = c.WithExpression(resp.Headers)
	if resp.Body == nil {
		resp.Body = []byte{}
	}
	if c.IsSkip {
		return [32]byte{}
	}
	return c.ResponseHash(resp)
}

// WithExpression returns headers without IC-Certificate and IC-CertificateExpression, then
// the IC-CertificateExpression header of c (a new slice).
func (c *Certification) WithExpression(headers []httpgateway.HeaderField) []httpgateway.HeaderField {
	hs := make([]httpgateway.HeaderField, 0, len(headers)+2)
	for _, h := range headers {
		if !httpgateway.HeaderNameEqual(h.Name, CertificateExpressionHeaderName) && !httpgateway.HeaderNameEqual(h.Name, CertificateHeaderName) {
			hs = append(hs, h)
		}
	}
	return append(hs, httpgateway.HeaderField{Name: "IC-CertificateExpression", Value: c.Expression})
}

// ResponseHash is the response hash of response verification v2: the
// representation-independent hash of the certified headers (names lower case), the
// IC-CertificateExpression header and :ic-cert-status, followed by SHA-256 of the body,
// hashed again.
func (c *Certification) ResponseHash(resp *httpgateway.Response) [32]byte {
	return c.ResponseHashOfBody(resp.StatusCode, resp.Headers, sha256.Sum256(resp.Body))
}

// ResponseHashOfBody is ResponseHash from the body's SHA-256, for a canister that keeps
// the hashes of large bodies rather than hashing them again.
func (c *Certification) ResponseHashOfBody(status uint16, headers []httpgateway.HeaderField, bodyHash [32]byte) [32]byte {
	var b [128]byte
	*(*[32]byte)(b[0:32]) = c.HeadersHash(status, headers)
	*(*[32]byte)(b[32:64]) = bodyHash
	return sha256.SumPadded(sha256.Pad(b[:64], 64))
}

// BodyHash is SHA-256 of a body, as ResponseHashOfBody takes it.
func BodyHash(body []byte) [32]byte { return sha256.Sum256(body) }

// HeadersHash is the first half of ResponseHash. It remembers its results (up to 32
// status and header combinations), since a canister answers many responses with
// the same status and headers: hashing them costs as much as a large body. In a canister,
// compute the hash of each common combination once in init and post_upgrade (queries
// cannot keep what they remember).
func (c *Certification) HeadersHash(status uint16, headers []httpgateway.HeaderField) [32]byte {
	for i := range c.remembered {
		if r := &c.remembered[i]; r.status == status && slices.Equal(r.headers, headers) {
			return r.hash
		}
	}
	h := c.headersHash(status, headers)
	if len(c.remembered) < maxRemembered {
		c.remembered = append(c.remembered, rememberedHash{status, append([]httpgateway.HeaderField(nil), headers...), h})
	}
	return h
}

const maxRemembered = 32

func (c *Certification) headersHash(status uint16, headers []httpgateway.HeaderField) [32]byte {
	fields := make([]reprhash.Field, 0, len(headers)+1)
	var expr string
	hasExpr := false
	for _, h := range headers {
		if httpgateway.HeaderNameEqual(h.Name, CertificateExpressionHeaderName) {
			expr, hasExpr = h.Value, true // the last one wins, as in a map
			continue
		}
		if c.certifies(h.Name) {
			fields = append(fields, reprhash.Field{Key: strings.ToLower(h.Name), Value: reprhash.Text(h.Value)})
		}
	}
	if hasExpr {
		fields = append(fields, reprhash.Field{Key: CertificateExpressionHeaderName, Value: reprhash.Text(expr)})
	}
	fields = append(fields, reprhash.Field{Key: statusPseudoHeader, Value: reprhash.Nat(uint64(status))})
	return reprhash.Map(fields)
}

// CertificateHeader returns the IC-Certificate header of a response: the data certificate
// of the query (cdk.DataCertificate), the witness (Tree.Witness) and the expression path
// (labels under http_expr, as ExactPath or WildcardPath return them).
func CertificateHeader(certificate []byte, witness []byte, exprPath [][]byte) httpgateway.HeaderField {
	path := EncodeExprPath(exprPath)
	b := make([]byte, 0, 64+(len(certificate)+len(witness)+len(path))*4/3+12)
	b = append(b, "certificate=:"...)
	b = appendBase64(b, certificate)
	b = append(b, ":, tree=:"...)
	b = appendBase64(b, witness)
	b = append(b, ":, version=2, expr_path=:"...)
	b = appendBase64(b, path)
	b = append(b, ':')
	return httpgateway.HeaderField{Name: "IC-Certificate", Value: string(b)}
}

// appendBase64 appends the standard base64 encoding (with padding) of src: as
// encoding/base64 does, two characters per table read instead of one, because in a canister
// this header (kilobytes of certificate and witness) is the largest cost of a certified
// answer after the hashing.
func appendBase64(b, src []byte) []byte {
	for len(src) >= 3 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		hi, lo := 2*(v>>12), 2*(v&0xfff)
		b = append(b, base64Pairs[hi], base64Pairs[hi+1], base64Pairs[lo], base64Pairs[lo+1])
		src = src[3:]
	}
	char := func(x uint) byte { return base64Pairs[2*x+1] } // pairs 0..63 end in the alphabet
	switch len(src) {
	case 1:
		x := uint(src[0])
		b = append(b, char(x>>2), char(x&3<<4), '=', '=')
	case 2:
		v := uint(src[0])<<8 | uint(src[1])
		b = append(b, char(v>>10), char(v>>4&63), char(v&15<<2), '=')
	}
	return b
}

// EncodeExprPath is the CBOR expr_path of the IC-Certificate header: the self-describing
// tag, then an array of texts, "http_expr" and the labels.
func EncodeExprPath(path [][]byte) []byte {
	b := []byte{0xd9, 0xd9, 0xf7}
	b = cborHead(b, 4, uint64(len(path)+1))
	b = cborHead(b, 3, uint64(len("http_expr")))
	b = append(b, "http_expr"...)
	for _, l := range path {
		b = cborHead(b, 3, uint64(len(l)))
		b = append(b, l...)
	}
	return b
}

func cborHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n < 1<<8:
		return append(b, m|24, byte(n))
	case n < 1<<16:
		return append(b, m|25, byte(n>>8), byte(n))
	case n < 1<<32:
		return append(b, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
