package principal_test

import (
	"encoding/base32"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// The package writes its own base32 and CRC-32 to keep encoding/base32, hash/crc32 and the
// Unicode case tables out of canisters. These tests hold it to the straightforward version
// built on the standard library.

var refEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func refString(raw []byte) string {
	buf := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(raw))
	enc := strings.ToLower(refEncoding.EncodeToString(append(buf, raw...)))
	var groups []string
	for i := 0; i < len(enc); i += 5 {
		groups = append(groups, enc[i:min(i+5, len(enc))])
	}
	return strings.Join(groups, "-")
}

func refParse(s string) ([]byte, error) {
	groups := strings.Split(s, "-")
	for i, g := range groups {
		last := i == len(groups)-1
		if len(g) == 0 || len(g) > 5 || (!last && len(g) != 5) {
			return nil, principal.ErrFormat
		}
		for j := 0; j < len(g); j++ {
			if c := g[j]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
				return nil, principal.ErrFormat
			}
		}
	}
	b, err := refEncoding.DecodeString(strings.ToUpper(strings.Join(groups, "")))
	if err != nil || len(b) < 4 {
		return nil, principal.ErrFormat
	}
	if len(b)-4 > principal.MaxLength {
		return nil, principal.ErrTooLong
	}
	if crc32.ChecksumIEEE(b[4:]) != binary.BigEndian.Uint32(b) {
		return nil, principal.ErrChecksum
	}
	if refString(b[4:]) != s {
		return nil, principal.ErrFormat
	}
	return b[4:], nil
}

func TestStringMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= principal.MaxLength+3; n++ {
		for range 50 {
			raw := make([]byte, n)
			for i := range raw {
				raw[i] = byte(r.UintN(256))
			}
			want := refString(raw)
			if got := principal.FromBytes(raw).String(); got != want {
				t.Fatalf("String(%x) = %q, want %q", raw, got, want)
			}
			checkParse(t, want)
		}
	}
}

// checkParse compares Parse with the reference on s.
func checkParse(t *testing.T, s string) {
	t.Helper()
	want, wantErr := refParse(s)
	got, err := principal.Parse(s)
	if err != wantErr {
		t.Fatalf("Parse(%q) error = %v, reference %v", s, err, wantErr)
	}
	if err == nil && got.String() != principal.FromBytes(want).String() {
		t.Fatalf("Parse(%q) = %q, reference %x", s, got, want)
	}
}

func TestParseMatchesReference(t *testing.T) {
	long := refString(make([]byte, principal.MaxLength+1))
	tests := []string{
		"", "-", "a", "aa", "aaa", "aaaa", "aaaaa", "aaaaa-", "aaaaa-a", "aaaaa-aa", "aaaaa-aaa",
		"aaaaa-aaaa", "aaaaa-aaaaa", "aaaaa-aaaaa-a", "2vxsx-fae", "2vxsx-faf", "2vxsx-fa",
		"ryjl3-tyaaa-aaaaa-aaaba-cai", "ryjl3-tyaaa-aaaaa-aaaba-caj", "ryjl3tyaaa", "aaaaaa-aa",
		"aaaaa--aa", "AAAAA-AA", "aaaaa-a1", "aaaaa-a8", long, long[:len(long)-1],
	}
	for _, s := range tests {
		checkParse(t, s)
	}
	// Every one-character change of a valid principal.
	const valid = "ryjl3-tyaaa-aaaaa-aaaba-cai"
	for i := range len(valid) {
		for _, c := range []byte("-a7z2A0") {
			checkParse(t, valid[:i]+string(c)+valid[i+1:])
			checkParse(t, valid[:i]+valid[i+1:])
		}
	}
}

func FuzzParseMatchesReference(f *testing.F) {
	f.Add("aaaaa-aa")
	f.Add("2vxsx-fae")
	f.Add("ryjl3-tyaaa-aaaaa-aaaba-cai")
	f.Add("aaaaa-aaa")
	f.Fuzz(func(t *testing.T, s string) { checkParse(t, s) })
}
