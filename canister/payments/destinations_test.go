package payments

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

const (
	canA = "2ibo7-dia" // test destinations (textual principal shapes)
	canB = "rrkah-fqaaa-aaaaa-aaaaq-cai"
	canC = "ryjl3-tyaaa-aaaaa-aaaba-cai"
)

var controller = Caller{Principal: "2vxsx-fae-not", IsController: true}

// subscriber is a fake destination canister: it answers each call with err() and, when it
// replies, keeps the events it had not seen (deduplicating by sequence number, as a real
// subscriber must).
type subscriber struct {
	err      func() error
	seen     map[uint64]bool
	got      []LogEntry // in delivery order, without duplicates
	calls    int
	dups     int
	maxBatch int
}

func newSubscriber() *subscriber { return &subscriber{seen: map[uint64]bool{}} }

func (s *subscriber) handle(events []LogEntry) error {
	s.calls++
	s.maxBatch = max(s.maxBatch, len(events))
	if s.err != nil {
		if err := s.err(); err != nil {
			return err
		}
	}
	for _, e := range events {
		if s.seen[e.Seq] {
			s.dups++
			continue
		}
		s.seen[e.Seq] = true
		s.got = append(s.got, e)
	}
	return nil
}

// net delivers the Service's batches to subscribers by canister id, the way the canister's
// wiring does: every due batch is called, each answer reported, then the destination's next
// batch taken at once.
type fakeNet struct {
	t    *testing.T
	s    *Service
	subs map[string]*subscriber
}

func (n *fakeNet) call(d Delivery, at time.Duration) {
	n.t.Helper()
	for {
		sub := n.subs[d.Canister]
		var err error
		if sub == nil {
			err = errors.New("destination invalid: no such canister")
		} else {
			err = sub.handle(d.Events)
		}
		if err := n.s.DeliveryDone(d, DeliveryResult{Err: err, Cycles: 1000}, env(at)); err != nil {
			n.t.Fatal(err)
		}
		next, ok, err := n.s.NextDelivery(d.Destination, env(at))
		if err != nil {
			n.t.Fatal(err)
		}
		if !ok {
			return
		}
		d = next
	}
}

// pump runs everything due at time at.
func (n *fakeNet) pump(at time.Duration) {
	n.t.Helper()
	ds, err := n.s.DueDeliveries(env(at))
	if err != nil {
		n.t.Fatal(err)
	}
	for _, d := range ds {
		n.call(d, at)
	}
}

// run pumps at every time NextDeliveryAt names until nothing is due before end.
func (n *fakeNet) run(from, end time.Duration) time.Duration {
	n.t.Helper()
	at := from
	for i := 0; ; i++ {
		n.pump(at)
		next, ok := n.s.NextDeliveryAt(env(at))
		if !ok || next.Sub(t0) > end {
			return at
		}
		if i > 100_000 {
			n.t.Fatal("deliveries do not settle")
		}
		at = max(next.Sub(t0), at)
	}
}

func addDest(t *testing.T, s *Service, spec DestinationSpec) Destination {
	t.Helper()
	d, err := s.AddDestination(controller, spec, env(0))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dest(t *testing.T, s *Service, id uint16) Destination {
	t.Helper()
	d, ok, err := s.led.destination(id)
	if err != nil || !ok {
		t.Fatalf("destination %d: %v %v", id, ok, err)
	}
	return d
}

func seqsOf(es []LogEntry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func upTo(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// TestDeliveryIsolation: three destinations, one healthy, one stopped for a while, one
// deleted. The healthy one gets every event once and in order at once; the stopped one gets
// them all in order once it is back, without any dead letter; the deleted one ends with
// dead letters and never delays the others.
func TestDeliveryIsolation(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	healthy, stopped := newSubscriber(), newSubscriber()
	down := true
	stopped.err = func() error {
		if down {
			return errors.New("canister is stopped")
		}
		return nil
	}
	n := &fakeNet{t: t, s: s, subs: map[string]*subscriber{canA: healthy, canB: stopped}}
	addDest(t, s, DestinationSpec{Canister: canA})
	ds := addDest(t, s, DestinationSpec{Canister: canB})
	dd := addDest(t, s, DestinationSpec{Canister: canC, MaxAttempts: 3})
	for i := range 120 {
		put(t, s, fmt.Sprintf("cs_test_%04d", i), StatusCompleted, 0)
	}
	n.pump(0)
	if !slices.Equal(seqsOf(healthy.got), upTo(120)) || healthy.calls != 3 || healthy.maxBatch != 50 {
		t.Fatalf("healthy: %d events in %d calls (batches up to %d)", len(healthy.got), healthy.calls, healthy.maxBatch)
	}
	// Two minutes of a stopped destination: retried with backoff 1, 2, 4, ... s.
	n.run(0, 2*time.Minute)
	if len(stopped.got) != 0 || stopped.calls != 7 { // t = 0, 1, 3, 7, 15, 31, 63 s (then 127 s)
		t.Fatalf("stopped destination called %d times in 2 minutes", stopped.calls)
	}
	if d := dest(t, s, ds.ID); d.Failures != 7 || d.DeadLetters != 0 || d.LastError != "canister is stopped" {
		t.Fatalf("stopped destination state %+v", d)
	}
	down = false
	for i := range 30 {
		put(t, s, fmt.Sprintf("cs_test_late%04d", i), StatusCompleted, 3*time.Minute)
	}
	end := n.run(3*time.Minute, time.Hour)
	if !slices.Equal(seqsOf(stopped.got), upTo(150)) || !slices.Equal(seqsOf(healthy.got), upTo(150)) {
		t.Fatalf("after the restart: stopped got %d, healthy %d", len(stopped.got), len(healthy.got))
	}
	if healthy.dups != 0 || stopped.dups != 0 {
		t.Fatalf("duplicates: %d, %d", healthy.dups, stopped.dups)
	}
	d := dest(t, s, dd.ID)
	if d.DeadLetters != 150 || d.Cursor != 150 || d.Delivered != 0 {
		t.Fatalf("deleted destination: %+v (until %s)", d, end)
	}
	st := s.EventStats()
	if st.Delivered != 300 || st.DeadLettered != 150 || st.Cycles != 1000*st.Calls || st.MaxCallCycles != 1000 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBackoff(t *testing.T) {
	c := DefaultEventConfig()
	var got []time.Duration
	for n := uint32(1); n <= 12; n++ {
		got = append(got, c.backoff(n))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("backoff after %d failures = %s, want %ds (all: %v)", i+1, got[i], want[i], got)
		}
	}
	if c.backoff(1<<31) != c.RetryMax {
		t.Fatal("backoff does not saturate")
	}
}

// TestDeadLettersKeepOrderAndReplay: a payment whose completion became a dead letter has
// its refund parked behind it; after a replay the destination gets both, in order, before
// the live stream goes on.
func TestDeadLettersKeepOrderAndReplay(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	sub := newSubscriber()
	failing := true
	sub.err = func() error {
		if failing {
			return errors.New("trapped")
		}
		return nil
	}
	n := &fakeNet{t: t, s: s, subs: map[string]*subscriber{canA: sub}}
	d := addDest(t, s, DestinationSpec{Canister: canA, MaxAttempts: 2})
	put(t, s, "cs_test_A", StatusCompleted, 0) // 1
	put(t, s, "cs_test_B", StatusCompleted, 0) // 2
	n.run(0, time.Minute)
	if got := dest(t, s, d.ID); got.DeadLetters != 2 || got.Cursor != 2 || sub.calls != 2 {
		t.Fatalf("after two failures: %+v, %d calls", got, sub.calls)
	}
	failing = false
	put(t, s, "cs_test_C", StatusCompleted, time.Minute) // 3: delivered
	put(t, s, "cs_test_A", StatusRefunded, time.Minute)  // 4: parked behind 1
	n.run(time.Minute, time.Hour)
	if !slices.Equal(seqsOf(sub.got), []uint64{3}) {
		t.Fatalf("live stream delivered %v, want [3]", seqsOf(sub.got))
	}
	page, err := s.DeadLetters(controller, d.ID, 0, 0)
	if err != nil || !slices.Equal(seqsOf(lettersOf(page)), []uint64{1, 2, 4}) {
		t.Fatalf("dead letters %v, %v", seqsOf(lettersOf(page)), err)
	}
	if page.Letters[0].Reason != "2 failed calls; last: trapped" || page.Letters[2].Reason != "an earlier event of this payment is a dead letter" {
		t.Fatalf("reasons %q, %q", page.Letters[0].Reason, page.Letters[2].Reason)
	}
	if _, err := s.RetryDeadLetters(Caller{Principal: "2ibo7-dia"}, 0, env(0)); !errors.Is(err, ErrControllersOnly) {
		t.Fatalf("a non-controller replayed: %v", err)
	}
	if _, err := s.RetryDeadLetters(controller, 9, env(0)); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("replay of an unknown destination: %v", err)
	}
	put(t, s, "cs_test_D", StatusCompleted, 2*time.Hour) // 5: waits behind the replay
	if k, err := s.RetryDeadLetters(controller, 0, env(2*time.Hour)); err != nil || k != 3 {
		t.Fatalf("replay queued %d, %v", k, err)
	}
	n.run(2*time.Hour, 3*time.Hour)
	if !slices.Equal(seqsOf(sub.got), []uint64{3, 1, 2, 4, 5}) {
		t.Fatalf("delivered %v, want [3 1 2 4 5]", seqsOf(sub.got))
	}
	got := dest(t, s, d.ID)
	if got.DeadLetters != 0 || got.Queued != 0 || got.Replayed != 3 || got.Delivered != 5 || s.led.parked(d.ID, "cs_test_A") {
		t.Fatalf("after the replay: %+v", got)
	}
}

func lettersOf(p DeadLetterPage) []LogEntry {
	out := make([]LogEntry, len(p.Letters))
	for i, x := range p.Letters {
		out[i] = x.Entry
	}
	return out
}

func TestDestinationFilters(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	all, completed, refunds := newSubscriber(), newSubscriber(), newSubscriber()
	n := &fakeNet{t: t, s: s, subs: map[string]*subscriber{canA: all, canB: completed, canC: refunds}}
	addDest(t, s, DestinationSpec{Canister: canA})
	addDest(t, s, DestinationSpec{Canister: canB, Kinds: []EventKind{KindCompleted}})
	addDest(t, s, DestinationSpec{Canister: canC, Statuses: []Status{StatusRefunded}, Kinds: []EventKind{KindRefunded, KindDisputed}})
	for i := range 300 { // mostly noise: unresolved sessions
		id := fmt.Sprintf("cs_test_%04d", i)
		put(t, s, id, StatusChecking, 0)
		if i%10 == 0 {
			put(t, s, id, StatusCompleted, 0)
		}
		if i%30 == 0 {
			put(t, s, id, StatusRefunded, 0)
		}
	}
	n.run(0, time.Hour)
	count := func(sub *subscriber, k EventKind) int {
		c := 0
		for _, e := range sub.got {
			if e.Kind == k {
				c++
			}
		}
		return c
	}
	if len(all.got) != 300+30+10 || len(completed.got) != 30 || count(completed, KindCompleted) != 30 ||
		len(refunds.got) != 10 || count(refunds, KindRefunded) != 10 {
		t.Fatalf("all %d, completed %d, refunds %d", len(all.got), len(completed.got), len(refunds.got))
	}
	for _, sub := range []*subscriber{all, completed, refunds} {
		if !slices.IsSorted(seqsOf(sub.got)) {
			t.Fatal("out of order")
		}
	}
	// The filtered destinations passed over everything else: nothing left behind.
	ds, _ := s.Destinations()
	for _, d := range ds {
		if s.Behind(d) != 0 {
			t.Fatalf("destination %d is %d behind", d.ID, s.Behind(d))
		}
	}
}

func TestBatchBounds(t *testing.T) {
	s := newTestService(t, Config{Events: EventConfig{MaxBatch: 7, MaxBatchBytes: 300}}, nil)
	sub := newSubscriber()
	n := &fakeNet{t: t, s: s, subs: map[string]*subscriber{canA: sub}}
	addDest(t, s, DestinationSpec{Canister: canA})
	for i := range 40 {
		put(t, s, fmt.Sprintf("cs_test_%04d", i), StatusCompleted, 0) // 47 bytes each by entrySize: 6 fit in 300
	}
	n.run(0, time.Hour)
	if len(sub.got) != 40 || sub.maxBatch != 6 || sub.calls != 7 {
		t.Fatalf("%d events in %d calls, batches up to %d", len(sub.got), sub.calls, sub.maxBatch)
	}
}

// TestInFlightAnswers: answers that no longer match the destination's call in flight are
// ignored (removed destination, id reused, timed out), and an upgrade sends the batch in
// flight again.
func TestInFlightAnswers(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	d := addDest(t, s, DestinationSpec{Canister: canA})
	put(t, s, "cs_test_1", StatusCompleted, 0)
	first, _ := s.DueDeliveries(env(0))
	if len(first) != 1 || len(first[0].Events) != 1 {
		t.Fatalf("due %+v", first)
	}
	if again, _ := s.DueDeliveries(env(0)); len(again) != 0 {
		t.Fatal("a second batch while one is in flight")
	}
	// Upgrade: the call's answer can no longer arrive; the batch goes again.
	if err := s.ReleaseDeliveries(); err != nil {
		t.Fatal(err)
	}
	second, _ := s.DueDeliveries(env(time.Second))
	if len(second) != 1 || second[0].Events[0].Seq != 1 {
		t.Fatalf("after the release: %+v", second)
	}
	// Timeout: ten minutes without an answer count as a failure, retried after backoff.
	if at, ok := s.NextDeliveryAt(env(time.Second)); !ok || at != t0.Add(time.Second+10*time.Minute) {
		t.Fatalf("next %v %v", at, ok)
	}
	third, _ := s.DueDeliveries(env(11 * time.Minute))
	if len(third) != 0 {
		t.Fatal("retried without backoff")
	}
	if got := dest(t, s, d.ID); got.InFlight || got.Failures != 1 || got.LastError != errDeliveryTimedOut.Error() {
		t.Fatalf("after the timeout %+v", got)
	}
	third, _ = s.DueDeliveries(env(12 * time.Minute))
	// The late answer of the timed-out call is ignored; the current one counts.
	if err := s.DeliveryDone(second[0], DeliveryResult{}, env(12*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := dest(t, s, d.ID); !got.InFlight || got.Delivered != 0 {
		t.Fatalf("a stale answer counted: %+v", got)
	}
	// Removed while in flight, and the id reused: the answer does not touch the new one.
	if err := s.RemoveDestination(controller, d.ID); err != nil {
		t.Fatal(err)
	}
	d2 := addDest(t, s, DestinationSpec{Canister: canB})
	if d2.ID != d.ID || d2.Serial == d.Serial {
		t.Fatalf("ids %d/%d serials %d/%d", d.ID, d2.ID, d.Serial, d2.Serial)
	}
	if err := s.DeliveryDone(third[0], DeliveryResult{}, env(12*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := dest(t, s, d2.ID); got.Delivered != 0 || got.Cursor != 1 || got.Canister != canB {
		t.Fatalf("new destination touched: %+v", got)
	}
	if err := s.RemoveDestination(controller, 9); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("remove unknown: %v", err)
	}
}

func TestDeliveryNotSentAndLowCycles(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	d := addDest(t, s, DestinationSpec{Canister: canA, MaxAttempts: 1})
	put(t, s, "cs_test_1", StatusCompleted, 0)
	ds, _ := s.DueDeliveries(env(0))
	// call_perform refused: no attempt counted, retried after RetryBase.
	if err := s.DeliveryDone(ds[0], DeliveryResult{Err: errors.New("queue full"), NotSent: true}, env(0)); err != nil {
		t.Fatal(err)
	}
	if got := dest(t, s, d.ID); got.Failures != 0 || got.DeadLetters != 0 || got.NextAttempt != t0.Add(time.Second).UnixNano() || got.Calls != 0 {
		t.Fatalf("after a refused call: %+v", got)
	}
	poor := env(time.Hour)
	poor.CyclesBalance = 1
	if ds, _ := s.DueDeliveries(poor); len(ds) != 0 {
		t.Fatal("deliveries below the cycles reserve")
	}
	if at, ok := s.NextDeliveryAt(poor); !ok || at.Before(poor.Now.Add(time.Minute)) {
		t.Fatalf("next delivery below the reserve at %v", at)
	}
}

func TestDestinationAPI(t *testing.T) {
	s := newTestService(t, Config{}, nil)
	nobody := Caller{Principal: canA}
	if _, err := s.AddDestination(nobody, DestinationSpec{Canister: canA}, env(0)); !errors.Is(err, ErrControllersOnly) {
		t.Fatalf("non-controller added: %v", err)
	}
	if err := s.RemoveDestination(nobody, 1); !errors.Is(err, ErrControllersOnly) {
		t.Fatalf("non-controller removed: %v", err)
	}
	if _, err := s.DeadLetters(nobody, 1, 0, 0); !errors.Is(err, ErrControllersOnly) {
		t.Fatalf("non-controller read dead letters: %v", err)
	}
	for name, spec := range map[string]DestinationSpec{
		"no canister":   {},
		"bad canister":  {Canister: "Not A Principal"},
		"bad method":    {Canister: canA, Method: "has space"},
		"long method":   {Canister: canA, Method: string(make([]byte, 65))},
		"kind":          {Canister: canA, Kinds: []EventKind{9}},
		"status":        {Canister: canA, Statuses: []Status{0}},
		"max attempts":  {Canister: canA, MaxAttempts: -1},
		"many attempts": {Canister: canA, MaxAttempts: 1001},
	} {
		if _, err := s.AddDestination(controller, spec, env(0)); !errors.Is(err, ErrBadDestination) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for i := range MaxDestinations {
		d := addDest(t, s, DestinationSpec{Canister: canA, Kinds: []EventKind{KindRefunded, KindCompleted}})
		if d.ID != uint16(i+1) || d.Method != DefaultEventMethod || !slices.Equal(d.Kinds, []EventKind{KindCompleted, KindRefunded}) {
			t.Fatalf("destination %+v", d)
		}
	}
	if _, err := s.AddDestination(controller, DestinationSpec{Canister: canA}, env(0)); !errors.Is(err, ErrTooManyDest) {
		t.Fatalf("17th destination: %v", err)
	}
	if err := s.RemoveDestination(controller, 5); err != nil {
		t.Fatal(err)
	}
	if d := addDest(t, s, DestinationSpec{Canister: canB, Method: "icrc72_handle_notification"}); d.ID != 5 {
		t.Fatalf("gap not reused: %d", d.ID)
	}
	// Backfill: StartAfter delivers the retained log from there.
	s2 := newTestService(t, Config{}, nil)
	for i := range 5 {
		put(t, s2, fmt.Sprintf("cs_test_%d", i), StatusCompleted, 0)
	}
	from := uint64(2)
	sub := newSubscriber()
	addDest(t, s2, DestinationSpec{Canister: canA, StartAfter: &from})
	(&fakeNet{t: t, s: s2, subs: map[string]*subscriber{canA: sub}}).run(0, time.Hour)
	if !slices.Equal(seqsOf(sub.got), []uint64{3, 4, 5}) {
		t.Fatalf("backfill got %v", seqsOf(sub.got))
	}
}

// TestDeliveryStateSurvivesReopen: the cursor, dead letters and counters live in the store.
func TestDeliveryStateSurvivesReopen(t *testing.T) {
	st := NewMemStore()
	open := func() *Service {
		s, err := New(Config{APIHost: "api.stripe.com"}, Deps{Store: st, CanisterID: testCanister})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	d := addDest(t, s, DestinationSpec{Canister: canA, MaxAttempts: 1})
	put(t, s, "cs_test_1", StatusCompleted, 0)
	put(t, s, "cs_test_2", StatusCompleted, 0)
	sub := newSubscriber()
	sub.err = func() error { return errors.New("no") }
	(&fakeNet{t: t, s: s, subs: map[string]*subscriber{canA: sub}}).run(0, time.Minute)
	put(t, s, "cs_test_3", StatusCompleted, time.Hour)
	ds, _ := s.DueDeliveries(env(time.Hour)) // in flight when the canister is upgraded
	if len(ds) != 1 {
		t.Fatal("nothing due")
	}
	before := dest(t, s, d.ID)

	s = open()
	if err := s.ReleaseDeliveries(); err != nil {
		t.Fatal(err)
	}
	after := dest(t, s, d.ID)
	before.InFlight = false
	if fmt.Sprint(before) != fmt.Sprint(after) || after.DeadLetters != 2 || after.Cursor != 2 {
		t.Fatalf("destination changed across the reopen:\n%+v\n%+v", before, after)
	}
	sub.err = nil
	(&fakeNet{t: t, s: s, subs: map[string]*subscriber{canA: sub}}).run(time.Hour, 2*time.Hour)
	if !slices.Equal(seqsOf(sub.got), []uint64{3}) || s.EventStats().DeadLetters != 2 {
		t.Fatalf("after the reopen got %v", seqsOf(sub.got))
	}
}

func TestDeadLetterCap(t *testing.T) {
	s := newTestService(t, Config{Events: EventConfig{MaxDeadLetters: 5}}, nil)
	d := addDest(t, s, DestinationSpec{Canister: canC, MaxAttempts: 1})
	for i := range 12 {
		put(t, s, fmt.Sprintf("cs_test_%04d", i), StatusCompleted, 0)
	}
	(&fakeNet{t: t, s: s, subs: map[string]*subscriber{}}).run(0, time.Hour)
	got := dest(t, s, d.ID)
	page, _ := s.DeadLetters(controller, d.ID, 0, 0)
	if got.DeadLetters != 5 || got.Dropped != 7 || !slices.Equal(seqsOf(lettersOf(page)), []uint64{8, 9, 10, 11, 12}) {
		t.Fatalf("%+v, letters %v", got, seqsOf(lettersOf(page)))
	}
}
