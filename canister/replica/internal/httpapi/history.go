package httpapi

import (
	"sync"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Request statuses of the state tree (/request_status/<id>/status).
const (
	statusProcessing = "processing"
	statusReplied    = "replied"
	statusRejected   = "rejected"
)

// Record is an executed call as the ingress history keeps it: enough to answer a resubmission
// and read_state's request_status. A durable Backend saves it with the state the call
// produced (see Backend.Call) and gives it back with Server.Restore after a restart.
type Record struct {
	RequestID         RequestID
	Sender            []byte
	EffectiveCanister []byte
	Expiry            time.Time // the call's ingress_expiry
	Until             time.Time // the status is kept until then (Server.RetainUntil)
	Result            Result
}

// RecordOf is the record of message m executed with result res at time finished, kept until
// until.
func RecordOf(m Message, res Result, until time.Time) Record {
	return Record{RequestID: m.RequestID, Sender: m.Sender.Raw, EffectiveCanister: m.EffectiveCanister.Raw,
		Expiry: expiryTime(m.IngressExpiry), Until: until, Result: res}
}

func expiryTime(ns uint64) time.Time { return time.Unix(0, int64(min(ns, 1<<63-1))) }

// ingress is one update call known to the replica.
type ingress struct {
	sender   []byte
	ecid     []byte
	expiry   time.Time
	done     chan struct{} // closed when the outcome is set
	finished bool          // guarded by history.mu; set together with closing done
	until    time.Time     // guarded by history.mu: kept until then once finished

	// Set before done is closed, read only after.
	result   Result
	refusal  *protocol.Reject // refused before execution: no request status exists
	internal error            // the backend failed
}

// history is the ingress history: the request statuses the replica certifies. Entries are
// kept until their retention (Server.RetainUntil) has passed, which is what stops a signed
// call from being replayed while it could still be accepted.
type history struct {
	mu        sync.Mutex
	entries   map[RequestID]*ingress
	lastSweep time.Time
	retain    func(expiry, finished time.Time) time.Time
}

func newHistory(retain func(expiry, finished time.Time) time.Time) *history {
	return &history{entries: make(map[RequestID]*ingress), retain: retain}
}

// admit registers a call. It returns the existing entry and false when the request id is
// already known (a resubmission), else the new entry and true: the caller must then run it
// and call finish.
func (h *history) admit(id RequestID, e *ingress, now time.Time) (*ingress, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.lastSweep) > time.Minute {
		h.sweepLocked(now)
	}
	if old, ok := h.entries[id]; ok {
		return old, false
	}
	e.done = make(chan struct{})
	h.entries[id] = e
	return e, true
}

// finish records the outcome of a call at time now. A refused call and a call the backend
// failed to execute or save are forgotten, as if never submitted.
func (h *history) finish(id RequestID, e *ingress, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.refusal != nil || e.internal != nil {
		delete(h.entries, id)
	}
	e.finished = true
	e.until = h.retain(e.expiry, now)
	close(e.done)
}

// restore adds calls finished before a restart.
func (h *history) restore(records []Record, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range records {
		if now.After(r.Until) {
			continue
		}
		if _, ok := h.entries[r.RequestID]; ok {
			continue
		}
		e := &ingress{sender: r.Sender, ecid: r.EffectiveCanister, expiry: r.Expiry, done: make(chan struct{}),
			finished: true, until: r.Until, result: r.Result}
		close(e.done)
		h.entries[r.RequestID] = e
	}
}

// statusOf returns the entry of a request id and whether its outcome is known.
func (h *history) statusOf(id RequestID) (e *ingress, finished, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok = h.entries[id]
	if !ok {
		return nil, false, false
	}
	return e, e.finished, true
}

func (h *history) sweepLocked(now time.Time) {
	h.lastSweep = now
	for id, e := range h.entries {
		if e.finished && now.After(e.until) {
			delete(h.entries, id)
		}
	}
}
