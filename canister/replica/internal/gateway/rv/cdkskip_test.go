package rv

import (
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

// The CDK's skip-certification headers (cdk/httpgateway) pass this package's response
// verification, which follows the reference implementation, for the canister whose
// certified data is the skip root; they fail for another certified data. (Moved here from
// cdk/httpgateway, whose tests do not depend on the replica.)
func TestCDKSkipHeadersVerify(t *testing.T) {
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
		{"skip root", httpgateway.SkipCertifiedData(), true},
		{"other data", make([]byte, 32), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert, err := signer.SignTree(rvtest.StateTree(canister, tt.data, now))
			if err != nil {
				t.Fatal(err)
			}
			var headers []Header
			for _, h := range httpgateway.SkipHeaders(cert) {
				headers = append(headers, Header{Name: h.Name, Value: h.Value})
			}
			res, err := Verify(Request{Method: "GET", URL: "/checkout/cs_test_1"},
				Response{StatusCode: 200, Headers: headers, Body: []byte(`{"status":"checking"}`)},
				Params{CanisterID: canister, RootKey: signer.RootKey(), Now: now})
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
