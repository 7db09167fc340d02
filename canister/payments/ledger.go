package payments

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Key layout in the Store. One-byte prefixes keep keys short at a million records.
//
//	p/<session id>                 -> encoded Record
//	s/<status byte>/<session id>   -> ""          (listing by status)
//	n/<seq BE8>                    -> <entered BE8><session id>  (evictable entries, oldest first)
//	w/<due BE8><session id>        -> ""          (confirmation queue, earliest due first)
//	i/<payment intent id>          -> session id  (payment_intent, charge and dispute events)
//	v/<invoice id>                 -> session id  (invoice events)
//	I/<payment intent id>          -> session id  (the same, for ids only a claim asserted)
//	V/<invoice id>                 -> session id
//	x/<session id>                 -> encoded unknownEntry (ids polled without a record)
//	X/<seq BE8>                    -> session id  (their eviction order)
//	f/<object key>/<event hash 8>  -> encoded fact (events waiting for their session)
//	F/<seq BE8>                    -> <object key>/<event hash 8> (facts, oldest first)
//	e/<event id>                   -> <seq BE8>   (webhook de-duplication)
//	q/<seq BE8>                    -> event id    (de-duplication eviction order)
//	m/meta                         -> encoded meta (counters)
//
// The event log (l/, m/events) and the destinations (d/, y/, r/, k/) have their own keys,
// described in events.go and destinations.go.
const (
	pfxRecord       = "p/"
	pfxStatus       = "s/"
	pfxPending      = "n/"
	pfxQueue        = "w/"
	pfxIntent       = "i/"
	pfxInvoice      = "v/"
	pfxClaimIntent  = "I/"
	pfxClaimInvoice = "V/"
	pfxUnknown      = "x/"
	pfxUnknownQ     = "X/"
	pfxFact         = "f/"
	pfxFactQ        = "F/"
	pfxEvent        = "e/"
	pfxEventQ       = "q/"
	keyMeta         = "m/meta"
)

// ttlSweepPerWrite bounds how many expired pending entries one write removes, so the
// instruction cost of a message stays bounded however long the canister was idle.
const ttlSweepPerWrite = 8

// meta holds the counters kept next to the records. It is cached on the heap and written
// through on every change, so an upgrade (which drops the heap) loses nothing.
type meta struct {
	epoch                                                     int64  // canister time (ns) of the first write: separates reinstalls in idempotency keys
	seq                                                       uint64 // source of pending and de-duplication order
	byStatus                                                  [maxStatus + 1]uint64
	outcalls, outcallErrors                                   uint64
	hooksAccepted, hooksRejected, hooksDuplicate, hooksIgnore uint64
	evicted, events                                           uint64
	// Version 2.
	evictable, queued, unknown, facts uint64 // entries of n/, w/, x/ and f/
	confirmations, factsApplied       uint64 // fetches from the queue; parked events applied
	hooksParked                       uint64 // deliveries kept as pending facts
}

const (
	metaVersion1 = 1
	metaVersion  = 2
)

func (m *meta) fields(version byte) []*uint64 {
	f := []*uint64{&m.seq}
	for i := range m.byStatus {
		f = append(f, &m.byStatus[i])
	}
	f = append(f, &m.outcalls, &m.outcallErrors, &m.hooksAccepted, &m.hooksRejected,
		&m.hooksDuplicate, &m.hooksIgnore, &m.evicted, &m.events)
	if version >= metaVersion {
		f = append(f, &m.evictable, &m.queued, &m.unknown, &m.facts, &m.confirmations,
			&m.factsApplied, &m.hooksParked)
	}
	return f
}

func (m *meta) marshal() []byte {
	b := []byte{metaVersion}
	b = binary.AppendVarint(b, m.epoch)
	for _, p := range m.fields(metaVersion) {
		b = binary.AppendUvarint(b, *p)
	}
	return b
}

// unmarshal decodes a meta of either version; it returns the version read.
func (m *meta) unmarshal(b []byte) (byte, error) {
	if len(b) == 0 || b[0] != metaVersion && b[0] != metaVersion1 {
		return 0, errfmt.Wrap("", ErrCorruptStore, ": meta has an unknown version")
	}
	d := decoder{b: b[1:]}
	var out meta
	out.epoch = d.varint()
	for _, p := range out.fields(b[0]) {
		*p = d.uvarint()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(errors.New("trailing bytes"))
	}
	if d.err != nil {
		return 0, errfmt.Wrap("", ErrCorruptStore, ": meta: "+d.err.Error())
	}
	*m = out
	return b[0], nil
}

// ledger is the typed layer over Store: records, their indexes, the confirmation queue, the
// not-found cache, parked events, de-duplication and counters, all kept consistent by put
// and remove.
type ledger struct {
	st            Store
	cert          Certifier // nil: answers are not certified
	certified     uint64    // Certify calls so far (HTTPUpdate skips a second one)
	limits        Limits
	trustWebhooks bool // no proxy: webhook claims are applied without confirmation
	m             meta
	key           []byte // scratch for building keys

	log eventLog // the event log (events.go)
}

func openLedger(st Store, limits Limits, trustWebhooks bool) (*ledger, error) {
	l := &ledger{st: st, limits: limits, trustWebhooks: trustWebhooks}
	b, ok := st.Get([]byte(keyMeta))
	if !ok {
		return l, nil
	}
	version, err := l.m.unmarshal(b)
	if err != nil {
		return nil, err
	}
	if version == metaVersion1 {
		if err := l.migrateV1(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// migrateV1 brings a store written by a version-1 build to the version-2 invariants, once:
// the evictable set keeps only records no webhook acknowledged, and webhook claims awaiting
// confirmation join the confirmation queue (due at once, oldest claim first). Version 1
// kept every pending record in that set, bounded by MaxPending, so the work is bounded too,
// whatever the number of payments.
func (l *ledger) migrateV1() error {
	type entry struct {
		key []byte
		id  string
	}
	var entries []entry
	l.st.Ascend([]byte(pfxPending), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxPending)) {
			return false
		}
		if len(v) >= 8 {
			entries = append(entries, entry{bytes.Clone(k), string(v[8:])})
		}
		return true
	})
	for _, e := range entries {
		r, ok, err := l.get(e.id)
		if err != nil {
			return err
		}
		if ok && r.evictable() {
			l.m.evictable++
			continue
		}
		l.st.Delete(e.key)
		if !ok {
			continue
		}
		next := r
		next.PendingSeq = 0
		if next.Status == StatusNeedsConfirmation {
			next.ConfirmAt = 1 + int64(r.PendingSeq)
		}
		// put sees a record that was not evictable (it is not under the new rule), so
		// it touches no n/ entry: the one deleted above was its only one.
		old := r
		old.PendingSeq = 0
		l.put(&old, next, r.UpdatedAt)
	}
	l.st.Set([]byte(keyMeta), l.m.marshal())
	return nil
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

// k builds prefix+id in the scratch buffer. It and the accessors below are kept out of
// line on purpose: every store access would otherwise repeat the same code in the module.
//
//go:noinline
func (l *ledger) k(prefix, id string) []byte {
	l.key = append(append(l.key[:0], prefix...), id...)
	return l.key
}

//go:noinline
func (l *ledger) getKey(prefix, id string) ([]byte, bool) { return l.st.Get(l.k(prefix, id)) }

//go:noinline
func (l *ledger) setKey(prefix, id string, v []byte) { l.st.Set(l.k(prefix, id), v) }

//go:noinline
func (l *ledger) delKey(prefix, id string) { l.st.Delete(l.k(prefix, id)) }

func be8(v uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return string(b[:])
}

func statusKey(s Status, id string) string {
	return string([]byte{byte(s), '/'}) + id
}

func queueKey(dueNS int64, id string) string { return be8(uint64(dueNS)) + id }

func (l *ledger) get(id string) (Record, bool, error) {
	b, ok := l.getKey(pfxRecord, id)
	if !ok {
		return Record{}, false, nil
	}
	var r Record
	if err := r.UnmarshalBinary(b); err != nil {
		return Record{}, false, errfmt.Wrap("", ErrCorruptStore, ": session "+id+": "+err.Error())
	}
	return r, true, nil
}

// lookup finds the session a payment intent or invoice belongs to.
func (l *ledger) lookup(prefix, objectID string) (string, bool) {
	if objectID == "" {
		return "", false
	}
	b, ok := l.getKey(prefix, objectID)
	return string(b), ok
}

// put stores r (replacing old, which is nil for a new record) and keeps every index and
// counter consistent. It may evict older evictable records to stay within MaxPending. It
// returns the record as stored (bookkeeping fields set).
func (l *ledger) put(old *Record, r Record, nowNS int64) Record {
	if old == nil {
		r.FirstSeenAt = nowNS
		l.forgetUnknown(r.SessionID)
	}
	r.UpdatedAt = nowNS
	if old != nil && old.Status != r.Status {
		l.delKey(pfxStatus, statusKey(old.Status, r.SessionID))
		l.m.byStatus[old.Status]--
	}
	if old == nil || old.Status != r.Status {
		l.setKey(pfxStatus, statusKey(r.Status, r.SessionID), nil)
		l.m.byStatus[r.Status]++
	}
	wasEvictable := old != nil && old.evictable()
	newEvictable := false
	switch {
	case r.evictable() && !wasEvictable:
		r.PendingSeq = l.nextSeq()
		l.setKey(pfxPending, be8(r.PendingSeq), append(binary.BigEndian.AppendUint64(nil, uint64(nowNS)), r.SessionID...))
		l.m.evictable++
		newEvictable = true
	case !r.evictable() && wasEvictable:
		l.delKey(pfxPending, be8(old.PendingSeq))
		l.m.evictable--
		r.PendingSeq = 0
	case !r.evictable():
		r.PendingSeq = 0
	}
	var oldDue int64
	if old != nil {
		oldDue = old.ConfirmAt
	}
	if oldDue != r.ConfirmAt {
		if oldDue != 0 {
			l.delKey(pfxQueue, queueKey(oldDue, r.SessionID))
			l.m.queued--
		}
		if r.ConfirmAt != 0 {
			l.setKey(pfxQueue, queueKey(r.ConfirmAt, r.SessionID), nil)
			l.m.queued++
		}
	}
	l.reindexAll(old, &r)
	l.setKey(pfxRecord, r.SessionID, r.appendBinary(nil))
	l.certify(old, &r)
	l.logChange(old, &r, nowNS)
	if newEvictable {
		l.evictPending(nowNS, r.SessionID)
	}
	l.saveMeta(nowNS)
	return r
}

// reindexAll moves the payment intent and invoice index entries of a record from old to r:
// to the confirmed indexes (i/, v/) when its ids may be trusted, to the claim indexes (I/,
// V/) otherwise.
func (l *ledger) reindexAll(old, r *Record) {
	pi, inv, cpi, cinv := l.indexPrefixes(old)
	npi, ninv, ncpi, ncinv := l.indexPrefixes(r)
	var oldIntent, oldInvoice string
	if old != nil {
		oldIntent, oldInvoice = old.PaymentIntent, old.Invoice
	}
	l.reindex(pi, npi, oldIntent, r.PaymentIntent, r.SessionID)
	l.reindex(inv, ninv, oldInvoice, r.Invoice, r.SessionID)
	l.reindex(cpi, ncpi, oldIntent, r.PaymentIntent, r.SessionID)
	l.reindex(cinv, ncinv, oldInvoice, r.Invoice, r.SessionID)
}

// indexPrefixes returns where a record's ids are indexed: the confirmed prefixes or the
// claim prefixes ("" for not indexed there).
func (l *ledger) indexPrefixes(r *Record) (intent, invoice, claimIntent, claimInvoice string) {
	switch {
	case r == nil:
		return "", "", "", ""
	case l.indexable(r):
		return pfxIntent, pfxInvoice, "", ""
	}
	return "", "", pfxClaimIntent, pfxClaimInvoice
}

// indexable says whether a record's payment intent and invoice ids may be indexed. When
// webhooks need confirmation, ids only a webhook asserted are not: a forged event could
// otherwise point a real payment intent at another session. They go to the claim index,
// which only ever schedules a confirmation.
func (l *ledger) indexable(r *Record) bool {
	return r != nil && (l.trustWebhooks || r.Confirmed)
}

// reindex points newPrefix+id at session, dropping oldPrefix+oldID if it pointed here.
// An empty prefix means "not indexed there".
func (l *ledger) reindex(oldPrefix, newPrefix, oldID, id, session string) {
	if oldPrefix == newPrefix && oldID == id {
		return
	}
	if oldPrefix != "" {
		if sid, ok := l.lookup(oldPrefix, oldID); ok && sid == session {
			l.delKey(oldPrefix, oldID)
		}
	}
	if newPrefix != "" && id != "" {
		l.setKey(newPrefix, id, []byte(session))
	}
}

// certify tells the Certifier about the query answer of a record just stored: a terminal
// answer is certified (again: the certifier skips an unchanged one), one that stopped being
// served from state is withdrawn.
func (l *ledger) certify(old, r *Record) {
	switch {
	case l.cert == nil:
	case r.Status.Terminal():
		l.certified++
		l.cert.Certify(r.SessionID, sessionResponse(200, r))
	case old != nil && old.Status.Terminal():
		l.cert.Forget(r.SessionID)
	}
}

// remove deletes a record and everything that points to it.
func (l *ledger) remove(r Record) {
	if l.cert != nil && r.Status.Terminal() {
		l.cert.Forget(r.SessionID)
	}
	l.delKey(pfxRecord, r.SessionID)
	l.delKey(pfxStatus, statusKey(r.Status, r.SessionID))
	l.m.byStatus[r.Status]--
	if r.evictable() {
		l.delKey(pfxPending, be8(r.PendingSeq))
		l.m.evictable--
	}
	if r.ConfirmAt != 0 {
		l.delKey(pfxQueue, queueKey(r.ConfirmAt, r.SessionID))
		l.m.queued--
	}
	for _, prefix := range [...]string{pfxIntent, pfxClaimIntent} {
		if sid, ok := l.lookup(prefix, r.PaymentIntent); ok && sid == r.SessionID {
			l.delKey(prefix, r.PaymentIntent)
		}
	}
	for _, prefix := range [...]string{pfxInvoice, pfxClaimInvoice} {
		if sid, ok := l.lookup(prefix, r.Invoice); ok && sid == r.SessionID {
			l.delKey(prefix, r.Invoice)
		}
	}
}

// evictPending drops the oldest evictable records while there are more than MaxPending,
// and up to ttlSweepPerWrite more that are older than PendingTTL. keep (the record just
// written) is never dropped. Only records no webhook acknowledged and no confirmation
// awaits are evictable: a payment Stripe told the canister about is never lost.
func (l *ledger) evictPending(nowNS int64, keep string) {
	type victim struct {
		key []byte
		id  string
	}
	over := int(l.m.evictable) - l.limits.MaxPending
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
		if err != nil || !ok || !r.evictable() || r.PendingSeq != binary.BigEndian.Uint64(v.key[len(pfxPending):]) {
			// A dangling index entry (should not happen): drop just the entry.
			l.st.Delete(v.key)
			l.m.evictable--
			continue
		}
		l.remove(r)
		l.m.evicted++
	}
}

// The confirmation queue.

// firstDue returns the earliest queued confirmation.
func (l *ledger) firstDue() (dueNS int64, id string, ok bool) {
	l.st.Ascend([]byte(pfxQueue), func(k, _ []byte) bool {
		if bytes.HasPrefix(k, []byte(pfxQueue)) && len(k) > len(pfxQueue)+8 {
			rest := k[len(pfxQueue):]
			dueNS, id, ok = int64(binary.BigEndian.Uint64(rest[:8])), string(rest[8:]), true
		}
		return false
	})
	return dueNS, id, ok
}

// dueIDs returns up to max sessions whose confirmation is due at nowNS, earliest first.
func (l *ledger) dueIDs(nowNS int64, max int) []string {
	var ids []string
	l.st.Ascend([]byte(pfxQueue), func(k, _ []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxQueue)) || len(k) <= len(pfxQueue)+8 || len(ids) >= max {
			return false
		}
		rest := k[len(pfxQueue):]
		if int64(binary.BigEndian.Uint64(rest[:8])) > nowNS {
			return false
		}
		ids = append(ids, string(rest[8:]))
		return true
	})
	return ids
}

// The not-found cache: ids polled without a stored record. It is bounded on its own (at
// MaxPending entries, oldest dropped), so polling random ids neither fills the store nor
// evicts a real payment; an entry keeps the fetch attempts (for new idempotency keys) and
// Stripe's 404.

type unknownEntry struct {
	NotFound    bool   // Stripe answered 404
	Attempts    uint32 // fetches made (part of the idempotency key)
	LastFetchAt int64  // Unix nanoseconds
	Seq         uint64 // position in the eviction order
}

// An entry is stored as a fixed 22 bytes: version, not-found flag, attempts (4 bytes),
// last fetch and sequence (8 bytes each), big-endian.
const (
	unknownVersion = 1
	unknownLen     = 22
)

func (u *unknownEntry) marshal() []byte {
	b := make([]byte, 2, unknownLen)
	b[0] = unknownVersion
	if u.NotFound {
		b[1] = 1
	}
	b = binary.BigEndian.AppendUint32(b, u.Attempts)
	b = binary.BigEndian.AppendUint64(b, uint64(u.LastFetchAt))
	return binary.BigEndian.AppendUint64(b, u.Seq)
}

func (u *unknownEntry) unmarshal(b []byte) error {
	if len(b) != unknownLen || b[0] != unknownVersion || b[1] > 1 {
		return errfmt.Wrap("", ErrCorruptStore, ": not-found cache entry")
	}
	*u = unknownEntry{NotFound: b[1] == 1, Attempts: binary.BigEndian.Uint32(b[2:]),
		LastFetchAt: int64(binary.BigEndian.Uint64(b[6:])), Seq: binary.BigEndian.Uint64(b[14:])}
	return nil
}

func (l *ledger) getUnknown(id string) (unknownEntry, bool, error) {
	b, ok := l.getKey(pfxUnknown, id)
	if !ok {
		return unknownEntry{}, false, nil
	}
	var u unknownEntry
	if err := u.unmarshal(b); err != nil {
		return unknownEntry{}, false, err
	}
	return u, true, nil
}

// putUnknown stores the cache entry of id, dropping the oldest entries beyond the bound.
func (l *ledger) putUnknown(id string, u unknownEntry, nowNS int64) {
	if u.Seq == 0 {
		u.Seq = l.nextSeq()
		l.setKey(pfxUnknownQ, be8(u.Seq), []byte(id))
		l.m.unknown++
	}
	l.setKey(pfxUnknown, id, u.marshal())
	for l.m.unknown > uint64(l.limits.MaxPending) {
		var oldestKey []byte
		var oldestID string
		l.st.Ascend([]byte(pfxUnknownQ), func(k, v []byte) bool {
			if bytes.HasPrefix(k, []byte(pfxUnknownQ)) {
				oldestKey, oldestID = bytes.Clone(k), string(v)
			}
			return false
		})
		if oldestKey == nil {
			l.m.unknown = 0
			break
		}
		l.st.Delete(oldestKey)
		l.delKey(pfxUnknown, oldestID)
		l.m.unknown--
	}
	l.saveMeta(nowNS)
}

// forgetUnknown drops the cache entry of id (a record now stands for the session).
func (l *ledger) forgetUnknown(id string) {
	u, ok, err := l.getUnknown(id)
	if !ok || err != nil {
		return
	}
	l.delKey(pfxUnknownQ, be8(u.Seq))
	l.delKey(pfxUnknown, id)
	l.m.unknown--
}

// seenEvent reports whether a webhook event id was already applied.
func (l *ledger) seenEvent(id string) bool {
	_, ok := l.getKey(pfxEvent, id)
	return ok
}

// rememberEvent records an applied event id, forgetting the oldest beyond DedupCapacity.
func (l *ledger) rememberEvent(id string, nowNS int64) {
	seq := be8(l.nextSeq())
	l.setKey(pfxEvent, id, []byte(seq))
	l.setKey(pfxEventQ, seq, []byte(id))
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
		l.delKey(pfxEvent, oldestID)
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
		return ListPage{}, errors.New("list: invalid status " + errfmt.Int(req.Status))
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
			err = errfmt.Wrap("", ErrCorruptStore, ": "+string(k)+": "+err.Error())
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
			return ListPage{}, errfmt.Wrap("", ErrCorruptStore, ": status index names missing session "+id)
		}
		page.Records = append(page.Records, r)
	}
	if more && len(page.Records) > 0 {
		page.Next = page.Records[len(page.Records)-1].SessionID
	}
	return page, nil
}

// Stats are the counters reported by get_stats.
//
// The webhook counters count what the update (http_request_update) answered: a query
// cannot change state, so the deliveries the query path already answers are not counted
// there - forged, expired or malformed ones (400; canister_inspect_message refuses the same
// in a direct update call, before it executes) and duplicates of applied events (200).
// WebhooksRejected thus counts deliveries whose signature and envelope passed but whose
// object did not, and WebhooksDuplicate the duplicates that raced into an update.
type Stats struct {
	Payments          uint64            // stored records
	ByStatus          map[string]uint64 // stored records per status name (plus cached 404s as not_found)
	Outcalls          uint64            // outcalls made (fetch and create)
	OutcallErrors     uint64            // outcalls that failed or answered a transient error
	WebhooksAccepted  uint64            // answered 200 by the update: applied, parked or ignored
	WebhooksRejected  uint64            // refused with 400 by the update (see above)
	WebhooksDuplicate uint64            // event ids seen before, answered by the update
	WebhooksIgnored   uint64            // accepted but of an unused type or about nothing to match
	WebhooksPending   uint64            // accepted and parked until their session is known (ever)
	Evicted           uint64            // unclaimed pending records dropped by the cap or the TTL
	RememberedEvents  uint64            // event ids currently kept for de-duplication
	ConfirmQueue      uint64            // sessions whose webhook claim awaits Stripe's word
	Confirmations     uint64            // fetches the confirmation queue made
	PendingEvents     uint64            // parked events waiting for their session now
	EventsApplied     uint64            // parked events applied later
	NotFoundCached    uint64            // ids polled without a record (the not-found cache)
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
		WebhooksPending:   l.m.hooksParked,
		Evicted:           l.m.evicted,
		RememberedEvents:  l.m.events,
		ConfirmQueue:      l.m.queued,
		Confirmations:     l.m.confirmations,
		PendingEvents:     l.m.facts,
		EventsApplied:     l.m.factsApplied,
		NotFoundCached:    l.m.unknown,
	}
	for st := StatusChecking; st <= maxStatus; st++ {
		s.ByStatus[st.String()] = l.m.byStatus[st]
		s.Payments += l.m.byStatus[st]
	}
	return s
}
