package httpapi

import (
	"testing"
	"time"
)

func TestIngressWindow(t *testing.T) {
	w := ingressWindow{maxTTL: 5 * time.Minute, drift: time.Minute}
	now := time.Unix(1_700_000_000, 0)
	ns := func(d time.Duration) uint64 { return uint64(now.Add(d).UnixNano()) }
	tests := []struct {
		name   string
		expiry uint64
		ok     bool
	}{
		{"now", ns(0), true},
		{"one ns ago", ns(-1), false},
		{"an hour ago", ns(-time.Hour), false},
		{"agent default, five minutes", ns(5 * time.Minute), true},
		{"within the drift", ns(6 * time.Minute), true},
		{"past the drift", ns(6*time.Minute + 1), false},
		{"far future", ns(time.Hour), false},
		{"max uint64", ^uint64(0), false},
	}
	for _, tc := range tests {
		if err := w.check(tc.expiry, now); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestParsePublicKeyRejects(t *testing.T) {
	ed := mustEd25519(t).PublicKey()
	tests := map[string][]byte{
		"empty":         nil,
		"garbage":       []byte{1, 2, 3},
		"trailing":      append(append([]byte(nil), ed...), 0),
		"short ed25519": ed[:len(ed)-1],
	}
	for name, der := range tests {
		if _, err := parsePublicKey(der); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
