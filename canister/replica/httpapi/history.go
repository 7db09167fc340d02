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

// ingress is one update call known to the replica.
type ingress struct {
	sender   []byte
	ecid     []byte
	expiry   time.Time
	done     chan struct{} // closed when the outcome is set
	finished bool          // guarded by history.mu; set together with closing done

	// Set before done is closed, read only after.
	result   Result
	refusal  *protocol.Reject // refused before execution: no request status exists
	internal error            // the backend failed
}

// history is the ingress history: the request statuses the replica certifies. Entries are
// kept until their ingress expiry plus a grace period has passed, which is what stops a
// signed call from being replayed while it could still be accepted.
type history struct {
	mu        sync.Mutex
	entries   map[RequestID]*ingress
	lastSweep time.Time
	keep      time.Duration // how long past its expiry an entry stays
}

func newHistory(keep time.Duration) *history {
	return &history{entries: make(map[RequestID]*ingress), keep: keep}
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

// finish records the outcome of a call. A refused call is forgotten, as if never submitted.
func (h *history) finish(id RequestID, e *ingress) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.refusal != nil || e.internal != nil {
		delete(h.entries, id)
	}
	e.finished = true
	close(e.done)
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
		if e.finished && now.Sub(e.expiry) > h.keep {
			delete(h.entries, id)
		}
	}
}
