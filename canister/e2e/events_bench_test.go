package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// benchEvents is the number of payments the event figures are measured with.
const benchEvents = 100

// realisticSession is a session id of Stripe's length (66 bytes), so the log entry size is
// the one real payments produce.
func realisticSession(i int) string {
	id := fmt.Sprintf("cs_test_a1%06d", i)
	return id + strings.Repeat("x", 66-len(id))
}

// BenchmarkEventDelivery prints the figures issue "event destinations" asks for, measured in
// the replica with the payments canister and the example subscriber (examples/invoices):
//
//   - cycles per delivered event: the payments canister's balance before and after, live
//     (payments arriving one by one, each delivered within a tick or two: small batches) and
//     as a backfill (a destination added later with start_after = 0: full batches); the
//     balance covers the calls, the timer's self-call and the responses, and the stats'
//     ic0.cost_call sum the calls alone;
//   - delivery latency after the payment's update: the subscriber's receive time minus the
//     log entry's time (the webhook's update), per invoice;
//   - log entry size: stored bytes per entry with Stripe-length ids.
//
// Run with -benchtime 1x (make bench).
func BenchmarkEventDelivery(b *testing.B) {
	for range b.N {
		pub := deployPublisher(b)
		live := deploySubscriber(b, pub.id)
		pub.addDestination(b, destinationArgsView{Canister: live.id})
		before := pub.stats(b).Cycles
		for i := range benchEvents {
			pub.pay(b, realisticSession(i), 2500)
		}
		settle(b, pub, live, benchEvents)
		st := pub.stats(b)
		liveCycles := before - st.Cycles
		liveCalls, liveCost := st.Events.Calls, st.Events.Cycles

		var lat []time.Duration
		for _, x := range live.invoices(b) {
			lat = append(lat, time.Duration(x.ReceivedAt-x.PaidAt))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })

		// Backfill: a second subscriber gets the same 100 events in full batches.
		backfill := deploySubscriber(b, pub.id)
		from := uint64(0)
		before = pub.stats(b).Cycles
		pub.addDestination(b, destinationArgsView{Canister: backfill.id, StartAfter: &from})
		settle(b, pub, backfill, benchEvents)
		st = pub.stats(b)
		backCycles := before - st.Cycles
		backCalls, backCost := st.Events.Calls-liveCalls, st.Events.Cycles-liveCost

		entry := float64(st.Events.Bytes) / float64(st.Events.Entries)
		b.ReportMetric(float64(liveCycles)/benchEvents, "cycles/event-live")
		b.ReportMetric(float64(backCycles)/benchEvents, "cycles/event-batched")
		b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "latency-median-ms")
		b.ReportMetric(float64(lat[len(lat)*95/100].Milliseconds()), "latency-p95-ms")
		b.ReportMetric(entry, "entry-bytes")
		b.Logf("cycles per delivered event: live %.0f (%d events in %d calls; cost_call alone %.0f), batched %.0f (%d calls; cost_call alone %.0f); largest call %d cycles",
			float64(liveCycles)/benchEvents, benchEvents, liveCalls, float64(liveCost)/benchEvents,
			float64(backCycles)/benchEvents, backCalls, float64(backCost)/benchEvents, st.Events.MaxCallCycles)
		b.Logf("delivery latency after the payment's update: median %s, p95 %s, max %s (replica ticks every 500 ms)",
			lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*95/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
		b.Logf("log entry size: %.0f bytes stored per entry + a 10-byte key (66-byte session id, %d entries, %d bytes)",
			entry, st.Events.Entries, st.Events.Bytes)
	}
}

// settle waits until sub has n invoices and the payments canister has no call in flight
// (so the balance includes every refund).
func settle(b *testing.B, pub *publisher, sub *subscriber, n uint64) {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := sub.stats(b).Invoices == n
		for _, d := range pub.destinations(b) {
			done = done && !d.InFlight && d.Behind == 0
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("deliveries did not settle: %d invoices, destinations %+v", sub.stats(b).Invoices, pub.destinations(b))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
