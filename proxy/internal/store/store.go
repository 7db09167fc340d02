package store

import (
	"context"
	"errors"
	"time"
)

// Errors of a Store.
var (
	// ErrMismatch: the key is held by a request with another fingerprint.
	ErrMismatch = errors.New("idempotency key reused with a different request")
	// ErrLockLost: the claim expired or was taken over before Complete; the answer is not stored.
	ErrLockLost = errors.New("idempotency claim lost before the answer was stored")
	// ErrStateLost: the claim being waited on vanished before it could have expired (the
	// store lost its data); executing now could duplicate a call still in flight.
	ErrStateLost = errors.New("idempotency claim lost by the store while its request may still run")
	// ErrFull: the memory store (or a Redis instance's journal) holds its maximum.
	ErrFull = errors.New("store is full")
)

// Claim is the outcome of Begin: either the caller owns the key and must execute the request,
// or a stored answer is to be replayed.
type Claim struct {
	// Record is the stored answer to replay; nil when the caller owns the key.
	Record  *Record
	key     string
	fp      Fingerprint
	token   string
	lockTTL time.Duration
	until   time.Time
}

// Owner reports whether the caller must execute the request and then Complete or Abandon.
func (c Claim) Owner() bool { return c.Record == nil }

// Deadline is when an owner's claim expires at the earliest (by this process's clock): until
// then no other request may execute the key, so until then the owner may still store its
// answer.
func (c Claim) Deadline() time.Time { return c.until }

// Store is the shared idempotency state.
type Store interface {
	// Begin claims key for a request with fingerprint fp. A free key is claimed for lockTTL
	// (the caller becomes Owner). A stored answer with the same fingerprint is returned for
	// replay. While another owner executes, Begin waits until its answer is stored, its claim
	// goes away (then Begin tries to claim again), or ctx ends. A key held with another
	// fingerprint yields ErrMismatch.
	Begin(ctx context.Context, key string, fp Fingerprint, lockTTL time.Duration) (Claim, error)
	// Complete stores the owner's answer under the key for ttl and wakes the waiters. A store
	// that cannot reach its backend keeps trying until ctx ends.
	Complete(ctx context.Context, c Claim, rec Record, ttl time.Duration) error
	// Abandon releases an owner's claim without an answer, so a later request may execute.
	Abandon(ctx context.Context, c Claim) error
	// Ping reports whether the store is usable.
	Ping(ctx context.Context) error
	// Close releases resources.
	Close() error
}
