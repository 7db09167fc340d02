// Package statuscert is how stripe_backend certifies the answers of its http_request query
// (cdk/httpcert): the certification expression and the conversion of a payments answer
// into the gateway's response. cmd/stripe_backend uses it, and so do the tests that build a
// canister's stable memory natively (a million certified payments in seconds), which must
// certify exactly what the canister would.
package statuscert

import (
	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/payments"
)

// Certification is the expression of every fully certified answer: status, body and
// these headers (the page files send all four; JSON answers the first two).
var Certification = httpcert.ResponseOnly("content-type", "cache-control", "x-content-type-options", "content-security-policy")

// Response converts a payments answer into the gateway's response (empty slices, not nil,
// as Candid wants them).
func Response(r payments.HTTPResponse) httpgateway.Response {
	out := httpgateway.Response{StatusCode: uint16(r.Status), Body: r.Body, Headers: make([]httpgateway.HeaderField, 0, len(r.Headers)+2)}
	if out.Body == nil {
		out.Body = []byte{}
	}
	for _, h := range r.Headers {
		out.Headers = append(out.Headers, httpgateway.HeaderField{Name: h.Name, Value: h.Value})
	}
	if r.Upgrade {
		yes := true
		out.Upgrade = &yes
	}
	return out
}

// Hash is the response hash of a payments answer as the query serves it (Prepare of its
// Response), computed without allocating: an update that commits a payment certifies it.
// The expression header goes last, where it wins over any earlier one, and the
// IC-Certificate header is never certified, so these headers hash as Prepare's do.
func Hash(r payments.HTTPResponse) [32]byte {
	var buf [8]httpgateway.HeaderField
	hs := buf[:0]
	for _, h := range r.Headers {
		hs = append(hs, httpgateway.HeaderField{Name: h.Name, Value: h.Value})
	}
	hs = append(hs, httpgateway.HeaderField{Name: "IC-CertificateExpression", Value: Certification.Expression}) // as WithExpression spells it: HeadersHash remembers by exact match
	return Certification.ResponseHashOfBody(uint16(r.Status), hs, sha256.Sum256(r.Body))
}
