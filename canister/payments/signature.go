package payments

import (
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// maxSignatureHeader bounds the work a header can cause; a real one is ~150 bytes, ~80 more
// per extra v1 entry.
const maxSignatureHeader = 4096

// SignatureHeader is a parsed Stripe-Signature header.
type SignatureHeader struct {
	Timestamp int64               // the t= value, Unix seconds
	V1        [][sha256.Size]byte // every well-formed v1 entry, in header order
}

// ParseSignatureHeader parses "t=<unix>,v1=<hex>[,v1=<hex>...]". It is at least as strict as
// Stripe's libraries: every comma-separated item must be key=value, t must appear exactly
// once as plain decimal digits, v0 and unknown keys are ignored, v1 entries that are not 64
// hex digits are ignored (they could never match), and at least one valid v1 is required.
func ParseSignatureHeader(h string) (SignatureHeader, error) {
	var sh SignatureHeader
	if h == "" {
		return sh, ErrNoSignature
	}
	if len(h) > maxSignatureHeader {
		return sh, errfmt.Wrap("", ErrMalformedSignature, ": longer than "+errfmt.Int(maxSignatureHeader)+" bytes")
	}
	seenT := false
	for item := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(item, "=")
		if !ok || strings.IndexByte(v, '=') >= 0 {
			return sh, errfmt.Wrap("", ErrMalformedSignature, ": item "+strconv.Quote(clip(item))+" is not key=value")
		}
		switch k {
		case "t":
			if seenT {
				return sh, errfmt.Wrap("", ErrMalformedSignature, ": t appears twice")
			}
			seenT = true
			ts, err := parseUnixDigits(v)
			if err != nil {
				return sh, errfmt.Wrap("", ErrMalformedSignature, ": t="+strconv.Quote(clip(v))+": "+err.Error())
			}
			sh.Timestamp = ts
		case "v1":
			var sig [sha256.Size]byte
			if len(v) != 2*sha256.Size {
				continue
			}
			if !decodeHex(sig[:], v) {
				continue
			}
			sh.V1 = append(sh.V1, sig)
		}
	}
	if !seenT {
		return sh, errfmt.Wrap("", ErrMalformedSignature, ": no t= timestamp")
	}
	if len(sh.V1) == 0 {
		return sh, ErrNoV1Signature
	}
	return sh, nil
}

// parseUnixDigits accepts 1 to 18 decimal digits (no sign): enough for any Unix time, and
// small enough never to overflow.
func parseUnixDigits(v string) (int64, error) {
	if v == "" || len(v) > 18 {
		return 0, errors.New("want 1 to 18 digits")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, errors.New("not a decimal number")
		}
	}
	return strconv.ParseInt(v, 10, 64)
}

// clip shortens untrusted input quoted in error messages.
func clip(s string) string { return clipTo(s, 32) }

func clipTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Verifier checks Stripe webhook signatures against several secrets. The zero value rejects
// everything; build it with NewVerifier.
type Verifier struct {
	secrets [][]byte
	past    time.Duration
	future  time.Duration
}

// NewVerifier accepts a signature made with any of secrets (the whole string, "whsec_"
// included, is the HMAC key) whose timestamp lies within [now-past, now+future].
func NewVerifier(secrets []string, past, future time.Duration) Verifier {
	v := Verifier{past: past, future: future}
	for _, s := range secrets {
		v.secrets = append(v.secrets, []byte(s))
	}
	return v
}

// Verify checks header against the raw body at canister time now. The timestamp is checked
// first so a replayed old event costs no HMAC; then every secret's MAC is compared with every
// v1 entry in constant time (no early exit, so timing does not tell which entry was close).
func (v Verifier) Verify(body []byte, header string, now time.Time) (SignatureHeader, error) {
	if len(v.secrets) == 0 {
		return SignatureHeader{}, ErrNoWebhookSecret
	}
	sh, err := ParseSignatureHeader(header)
	if err != nil {
		return sh, err
	}
	age := now.Unix() - sh.Timestamp
	if age > int64(v.past/time.Second) {
		return sh, errfmt.Wrap("", ErrSignatureTooOld, " ("+errfmt.Int(age)+" s old, tolerance "+errfmt.Int(int64(v.past/time.Second))+" s)")
	}
	if -age > int64(v.future/time.Second) {
		return sh, errfmt.Wrap("", ErrSignatureInFuture, " ("+errfmt.Int(-age)+" s ahead, tolerance "+errfmt.Int(int64(v.future/time.Second))+" s)")
	}
	var tsBuf [20]byte
	ts := strconv.AppendInt(tsBuf[:0], sh.Timestamp, 10)
	match := 0
	var mac [sha256.Size]byte
	for _, secret := range v.secrets {
		computeSignature(mac[:0], secret, ts, body)
		for i := range sh.V1 {
			match |= subtle.ConstantTimeCompare(mac[:], sh.V1[i][:])
		}
	}
	if match != 1 {
		return sh, ErrSignatureMismatch
	}
	return sh, nil
}

// computeSignature appends HMAC-SHA256(secret, "<t>.<body>") to dst.
func computeSignature(dst, secret, ts, body []byte) []byte {
	mac := sha256.HMAC(secret, ts, []byte{'.'}, body)
	return append(dst, mac[:]...)
}

// SignatureHeaderFor builds a Stripe-Signature header for body at t with one v1 entry per
// secret. The canister never signs; tests and local tools (the sandbox) do.
func SignatureHeaderFor(body []byte, t time.Time, secrets ...string) string {
	ts := strconv.AppendInt(nil, t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=")
	b.Write(ts)
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(errfmt.Hex(computeSignature(nil, []byte(s), ts, body)))
	}
	return b.String()
}

// decodeHex decodes the 2*len(dst) hex digits of s (either case, as encoding/hex accepts)
// into dst and reports whether s was exactly that. It is here because encoding/hex links fmt
// into the canister.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := errfmt.HexDigit(s[2*i])
		lo, ok2 := errfmt.HexDigit(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}
