package sha256_test

import (
	"crypto/hmac"
	stdsha256 "crypto/sha256"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
)

// TestHMACMatchesStdlib checks HMAC against crypto/hmac for keys shorter than, equal to and
// longer than the block size (the RFC 2104 cases), with the message split into parts.
func TestHMACMatchesStdlib(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		parts []string
	}{
		{"empty", "", nil},
		{"stripe", "whsec_test", []string{"1700000000", ".", `{"id":"evt_1"}`}},
		{"block-size key", strings.Repeat("k", 64), []string{"msg"}},
		{"long key", strings.Repeat("key", 50), []string{"a", "", strings.Repeat("b", 200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts [][]byte
			m := hmac.New(stdsha256.New, []byte(tt.key))
			for _, p := range tt.parts {
				parts = append(parts, []byte(p))
				m.Write([]byte(p))
			}
			got := sha256.HMAC([]byte(tt.key), parts...)
			if want := m.Sum(nil); string(got[:]) != string(want) {
				t.Fatalf("HMAC = %x, crypto/hmac = %x", got, want)
			}
		})
	}
}
