package payments

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Parked events. An event about a payment intent or an invoice (a refund, a dispute, a
// payment) may arrive before the canister can tell which session it belongs to: before the
// session's own event, or before Stripe confirmed the session's claim. Answering it 200 and
// dropping it would lose it (Stripe does not send it again), so it is kept as a fact under
// the object it names and applied when a session with that object becomes known (or
// confirmed, when webhooks need confirmation). Its event id is remembered as done only
// then; until then Stripe's retries only park the same fact again.

// factKind is what a parked event says.
type factKind byte

const (
	factPaid    factKind = 1 // payment_intent.succeeded, invoice.paid, invoice.payment_succeeded
	factRefund  factKind = 2 // charge.refunded: amount_refunded, refunded
	factDispute factKind = 3 // charge.dispute.*: the dispute's status
)

// factTTL is how long a parked event waits for its session: Stripe's own retry window.
// An event older than that about a session the canister never learned of is not about one
// of its payments.
const factTTL = 72 * time.Hour

// fact is one parked event.
type fact struct {
	EventID  string
	Kind     factKind
	Created  int64 // event.created, Unix seconds
	Amount   int64 // amount_refunded
	Full     bool  // the charge is fully refunded
	Dispute  string
	ParkedAt int64  // Unix nanoseconds
	Seq      uint64 // position in the F/ order
}

// A fact is stored as version, kind, full flag, created, amount, parked-at and sequence (8
// bytes each, big-endian), then the dispute status and the event id, each after a length
// byte (both are at most 255 bytes).
const (
	factVersion   = 1
	factHeaderLen = 3 + 4*8
)

func (f *fact) marshal() []byte {
	b := make([]byte, 3, factHeaderLen+2+len(f.Dispute)+len(f.EventID))
	b[0], b[1] = factVersion, byte(f.Kind)
	if f.Full {
		b[2] = 1
	}
	for _, v := range [...]uint64{uint64(f.Created), uint64(f.Amount), uint64(f.ParkedAt), f.Seq} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	b = append(append(b, byte(len(f.Dispute))), f.Dispute...)
	return append(append(b, byte(len(f.EventID))), f.EventID...)
}

func (f *fact) unmarshal(b []byte) error {
	bad := len(b) < factHeaderLen+2 || b[0] != factVersion || b[1] < byte(factPaid) || b[1] > byte(factDispute) || b[2] > 1
	var dispute, event string
	if !bad {
		rest := b[factHeaderLen:]
		n := int(rest[0])
		bad = len(rest) < 2+n || len(rest) != 2+n+int(rest[1+n])
		if !bad {
			dispute, event = string(rest[1:1+n]), string(rest[2+n:])
		}
	}
	if bad {
		return errfmt.Wrap("", ErrCorruptStore, ": parked event")
	}
	be := binary.BigEndian
	*f = fact{EventID: event, Kind: factKind(b[1]), Full: b[2] == 1, Dispute: dispute,
		Created: int64(be.Uint64(b[3:])), Amount: int64(be.Uint64(b[11:])), ParkedAt: int64(be.Uint64(b[19:])), Seq: be.Uint64(b[27:])}
	return nil
}

// claim turns the fact back into what the event claimed.
func (f *fact) claim() claim {
	c := claim{created: f.Created, eventID: f.EventID, status: StatusChecking}
	switch f.Kind {
	case factPaid:
		c.status = StatusCompleted
	case factRefund:
		c.refund, c.refundFull, c.isRefund = f.Amount, f.Full, true
	case factDispute:
		c.dispute = f.Dispute
	}
	return c
}

// Object keys name what a fact waits for: 'i' and a payment intent id, or 'v' and an
// invoice id. Ids longer than maxFactObjectBytes (Stripe's are about 30 bytes) are hashed so
// a fact key stays within MaxKeyBytes.
const maxFactObjectBytes = 200

func objectKey(kind byte, id string) string {
	if id == "" {
		return ""
	}
	if len(id) > maxFactObjectBytes {
		sum := sha256.Sum256([]byte(id))
		id = "#" + errfmt.Hex(sum[:16])
	}
	return string(kind) + id + "/"
}

func intentKey(id string) string  { return objectKey('i', id) }
func invoiceKey(id string) string { return objectKey('v', id) }

// parkFact keeps f under the object key okey. It reports false when the event was already
// parked (a retried delivery: the same key, from a hash of the event id). Beyond
// DedupCapacity parked events (they come from signed webhooks only, like the remembered
// event ids) the oldest are dropped, and each write also drops up to ttlSweepPerWrite older
// than factTTL.
func (l *ledger) parkFact(okey string, f fact, nowNS int64) bool {
	sum := sha256.Sum256([]byte(f.EventID))
	loc := okey + string(sum[:8])
	if _, ok := l.getKey(pfxFact, loc); ok {
		return false
	}
	f.ParkedAt, f.Seq = nowNS, l.nextSeq()
	l.setKey(pfxFact, loc, f.marshal())
	l.setKey(pfxFactQ, be8(f.Seq), []byte(loc))
	l.m.facts++
	l.sweepFacts(nowNS)
	l.saveMeta(nowNS)
	return true
}

// sweepFacts drops the oldest facts beyond the bound and a few expired ones.
func (l *ledger) sweepFacts(nowNS int64) {
	over := int(l.m.facts) - l.limits.DedupCapacity
	var victims []string
	expired := 0
	l.st.Ascend([]byte(pfxFactQ), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte(pfxFactQ)) {
			return false
		}
		if len(victims) >= over {
			b, ok := l.getKey(pfxFact, string(v))
			var f fact
			if !ok || f.unmarshal(b) != nil || nowNS-f.ParkedAt <= int64(factTTL) || expired >= ttlSweepPerWrite {
				return false
			}
			expired++
		}
		victims = append(victims, string(v))
		return true
	})
	for _, loc := range victims {
		l.dropFact(loc)
	}
}

// parkedFact is a fact with its location (object key and sequence).
type parkedFact struct {
	loc string
	fact
}

// factsFor returns the facts waiting for the object key okey, oldest first.
func (l *ledger) factsFor(okey string) ([]parkedFact, error) {
	if okey == "" || l.m.facts == 0 {
		return nil, nil
	}
	prefix := l.k(pfxFact, okey)
	prefix = bytes.Clone(prefix)
	var out []parkedFact
	var err error
	l.st.Ascend(prefix, func(k, v []byte) bool {
		if !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+8 {
			return false
		}
		var f fact
		if err = f.unmarshal(v); err != nil {
			return false
		}
		out = append(out, parkedFact{string(k[len(pfxFact):]), f})
		return true
	})
	return out, err
}

// dropFact deletes the fact at loc and its order entry.
func (l *ledger) dropFact(loc string) {
	b, ok := l.getKey(pfxFact, loc)
	if !ok {
		return
	}
	var f fact
	if f.unmarshal(b) == nil {
		l.delKey(pfxFactQ, be8(f.Seq))
	}
	l.delKey(pfxFact, loc)
	l.m.facts--
}
