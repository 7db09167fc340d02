package payments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Key layout in the Store. One-byte prefixes keep keys short at a million records.
//
//	p/<session id>                 -> encoded Record
//	s/<status byte>/<session id>   -> ""          (listing by status)
//	n/<seq BE8>                    -> <entered BE8><session id>  (pending entries, oldest first)
//	i/<payment intent id>          -> session id  (payment_intent and charge events)
//	v/<invoice id>                 -> session id  (invoice events)
//	e/<event id>                   -> <seq BE8>   (webhook de-duplication)
//	q/<seq BE8>                    -> event id    (de-duplication eviction order)
//	m/meta                         -> encoded meta (counters)
//
// The event log (l/, m/events) and the destinations (d/, x/, r/, k/) have their own keys,
// described in events.go and destinations.go.
const (
	pfxRecord  = "p/"
	pfxStatus  = "s/"
	pfxPending = "n/"
	pfxIntent  = "i/"
	pfxInvoice = "v/"
	pfxEvent   = "e/"
	pfxEventQ  = "q/"
	keyMeta    = "m/meta"
)

// ttlSweepPerWrite bounds how many expired pending entries one write removes, so the
// instruction cost of a message stays bounded however long the canister was idle.
const ttlSweepPerWrite = 8

// ErrCorruptStore reports a value in the Store that does not decode.
var ErrCorruptStore = errors.New("corrupt payment store")

// meta holds the counters kept next to the records. It is cached on the heap and written
// through on every change, so an upgrade (which drops the heap) loses nothing.
type meta struct {
	epoch                                                     int64  // canister time (ns) of the first write: separates reinstalls in idempotency keys
	seq                                                       uint64 // source of pending and de-duplication order
	byStatus                                                  [maxStatus + 1]uint64
	outcalls, outcallErrors                                   uint64
	hooksAccepted, hooksRejected, hooksDuplicate, hooksIgnore uint64
	evicted, events                                           uint64
}

const metaVersion = 1

func (m *meta) fields() []*uint64 {
	f := []*uint64{&m.seq}
	for i := range m.byStatus {
		f = append(f, &m.byStatus[i])
	}
	return append(f, &m.outcalls, &m.outcallErrors, &m.hooksAccepted, &m.hooksRejected,
		&m.hooksDuplicate, &m.hooksIgnore, &m.evicted, &m.events)
}

func (m *meta) marshal() []byte {
	b := []byte{metaVersion}
	b = binary.AppendVarint(b, m.epoch)
	for _, p := range m.fields() {
		b = binary.AppendUvarint(b, *p)
	}
	return b
}

func (m *meta) unmarshal(b []byte) error {
	if len(b) == 0 || b[0] != metaVersion {
		return fmt.Errorf("%w: meta has an unknown version", ErrCorruptStore)
	}
	d := decoder{b: b[1:]}
	var out meta
	out.epoch = d.varint()
	for _, p := range out.fields() {
		*p = d.uvarint()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(errors.New("trailing bytes"))
	}
	if d.err != nil {
		return fmt.Errorf("%w: meta: %v", ErrCorruptStore, d.err)
	}
	*m = out
	return nil
}

// ledger is the typed layer over Store: records, their indexes, de-duplication and
// counters, all kept consistent by put and remove.
type ledger struct {
	st            Store
	limits        Limits
	trustWebhooks bool // no proxy: webhook claims are applied without confirmation
	m             meta
	key           []byte // scratch for building keys

	log eventLog // the event log (events.go)
}

func openLedger(st Store, limits Limits, trustWebhooks bool) (*ledger, error) {
	l := &ledger{st: st, limits: limits, trustWebhooks: trustWebhooks}
	if b, ok := st.Get([]byte(keyMeta)); ok {
		if err := l.m.unmarshal(b); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *ledger) saveMeta(nowNS int64) {
	if l.m.epoch == 0 {
		l.m.epoch = nowNS
	}
	l.st.Set([]byte(keyMeta), l.m.marshal())
}

func (l *ledger) nextSeq() uint64 {
	l.m.seq++
	return l.m.seq
}

func (l *ledger) k(prefix string, parts ...string) []byte {
	l.key = append(l.key[:0], prefix...)
	for _, p := range parts {
		l.key = append(l.key, p...)
	}
	return l.key
}

func be8(v uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return string(b[:])
}

func statusKey(s Status, id string) string {
	return string([]byte{byte(s), '/'}) + id
}

func (l *ledger) get(id string) (Record, bool, error) {
	b, ok := l.st.Get(l.k(pfxRecord, id))
	if !ok {
		return Record{}, false, nil
	}
	var r Record
	if err := r.UnmarshalBinary(b); err != nil {
		return Record{}, false, fmt.Errorf("%w: session %s: %v", ErrCorruptStore, id, err)
	}
	return r, true, nil
}

// lookup finds the session a payment intent or invoice belongs to.
func (l *ledger) lookup(prefix, objectID string) (string, bool) {
	if objectID == "" {
		return "", false
	}
	b, ok := l.st.Get(l.k(prefix, objectID))
	return string(b), ok
}

// put stores r (replacing old, which is nil for a new record) and keeps every index and
// counter consistent. It may evict older pending records to stay within MaxPending.
func (l *ledger) put(old *Record, r Record, nowNS int64) {
	if old == nil {
		r.FirstSeenAt = nowNS
	}
	r.UpdatedAt = nowNS
	if old != nil && old.Status != r.Status {
		l.st.Delete(l.k(pfxStatus, statusKey(old.Status, r.SessionID)))
		l.m.byStatus[old.Status]--
	}
	if old == nil || old.Status != r.Status {
		l.st.Set(l.k(pfxStatus, statusKey(r.Status, r.SessionID)), nil)
		l.m.byStatus[r.Status]++
	}
	wasPending := old != nil && old.Status.pending()
	newPending := false
	switch {
	case r.Status.pending() && !wasPending:
		r.PendingSeq = l.nextSeq()
		l.st.Set(l.k(pfxPending, be8(r.PendingSeq)), append(binary.BigEndian.AppendUint64(nil, uint64(nowNS)), r.SessionID...))
		newPending = true
	case !r.Status.pending() && wasPending:
		l.st.Delete(l.k(pfxPending, be8(old.PendingSeq)))
		r.PendingSeq = 0
	}
	if l.indexable(old) || l.indexable(&r) {
		var oldIntent, oldInvoice string
		if l.indexable(old) {
			oldIntent, oldInvoice = old.PaymentIntent, old.Invoice
		}
		l.reindex(pfxIntent, oldIntent, r.PaymentIntent, r.SessionID)
		l.reindex(pfxInvoice, oldInvoice, r.Invoice, r.SessionID)
	}
	l.st.Set(l.k(pfxRecord, r.SessionID), r.appendBinary(nil))
	l.logChange(old, &r, nowNS)
	if newPending {
		l.evictPending(nowNS, r.SessionID)
	}
	l.saveMeta(nowNS)
}

// indexable says whether a record's payment intent and invoice ids may be indexed. When
// webhooks need confirmation, ids only a webhook asserted are not: a forged event could
// otherwise point a real payment intent at another session.
func (l *ledger) indexable(r *Record) bool {
	return r != nil && (l.trustWebhooks || r.Confirmed)
}

// reindex points prefix+id at session, dropping the entry for oldID if it pointed here.
func (l *ledger) reindex(prefix, oldID, id, session string) {
	if oldID == id {
		return
	}
	if sid, ok := l.lookup(prefix, oldID); ok && sid == session {
		l.st.Delete(l.k(prefix, oldID))
	}
	if id != "" {
		l.st.Set(l.k(prefix, id), []byte(session))
	}
}

// remove deletes a record and everything that points to it.
func (l *ledger) remove(r Record) {
	l.st.Delete(l.k(pfxRecord, r.SessionID))
	l.st.Delete(l.k(pfxStatus, statusKey(r.Status, r.SessionID)))
	l.m.byStatus[r.Status]--
	if r.Status.pending() {
		l.st.Delete(l.k(pfxPending, be8(r.PendingSeq)))
	}
	for _, ix := range [...]struct{ prefix, id string }{{pfxIntent, r.PaymentIntent}, {pfxInvoice, r.Invoice}} {
		if sid, ok := l.lookup(ix.prefix, ix.id); ok && sid == r.SessionID {
			l.st.Delete(l.k(ix.prefix, ix.id))
		}
	}
}

func (l *ledger) pendingCount() uint64 {
	var n uint64
	for s := StatusChecking; s <= maxStatus; s++ {
		if s.pending() {
			n += l.m.byStatus[s]
		}
	}
	return n
}

// evictPending drops the oldest pending records while there are more than MaxPending, and
// up to ttlSweepPerWrite more that are older than PendingTTL. keep (the record just written)
// is never dropped.
func (l *ledger) evictPending(nowNS int64, keep string) {
	type victim struct {
		key []byte
		id  string
	}
	over := int(l.pendingCount()) - l.limits.MaxPending
	var victims []victim
	expired := 0
	l.st.Ascend([]byte(pfxPending), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxPending)) || len(v) < 8 {
			return false
		}
		id := string(v[8:])
		if id == keep {
			return true
		}
		entered := int64(binary.BigEndian.Uint64(v[:8]))
		switch {
		case len(victims) < over:
		case nowNS-entered > int64(l.limits.PendingTTL) && expired < ttlSweepPerWrite:
			expired++
		default:
			return false
		}
		victims = append(victims, victim{bytes.Clone(k), id})
		return true
	})
	for _, v := range victims {
		r, ok, err := l.get(v.id)
		if err != nil || !ok || r.PendingSeq != binary.BigEndian.Uint64(v.key[len(pfxPending):]) {
			// A dangling index entry (should not happen): drop just the entry.
			l.st.Delete(v.key)
			continue
		}
		l.remove(r)
		l.m.evicted++
	}
}

// seenEvent reports whether a webhook event id was already applied.
func (l *ledger) seenEvent(id string) bool {
	_, ok := l.st.Get(l.k(pfxEvent, id))
	return ok
}

// rememberEvent records an applied event id, forgetting the oldest beyond DedupCapacity.
func (l *ledger) rememberEvent(id string, nowNS int64) {
	seq := be8(l.nextSeq())
	l.st.Set(l.k(pfxEvent, id), []byte(seq))
	l.st.Set(l.k(pfxEventQ, seq), []byte(id))
	l.m.events++
	for l.m.events > uint64(l.limits.DedupCapacity) {
		var oldestKey []byte
		var oldestID string
		l.st.Ascend([]byte(pfxEventQ), func(k, v []byte) bool {
			if bytes.HasPrefix(k, []byte(pfxEventQ)) {
				oldestKey, oldestID = bytes.Clone(k), string(v)
			}
			return false
		})
		if oldestKey == nil {
			l.m.events = 0
			break
		}
		l.st.Delete(oldestKey)
		l.st.Delete(l.k(pfxEvent, oldestID))
		l.m.events--
	}
	l.saveMeta(nowNS)
}

// ListRequest selects a page of records in session id order.
type ListRequest struct {
	Status Status // 0 lists every status
	After  string // exclusive cursor: the Next of the previous page
	Limit  int    // 0 or more than Limits.MaxPageSize means MaxPageSize
}

// ListPage is one page of records; Next is empty on the last page.
type ListPage struct {
	Records []Record
	Next    string
}

func (l *ledger) list(req ListRequest) (ListPage, error) {
	limit := req.Limit
	if limit <= 0 || limit > l.limits.MaxPageSize {
		limit = l.limits.MaxPageSize
	}
	if req.Status != 0 && !req.Status.valid() {
		return ListPage{}, fmt.Errorf("list: invalid status %d", req.Status)
	}
	prefix := pfxRecord
	if req.Status != 0 {
		prefix = pfxStatus + string([]byte{byte(req.Status), '/'})
	}
	from := []byte(prefix + req.After)
	if req.After != "" {
		from = append(from, 0) // strictly after the cursor
	}
	var page ListPage
	var ids []string
	var err error
	more := false
	l.st.Ascend(from, func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(prefix)) {
			return false
		}
		if len(page.Records)+len(ids) == limit {
			more = true
			return false
		}
		if req.Status != 0 {
			ids = append(ids, string(k[len(prefix):]))
			return true
		}
		var r Record
		if err = r.UnmarshalBinary(v); err != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorruptStore, k, err)
			return false
		}
		page.Records = append(page.Records, r)
		return true
	})
	if err != nil {
		return ListPage{}, err
	}
	for _, id := range ids {
		r, ok, err := l.get(id)
		if err != nil {
			return ListPage{}, err
		}
		if !ok {
			return ListPage{}, fmt.Errorf("%w: status index names missing session %s", ErrCorruptStore, id)
		}
		page.Records = append(page.Records, r)
	}
	if more && len(page.Records) > 0 {
		page.Next = page.Records[len(page.Records)-1].SessionID
	}
	return page, nil
}

// Stats are the counters reported by get_stats.
type Stats struct {
	Payments          uint64            // stored records
	ByStatus          map[string]uint64 // stored records per status name
	Outcalls          uint64            // outcalls made (fetch and create)
	OutcallErrors     uint64            // outcalls that failed or answered a transient error
	WebhooksAccepted  uint64            // verified and applied (or acknowledged as ignored)
	WebhooksRejected  uint64            // refused with 400 in an update call
	WebhooksDuplicate uint64            // event ids seen before
	WebhooksIgnored   uint64            // accepted but of an unused type or unmatched
	Evicted           uint64            // pending records dropped by the cap or the TTL
	RememberedEvents  uint64            // event ids currently kept for de-duplication
}

func (l *ledger) stats() Stats {
	s := Stats{
		ByStatus:          make(map[string]uint64),
		Outcalls:          l.m.outcalls,
		OutcallErrors:     l.m.outcallErrors,
		WebhooksAccepted:  l.m.hooksAccepted,
		WebhooksRejected:  l.m.hooksRejected,
		WebhooksDuplicate: l.m.hooksDuplicate,
		WebhooksIgnored:   l.m.hooksIgnore,
		Evicted:           l.m.evicted,
		RememberedEvents:  l.m.events,
	}
	for st := StatusChecking; st <= maxStatus; st++ {
		s.ByStatus[st.String()] = l.m.byStatus[st]
		s.Payments += l.m.byStatus[st]
	}
	return s
}
