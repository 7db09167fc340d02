package rv

import (
	"encoding/hex"
	"encoding/json"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
)

// TestRealCertificate checks certificate handling against a certificate
// produced by the IC (with a subnet delegation), not by rvtest: decoding,
// delegation, BLS signature, time and certified data.
func TestRealCertificate(t *testing.T) {
	raw, err := os.ReadFile("testdata/delegated_certificate.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Certificate   string `json:"certificate"`
		RootKey       string `json:"root_key"`
		Canister      string `json:"canister"`
		CertifiedData string `json:"certified_data"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	mustHex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	certBytes, rootKey, certified := mustHex(v.Certificate), mustHex(v.RootKey), mustHex(v.CertifiedData)
	cert, err := certify.ParseCertificate(certBytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Delegation == nil {
		t.Fatal("vector has no delegation")
	}
	certTime, err := cert.Time()
	if err != nil {
		t.Fatal(err)
	}
	// The canister's own tree is represented by a pruned node with the
	// certified hash: only its digest matters here.
	tree := hashtree.Pruned(certified)
	canister := principal.MustDecode(v.Canister)
	p := Params{CanisterID: canister, RootKey: rootKey, Now: certTime.Add(time.Minute), MaxCertTimeOffset: DefaultMaxCertTimeOffset}
	if err := verifyCertificate(p, cert, tree); err != nil {
		t.Fatalf("real certificate rejected: %v", err)
	}

	flipped := append([]byte(nil), certified...)
	flipped[0] ^= 1
	badSig, err := certify.ParseCertificate(certBytes)
	if err != nil {
		t.Fatal(err)
	}
	badSig.Signature = append([]byte(nil), cert.Signature...)
	badSig.Signature[5] ^= 1
	cases := []struct {
		name    string
		mutate  func(*Params) (tree hashtree.Node, useBadSig bool)
		wantErr string
	}{
		{"other certified data", func(*Params) (hashtree.Node, bool) { return hashtree.Pruned(flipped), false }, "does not match"},
		{"stale", func(p *Params) (hashtree.Node, bool) { p.Now = certTime.Add(6 * time.Minute); return tree, false }, "past"},
		{"bad signature", func(*Params) (hashtree.Node, bool) { return tree, true }, "verification failed"},
		{"other root key", func(p *Params) (hashtree.Node, bool) {
			p.RootKey = mustHex(strings.Repeat("00", len(rootKey)))
			return tree, false
		}, "verification failed"},
		{"canister outside the delegation", func(p *Params) (hashtree.Node, bool) {
			p.CanisterID = principal.MustDecode("aaaaa-aa")
			return tree, false
		}, "not in range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := p
			tr, bad := c.mutate(&q)
			ce := cert
			if bad {
				ce = badSig
			}
			err := verifyCertificate(q, ce, tr)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, c.wantErr)
			}
		})
	}
}
