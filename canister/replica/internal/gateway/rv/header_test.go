package rv

import (
	"bytes"
	"encoding/hex"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
	"reflect"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

// refSkipHeader is the header the reference implementation's
// add_skip_certification_header produces for the data certificate 01 02 03.
const refSkipHeader = "certificate=:AQID:, tree=:2dn3gwJJaHR0cF9leHBygwJDPCo+gwJYIMMautvQsFn51GT9bfTani3Ah659C0BGjTNyJtQTszcjggNA:, expr_path=:2dn3gmlodHRwX2V4cHJjPCo+:, version=2"

const skipRootHash = "55ecc31c3e8047fc158f20ea0aa0609aacc7b57e06ea40dc41860272a7d64291"

func TestSkipTreeRootHash(t *testing.T) {
	tree, err := hashtree.Build(rvtest.SkipEntry())
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.Digest(); hex.EncodeToString(got[:]) != skipRootHash {
		t.Errorf("skip tree root = %x, want %s", got, skipRootHash)
	}
}

func TestParseCertificateHeaderReference(t *testing.T) {
	h, err := ParseCertificateHeader(refSkipHeader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Certificate, []byte{1, 2, 3}) || h.Version != 2 {
		t.Errorf("certificate %x version %d", h.Certificate, h.Version)
	}
	tree, err := hashtree.Decode(h.Tree)
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.Digest(); hex.EncodeToString(got[:]) != skipRootHash {
		t.Errorf("reference skip tree root = %x", got)
	}
	path, err := DecodeExprPath(h.ExprPath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(path, WildcardPath("")) {
		t.Errorf("expr_path = %q", path)
	}
}

func TestParseCertificateHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    CertificateHeader
		wantErr string
	}{
		{name: "v1", in: "certificate=:AQ==:, tree=:Ag==:", want: CertificateHeader{Certificate: []byte{1}, Tree: []byte{2}}},
		{name: "no spaces, other order", in: "version=2,expr_path=:Aw==:,tree=:Ag==:,certificate=:AQ==:", want: CertificateHeader{Certificate: []byte{1}, Tree: []byte{2}, Version: 2, ExprPath: []byte{3}}},
		{name: "unknown member ignored", in: "certificate=:AQ==:, foo=bar, tree=:Ag==:", want: CertificateHeader{Certificate: []byte{1}, Tree: []byte{2}}},
		{name: "last wins", in: "certificate=:AQ==:, tree=:Ag==:, tree=:Aw==:", want: CertificateHeader{Certificate: []byte{1}, Tree: []byte{3}}},
		{name: "empty", in: "  ", wantErr: "empty"},
		{name: "no certificate", in: "tree=:Ag==:", wantErr: "no certificate"},
		{name: "no tree", in: "certificate=:AQ==:", wantErr: "no tree"},
		{name: "bare member", in: "certificate", wantErr: "no value"},
		{name: "not a byte sequence", in: "certificate=AQ==, tree=:Ag==:", wantErr: "byte sequence"},
		{name: "bad base64", in: "certificate=:A!Q:, tree=:Ag==:", wantErr: "base64"},
		{name: "bad version", in: "certificate=:AQ==:, tree=:Ag==:, version=two", wantErr: "version"},
		{name: "negative version", in: "certificate=:AQ==:, tree=:Ag==:, version=-1", wantErr: "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCertificateHeader(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeTreeErrors(t *testing.T) {
	tests := map[string]string{
		"empty array":   "80",
		"unknown tag":   "8105",
		"fork arity":    "820100",
		"label type":    "830201" + "8100",
		"pruned length": "820441aa",
		"not an array":  "01",
		"garbage":       "ff",
	}
	for name, in := range tests {
		b, _ := hex.DecodeString(in)
		if _, err := hashtree.Decode(b); err == nil {
			t.Errorf("%s: decoded %s without error", name, in)
		}
	}
}

// FuzzParseCertificateHeader checks that no header value makes the parser
// or the CBOR decoders behind it panic, and that what parses re-encodes to
// the same fields.
func FuzzParseCertificateHeader(f *testing.F) {
	f.Add(refSkipHeader)
	f.Add("certificate=:AQ==:, tree=:Ag==:")
	f.Add("version=2,expr_path=:Aw==:,tree=:gwGDAkNhYmOCA0B:,certificate=:AQ==:")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseCertificateHeader(s)
		if err != nil {
			return
		}
		tree, treeErr := hashtree.Decode(h.Tree)
		_, _ = certify.ParseCertificate(h.Certificate)
		path, pathErr := DecodeExprPath(h.ExprPath)
		if treeErr == nil && pathErr == nil && h.Version == 2 {
			// Re-encoding what was parsed must parse back to the same tree.
			again, err := ParseCertificateHeader(rvtest.CertificateHeaderV2(h.Certificate, hashtree.Encode(tree), path))
			if err != nil {
				t.Fatalf("re-encoded header does not parse: %v", err)
			}
			t2, err := hashtree.Decode(again.Tree)
			if err != nil || t2.Digest() != tree.Digest() {
				t.Fatalf("tree changed on re-encoding: %v", err)
			}
		}
	})
}
