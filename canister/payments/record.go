package payments

import (
	"encoding/binary"
	"errors"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Status is where a payment stands. The numeric values are part of the stored encoding and
// of the status index keys: never renumber them.
type Status uint8

const (
	// StatusChecking: known session, not resolved (never fetched, open, or paid later by an
	// asynchronous method).
	StatusChecking Status = 1
	// StatusNeedsConfirmation: a verified webhook claims a final state but a proxy is
	// configured, so the claim waits for a fetch from Stripe.
	StatusNeedsConfirmation Status = 2
	// StatusCompleted: paid (or no payment required).
	StatusCompleted Status = 3
	// StatusFailed: expired or the asynchronous payment failed.
	StatusFailed Status = 4
	// StatusNotFound: Stripe answered 404. A record keeps this status only for a session a
	// webhook claimed (the claim is acknowledged, so it is kept, with its claimed fields
	// cleared); ids polled anonymously live in the bounded not-found cache instead (see
	// ledger), so random ids cannot fill the store or evict real payments.
	StatusNotFound Status = 5
	// StatusRefunded: completed and then fully refunded.
	StatusRefunded Status = 6

	maxStatus = StatusRefunded
)

var statusNames = [...]string{
	StatusChecking:          "checking",
	StatusNeedsConfirmation: "needs_confirmation",
	StatusCompleted:         "completed",
	StatusFailed:            "failed",
	StatusNotFound:          "not_found",
	StatusRefunded:          "refunded",
}

func (s Status) String() string { return enumName(statusNames[:], s, "status") }

// ParseStatus is the inverse of String.
func ParseStatus(name string) (Status, error) {
	return parseEnum[Status](statusNames[:], name, "", "payment status")
}

func (s Status) valid() bool { return s >= StatusChecking && s <= maxStatus }

// Terminal statuses are answered from state by the query path, without an outcall.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusNotFound || s == StatusRefunded
}

// pending statuses live in the bounded, evictable set.
func (s Status) pending() bool {
	return s == StatusChecking || s == StatusNeedsConfirmation || s == StatusNotFound
}

// rank orders statuses for the monotonic state machine: a change to a lower rank is never
// applied, whatever the order events arrive in.
func (s Status) rank() int {
	switch s {
	case StatusChecking, StatusNotFound:
		return 0
	case StatusNeedsConfirmation:
		return 1
	case StatusCompleted, StatusFailed:
		return 2
	case StatusRefunded:
		return 3
	}
	return -1
}

// Record is one stored payment, keyed by Checkout Session id.
type Record struct {
	SessionID string
	Status    Status
	Reason    string // why a payment failed ("expired", "payment failed", ...)
	Confirmed bool   // Status was set from a fetch of the session at Stripe

	// The Checkout Session as last learned (fetch, webhook or creation).
	StripeStatus      string // open | complete | expired
	PaymentStatus     string // paid | unpaid | no_payment_required
	AmountTotal       int64
	HasAmountTotal    bool // Stripe's amount_total was not null
	Currency          string
	ClientReferenceID string
	Created           int64 // session creation, Unix seconds
	PaymentIntent     string
	Invoice           string
	Livemode          bool
	AmountRefunded    int64

	// Bookkeeping.
	LastEventID      string
	LastEventCreated int64  // created of the newest event applied, Unix seconds
	FetchAttempts    uint32 // outcalls made for this session (part of the idempotency key)
	LastFetchAt      int64  // Unix nanoseconds, canister time
	FirstSeenAt      int64  // Unix nanoseconds
	UpdatedAt        int64  // Unix nanoseconds
	PendingSeq       uint64 // position in the eviction order while evictable

	// Disputes (charge.dispute.*): Stripe's dispute status ("" for none) and the created
	// time of the event it came from.
	DisputeStatus string
	DisputeAt     int64

	// The confirmation queue: when the next fetch from Stripe is due (Unix nanoseconds, 0
	// when the record is not queued) and how many fetches in a row left the claim open
	// (the backoff).
	ConfirmAt    int64
	ConfirmTries uint32
	// AsyncFailureClaimed: a verified checkout.session.async_payment_failed arrived. Stripe
	// then keeps the session complete and unpaid for good, which is its word on it.
	AsyncFailureClaimed bool
}

// ConfirmedByStripe reports whether the status and fields shown are Stripe's (fetched),
// not a webhook's claim: false while a claim awaits confirmation, even over fetched fields.
func (r *Record) ConfirmedByStripe() bool {
	return r.Confirmed && r.Status != StatusNeedsConfirmation
}

// Acknowledged reports whether a webhook touched the record: Stripe was answered 200 for
// it, so it is never evicted.
func (r *Record) Acknowledged() bool { return r.LastEventID != "" }

// evictable records are the bounded, oldest-first-dropped set: unresolved sessions only
// polls or creations know, never anything a webhook acknowledged or the queue holds.
func (r *Record) evictable() bool {
	return r.Status.pending() && !r.Acknowledged() && r.ConfirmAt == 0
}

// recordVersion is the first byte of every encoded record. A new layout gets a new version
// and UnmarshalBinary keeps reading the old ones: version 1 is version 2 without the
// dispute and queue fields.
const (
	recordVersion1 = 1
	recordVersion  = 2
)

const (
	flagConfirmed = 1 << iota
	flagHasAmount
	flagLivemode
	flagAsyncFailureClaimed // version 2 only
	knownFlags              = flagConfirmed | flagHasAmount | flagLivemode | flagAsyncFailureClaimed
)

// MarshalBinary encodes r compactly and deterministically: a version byte, status, flags,
// then length-prefixed strings and zig-zag varints in a fixed order. Equal records always
// encode to equal bytes (replicas must compute identical state).
func (r *Record) MarshalBinary() ([]byte, error) {
	return r.appendBinary(make([]byte, 0, 96+len(r.SessionID)+len(r.ClientReferenceID))), nil
}

func (r *Record) appendBinary(b []byte) []byte {
	var flags byte
	if r.Confirmed {
		flags |= flagConfirmed
	}
	if r.HasAmountTotal {
		flags |= flagHasAmount
	}
	if r.Livemode {
		flags |= flagLivemode
	}
	if r.AsyncFailureClaimed {
		flags |= flagAsyncFailureClaimed
	}
	b = append(b, recordVersion, byte(r.Status), flags)
	for _, s := range [...]string{r.SessionID, r.Reason, r.StripeStatus, r.PaymentStatus,
		r.Currency, r.ClientReferenceID, r.PaymentIntent, r.Invoice, r.LastEventID} {
		b = appendString(b, s)
	}
	for _, v := range [...]int64{r.AmountTotal, r.Created, r.AmountRefunded, r.LastEventCreated,
		r.LastFetchAt, r.FirstSeenAt, r.UpdatedAt} {
		b = binary.AppendVarint(b, v)
	}
	b = binary.AppendUvarint(b, uint64(r.FetchAttempts))
	b = binary.AppendUvarint(b, r.PendingSeq)
	b = appendString(b, r.DisputeStatus)
	b = binary.AppendVarint(b, r.DisputeAt)
	b = binary.AppendVarint(b, r.ConfirmAt)
	b = binary.AppendUvarint(b, uint64(r.ConfirmTries))
	return b
}

var errShortRecord = errors.New("record truncated")

// UnmarshalBinary decodes what MarshalBinary produced and rejects anything else: unknown
// version, status or flags, truncation, trailing bytes, non-minimal varints (so every
// accepted byte string re-encodes to itself).
func (r *Record) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	if len(b) < 3 {
		return errfmt.Wrap("decode record: ", errShortRecord, "")
	}
	if b[0] != recordVersion && b[0] != recordVersion1 {
		return errors.New("decode record: unknown version " + errfmt.Int(b[0]))
	}
	var out Record
	out.Status = Status(b[1])
	if !out.Status.valid() {
		return errors.New("decode record: invalid status " + errfmt.Int(b[1]))
	}
	flags := b[2]
	if flags&^knownFlags != 0 || b[0] == recordVersion1 && flags&flagAsyncFailureClaimed != 0 {
		return errors.New("decode record: unknown flags " + errfmt.HexSharp(flags))
	}
	out.Confirmed = flags&flagConfirmed != 0
	out.HasAmountTotal = flags&flagHasAmount != 0
	out.Livemode = flags&flagLivemode != 0
	out.AsyncFailureClaimed = flags&flagAsyncFailureClaimed != 0
	d.b = b[3:]
	for _, p := range [...]*string{&out.SessionID, &out.Reason, &out.StripeStatus, &out.PaymentStatus,
		&out.Currency, &out.ClientReferenceID, &out.PaymentIntent, &out.Invoice, &out.LastEventID} {
		*p = d.string()
	}
	for _, p := range [...]*int64{&out.AmountTotal, &out.Created, &out.AmountRefunded, &out.LastEventCreated,
		&out.LastFetchAt, &out.FirstSeenAt, &out.UpdatedAt} {
		*p = d.varint()
	}
	out.FetchAttempts = d.uvarint32("fetch attempts")
	out.PendingSeq = d.uvarint()
	if b[0] == recordVersion {
		out.DisputeStatus = d.string()
		out.DisputeAt = d.varint()
		out.ConfirmAt = d.varint()
		out.ConfirmTries = d.uvarint32("confirm tries")
	}
	if err := d.end(); err != nil {
		return errfmt.Wrap("decode record: ", err, "")
	}
	*r = out
	return nil
}

// appendString appends s length-prefixed, as decoder.string reads it.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads the primitives of the record encoding (records and log entries),
// remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errShortRecord)
		return 0
	}
	// Reject non-minimal encodings (a trailing 0x00 continuation group) so decoding is
	// one-to-one.
	if n > 1 && d.b[n-1] == 0 {
		d.fail(errors.New("non-minimal varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

// uvarint32 reads a uvarint that must fit 32 bits (what names the field in the error).
func (d *decoder) uvarint32(what string) uint32 {
	v := d.uvarint()
	if v > 1<<32-1 {
		d.fail(errors.New(what + " overflow"))
	}
	return uint32(v)
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	// Zig-zag, as binary.AppendVarint writes it.
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(errShortRecord)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// end is the first error, or an error if bytes are left after the last field.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail(errors.New(errfmt.Int(len(d.b)) + " trailing bytes"))
	}
	return d.err
}
