package payments

import (
	"errors"
	"strconv"
)

// Checkout Session ids look like "cs_test_a1B2..." or "cs_live_a1B2...". Stripe documents
// object ids as at most 255 characters; today they are about 66.
const (
	maxSessionIDLen = 255
	testPrefix      = "cs_test_"
	livePrefix      = "cs_live_"
)

// ValidSessionID reports whether id looks like a Stripe Checkout Session id: the cs_test_ or
// cs_live_ prefix followed by 1 or more ASCII letters and digits, at most 255 bytes in all.
// It is checked before any outcall so junk ids cost no cycles.
func ValidSessionID(id string) bool {
	return checkSessionID(id) == nil
}

func checkSessionID(id string) error {
	if len(id) > maxSessionIDLen {
		return errors.New("session id longer than " + strconv.Itoa(maxSessionIDLen) + " bytes")
	}
	var rest string
	switch {
	case len(id) >= len(testPrefix) && id[:len(testPrefix)] == testPrefix:
		rest = id[len(testPrefix):]
	case len(id) >= len(livePrefix) && id[:len(livePrefix)] == livePrefix:
		rest = id[len(livePrefix):]
	default:
		return errors.New("session id must start with " + testPrefix + " or " + livePrefix)
	}
	if rest == "" {
		return errors.New("session id has nothing after its prefix")
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return errors.New("session id contains " + strconv.QuoteRune(rune(c)) + "; only letters and digits may follow the prefix")
		}
	}
	return nil
}
