package payments

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// The event log: one entry per change of a payment, appended in the message that commits
// the change (ledger.put calls logChange), so the log and the records never disagree. An
// entry has a dense sequence number (1, 2, 3, ...), the session, what happened (Kind), the
// status before and after, amount and currency, the canister time and the Stripe event that
// caused it. Destinations (destinations.go) read the log through their cursors; operators
// page through it with ListEvents.
//
// Keys (in the payments Store, beside the ledger's):
//
//	l/<seq BE8>     -> encoded LogEntry
//	m/events        -> encoded logMeta (first and last sequence number, counts, bytes)
//
// Retention: at most EventConfig.LogRetention entries are kept; each append removes up to
// pruneBatch of the oldest beyond it, but never one that a destination has not yet passed
// (delivered, filtered out or dead-lettered), so a slow destination delays pruning and loses
// nothing. Every destination moves on (dead letters after MaxAttempts failures), so the log
// stays bounded.

// EventKind is what a log entry reports. The values are part of the stored encoding and of
// destination filters: never renumber them.
type EventKind uint8

const (
	// KindCreated: the first entry of a session whose status is not an outcome yet
	// (checking, needs_confirmation, not_found).
	KindCreated EventKind = 1
	// KindUpdated: a status change between statuses that are not outcomes.
	KindUpdated EventKind = 2
	// KindCompleted: the payment reached completed (paid or no payment required).
	KindCompleted EventKind = 3
	// KindFailed: the payment reached failed (expired, asynchronous payment failed).
	KindFailed EventKind = 4
	// KindRefunded: a completed payment was fully refunded.
	KindRefunded EventKind = 5
	// KindDisputed: the dispute of a completed (or refunded) payment opened or changed its
	// status (charge.dispute.created, .updated, .closed). The payment's status does not
	// change; the entry's Dispute is Stripe's dispute status now.
	KindDisputed EventKind = 6
	// KindPartiallyRefunded: part of a completed payment was refunded (its AmountRefunded
	// grew, the status stays completed). A refund of the rest logs KindRefunded.
	KindPartiallyRefunded EventKind = 7

	maxKind = KindPartiallyRefunded
)

// kindNames are the ICRC-72 style names ("namespace" of an event) used in Candid.
var kindNames = [...]string{
	KindCreated:   "payment.created",
	KindUpdated:   "payment.updated",
	KindCompleted: "payment.completed",
	KindFailed:    "payment.failed",
	KindRefunded:  "payment.refunded",
	KindDisputed:  "payment.disputed",

	KindPartiallyRefunded: "payment.partially_refunded",
}

func (k EventKind) String() string { return enumName(kindNames[:], k, "kind") }

func (k EventKind) valid() bool { return k >= KindCreated && k <= maxKind }

// ParseEventKind is the inverse of String; the short form without "payment." is accepted.
func ParseEventKind(name string) (EventKind, error) {
	return parseEnum[EventKind](kindNames[:], name, "payment.", "event kind")
}

// LogEntry is one change of a payment. Besides what changed it reports the payment's
// refunds and dispute as they stand after the change.
type LogEntry struct {
	Seq            uint64 // 1, 2, 3, ...: unique, increasing, never reused (not even after a prune)
	Kind           EventKind
	SessionID      string
	OldStatus      Status // 0 for the first entry of a session
	NewStatus      Status
	Amount         int64 // amount_total in minor units, when HasAmount
	HasAmount      bool
	Currency       string
	Time           int64  // canister time of the change, Unix nanoseconds
	StripeEventID  string // the webhook that caused it; "" for a fetch or a creation
	AmountRefunded int64  // minor units refunded so far
	Dispute        string // Stripe's dispute status ("" for none)
}

// logEntryVersion is the first byte of every encoded entry.
const logEntryVersion = 1

const entryFlagAmount = 1

// MarshalBinary encodes e (without Seq, which is the key): version, kind, old and new
// status, flags, then zig-zag varints (amount, time, amount refunded) and length-prefixed
// strings (session, currency, Stripe event, dispute). Deterministic.
func (e *LogEntry) MarshalBinary() ([]byte, error) { return e.appendBinary(nil), nil }

func (e *LogEntry) appendBinary(b []byte) []byte {
	var flags byte
	if e.HasAmount {
		flags |= entryFlagAmount
	}
	b = append(b, logEntryVersion, byte(e.Kind), byte(e.OldStatus), byte(e.NewStatus), flags)
	b = binary.AppendVarint(b, e.Amount)
	b = binary.AppendVarint(b, e.Time)
	b = binary.AppendVarint(b, e.AmountRefunded)
	for _, s := range [...]string{e.SessionID, e.Currency, e.StripeEventID, e.Dispute} {
		b = appendString(b, s)
	}
	return b
}

// UnmarshalBinary decodes what MarshalBinary produced and rejects anything else (Seq is
// left as is).
func (e *LogEntry) UnmarshalBinary(b []byte) error {
	if len(b) < 5 {
		return errfmt.Wrap("decode log entry: ", errShortRecord, "")
	}
	if b[0] != logEntryVersion {
		return errors.New("decode log entry: unknown version " + errfmt.Int(b[0]))
	}
	out := LogEntry{Seq: e.Seq, Kind: EventKind(b[1]), OldStatus: Status(b[2]), NewStatus: Status(b[3])}
	switch {
	case !out.Kind.valid():
		return errors.New("decode log entry: invalid kind " + errfmt.Int(b[1]))
	case out.OldStatus != 0 && !out.OldStatus.valid(), !out.NewStatus.valid():
		return errors.New("decode log entry: invalid status " + errfmt.Int(b[2]) + " -> " + errfmt.Int(b[3]))
	case b[4]&^entryFlagAmount != 0:
		return errors.New("decode log entry: unknown flags " + errfmt.HexSharp(b[4]))
	}
	out.HasAmount = b[4]&entryFlagAmount != 0
	d := decoder{b: b[5:]}
	out.Amount = d.varint()
	out.Time = d.varint()
	out.AmountRefunded = d.varint()
	for _, p := range [...]*string{&out.SessionID, &out.Currency, &out.StripeEventID, &out.Dispute} {
		*p = d.string()
	}
	if err := d.end(); err != nil {
		return errfmt.Wrap("decode log entry: ", err, "")
	}
	*e = out
	return nil
}

// Key layout of the log (see the top of this file).
const (
	pfxLog     = "l/"
	keyLogMeta = "m/events"
)

// pruneBatch bounds the entries one append removes, so a message's cost stays bounded after
// the retention was lowered or a slow destination caught up.
const pruneBatch = 8

// logMeta is the log's bookkeeping, cached on the heap and written through.
type logMeta struct {
	last    uint64 // sequence number of the newest entry (0: none yet)
	first   uint64 // sequence number of the oldest retained entry (last+1 when empty)
	count   uint64 // retained entries
	bytes   uint64 // encoded size of the retained entries (values only)
	pruned  uint64
	byKind  [maxKind + 1]uint64 // entries ever appended, per kind
	destSeq uint64              // source of destination serial numbers
	callSeq uint64              // source of delivery call ids
	// Delivery totals over every destination, removed ones included.
	calls, failedCalls, delivered, deadLettered, replayed, dropped uint64
	cycles, maxCallCycles                                          uint64
}

const logMetaVersion = 1

func (m *logMeta) fields() []*uint64 {
	f := []*uint64{&m.last, &m.first, &m.count, &m.bytes, &m.pruned}
	for i := range m.byKind {
		f = append(f, &m.byKind[i])
	}
	return append(f, &m.destSeq, &m.callSeq, &m.calls, &m.failedCalls, &m.delivered, &m.deadLettered, &m.replayed,
		&m.dropped, &m.cycles, &m.maxCallCycles)
}

func (m *logMeta) marshal() []byte {
	b := []byte{logMetaVersion}
	for _, p := range m.fields() {
		b = binary.AppendUvarint(b, *p)
	}
	return b
}

func (m *logMeta) unmarshal(b []byte) error {
	if len(b) == 0 || b[0] != logMetaVersion {
		return errfmt.Wrap("", ErrCorruptStore, ": event log meta has an unknown version")
	}
	d := decoder{b: b[1:]}
	var out logMeta
	for _, p := range out.fields() {
		*p = d.uvarint()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(errors.New("trailing bytes"))
	}
	if d.err != nil {
		return errfmt.Wrap("", ErrCorruptStore, ": event log meta: "+d.err.Error())
	}
	*m = out
	return nil
}

// eventLog is the ledger's view of the log: the cached meta, the retention setting, the
// cause of the changes the running message makes, and the hook that tells the canister
// that delivery work appeared.
type eventLog struct {
	loaded    bool
	m         logMeta
	retention int
	cause     string // Stripe event id being applied, "" outside a webhook
	notify    func()
}

// logState returns the loaded log of l.
func (l *ledger) logState() *eventLog {
	g := &l.log
	if !g.loaded {
		if b, ok := l.st.Get([]byte(keyLogMeta)); ok {
			if err := g.m.unmarshal(b); err != nil {
				// put has no error result (a trap rolls the message back in a canister):
				// a corrupt meta must stop every change rather than fork the log.
				panic(err)
			}
		} else {
			g.m.first = 1
		}
		g.loaded = true
	}
	return g
}

func (l *ledger) saveLogMeta() {
	l.st.Set([]byte(keyLogMeta), l.log.m.marshal())
}

// setCause names the Stripe event whose changes the running message logs ("" to clear)
// and returns the cause it replaces.
func (l *ledger) setCause(eventID string) (previous string) {
	previous, l.log.cause = l.log.cause, eventID
	return previous
}

// kindOf says what a status change from old (nil for a new record) to r is.
func kindOf(old *Record, r *Record) EventKind {
	switch r.Status {
	case StatusCompleted:
		return KindCompleted
	case StatusFailed:
		return KindFailed
	case StatusRefunded:
		return KindRefunded
	}
	if old == nil {
		return KindCreated
	}
	return KindUpdated
}

// logChange appends the entries of a change put makes: one when the record is new or its
// status changes; otherwise KindPartiallyRefunded when more of it was refunded. A change
// of its dispute's status adds KindDisputed. It is the one place the ledger calls into the
// log, so every path that changes a payment (webhooks, fetches, the confirmation queue,
// parked events applied later) logs through it.
func (l *ledger) logChange(old *Record, r *Record, nowNS int64) {
	e := LogEntry{SessionID: r.SessionID, OldStatus: r.Status, NewStatus: r.Status,
		Amount: r.AmountTotal, HasAmount: r.HasAmountTotal, Currency: r.Currency, Time: nowNS,
		StripeEventID: l.log.cause, AmountRefunded: r.AmountRefunded, Dispute: r.DisputeStatus}
	switch {
	case old == nil || old.Status != r.Status:
		e.Kind = kindOf(old, r)
		e.OldStatus = 0
		if old != nil {
			e.OldStatus = old.Status
		}
		l.appendEntry(e)
	case r.AmountRefunded > old.AmountRefunded:
		e.Kind = KindPartiallyRefunded
		l.appendEntry(e)
	}
	if old != nil && old.DisputeStatus != r.DisputeStatus {
		e.Kind, e.OldStatus = KindDisputed, r.Status
		l.appendEntry(e)
	}
}

// appendEntry gives e the next sequence number, stores it, prunes beyond the retention and
// tells the canister.
func (l *ledger) appendEntry(e LogEntry) uint64 {
	g := l.logState()
	g.m.last++
	e.Seq = g.m.last
	v := e.appendBinary(nil)
	l.st.Set(l.logKey(e.Seq), v)
	g.m.count++
	g.m.bytes += uint64(len(v))
	g.m.byKind[e.Kind]++
	if g.m.count > uint64(g.retention) {
		l.prune(pruneBatch)
	}
	l.saveLogMeta()
	if g.notify != nil {
		g.notify()
	}
	return e.Seq
}

func (l *ledger) logKey(seq uint64) []byte {
	return l.k(pfxLog, be8(seq))
}

// prune removes up to n of the oldest entries beyond the retention that every destination
// has passed.
func (l *ledger) prune(n int) {
	g := l.logState()
	hold := l.minCursor()
	for ; n > 0 && g.m.count > uint64(g.retention) && g.m.first <= hold && g.m.first <= g.m.last; n-- {
		k := l.logKey(g.m.first)
		if v, ok := l.st.Get(k); ok {
			g.m.bytes -= min(g.m.bytes, uint64(len(v)))
			l.st.Delete(k)
			g.m.count--
			g.m.pruned++
		}
		g.m.first++
	}
}

// entry reads the entry with seq.
func (l *ledger) entry(seq uint64) (LogEntry, bool, error) {
	b, ok := l.st.Get(l.logKey(seq))
	if !ok {
		return LogEntry{}, false, nil
	}
	e := LogEntry{Seq: seq}
	if err := e.UnmarshalBinary(b); err != nil {
		return LogEntry{}, false, errfmt.Wrap("", ErrCorruptStore, ": log entry "+errfmt.Int(seq)+": "+err.Error())
	}
	return e, true, nil
}

// ascendLog calls fn for the entries with a sequence number >= from, in order, until fn
// returns false.
func (l *ledger) ascendLog(from uint64, fn func(e LogEntry) bool) error {
	var err error
	l.st.Ascend(l.logKey(from), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxLog)) || len(k) != len(pfxLog)+8 {
			return false
		}
		e := LogEntry{Seq: binary.BigEndian.Uint64(k[len(pfxLog):])}
		if err = e.UnmarshalBinary(v); err != nil {
			err = errfmt.Wrap("", ErrCorruptStore, ": log entry "+errfmt.Int(e.Seq)+": "+err.Error())
			return false
		}
		return fn(e)
	})
	return err
}

// EventsRequest selects a page of the log.
type EventsRequest struct {
	After uint64 // exclusive cursor: the Next of the previous page (0: from the oldest)
	Limit int    // 0 or more than Limits.MaxPageSize means MaxPageSize
}

// EventsPage is one page of the log, oldest first. Next is the cursor of the next page
// (0 on the last page); First and Last bound what is retained now.
type EventsPage struct {
	Events      []LogEntry
	Next        uint64
	First, Last uint64
}

// ListEvents pages through the log for a controller or an allowed principal.
func (s *Service) ListEvents(caller Caller, req EventsRequest) (EventsPage, error) {
	if err := caller.check(s.allowed); err != nil {
		return EventsPage{}, err
	}
	limit := req.Limit
	if limit <= 0 || limit > s.limits.MaxPageSize {
		limit = s.limits.MaxPageSize
	}
	g := s.led.logState()
	page := EventsPage{First: g.m.first, Last: g.m.last}
	more := false
	err := s.led.ascendLog(req.After+1, func(e LogEntry) bool {
		if len(page.Events) == limit {
			more = true
			return false
		}
		page.Events = append(page.Events, e)
		return true
	})
	if err != nil {
		return EventsPage{}, err
	}
	if more {
		page.Next = page.Events[len(page.Events)-1].Seq
	}
	return page, nil
}
