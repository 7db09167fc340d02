package statuscert

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/payments"
)

// Hash, which certifies in updates without allocating, is the hash of the response the
// query serves (Prepare of Response), for every kind of status answer.
func TestHashIsPreparedResponseHash(t *testing.T) {
	tests := []struct {
		name string
		r    payments.HTTPResponse
	}{
		{"completed", payments.SessionAnswer(&payments.Record{Status: payments.StatusCompleted, SessionID: "cs_test_a", Created: 7})},
		{"failed", payments.SessionAnswer(&payments.Record{Status: payments.StatusFailed, SessionID: "cs_test_b", Reason: "expired"})},
		{"stray expression header", payments.HTTPResponse{Status: 200, Body: []byte("{}"), Headers: []payments.Header{
			{Name: "content-type", Value: "application/json"}, {Name: "IC-CertificateExpression", Value: "stale"}, {Name: "IC-Certificate", Value: "x"}}}},
		{"no body", payments.HTTPResponse{Status: 404}},
	}
	for _, tt := range tests {
		resp := Response(tt.r)
		if got, want := Hash(tt.r), Certification.Prepare(&resp); got != want {
			t.Errorf("%s: Hash = %x, want %x", tt.name, got, want)
		}
	}
}
