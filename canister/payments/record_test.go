package payments

import (
	"bytes"
	"encoding/hex"
	"math"
	"reflect"
	"strings"
	"testing"
)

func sampleRecords() []Record {
	return []Record{
		{SessionID: sessB, Status: StatusChecking},
		{
			SessionID: sessA, Status: StatusCompleted, Confirmed: true,
			StripeStatus: "complete", PaymentStatus: "paid", AmountTotal: 2500, HasAmountTotal: true,
			Currency: "usd", ClientReferenceID: "order-42 \u00e9\u4e16", Created: 1_759_999_400,
			PaymentIntent: "pi_123", Invoice: "in_456", Livemode: true, AmountRefunded: 0,
			LastEventID: "evt_9", LastEventCreated: 1_760_000_000, FetchAttempts: 3,
			LastFetchAt: 1_760_000_000_123_456_789, FirstSeenAt: 1_759_999_999_000_000_000,
			UpdatedAt: 1_760_000_001_000_000_000, PendingSeq: 0,
		},
		{SessionID: "cs_live_x", Status: StatusRefunded, Reason: "refunded", AmountTotal: math.MinInt64, AmountRefunded: math.MaxInt64, FetchAttempts: math.MaxUint32, PendingSeq: math.MaxUint64},
		{SessionID: "cs_test_y", Status: StatusNotFound, Reason: reasonNotFound, Confirmed: true, PendingSeq: 17},
		{SessionID: "cs_test_z", Status: StatusNeedsConfirmation, DisputeStatus: "needs_response", DisputeAt: -3, ConfirmAt: math.MaxInt64, ConfirmTries: math.MaxUint32, AsyncFailureClaimed: true},
	}
}

func TestRecordRoundTripAndDeterminism(t *testing.T) {
	for _, r := range sampleRecords() {
		b1, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Record
		if err := got.UnmarshalBinary(b1); err != nil {
			t.Fatalf("%s: decode: %v", r.SessionID, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, r)
		}
		b2, _ := got.MarshalBinary()
		if !bytes.Equal(b1, b2) {
			t.Fatalf("%s: re-encoding differs", r.SessionID)
		}
		copyR := r
		b3, _ := copyR.MarshalBinary()
		if !bytes.Equal(b1, b3) {
			t.Fatalf("%s: equal records encode differently", r.SessionID)
		}
	}
}

// TestRecordEncodingIsStable pins the layouts: records a version-1 build stored must stay
// readable by every later build, and the version-2 layout must not change either.
func TestRecordEncodingIsStable(t *testing.T) {
	r := Record{SessionID: "cs_test_1", Status: StatusCompleted, Confirmed: true, HasAmountTotal: true,
		AmountTotal: 100, Currency: "eur", Created: 5, FetchAttempts: 2, LastFetchAt: -1}
	const v1 = "010303" + "09" + "63735f746573745f31" + "00" + "00" + "00" + "03" + "657572" + "00000000" +
		"c801" + "0a" + "00" + "00" + "01" + "00" + "00" + "02" + "00"
	old, _ := hex.DecodeString(v1)
	var got Record
	if err := got.UnmarshalBinary(old); err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("version 1 decodes to %+v, %v; want %+v", got, err, r)
	}
	r.DisputeStatus, r.DisputeAt, r.ConfirmAt, r.ConfirmTries = "won", 7, 9, 3
	b, _ := r.MarshalBinary()
	want := "020303" + v1[6:] + "03" + "776f6e" + "0e" + "12" + "03"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
	}
}

func TestRecordDecodeRejects(t *testing.T) {
	good, _ := sampleRecords()[1].MarshalBinary()
	cases := map[string][]byte{
		"empty":          nil,
		"short":          good[:2],
		"version 3":      append([]byte{3}, good[1:]...),
		"version 1 tail": append([]byte{1}, good[1:]...), // version 1 has no dispute and queue fields
		"status 0":       append([]byte{2, 0}, good[2:]...),
		"status 7":       append([]byte{2, 7}, good[2:]...),
		"unknown flag":   append([]byte{2, 3, 0x80}, good[3:]...),
		"truncated":      good[:len(good)-1],
		"trailing":       append(append([]byte(nil), good...), 0),
		"string too big": {1, 1, 0, 0x7f},
		"non-minimal":    append([]byte{1, 1, 0, 0x80, 0x00}, make([]byte, 20)...),
	}
	for name, b := range cases {
		var r Record
		if err := r.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: decoded without error: %+v", name, r)
		}
	}
}

func TestStatusNames(t *testing.T) {
	for s := StatusChecking; s <= maxStatus; s++ {
		got, err := ParseStatus(s.String())
		if err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseStatus("paid"); err == nil {
		t.Error("ParseStatus(paid) succeeded")
	}
}

// TestStoreBounds builds the largest record and keys the package can store and checks them
// against MaxKeyBytes and MaxValueBytes.
func TestStoreBounds(t *testing.T) {
	long := func(prefix string, n int) string { return prefix + strings.Repeat("Z", n-len(prefix)) }
	r := Record{
		SessionID: long("cs_live_", maxSessionIDLen), Status: StatusNeedsConfirmation,
		Reason:       "webhook claims " + StatusNeedsConfirmation.String() + strings.Repeat("x", 16),
		StripeStatus: long("", maxEnumLen), PaymentStatus: long("", maxEnumLen), Currency: long("", maxEnumLen),
		ClientReferenceID: long("", maxClientReferenceBytes), PaymentIntent: long("pi_", maxObjectIDLen),
		Invoice: long("in_", maxObjectIDLen), LastEventID: long("evt_", maxEventIDLen),
		AmountTotal: math.MinInt64, Created: math.MinInt64, AmountRefunded: math.MinInt64,
		LastEventCreated: math.MinInt64, LastFetchAt: math.MinInt64, FirstSeenAt: math.MinInt64,
		UpdatedAt: math.MinInt64, FetchAttempts: math.MaxUint32, PendingSeq: math.MaxUint64,
		DisputeStatus: long("", maxEnumLen), DisputeAt: math.MinInt64, ConfirmAt: math.MinInt64, ConfirmTries: math.MaxUint32,
	}
	b, _ := r.MarshalBinary()
	if len(b) > MaxValueBytes {
		t.Fatalf("largest record is %d bytes > MaxValueBytes %d", len(b), MaxValueBytes)
	}
	keys := []string{
		pfxRecord + r.SessionID, pfxStatus + statusKey(r.Status, r.SessionID), pfxIntent + r.PaymentIntent,
		pfxInvoice + r.Invoice, pfxEvent + r.LastEventID, pfxEventQ + be8(1), pfxPending + be8(1), keyMeta,
		pfxQueue + queueKey(math.MaxInt64, r.SessionID), pfxClaimIntent + r.PaymentIntent, pfxClaimInvoice + r.Invoice,
		pfxUnknown + r.SessionID, pfxUnknownQ + be8(1), pfxFact + intentKey(r.PaymentIntent) + be8(1),
		pfxFact + invoiceKey(long("in_", maxFactObjectBytes)) + be8(1), pfxFactQ + be8(1),
	}
	f := fact{EventID: r.LastEventID, Kind: factDispute, Dispute: long("", maxEnumLen), Created: math.MinInt64, Amount: math.MinInt64, ParkedAt: math.MinInt64, Seq: math.MaxUint64, Full: true}
	b2 := f.marshal()
	if len(b2) > MaxValueBytes {
		t.Fatalf("largest parked event is %d bytes > MaxValueBytes %d", len(b2), MaxValueBytes)
	}
	var back fact
	if err := back.unmarshal(b2); err != nil || back != f {
		t.Fatalf("parked event round trip: %+v, %v", back, err)
	}
	for _, cut := range []int{0, 3, len(b2) - 1} {
		if back.unmarshal(b2[:cut]) == nil {
			t.Fatalf("a parked event cut to %d bytes decodes", cut)
		}
	}
	u := unknownEntry{NotFound: true, Attempts: math.MaxUint32, LastFetchAt: math.MinInt64, Seq: math.MaxUint64}
	var ub unknownEntry
	if err := ub.unmarshal(u.marshal()); err != nil || ub != u || ub.unmarshal(u.marshal()[1:]) == nil {
		t.Fatalf("not-found cache entry round trip: %+v, %v", ub, err)
	}
	for _, k := range keys {
		if len(k) > MaxKeyBytes {
			t.Fatalf("key %.10q... is %d bytes > MaxKeyBytes %d", k, len(k), MaxKeyBytes)
		}
	}
	t.Logf("largest record %d bytes, largest key %d bytes", len(b), MaxKeyBytes)
}
