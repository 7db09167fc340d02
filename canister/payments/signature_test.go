package payments

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v79/webhook"
)

func TestVerifyAgreesWithStripeGo(t *testing.T) {
	// stripe-go checks the tolerance against the wall clock, so these vectors use now.
	now := time.Now()
	body := eventJSON("evt_1", EventSessionCompleted, now.Unix(), sessionObj(sessA, "complete", "paid", nil))
	other := []byte(strings.Replace(string(body), `"amount_total":2500`, `"amount_total":1`, 1))
	// An endpoint on a newer API version: stripe-go only accepts it with
	// IgnoreAPIVersionMismatch, which is what the canister's behaviour corresponds to.
	newer := []byte(strings.Replace(string(body), `"2024-06-20"`, `"2025-03-31.basil"`, 1))
	opts := webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}
	cases := []struct {
		name   string
		body   []byte
		header string
		want   error // nil: both accept
	}{
		{"stripe-go signed", body, stripeSign(body, testSecret, now).Header, nil},
		{"newer api_version", newer, stripeSign(newer, testSecret, now).Header, nil},
		{"signed 200 s ago", body, stripeSign(body, testSecret, now.Add(-200*time.Second)).Header, nil},
		{"several v1, second matches", body, multiHeader(body, now, "whsec_unrelated_secret_value_00000000", testSecret), nil},
		{"wrong secret", body, stripeSign(body, "whsec_attacker_secret_0000000000000", now).Header, ErrSignatureMismatch},
		{"body changed after signing", other, stripeSign(body, testSecret, now).Header, ErrSignatureMismatch},
		{"replayed: 301 s old", body, stripeSign(body, testSecret, now.Add(-301*time.Second)).Header, ErrSignatureTooOld},
		{"only v0", body, "t=" + itoa(now.Unix()) + ",v0=" + strings.Repeat("ab", 32), ErrNoV1Signature},
		{"empty", body, "", ErrNoSignature},
		{"garbage", body, "nonsense", ErrMalformedSignature},
	}
	v := NewVerifier([]string{testSecret}, 300*time.Second, 60*time.Second)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ours := v.Verify(tc.body, tc.header, now)
			_, theirs := webhook.ConstructEventWithOptions(tc.body, tc.header, testSecret, opts)
			if !errors.Is(ours, tc.want) && !(tc.want == nil && ours == nil) {
				t.Fatalf("ours = %v, want %v", ours, tc.want)
			}
			if (ours == nil) != (theirs == nil) {
				t.Fatalf("disagreement: ours %v, stripe-go %v", ours, theirs)
			}
		})
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestVerifyTolerance(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	v := NewVerifier([]string{testSecret}, 300*time.Second, 60*time.Second)
	cases := []struct {
		skew time.Duration // signing time relative to canister time
		want error
	}{
		{0, nil},
		{-300 * time.Second, nil},
		{-301 * time.Second, ErrSignatureTooOld},
		{-72 * time.Hour, ErrSignatureTooOld},
		{60 * time.Second, nil},
		{61 * time.Second, ErrSignatureInFuture},
		{24 * time.Hour, ErrSignatureInFuture},
	}
	for _, tc := range cases {
		h := stripeSign(body, testSecret, t0.Add(tc.skew)).Header
		_, err := v.Verify(body, h, t0)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("skew %v: err = %v, want %v", tc.skew, err, tc.want)
		}
	}
}

func TestVerifySeveralSecrets(t *testing.T) {
	body := []byte(`{"id":"evt_rotate"}`)
	v := NewVerifier([]string{testSecretOld, testSecret}, 300*time.Second, 60*time.Second)
	for _, secret := range []string{testSecretOld, testSecret} {
		if _, err := v.Verify(body, stripeSign(body, secret, t0).Header, t0); err != nil {
			t.Errorf("signed with %s: %v", secret[:10], err)
		}
	}
	// During a roll Stripe sends one v1 per secret; any match is enough.
	if _, err := v.Verify(body, multiHeader(body, t0, "whsec_retired_000000000000000000", testSecret), t0); err != nil {
		t.Errorf("multi v1: %v", err)
	}
	if _, err := v.Verify(body, stripeSign(body, "whsec_other_000000000000000000000", t0).Header, t0); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("unknown secret: %v", err)
	}
	if _, err := (Verifier{}).Verify(body, stripeSign(body, testSecret, t0).Header, t0); !errors.Is(err, ErrNoWebhookSecret) {
		t.Errorf("no secrets: %v", err)
	}
}

func TestParseSignatureHeader(t *testing.T) {
	sig := strings.Repeat("0a", 32)
	cases := []struct {
		header string
		ts     int64
		nv1    int
		err    error
	}{
		{"t=12,v1=" + sig, 12, 1, nil},
		{"t=12,v1=" + sig + ",v1=" + sig + ",v0=" + sig, 12, 2, nil},
		{"v1=" + sig + ",t=12", 12, 1, nil},
		{"t=12,v1=" + sig + ",scheme=x", 12, 1, nil},
		{"t=12,v1=zz" + sig[2:] + ",v1=" + sig, 12, 1, nil}, // non-hex entry ignored
		{"t=12,v1=abcd", 0, 0, ErrNoV1Signature},            // short entry ignored
		{"t=12", 0, 0, ErrNoV1Signature},
		{"", 0, 0, ErrNoSignature},
		{"v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=12,t=13,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=-12,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=+12,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=12,,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=12 ,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=12,v1=" + sig + "=", 0, 0, ErrMalformedSignature},
		{"t=1234567890123456789,v1=" + sig, 0, 0, ErrMalformedSignature},
		{"t=12,v1=" + sig + strings.Repeat(",x=y", 2000), 0, 0, ErrMalformedSignature},
	}
	for _, tc := range cases {
		sh, err := ParseSignatureHeader(tc.header)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%.40q: err = %v, want %v", tc.header, err, tc.err)
			}
			continue
		}
		if err != nil || sh.Timestamp != tc.ts || len(sh.V1) != tc.nv1 {
			t.Errorf("%.40q: got %d/%d/%v, want %d/%d", tc.header, sh.Timestamp, len(sh.V1), err, tc.ts, tc.nv1)
		}
	}
}

func TestSignatureHeaderForMatchesStripeGo(t *testing.T) {
	body := []byte(`{"hello":"world"}`)
	want := stripeSign(body, testSecret, t0).Header
	if got := SignatureHeaderFor(body, t0, testSecret); got != want {
		t.Fatalf("SignatureHeaderFor = %s, stripe-go = %s", got, want)
	}
}

// TestDecodeHexMatchesEncodingHex holds decodeHex (the canister's fmt-free hex reader) to
// encoding/hex for either case, bad digits and wrong lengths.
func TestDecodeHexMatchesEncodingHex(t *testing.T) {
	for _, s := range []string{
		"", "00", "0f", "F0", "aB", "zz", "0", "000", "g0", "0g", " 0", "ff\x00",
		strings.Repeat("5a", 32), strings.Repeat("A5", 32), strings.Repeat("5a", 31) + "5x",
	} {
		want, err := hex.DecodeString(s)
		for _, n := range []int{len(s) / 2, 32} {
			dst := make([]byte, n)
			got := decodeHex(dst, s)
			wantOK := err == nil && len(want) == n && len(s) == 2*n
			if got != wantOK || (got && !bytes.Equal(dst, want)) {
				t.Errorf("decodeHex(%d bytes, %q) = %v %x; encoding/hex: %x, %v", n, s, got, dst, want, err)
			}
		}
	}
}
