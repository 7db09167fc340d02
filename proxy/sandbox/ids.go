package sandbox

import (
	"crypto/rand"
)

const alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Lengths of the random part of ids, as Stripe issues them in test mode.
const (
	sessionIDLen = 58 // cs_test_ + 58
	objectIDLen  = 24 // pi_, price_, prod_, plink_, evt_, ch_, pm_
	requestIDLen = 14 // req_
)

// newID returns prefix followed by n random alphanumeric characters.
func newID(prefix string, n int) string {
	buf := make([]byte, n)
	// crypto/rand.Read never returns an error (Go 1.24+): it crashes the
	// program if the OS cannot provide randomness.
	_, _ = rand.Read(buf)
	out := make([]byte, len(prefix), len(prefix)+n)
	copy(out, prefix)
	for _, b := range buf {
		// 256 % 62 != 0 gives a tiny bias, irrelevant for sandbox ids.
		out = append(out, alphanumeric[int(b)%len(alphanumeric)])
	}
	return string(out)
}

// newSecret returns a fresh webhook signing secret in Stripe's format.
func newSecret() string { return newID("whsec_", 32) }
