package payments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Destinations: other canisters that receive the event log, as Stripe's event destinations
// send events to EventBridge. This file is the delivery state machine; the canister makes
// the calls (an inter-canister call per batch) and reports each answer back:
//
//	for _, d := range svc.DueDeliveries(env) { call d.Canister.d.Method(d.Events) }
//	on the answer: svc.DeliveryDone(d, DeliveryResult{Err, NotSent, Cycles}, env)
//	then:          svc.NextDelivery(d.Destination, env) for the next batch, and a timer
//	               at svc.NextDeliveryAt(env)
//
// The rules:
//
//   - At least once, in order: a destination has one batch in flight at a time, taken in
//     sequence order from its cursor; its cursor moves past a batch only when the destination
//     replied (or the batch became dead letters). A batch whose answer never came (the
//     canister was upgraded, the callback trapped) is sent again. Subscribers deduplicate by
//     sequence number.
//   - Retries with exponential backoff: after the n-th consecutive failure the next attempt
//     waits RetryBase*2^(n-1), at most RetryMax.
//   - Dead letters: a batch that failed MaxAttempts times goes to the destination's dead
//     letter list and the cursor moves on; the payments of those events are parked, so their
//     later events go straight to the dead letters behind them (order per payment holds).
//     RetryDeadLetters queues them all again, ahead of the live stream.
//   - Isolation: each destination has its own cursor, backoff and dead letters; a destination
//     that traps, is stopped, is out of cycles or was deleted delays only itself. Nothing
//     here ever fails a payment: the log is written in the payment's message, deliveries
//     happen later in their own messages.
//   - Bounded cost: at most MaxBatch events and MaxBatchBytes per call, at most one call per
//     destination at a time, at most MaxDestinations destinations, no calls while the
//     balance is below Limits.CyclesReserve; a failing destination costs at most one call
//     per RetryMax.
//
// Keys (in the payments Store):
//
//	d/<id BE2>                 -> encoded Destination (configuration and delivery state)
//	y/<id BE2><seq BE8>        -> encoded dead letter
//	r/<id BE2><seq BE8>        -> encoded dead letter queued for replay
//	k/<id BE2><session id>     -> ""  (the session has dead letters: later events follow them)

const (
	pfxDest   = "d/"
	pfxDead   = "y/"
	pfxReplay = "r/"
	pfxParked = "k/"
)

// MaxDestinations bounds the destinations (and so the calls per event).
const MaxDestinations = 16

// DefaultEventMethod is the method a destination is called with unless it names another.
const DefaultEventMethod = "on_payment_event"

// maxScan bounds the log entries one batch formation reads, so a destination whose filter
// skips most of the log costs bounded instructions per message.
const maxScan = 1024

// Delivery outcomes the destination loop handles itself.
var (
	errStaleDelivery    = errors.New("stale delivery")
	errDeliveryTimedOut = errors.New("no answer within the call timeout")
)

// EventConfig configures the log and the deliveries. Every zero field takes the default.
type EventConfig struct {
	LogRetention   int           // entries kept (default 100,000)
	MaxAttempts    int           // failed calls of a batch before it becomes dead letters (default 12)
	RetryBase      time.Duration // delay after the first failure, doubled per failure (default 1 s)
	RetryMax       time.Duration // longest delay between attempts (default 5 min)
	MaxBatch       int           // events per call (default 50)
	MaxBatchBytes  int           // encoded entry bytes per call (default 16 KiB)
	MaxDeadLetters int           // per destination; the oldest are dropped beyond (default 10,000)
	CallTimeout    time.Duration // an unanswered call stops blocking its destination (default 10 min)
}

// DefaultEventConfig returns the defaults. With them a destination that stopped answering
// gets its first batch dead-lettered after 1+2+...+256 s + 3*5 min, about 23 minutes; an
// upgrade or a stop of a few minutes loses nothing.
func DefaultEventConfig() EventConfig {
	return EventConfig{
		LogRetention:   100_000,
		MaxAttempts:    12,
		RetryBase:      time.Second,
		RetryMax:       5 * time.Minute,
		MaxBatch:       50,
		MaxBatchBytes:  16 << 10,
		MaxDeadLetters: 10_000,
		CallTimeout:    10 * time.Minute,
	}
}

func (c EventConfig) withDefaults() EventConfig {
	d := DefaultEventConfig()
	orDefault(&c.LogRetention, d.LogRetention)
	orDefault(&c.MaxAttempts, d.MaxAttempts)
	orDefault(&c.RetryBase, d.RetryBase)
	orDefault(&c.RetryMax, d.RetryMax)
	orDefault(&c.MaxBatch, d.MaxBatch)
	orDefault(&c.MaxBatchBytes, d.MaxBatchBytes)
	orDefault(&c.MaxDeadLetters, d.MaxDeadLetters)
	orDefault(&c.CallTimeout, d.CallTimeout)
	return c
}

func (c EventConfig) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		bad  bool
	}{
		{"log_retention", c.LogRetention < 0},
		{"max_attempts", c.MaxAttempts < 0},
		{"retry_base", c.RetryBase < 0},
		{"retry_max", c.RetryMax < 0},
		{"max_batch", c.MaxBatch < 0},
		{"max_batch_bytes", c.MaxBatchBytes < 0},
		{"max_dead_letters", c.MaxDeadLetters < 0},
		{"call_timeout", c.CallTimeout < 0},
	} {
		if f.bad {
			errs = append(errs, errors.New("events."+f.name+" must not be negative"))
		}
	}
	return errors.Join(errs...)
}

// openEvents configures the log and the delivery of s (called by New).
func (s *Service) openEvents(cfg EventConfig, notify func()) error {
	if err := cfg.validate(); err != nil {
		return errfmt.Wrap("payments config: ", err, "")
	}
	s.events = cfg.withDefaults()
	g := s.led.logState()
	g.retention, g.notify = s.events.LogRetention, notify
	return nil
}

// EventConfig returns the effective settings (defaults applied).
func (s *Service) EventConfig() EventConfig { return s.events }

// DestinationSpec is what a controller gives add_destination.
type DestinationSpec struct {
	Canister    string      // textual principal of the receiving canister
	Method      string      // "" means DefaultEventMethod
	Kinds       []EventKind // only these kinds (none: every kind)
	Statuses    []Status    // only events whose new status is one of these (none: every status)
	MaxAttempts int         // 0 means EventConfig.MaxAttempts
	// StartAfter, when set, delivers the retained log after this sequence number first (0:
	// everything retained); unset, the destination gets the events from now on.
	StartAfter *uint64
}

// Destination is a configured destination and where its delivery stands.
type Destination struct {
	ID          uint16 // 1..MaxDestinations, reused after a removal
	Serial      uint64 // unique forever: answers for a removed destination are recognised
	Canister    string
	Method      string
	Kinds       []EventKind
	Statuses    []Status
	MaxAttempts int
	Added       int64 // Unix nanoseconds

	Cursor      uint64 // every entry up to here was delivered, filtered out or dead-lettered
	Attempts    uint32 // failed calls of the current batch
	Failures    uint32 // consecutive failed calls
	NextAttempt int64  // no call before this time (Unix ns)
	LastError   string
	LastSuccess int64 // time of the last reply (Unix ns)
	InFlight    bool  // a call is waiting for its answer
	flightSince int64
	flightLast  uint64
	flightRepl  bool
	flightID    uint64 // the call in flight (answers for another call are stale)

	Delivered    uint64 // events the destination acknowledged (replays included)
	Calls        uint64
	FailedCalls  uint64
	DeadLettered uint64 // events that became dead letters
	Replayed     uint64 // dead letters delivered by a replay
	Dropped      uint64 // dead letters dropped beyond MaxDeadLetters
	Cycles       uint64 // what its calls cost (ic0.cost_call of each)
	DeadLetters  uint64 // dead letters stored now
	Queued       uint64 // dead letters queued for replay now
}

func maskOf[T ~uint8](vs []T) uint16 {
	var m uint16
	for _, v := range vs {
		m |= 1 << v
	}
	return m
}

func unmask[T ~uint8](m uint16) []T {
	var out []T
	for i := 0; i < 16; i++ {
		if m&(1<<i) != 0 {
			out = append(out, T(i))
		}
	}
	return out
}

// matches applies the destination's filter.
func (d *Destination) matches(e *LogEntry) bool {
	if len(d.Kinds) > 0 && maskOf(d.Kinds)&(1<<e.Kind) == 0 {
		return false
	}
	return len(d.Statuses) == 0 || maskOf(d.Statuses)&(1<<e.NewStatus) != 0
}

const destVersion = 1

func (d *Destination) marshal() []byte {
	b := []byte{destVersion}
	b = binary.BigEndian.AppendUint16(b, d.ID)
	b = binary.BigEndian.AppendUint16(b, maskOf(d.Kinds))
	b = binary.BigEndian.AppendUint16(b, maskOf(d.Statuses))
	var flags byte
	if d.InFlight {
		flags |= 1
	}
	if d.flightRepl {
		flags |= 2
	}
	b = append(b, flags)
	for _, s := range [...]string{d.Canister, d.Method, d.LastError} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, v := range [...]uint64{d.Serial, uint64(d.MaxAttempts), uint64(d.Added), d.Cursor, uint64(d.Attempts),
		uint64(d.Failures), uint64(d.NextAttempt), uint64(d.LastSuccess), uint64(d.flightSince), d.flightLast,
		d.Delivered, d.Calls, d.FailedCalls, d.DeadLettered, d.Replayed, d.Dropped, d.Cycles, d.DeadLetters, d.Queued,
		d.flightID} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func (d *Destination) unmarshal(b []byte) error {
	if len(b) < 8 || b[0] != destVersion {
		return errfmt.Wrap("", ErrCorruptStore, ": destination: unknown version or truncated")
	}
	var out Destination
	out.ID = binary.BigEndian.Uint16(b[1:])
	out.Kinds = unmask[EventKind](binary.BigEndian.Uint16(b[3:]))
	out.Statuses = unmask[Status](binary.BigEndian.Uint16(b[5:]))
	out.InFlight, out.flightRepl = b[7]&1 != 0, b[7]&2 != 0
	dec := decoder{b: b[8:]}
	out.Canister, out.Method, out.LastError = dec.string(), dec.string(), dec.string()
	var maxAttempts, added, attempts, failures, next, lastOK, since uint64
	for _, p := range [...]*uint64{&out.Serial, &maxAttempts, &added, &out.Cursor, &attempts, &failures, &next,
		&lastOK, &since, &out.flightLast, &out.Delivered, &out.Calls, &out.FailedCalls, &out.DeadLettered,
		&out.Replayed, &out.Dropped, &out.Cycles, &out.DeadLetters, &out.Queued, &out.flightID} {
		*p = dec.uvarint()
	}
	if dec.err == nil && len(dec.b) != 0 {
		dec.fail(errors.New("trailing bytes"))
	}
	if dec.err != nil {
		return errfmt.Wrap("", ErrCorruptStore, ": destination: "+dec.err.Error())
	}
	out.MaxAttempts, out.Added = int(maxAttempts), int64(added)
	out.Attempts, out.Failures = uint32(attempts), uint32(failures)
	out.NextAttempt, out.LastSuccess, out.flightSince = int64(next), int64(lastOK), int64(since)
	*d = out
	return nil
}

func destKey(prefix string, id uint16, rest ...string) []byte {
	k := binary.BigEndian.AppendUint16([]byte(prefix), id)
	for _, r := range rest {
		k = append(k, r...)
	}
	return k
}

func (l *ledger) destination(id uint16) (Destination, bool, error) {
	b, ok := l.st.Get(destKey(pfxDest, id))
	if !ok {
		return Destination{}, false, nil
	}
	var d Destination
	if err := d.unmarshal(b); err != nil {
		return Destination{}, false, err
	}
	return d, true, nil
}

func (l *ledger) saveDestination(d *Destination) {
	l.st.Set(destKey(pfxDest, d.ID), d.marshal())
}

// destinations reads every destination, in id order.
func (l *ledger) destinations() ([]Destination, error) {
	var out []Destination
	var err error
	l.st.Ascend([]byte(pfxDest), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxDest)) {
			return false
		}
		var d Destination
		if err = d.unmarshal(v); err != nil {
			return false
		}
		out = append(out, d)
		return true
	})
	return out, err
}

// minCursor is the oldest position some destination still needs (MaxUint64 with none).
func (l *ledger) minCursor() uint64 {
	hold := uint64(math.MaxUint64)
	ds, err := l.destinations()
	if err != nil {
		return 0 // keep everything rather than drop what a destination may need
	}
	for _, d := range ds {
		hold = min(hold, d.Cursor)
	}
	return hold
}

// validCanisterText accepts the shape of a textual principal (groups of base32 separated by
// dashes); the canister's Candid layer parses it for real.
func validCanisterText(p string) bool {
	if p == "" || len(p) > 63 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7' || r == '-') {
			return false
		}
	}
	return true
}

func validMethod(m string) bool {
	if m == "" || len(m) > 64 {
		return false
	}
	for _, r := range m {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

// AddDestination registers a destination (controllers only).
func (s *Service) AddDestination(caller Caller, spec DestinationSpec, env Env) (Destination, error) {
	if !caller.IsController {
		return Destination{}, ErrControllersOnly
	}
	if spec.Method == "" {
		spec.Method = DefaultEventMethod
	}
	switch {
	case !validCanisterText(spec.Canister):
		return Destination{}, errfmt.Wrap("", ErrBadDestination, ": canister "+strconv.Quote(clip(spec.Canister))+" is not a textual principal")
	case !validMethod(spec.Method):
		return Destination{}, errfmt.Wrap("", ErrBadDestination, ": method "+strconv.Quote(clip(spec.Method))+" must be 1 to 64 printable ASCII characters")
	case spec.MaxAttempts < 0 || spec.MaxAttempts > 1000:
		return Destination{}, errfmt.Wrap("", ErrBadDestination, ": max_attempts must be 1 to 1000")
	}
	for _, k := range spec.Kinds {
		if !k.valid() {
			return Destination{}, errfmt.Wrap("", ErrBadDestination, ": event kind "+errfmt.Int(k))
		}
	}
	for _, st := range spec.Statuses {
		if !st.valid() {
			return Destination{}, errfmt.Wrap("", ErrBadDestination, ": status "+errfmt.Int(st))
		}
	}
	ds, err := s.led.destinations()
	if err != nil {
		return Destination{}, err
	}
	if len(ds) >= MaxDestinations {
		return Destination{}, ErrTooManyDest
	}
	id := uint16(1)
	for _, d := range ds { // ids are sorted: take the first gap
		if d.ID != id {
			break
		}
		id++
	}
	g := s.led.logState()
	g.m.destSeq++
	d := Destination{ID: id, Serial: g.m.destSeq, Canister: spec.Canister, Method: spec.Method,
		Kinds: unmask[EventKind](maskOf(spec.Kinds)), Statuses: unmask[Status](maskOf(spec.Statuses)),
		MaxAttempts: spec.MaxAttempts, Added: env.Now.UnixNano(), Cursor: g.m.last}
	if spec.StartAfter != nil {
		d.Cursor = min(*spec.StartAfter, g.m.last)
		if g.m.first > 0 && d.Cursor < g.m.first-1 {
			d.Cursor = g.m.first - 1 // what was pruned is gone
		}
	}
	s.led.saveDestination(&d)
	s.led.saveLogMeta()
	s.notifyEvents()
	return d, nil
}

// RemoveDestination deletes a destination with its dead letters (controllers only). An
// answer to a call still in flight for it is ignored.
func (s *Service) RemoveDestination(caller Caller, id uint16) error {
	if !caller.IsController {
		return ErrControllersOnly
	}
	if _, ok, err := s.led.destination(id); err != nil {
		return err
	} else if !ok {
		return errfmt.Wrap("", ErrNoDestination, ": "+errfmt.Int(id))
	}
	for _, pfx := range [...]string{pfxDead, pfxReplay, pfxParked} {
		s.led.deleteRange(destKey(pfx, id))
	}
	s.led.st.Delete(destKey(pfxDest, id))
	return nil
}

// deleteRange deletes every key with the prefix.
func (l *ledger) deleteRange(prefix []byte) {
	for {
		var keys [][]byte
		l.st.Ascend(prefix, func(k, _ []byte) bool {
			if !bytes.HasPrefix(k, prefix) || len(keys) == 256 {
				return false
			}
			keys = append(keys, bytes.Clone(k))
			return true
		})
		for _, k := range keys {
			l.st.Delete(k)
		}
		if len(keys) < 256 {
			return
		}
	}
}

// Destinations lists the destinations with their delivery state.
func (s *Service) Destinations() ([]Destination, error) { return s.led.destinations() }

// Behind is how many log entries after the destination's cursor it has not passed yet
// (filtered ones included).
func (s *Service) Behind(d Destination) uint64 {
	last := s.led.logState().m.last
	if d.Cursor >= last {
		return 0
	}
	return last - d.Cursor
}

// DeadLetter is an event a destination did not take after MaxAttempts calls.
type DeadLetter struct {
	Entry  LogEntry
	Reason string // the last error, or why it was parked
	At     int64  // when it became a dead letter (Unix ns)
}

const deadVersion = 1

func (x *DeadLetter) marshal() []byte {
	b := []byte{deadVersion}
	b = binary.AppendVarint(b, x.At)
	b = binary.AppendUvarint(b, uint64(len(x.Reason)))
	b = append(b, x.Reason...)
	return x.Entry.appendBinary(b)
}

func (x *DeadLetter) unmarshal(seq uint64, b []byte) error {
	if len(b) == 0 || b[0] != deadVersion {
		return errfmt.Wrap("", ErrCorruptStore, ": dead letter "+errfmt.Int(seq)+": unknown version")
	}
	d := decoder{b: b[1:]}
	out := DeadLetter{At: d.varint(), Reason: d.string(), Entry: LogEntry{Seq: seq}}
	if d.err != nil {
		return errfmt.Wrap("", ErrCorruptStore, ": dead letter "+errfmt.Int(seq)+": "+d.err.Error())
	}
	if err := out.Entry.UnmarshalBinary(d.b); err != nil {
		return errfmt.Wrap("", ErrCorruptStore, ": dead letter "+errfmt.Int(seq)+": "+err.Error())
	}
	*x = out
	return nil
}

// DeadLetterPage is a page of a destination's dead letters (or of its replay queue).
type DeadLetterPage struct {
	Letters []DeadLetter
	Next    uint64 // 0 on the last page
}

// DeadLetters pages through a destination's dead letters, oldest first (controllers only).
func (s *Service) DeadLetters(caller Caller, id uint16, after uint64, limit int) (DeadLetterPage, error) {
	if !caller.IsController {
		return DeadLetterPage{}, ErrControllersOnly
	}
	if limit <= 0 || limit > s.limits.MaxPageSize {
		limit = s.limits.MaxPageSize
	}
	letters, more, err := s.led.letters(pfxDead, id, after+1, limit)
	page := DeadLetterPage{Letters: letters}
	if more {
		page.Next = letters[len(letters)-1].Entry.Seq
	}
	return page, err
}

// letters reads up to n dead letters of id under prefix from seq on; more says whether
// there are others after them.
func (l *ledger) letters(prefix string, id uint16, from uint64, n int) ([]DeadLetter, bool, error) {
	base := destKey(prefix, id)
	var out []DeadLetter
	var err error
	more := false
	l.st.Ascend(destKey(prefix, id, be8(from)), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, base) || len(k) != len(base)+8 {
			return false
		}
		if len(out) == n {
			more = true
			return false
		}
		var x DeadLetter
		if err = x.unmarshal(binary.BigEndian.Uint64(k[len(base):]), v); err != nil {
			return false
		}
		out = append(out, x)
		return true
	})
	return out, more, err
}

// RetryDeadLetters queues the dead letters of destination id (0: of every destination)
// for delivery ahead of the live stream, unparks their payments and resets the backoff
// (controllers only). It returns how many were queued.
func (s *Service) RetryDeadLetters(caller Caller, id uint16, env Env) (int, error) {
	if !caller.IsController {
		return 0, ErrControllersOnly
	}
	ds, err := s.led.destinations()
	if err != nil {
		return 0, err
	}
	total, found := 0, false
	for i := range ds {
		d := &ds[i]
		if id != 0 && d.ID != id {
			continue
		}
		found = true
		n, err := s.led.requeue(d)
		if err != nil {
			return total, err
		}
		total += n
		d.Attempts, d.Failures, d.NextAttempt = 0, 0, 0
		s.led.saveDestination(d)
	}
	if !found {
		return 0, errfmt.Wrap("", ErrNoDestination, ": "+errfmt.Int(id))
	}
	s.notifyEvents()
	return total, nil
}

// requeue moves d's dead letters to its replay queue and unparks its payments.
func (l *ledger) requeue(d *Destination) (int, error) {
	base := destKey(pfxDead, d.ID)
	type kv struct{ k, v []byte }
	var moved []kv
	l.st.Ascend(base, func(k, v []byte) bool {
		if !bytes.HasPrefix(k, base) {
			return false
		}
		moved = append(moved, kv{bytes.Clone(k), bytes.Clone(v)})
		return true
	})
	for _, m := range moved {
		l.st.Set(destKey(pfxReplay, d.ID, string(m.k[len(base):])), m.v)
		l.st.Delete(m.k)
	}
	l.deleteRange(destKey(pfxParked, d.ID))
	d.Queued += uint64(len(moved))
	d.DeadLetters = 0
	return len(moved), nil
}

func (s *Service) notifyEvents() {
	if n := s.led.logState().notify; n != nil {
		n()
	}
}

// Delivery is one call to make: a batch of events for one destination, in sequence order.
type Delivery struct {
	Destination uint16
	Serial      uint64
	Canister    string
	Method      string
	Events      []LogEntry
	replay      bool
	last        uint64 // the cursor after this batch
	call        uint64 // which call this is (Destination.flightID)
}

// DeliveryResult is how a delivery call ended.
type DeliveryResult struct {
	Err     error  // nil: the destination replied
	NotSent bool   // the call was never made (call_perform refused it): not the destination's fault
	Cycles  uint64 // what the call cost (ic0.cost_call)
}

// backoff is the wait after the n-th consecutive failure.
func (c EventConfig) backoff(n uint32) time.Duration {
	d := c.RetryBase
	for i := uint32(1); i < n && d < c.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.RetryMax)
}

func (s *Service) maxAttempts(d *Destination) uint32 {
	if d.MaxAttempts > 0 {
		return uint32(d.MaxAttempts)
	}
	return uint32(s.events.MaxAttempts)
}

// hasWork says whether d has events to deliver.
func (s *Service) hasWork(d *Destination) bool {
	return d.Queued > 0 || d.Cursor < s.led.logState().m.last
}

// expire ends an in-flight call that has not been answered within CallTimeout: it counts as
// a failed attempt (its answer, if it ever comes, is then ignored).
func (s *Service) expire(d *Destination, env Env) {
	if d.InFlight && env.Now.UnixNano()-d.flightSince >= int64(s.events.CallTimeout) {
		s.failed(d, errDeliveryTimedOut, false, nil, env)
		s.led.saveDestination(d)
	}
}

// DueDeliveries starts a batch for every destination that has work and may be called now.
// The canister calls each and reports the answers with DeliveryDone. Below the cycles
// reserve nothing is due.
func (s *Service) DueDeliveries(env Env) ([]Delivery, error) {
	if env.CyclesBalance < s.limits.CyclesReserve {
		return nil, nil
	}
	ds, err := s.led.destinations()
	if err != nil {
		return nil, err
	}
	var out []Delivery
	for i := range ds {
		d, ok, err := s.start(&ds[i], env)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// NextDelivery starts the next batch of destination id if it is due.
func (s *Service) NextDelivery(id uint16, env Env) (Delivery, bool, error) {
	if env.CyclesBalance < s.limits.CyclesReserve {
		return Delivery{}, false, nil
	}
	d, ok, err := s.led.destination(id)
	if err != nil || !ok {
		return Delivery{}, false, err
	}
	return s.start(&d, env)
}

// start forms d's next batch and marks it in flight, if d is due.
func (s *Service) start(d *Destination, env Env) (Delivery, bool, error) {
	s.expire(d, env)
	now := env.Now.UnixNano()
	if d.InFlight || now < d.NextAttempt || !s.hasWork(d) {
		return Delivery{}, false, nil
	}
	del, err := s.form(d, env)
	if err != nil || len(del.Events) == 0 {
		s.led.saveDestination(d) // the cursor may have moved past filtered entries
		return Delivery{}, false, err
	}
	g := s.led.logState()
	g.m.callSeq++
	d.InFlight, d.flightSince, d.flightLast, d.flightRepl, d.flightID = true, now, del.last, del.replay, g.m.callSeq
	del.call = d.flightID
	s.led.saveDestination(d)
	s.led.saveLogMeta()
	return del, true, nil
}

// form collects d's next batch: from the replay queue while it has entries, else from the
// log after the cursor. Entries the filter rejects are passed over; entries of parked
// payments become dead letters at once.
func (s *Service) form(d *Destination, env Env) (Delivery, error) {
	del := Delivery{Destination: d.ID, Serial: d.Serial, Canister: d.Canister, Method: d.Method}
	if d.Queued > 0 {
		letters, _, err := s.led.letters(pfxReplay, d.ID, 0, s.events.MaxBatch)
		if err != nil {
			return del, err
		}
		if len(letters) == 0 {
			d.Queued = 0 // the count was off: nothing is queued
			return s.form(d, env)
		}
		size := 0
		for _, x := range letters {
			if len(del.Events) > 0 && size+s.entrySize(&x.Entry) > s.events.MaxBatchBytes {
				break
			}
			size += s.entrySize(&x.Entry)
			del.Events = append(del.Events, x.Entry)
		}
		del.replay, del.last = true, del.Events[len(del.Events)-1].Seq
		return del, nil
	}
	for scanned := 0; scanned < maxScan && d.Cursor < s.led.logState().m.last; {
		var entries []LogEntry
		err := s.led.ascendLog(d.Cursor+1, func(e LogEntry) bool {
			entries = append(entries, e)
			return len(entries) < 128
		})
		if err != nil {
			return del, err
		}
		if len(entries) == 0 {
			d.Cursor = s.led.logState().m.last // nothing retained after the cursor
			break
		}
		scanned += len(entries)
		size, full := 0, false
		for _, e := range entries {
			switch {
			case !d.matches(&e):
			case s.led.parked(d.ID, e.SessionID):
				s.led.deadLetter(d, e, "an earlier event of this payment is a dead letter", env.Now.UnixNano(), s.events.MaxDeadLetters)
			case len(del.Events) > 0 && (len(del.Events) == s.events.MaxBatch || size+s.entrySize(&e) > s.events.MaxBatchBytes):
				full = true
			default:
				size += s.entrySize(&e)
				del.Events = append(del.Events, e)
			}
			if full {
				break
			}
			if len(del.Events) == 0 {
				d.Cursor = e.Seq // passed over before the batch starts: done with it
			}
			del.last = e.Seq
		}
		if len(del.Events) > 0 {
			return del, nil
		}
	}
	return del, nil
}

func (s *Service) entrySize(e *LogEntry) int {
	return 32 + len(e.SessionID) + len(e.Currency) + len(e.StripeEventID)
}

func (l *ledger) parked(id uint16, session string) bool {
	_, ok := l.st.Get(destKey(pfxParked, id, session))
	return ok
}

// deadLetter stores e as a dead letter of d, parks its payment and drops the oldest dead
// letters beyond max.
func (l *ledger) deadLetter(d *Destination, e LogEntry, reason string, nowNS int64, max int) {
	key := destKey(pfxDead, d.ID, be8(e.Seq))
	if _, ok := l.st.Get(key); ok {
		return // already one (a batch formed again passes its parked entries again)
	}
	x := DeadLetter{Entry: e, Reason: clipTo(reason, 200), At: nowNS}
	l.st.Set(key, x.marshal())
	l.st.Set(destKey(pfxParked, d.ID, e.SessionID), nil)
	d.DeadLetters++
	d.DeadLettered++
	l.logState().m.deadLettered++
	for d.DeadLetters > uint64(max) {
		base := destKey(pfxDead, d.ID)
		var oldest []byte
		l.st.Ascend(base, func(k, _ []byte) bool {
			if bytes.HasPrefix(k, base) {
				oldest = bytes.Clone(k)
			}
			return false
		})
		if oldest == nil {
			d.DeadLetters = 0
			break
		}
		l.st.Delete(oldest)
		d.DeadLetters--
		d.Dropped++
		l.logState().m.dropped++
	}
}

// DeliveryDone records how the call of d ended: success moves the destination on, a
// failure schedules a retry or, after MaxAttempts, turns the batch into dead letters. An
// answer for a batch that is no longer in flight (its destination was removed, or its call
// timed out and was sent again) only counts its cost.
func (s *Service) DeliveryDone(del Delivery, res DeliveryResult, env Env) error {
	g := s.led.logState()
	if !res.NotSent {
		g.m.calls++
		g.m.cycles += res.Cycles
		g.m.maxCallCycles = max(g.m.maxCallCycles, res.Cycles)
		if res.Err != nil {
			g.m.failedCalls++
		}
	}
	defer s.led.saveLogMeta()
	d, ok, err := s.led.destination(del.Destination)
	if err != nil || !ok || d.Serial != del.Serial || !d.InFlight || d.flightID != del.call {
		return err
	}
	if !res.NotSent {
		d.Calls++
		d.Cycles += res.Cycles
	}
	if res.Err == nil {
		s.succeeded(&d, del, env)
	} else {
		s.failed(&d, res.Err, res.NotSent, &del, env)
	}
	s.led.saveDestination(&d)
	return nil
}

func (s *Service) succeeded(d *Destination, del Delivery, env Env) {
	n := uint64(len(del.Events))
	if del.replay {
		for _, e := range del.Events {
			s.led.st.Delete(destKey(pfxReplay, d.ID, be8(e.Seq)))
		}
		d.Queued -= min(d.Queued, n)
		d.Replayed += n
		s.led.logState().m.replayed += n
	} else {
		d.Cursor = max(d.Cursor, del.last)
	}
	d.Delivered += n
	s.led.logState().m.delivered += n
	d.InFlight, d.Attempts, d.Failures, d.NextAttempt, d.LastError = false, 0, 0, 0, ""
	d.LastSuccess = env.Now.UnixNano()
}

// failed schedules the retry of d's batch, or dead-letters it after MaxAttempts. del is nil
// for a call that timed out (the batch is formed again from the stored position).
func (s *Service) failed(d *Destination, err error, notSent bool, del *Delivery, env Env) {
	now := env.Now.UnixNano()
	d.InFlight = false
	d.LastError = clipTo(err.Error(), 200)
	if notSent {
		// Our side could not call (queue full, low cycles): retry later, counting nothing
		// against the destination.
		d.NextAttempt = now + int64(s.events.RetryBase)
		return
	}
	d.FailedCalls++
	d.Failures++
	d.Attempts++
	d.NextAttempt = now + int64(s.events.backoff(d.Failures))
	if d.Attempts < s.maxAttempts(d) {
		return
	}
	d.Attempts = 0
	if del == nil {
		// A timed-out call: dead-letter the batch it would carry now.
		retry, err := s.form(d, env)
		if err != nil {
			return
		}
		del = &retry
	}
	events, replay := del.Events, del.replay
	reason := errfmt.Int(s.maxAttempts(d)) + " failed calls; last: " + d.LastError
	for _, e := range events {
		if replay {
			s.led.st.Delete(destKey(pfxReplay, d.ID, be8(e.Seq)))
			d.Queued -= min(d.Queued, 1)
		}
		s.led.deadLetter(d, e, reason, now, s.events.MaxDeadLetters)
	}
	if !replay {
		d.Cursor = max(d.Cursor, del.last)
	}
}

// NextDeliveryAt is when a destination next has a batch due (ok false: none has work; in
// flight calls report back themselves). Below the cycles reserve it is a minute away.
func (s *Service) NextDeliveryAt(env Env) (time.Time, bool) {
	ds, err := s.led.destinations()
	if err != nil {
		return time.Time{}, false
	}
	next, found := int64(math.MaxInt64), false
	for i := range ds {
		d := &ds[i]
		switch {
		case d.InFlight:
			next, found = min(next, d.flightSince+int64(s.events.CallTimeout)), true
		case s.hasWork(d):
			next, found = min(next, max(d.NextAttempt, env.Now.UnixNano())), true
		}
	}
	if !found {
		return time.Time{}, false
	}
	if env.CyclesBalance < s.limits.CyclesReserve {
		next = max(next, env.Now.Add(time.Minute).UnixNano())
	}
	return time.Unix(0, next), true
}

// ReleaseDeliveries forgets every call in flight: after an upgrade their answers can no
// longer arrive, so their batches are sent again (at least once).
func (s *Service) ReleaseDeliveries() error {
	ds, err := s.led.destinations()
	if err != nil {
		return err
	}
	for i := range ds {
		if ds[i].InFlight {
			ds[i].InFlight = false
			s.led.saveDestination(&ds[i])
		}
	}
	return nil
}

// EventStats are the log's and the deliveries' counters, for stats.
type EventStats struct {
	Entries, FirstSeq, LastSeq, Bytes, Pruned uint64
	ByKind                                    map[string]uint64 // entries ever appended, per kind name
	Destinations                              int
	Calls, FailedCalls, Delivered             uint64
	DeadLettered, DeadLetters, Replayed       uint64
	Dropped, Cycles, MaxCallCycles            uint64
	Retention                                 int
}

// EventStats returns the counters of the log and of the deliveries.
func (s *Service) EventStats() EventStats {
	g := s.led.logState()
	st := EventStats{Entries: g.m.count, FirstSeq: g.m.first, LastSeq: g.m.last, Bytes: g.m.bytes,
		Pruned: g.m.pruned, ByKind: map[string]uint64{}, Calls: g.m.calls, FailedCalls: g.m.failedCalls,
		Delivered: g.m.delivered, DeadLettered: g.m.deadLettered, Replayed: g.m.replayed, Dropped: g.m.dropped,
		Cycles: g.m.cycles, MaxCallCycles: g.m.maxCallCycles, Retention: s.events.LogRetention}
	for k := KindCreated; k <= maxKind; k++ {
		st.ByKind[k.String()] = g.m.byKind[k]
	}
	if ds, err := s.led.destinations(); err == nil {
		st.Destinations = len(ds)
		for _, d := range ds {
			st.DeadLetters += d.DeadLetters
		}
	}
	return st
}

// KindNames lists the event kind names in kind order (for a stable stats encoding).
func KindNames() []string {
	out := make([]string, 0, maxKind)
	for k := KindCreated; k <= maxKind; k++ {
		out = append(out, k.String())
	}
	return out
}

// ParseKinds and ParseStatuses convert filter names.
func ParseKinds(names []string) ([]EventKind, error) { return parseEach(names, ParseEventKind) }

// ParseStatuses converts status names.
func ParseStatuses(names []string) ([]Status, error) { return parseEach(names, ParseStatus) }

// orDefault sets *v to def when it is the zero value (the field was not configured).
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
