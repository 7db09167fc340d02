package candid

import (
	"strconv"
	"testing"
)

// decimal32 must accept exactly what strconv.ParseUint(s, 10, 32) accepts.
func TestDecimal32MatchesStrconv(t *testing.T) {
	tests := []string{"", "0", "7", "007", "42", "4294967295", "4294967296", "99999999999",
		"18446744073709551616", "-1", "+1", "1_000", "1a", " 1", "1 ", "0x10", "٣", "name", "_"}
	for _, s := range tests {
		want, err := strconv.ParseUint(s, 10, 32)
		got, ok := decimal32(s)
		if ok != (err == nil) || ok && uint64(got) != want {
			t.Errorf("decimal32(%q) = %d, %v; strconv gives %d, %v", s, got, ok, want, err)
		}
	}
}

func FuzzDecimal32(f *testing.F) {
	f.Add("4294967295")
	f.Add("01")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := strconv.ParseUint(s, 10, 32)
		got, ok := decimal32(s)
		if ok != (err == nil) || ok && uint64(got) != want {
			t.Fatalf("decimal32(%q) = %d, %v; strconv gives %d, %v", s, got, ok, want, err)
		}
	})
}
