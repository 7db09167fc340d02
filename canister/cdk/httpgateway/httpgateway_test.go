package httpgateway

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/gateway/rv"
	"github.com/gocanister/stripe-ic/canister/replica/gateway/rv/rvtest"
)

func TestSkipCertifiedDataIsTheProtocolsRoot(t *testing.T) {
	const want = "55ecc31c3e8047fc158f20ea0aa0609aacc7b57e06ea40dc41860272a7d64291"
	if got := hex.EncodeToString(SkipCertifiedData()); got != want {
		t.Fatalf("skip tree root %s, want %s", got, want)
	}
}

// The headers pass the gateway's response verification (which follows the reference
// implementation) for the canister whose certified data is the skip root; they fail for
// another certified data.
func TestSkipHeadersVerify(t *testing.T) {
	signer, err := rvtest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	canister := principal.MustDecode("rrkah-fqaaa-aaaaa-aaaaq-cai")
	now := time.Now()
	for _, tt := range []struct {
		name     string
		data     []byte
		wantSkip bool
	}{
		{"skip root", SkipCertifiedData(), true},
		{"other data", make([]byte, 32), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := signer.SignTree(rvtest.StateTree(canister, tt.data, now))
			if err != nil {
				t.Fatal(err)
			}
			var headers []rv.Header
			for _, h := range SkipHeaders(cert) {
				headers = append(headers, rv.Header{Name: h.Name, Value: h.Value})
			}
			res, err := rv.Verify(rv.Request{Method: "GET", URL: "/checkout/cs_test_1"},
				rv.Response{StatusCode: 200, Headers: headers, Body: []byte(`{"status":"checking"}`)},
				rv.Params{CanisterID: canister, RootKey: signer.RootKey(), Now: now})
			if tt.wantSkip {
				if err != nil || !res.Skip {
					t.Fatalf("Verify = %+v, %v; want a verified skip", res, err)
				}
				return
			}
			if err == nil {
				t.Fatal("verified against the wrong certified data")
			}
		})
	}
}

func TestRequestHeader(t *testing.T) {
	r := Request{Headers: []HeaderField{{"Stripe-Signature", "t=1"}, {"content-type", "application/json"}}}
	if r.Header("stripe-signature") != "t=1" || r.Header("Content-Type") != "application/json" || r.Header("x") != "" {
		t.Fatal("Header lookup is not case-insensitive")
	}
}
