package candid_test

import (
	"testing"

	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
)

// benchOrder is a typical record: nested records, a variant, opts, principals, blobs.
func benchOrder() (oursOrder, theirsOrder) {
	c := compatCases()[0]
	return c.ours[0].(oursOrder), c.theirs[0].(theirsOrder)
}

// BenchmarkCodec compares this package with agent-go's on the same record; msg-B is the
// message size (identical for both).
func BenchmarkCodec(b *testing.B) {
	ours, theirs := benchOrder()
	msg, err := candid.Marshal(ours)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := candid.Marshal(ours); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(msg)), "msg-B")
	})
	b.Run("Unmarshal", func(b *testing.B) {
		for b.Loop() {
			var o oursOrder
			if err := candid.Unmarshal(msg, &o); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(msg)), "msg-B")
	})
	b.Run("AgentMarshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := agent.Marshal([]any{theirs}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(msg)), "msg-B")
	})
	b.Run("AgentUnmarshal", func(b *testing.B) {
		for b.Loop() {
			var o theirsOrder
			if err := agent.Unmarshal(msg, []any{&o}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(msg)), "msg-B")
	})
}
