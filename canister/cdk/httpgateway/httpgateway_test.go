package httpgateway

import (
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

func TestSkipCertifiedDataIsTheProtocolsRoot(t *testing.T) {
	const want = "55ecc31c3e8047fc158f20ea0aa0609aacc7b57e06ea40dc41860272a7d64291"
	if got := hex.EncodeToString(SkipCertifiedData()); got != want {
		t.Fatalf("skip tree root %s, want %s", got, want)
	}
}

// The headers name the skip expression and carry the certificate, the skip tree and its
// expression path; that the gateway's response verification accepts them is checked on the
// replica side (replica/internal/gateway/rv, TestCDKSkipHeadersVerify).
func TestSkipHeaders(t *testing.T) {
	cert := []byte{1, 2, 3}
	hs := SkipHeaders(cert)
	if len(hs) != 2 || hs[0].Name != "IC-Certificate" || hs[1].Name != "IC-CertificateExpression" {
		t.Fatalf("headers %+v", hs)
	}
	if hs[1].Value != protocol.SkipCertificationExpression {
		t.Errorf("expression %q", hs[1].Value)
	}
	enc := base64.StdEncoding.EncodeToString
	want := "certificate=:" + enc(cert) + ":, tree=:" + enc([]byte(skipTree)) + ":, version=2, expr_path=:" + enc([]byte(skipExprPath)) + ":"
	if hs[0].Value != want {
		t.Errorf("IC-Certificate %q, want %q", hs[0].Value, want)
	}
}

func TestRequestHeader(t *testing.T) {
	r := Request{Headers: []HeaderField{{"Stripe-Signature", "t=1"}, {"content-type", "application/json"}}}
	if r.Header("stripe-signature") != "t=1" || r.Header("Content-Type") != "application/json" || r.Header("x") != "" {
		t.Fatal("Header lookup is not case-insensitive")
	}
}
