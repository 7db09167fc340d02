package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// Memory is an in-process Store. Duplicates wait on a channel, so they are woken the moment
// the answer is stored.
type Memory struct {
	mu       sync.Mutex
	entries  map[string]*memEntry
	max      int
	maxBytes int64
	bytes    int64 // content bytes of the stored answers
	now      func() time.Time
	stop     chan struct{}
	done     chan struct{}
}

type memEntry struct {
	fp      Fingerprint
	token   string
	rec     *Record       // nil while the owner executes
	settled chan struct{} // closed when completed or abandoned
	expires time.Time
}

// NewMemory returns a memory store holding at most maxKeys keys (0: unlimited) and sweeping
// expired ones every sweep interval. Use SetMaxBytes to bound the answers' size as well.
func NewMemory(maxKeys int, sweep time.Duration) *Memory {
	m := &Memory{
		entries: make(map[string]*memEntry),
		max:     maxKeys,
		now:     time.Now,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go m.sweeper(sweep)
	return m
}

// SetMaxBytes bounds the content bytes of stored answers (0: unlimited). When the budget is
// used up, new keys are refused (ErrFull) until answers expire; an answer whose upstream call
// already ran is always stored, so the budget can be exceeded by the requests in flight.
func (m *Memory) SetMaxBytes(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxBytes = n
}

func (m *Memory) full() bool {
	return (m.max > 0 && len(m.entries) >= m.max) || (m.maxBytes > 0 && m.bytes >= m.maxBytes)
}

func (m *Memory) sweeper(every time.Duration) {
	defer close(m.done)
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.mu.Lock()
			m.sweepLocked()
			m.mu.Unlock()
		}
	}
}

func (m *Memory) sweepLocked() {
	now := m.now()
	for k, e := range m.entries {
		if now.After(e.expires) {
			m.dropLocked(k, e)
		}
	}
}

// dropLocked removes an entry; a pending one is settled so its waiters retry the claim.
func (m *Memory) dropLocked(k string, e *memEntry) {
	delete(m.entries, k)
	if e.rec == nil {
		close(e.settled)
	} else {
		m.bytes -= int64(e.rec.Size())
	}
}

// Len returns the number of keys held (pending or answered).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Begin implements Store.
func (m *Memory) Begin(ctx context.Context, key string, fp Fingerprint, lockTTL time.Duration) (Claim, error) {
	for {
		m.mu.Lock()
		e := m.entries[key]
		if e != nil && m.now().After(e.expires) {
			m.dropLocked(key, e)
			e = nil
		}
		if e == nil {
			if m.full() {
				m.sweepLocked()
				if m.full() {
					n, b := len(m.entries), m.bytes
					m.mu.Unlock()
					return Claim{}, fmt.Errorf("%d keys, %d bytes stored: %w", n, b, ErrFull)
				}
			}
			tok := newToken()
			until := m.now().Add(lockTTL)
			m.entries[key] = &memEntry{fp: fp, token: tok, settled: make(chan struct{}), expires: until}
			m.mu.Unlock()
			return Claim{key: key, fp: fp, token: tok, lockTTL: lockTTL, until: until}, nil
		}
		if e.fp != fp {
			m.mu.Unlock()
			return Claim{}, ErrMismatch
		}
		if e.rec != nil {
			rec := *e.rec
			m.mu.Unlock()
			return Claim{Record: &rec, key: key, fp: fp}, nil
		}
		settled := e.settled
		m.mu.Unlock()
		select {
		case <-settled:
		case <-ctx.Done():
			return Claim{}, fmt.Errorf("wait for the first request with this key: %w", ctx.Err())
		}
	}
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, c Claim, rec Record, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[c.key]
	if e == nil || e.token != c.token || e.rec != nil {
		return ErrLockLost
	}
	e.rec = &rec
	e.expires = m.now().Add(ttl)
	m.bytes += int64(rec.Size())
	close(e.settled)
	return nil
}

// Abandon implements Store.
func (m *Memory) Abandon(_ context.Context, c Claim) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[c.key]; e != nil && e.token == c.token && e.rec == nil {
		m.dropLocked(c.key, e)
	}
	return nil
}

// Ping implements Store.
func (m *Memory) Ping(context.Context) error { return nil }

// Close stops the sweeper.
func (m *Memory) Close() error {
	select {
	case <-m.stop:
	default:
		close(m.stop)
		<-m.done
	}
	return nil
}

// newToken returns a random claim token; it tells one claim of a key from a later one.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
