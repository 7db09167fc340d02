package httpgateway

import (
	"net/url"
	"testing"
)

// pathUnescape must agree with url.PathUnescape, which it replaces.
func checkPathUnescape(t *testing.T, s string) {
	t.Helper()
	want, err := url.PathUnescape(s)
	got, ok := pathUnescape(s)
	if ok != (err == nil) || got != want {
		t.Fatalf("pathUnescape(%q) = %q, %v; url.PathUnescape gives %q, %v", s, got, ok, want, err)
	}
}

func TestPathUnescapeMatchesNetURL(t *testing.T) {
	for _, s := range []string{"", "a", "cs_test_1", "%", "%4", "%41", "a%41b", "%4g", "%g4", "%%41",
		"a+b", "%2F", "%2f%2F", "%e2%82%ac", "%ZZ", "x%", "x%4", "%41%", "caf%C3%A9", "\xff", "/a/b%20c"} {
		checkPathUnescape(t, s)
	}
}

func FuzzPathUnescape(f *testing.F) {
	f.Add("a%41b")
	f.Add("%4")
	f.Add("%e2%82%ac+")
	f.Fuzz(checkPathUnescape)
}
