package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/store"
	"github.com/gocanister/stripe-ic/proxy/internal/testenv"
)

func TestRecordRoundTrip(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "X-B": {"2", "1"}, "Request-Id": {"req_1"}}
	rec := store.RecordFromHeader(201, h, []byte(`{"id":"cs_1"}`))
	b, err := rec.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got store.Record
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := got.MarshalBinary()
	if !bytes.Equal(b, b2) || got.Status != 201 || string(got.Body) != `{"id":"cs_1"}` {
		t.Fatalf("round trip: %+v", got)
	}
	// Canonical order: names sorted, values of one name in their original order.
	want := []store.Field{{"Content-Type", "application/json"}, {"Request-Id", "req_1"}, {"X-B", "2"}, {"X-B", "1"}}
	for i, f := range got.Header {
		if f != want[i] {
			t.Fatalf("header[%d] = %v, want %v", i, f, want[i])
		}
	}
}

func TestRecordRejectsCorrupt(t *testing.T) {
	for _, b := range [][]byte{nil, {0}, {1}, {1, 0xc8, 0x01}, {1, 0xc8, 0x01, 5}, {1, 0xc8, 0x01, 1, 200}, {1, 50, 0}} {
		var r store.Record
		if err := r.UnmarshalBinary(b); err == nil {
			t.Errorf("UnmarshalBinary(%x) accepted", b)
		}
	}
}

func FuzzRecord(f *testing.F) {
	ok, _ := store.RecordFromHeader(200, http.Header{"A": {"b"}}, []byte("body")).MarshalBinary()
	f.Add(ok)
	f.Add([]byte{1, 0xc8, 0x01, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r store.Record
		if err := r.UnmarshalBinary(b); err != nil {
			return
		}
		b2, err := r.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var r2 store.Record
		if err := r2.UnmarshalBinary(b2); err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if r2.Status != r.Status || !bytes.Equal(r2.Body, r.Body) || len(r2.Header) != len(r.Header) {
			t.Fatal("round trip changed record")
		}
	})
}

func TestFingerprintIsLengthPrefixed(t *testing.T) {
	a := store.NewFingerprint([]byte("ab"), []byte("c"))
	b := store.NewFingerprint([]byte("a"), []byte("bc"))
	if a == b {
		t.Fatal("fingerprints collide when bytes shift between parts")
	}
}

// stores runs a test against every Store implementation; Redis is a real redis-server.
func stores(t *testing.T, f func(t *testing.T, s store.Store)) {
	t.Run("memory", func(t *testing.T) {
		m := store.NewMemory(0, time.Minute)
		defer m.Close()
		f(t, m)
	})
	t.Run("redis", func(t *testing.T) {
		srv := testenv.StartRedis(t)
		r, err := store.NewRedis(store.RedisOptions{URL: srv.Addr(), PollInterval: 5 * time.Millisecond, Quarantine: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		f(t, r)
	})
}

func TestClaimCompleteReplay(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		fp := store.NewFingerprint([]byte("POST"), []byte("body"))
		c, err := s.Begin(ctx, "k1", fp, time.Second)
		if err != nil || !c.Owner() {
			t.Fatalf("first Begin: owner=%v err=%v", c.Owner(), err)
		}
		rec := store.Record{Status: 200, Header: []store.Field{{"Content-Type", "text/plain"}}, Body: []byte("hi")}
		if err := s.Complete(ctx, c, rec, time.Minute); err != nil {
			t.Fatal(err)
		}
		c2, err := s.Begin(ctx, "k1", fp, time.Second)
		if err != nil || c2.Owner() || string(c2.Record.Body) != "hi" || c2.Record.Status != 200 {
			t.Fatalf("replay: %+v %v", c2, err)
		}
		other := store.NewFingerprint([]byte("POST"), []byte("other"))
		if _, err := s.Begin(ctx, "k1", other, time.Second); !errors.Is(err, store.ErrMismatch) {
			t.Fatalf("reuse with another fingerprint: err = %v", err)
		}
		// The completed claim cannot be completed twice.
		if err := s.Complete(ctx, c, rec, time.Minute); !errors.Is(err, store.ErrLockLost) {
			t.Fatalf("second Complete: %v", err)
		}
	})
}

func TestConcurrentDuplicatesWait(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		fp := store.NewFingerprint([]byte("x"))
		var owners atomic.Int32
		var wg sync.WaitGroup
		bodies := make([]string, 13)
		for i := range 13 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.Begin(ctx, "k", fp, 5*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Owner() {
					owners.Add(1)
					time.Sleep(50 * time.Millisecond) // the upstream call
					rec := store.Record{Status: 200, Body: []byte("once")}
					if err := s.Complete(ctx, c, rec, time.Minute); err != nil {
						t.Error(err)
					}
					bodies[i] = "once"
					return
				}
				bodies[i] = string(c.Record.Body)
			}()
		}
		wg.Wait()
		if owners.Load() != 1 {
			t.Fatalf("%d owners, want 1", owners.Load())
		}
		for i, b := range bodies {
			if b != "once" {
				t.Fatalf("request %d got %q", i, b)
			}
		}
	})
}

func TestAbandonLetsNextClaim(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		fp := store.NewFingerprint([]byte("x"))
		c, _ := s.Begin(ctx, "k", fp, 5*time.Second)
		got := make(chan store.Claim, 1)
		go func() {
			c2, err := s.Begin(ctx, "k", fp, 5*time.Second)
			if err != nil {
				t.Error(err)
			}
			got <- c2
		}()
		time.Sleep(30 * time.Millisecond)
		if err := s.Abandon(ctx, c); err != nil {
			t.Fatal(err)
		}
		select {
		case c2 := <-got:
			if !c2.Owner() {
				t.Fatal("waiter did not take over the abandoned key")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("waiter still blocked after Abandon")
		}
	})
}

func TestExpiredClaimAndAnswer(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		fp := store.NewFingerprint([]byte("x"))
		c, _ := s.Begin(ctx, "k", fp, 50*time.Millisecond)
		time.Sleep(80 * time.Millisecond)
		c2, err := s.Begin(ctx, "k", fp, time.Second)
		if err != nil || !c2.Owner() {
			t.Fatalf("expired claim not reclaimable: %v", err)
		}
		if err := s.Complete(ctx, c, store.Record{Status: 200}, time.Minute); !errors.Is(err, store.ErrLockLost) {
			t.Fatalf("stale owner completed: %v", err)
		}
		if err := s.Complete(ctx, c2, store.Record{Status: 502}, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(80 * time.Millisecond)
		// After its TTL the answer is gone: even another fingerprint may claim the key.
		c3, err := s.Begin(ctx, "k", store.NewFingerprint([]byte("y")), time.Second)
		if err != nil || !c3.Owner() {
			t.Fatalf("expired answer still held: %v", err)
		}
	})
}

func TestWaitEndsWithContext(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		fp := store.NewFingerprint([]byte("x"))
		if _, err := s.Begin(context.Background(), "k", fp, time.Minute); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := s.Begin(ctx, "k", fp, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
	})
}

func TestMemoryFull(t *testing.T) {
	m := store.NewMemory(2, time.Minute)
	defer m.Close()
	ctx := context.Background()
	for i, k := range []string{"a", "b"} {
		if _, err := m.Begin(ctx, k, store.NewFingerprint([]byte{byte(i)}), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Begin(ctx, "c", store.Fingerprint{}, time.Minute); !errors.Is(err, store.ErrFull) {
		t.Fatalf("err = %v, want ErrFull", err)
	}
}

func TestMemoryByteBudget(t *testing.T) {
	m := store.NewMemory(0, time.Minute)
	defer m.Close()
	m.SetMaxBytes(100)
	ctx := context.Background()
	c, err := m.Begin(ctx, "a", store.Fingerprint{1}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Complete(ctx, c, store.Record{Status: 200, Body: make([]byte, 100)}, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Begin(ctx, "b", store.Fingerprint{2}, time.Minute); !errors.Is(err, store.ErrFull) {
		t.Fatalf("over budget: err = %v, want ErrFull", err)
	}
	time.Sleep(60 * time.Millisecond) // the answer expires and frees its bytes
	if _, err := m.Begin(ctx, "b", store.Fingerprint{2}, time.Minute); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestRedisDown(t *testing.T) {
	srv := testenv.StartRedis(t)
	r, err := store.NewRedis(store.RedisOptions{URL: srv.URL(), Timeout: 200 * time.Millisecond, Quarantine: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	if err := r.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	if _, err := r.Begin(ctx, "k", store.Fingerprint{}, time.Second); err == nil {
		t.Fatal("Begin succeeded with Redis down")
	}
	if err := r.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded with Redis down")
	}
	srv.Start()
	if c, err := r.Begin(ctx, "k", store.Fingerprint{}, time.Second); err != nil || !c.Owner() {
		t.Fatalf("after restart: %v", err)
	}
}

// newRedis is one proxy instance's store on srv.
func newRedis(t *testing.T, srv *testenv.Redis, o store.RedisOptions) *store.Redis {
	t.Helper()
	o.URL = srv.URL()
	if o.PollInterval == 0 {
		o.PollInterval = 10 * time.Millisecond
	}
	if o.Timeout == 0 {
		o.Timeout = 200 * time.Millisecond
	}
	r, err := store.NewRedis(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// twoRedis are two instances' stores on srv.
func twoRedis(t *testing.T, srv *testenv.Redis, quarantine time.Duration) (a, b *store.Redis) {
	t.Helper()
	return newRedis(t, srv, store.RedisOptions{Quarantine: quarantine}), newRedis(t, srv, store.RedisOptions{Quarantine: quarantine})
}

// TestRedisStateLost: Redis restarts empty while the first request runs, and the instance
// running it is gone too (its journal with it). A waiting duplicate must not execute a
// second time: it sees the claim vanish and, once nobody wrote it back during the
// quarantine, fails.
func TestRedisStateLost(t *testing.T) {
	srv := testenv.StartRedis(t)
	owner, waiter := twoRedis(t, srv, 300*time.Millisecond)
	ctx := context.Background()
	fp := store.NewFingerprint([]byte("x"))
	c, err := owner.Begin(ctx, "k", fp, 3*time.Second)
	if err != nil || !c.Owner() {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c, err := waiter.Begin(wctx, "k", fp, 3*time.Second)
		if err == nil && c.Owner() {
			err = errors.New("waiter became owner: a second execution")
		}
		if err == nil {
			err = errors.New("waiter got an answer that was never stored")
		}
		waited <- err
	}()
	time.Sleep(50 * time.Millisecond)
	owner.Close() // the owner's process is gone...
	srv.Kill()    // ...and so is Redis's copy of its claim
	srv.Start()
	select {
	case err := <-waited:
		// Either the loss was noticed, or the waiter hit Redis while it was down: both are
		// errors (503), neither is an execution.
		if !errors.Is(err, store.ErrStateLost) {
			t.Logf("waiter failed with %v (Redis down at that moment)", err)
		}
		if strings.Contains(err.Error(), "second execution") || strings.Contains(err.Error(), "never stored") {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter still blocked")
	}
}

// TestRedisRestartWritesBack: Redis restarts empty (no persistence) while one key is in
// flight and others are answered. The instances write back what they hold, so the owner
// still stores its answer and every duplicate replays it; nothing executes twice.
func TestRedisRestartWritesBack(t *testing.T) {
	srv := testenv.StartRedis(t)
	var changes []store.EpochChange
	var mu sync.Mutex
	a := newRedis(t, srv, store.RedisOptions{Quarantine: 500 * time.Millisecond, OnEpoch: func(e store.EpochChange) {
		mu.Lock()
		changes = append(changes, e)
		mu.Unlock()
	}})
	b := newRedis(t, srv, store.RedisOptions{Quarantine: 500 * time.Millisecond})
	ctx := context.Background()
	fp := store.NewFingerprint([]byte("x"))
	for i := range 5 {
		c, err := a.Begin(ctx, fmt.Sprint("done-", i), fp, 5*time.Second)
		if err != nil || !c.Owner() {
			t.Fatalf("claim: %v", err)
		}
		if err := a.Complete(ctx, c, store.Record{Status: 200, Body: []byte(fmt.Sprint("answer-", i))}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	inFlight, err := a.Begin(ctx, "in-flight", fp, 5*time.Second)
	if err != nil || !inFlight.Owner() {
		t.Fatalf("claim: %v", err)
	}
	srv.Kill()
	srv.Start()
	// A duplicate of the in-flight key, fresh on the other instance: it must wait, not claim.
	dup := make(chan store.Claim, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c, err := b.Begin(wctx, "in-flight", fp, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		dup <- c
	}()
	time.Sleep(100 * time.Millisecond)
	if err := a.Complete(ctx, inFlight, store.Record{Status: 201, Body: []byte("late")}, time.Minute); err != nil {
		t.Fatalf("owner could not store its answer after the restart: %v", err)
	}
	if c := <-dup; c.Owner() || c.Record == nil || string(c.Record.Body) != "late" {
		t.Fatalf("duplicate of the in-flight key: owner=%v record=%+v", c.Owner(), c.Record)
	}
	for i := range 5 {
		c, err := b.Begin(ctx, fmt.Sprint("done-", i), fp, 5*time.Second)
		if err != nil || c.Owner() || string(c.Record.Body) != fmt.Sprint("answer-", i) {
			t.Fatalf("key done-%d after the restart: owner=%v err=%v", i, c.Owner(), err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	last := changes[len(changes)-1]
	if len(changes) != 2 || last.Restored != 6 {
		t.Fatalf("epoch changes seen by a: %+v, want the first contact and one recovery restoring 6 entries", changes)
	}
}

// TestRedisQuarantine: a new epoch keeps missing keys unclaimed for the quarantine, while
// keys Redis holds are served at once.
func TestRedisQuarantine(t *testing.T) {
	srv := testenv.StartRedis(t)
	r := newRedis(t, srv, store.RedisOptions{Quarantine: 400 * time.Millisecond})
	ctx := context.Background()
	start := time.Now()
	c, err := r.Begin(ctx, "k", store.Fingerprint{}, time.Second)
	if err != nil || !c.Owner() {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Fatalf("a key was claimed %v into a new epoch's quarantine of 400ms", d)
	}
	if err := r.Complete(ctx, c, store.Record{Status: 200}, time.Minute); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	srv.Start()
	start = time.Now()
	if c, err := r.Begin(ctx, "k", store.Fingerprint{}, time.Second); err != nil || c.Owner() {
		t.Fatalf("replay after the restart: owner=%v err=%v", c.Owner(), err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Fatalf("a key written back waited %v for the quarantine", d)
	}
	// The context ends before the quarantine: the caller gives up, nothing was claimed.
	srv.Kill()
	srv.Start()
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := r.Begin(short, "new", store.Fingerprint{}, time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("new key in quarantine: err = %v, want deadline exceeded", err)
	}
}

// TestRedisPersistentRestart: with appendfsync always, a restart keeps the claim; the owner
// stores its answer and a duplicate replays it.
func TestRedisPersistentRestart(t *testing.T) {
	srv := testenv.StartRedisAOF(t)
	a, b := twoRedis(t, srv, 300*time.Millisecond)
	ctx := context.Background()
	fp := store.NewFingerprint([]byte("x"))
	c, err := a.Begin(ctx, "k", fp, 5*time.Second)
	if err != nil || !c.Owner() {
		t.Fatal(err)
	}
	srv.Kill()
	srv.Start()
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := b.Begin(wctx, "k", fp, 5*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("duplicate while the owner runs: err = %v, want it to wait", err)
	}
	if err := a.Complete(ctx, c, store.Record{Status: 200, Body: []byte("once")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if d, err := b.Begin(ctx, "k", fp, 5*time.Second); err != nil || d.Owner() || string(d.Record.Body) != "once" {
		t.Fatalf("duplicate after the answer: owner=%v err=%v", d.Owner(), err)
	}
}

// TestRedisCompleteWaitsForRedis: Redis is down when the answer is ready; Complete keeps
// trying until it is back (within the claim's deadline), instead of losing the answer.
func TestRedisCompleteWaitsForRedis(t *testing.T) {
	srv := testenv.StartRedisAOF(t)
	r := newRedis(t, srv, store.RedisOptions{Quarantine: 100 * time.Millisecond})
	ctx := context.Background()
	c, err := r.Begin(ctx, "k", store.Fingerprint{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	go func() {
		time.Sleep(300 * time.Millisecond)
		srv.Start()
	}()
	cctx, cancel := context.WithDeadline(ctx, c.Deadline())
	defer cancel()
	if err := r.Complete(cctx, c, store.Record{Status: 200}, time.Minute); err != nil {
		t.Fatalf("Complete across a Redis restart: %v", err)
	}
	// And with Redis gone for good, it gives up at the deadline.
	c, err = r.Begin(ctx, "k2", store.Fingerprint{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if err := r.Complete(short, c, store.Record{Status: 200}, time.Minute); err == nil {
		t.Fatal("Complete succeeded with Redis down")
	}
}

func TestRedisJournalFull(t *testing.T) {
	srv := testenv.StartRedis(t)
	r := newRedis(t, srv, store.RedisOptions{Quarantine: 50 * time.Millisecond, JournalMaxKeys: 2})
	ctx := context.Background()
	for i := range 2 {
		if _, err := r.Begin(ctx, fmt.Sprint(i), store.Fingerprint{}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Begin(ctx, "2", store.Fingerprint{}, time.Minute); !errors.Is(err, store.ErrFull) {
		t.Fatalf("err = %v, want ErrFull", err)
	}
	// The refused key was released at once: another instance may take it.
	other := newRedis(t, srv, store.RedisOptions{})
	if c, err := other.Begin(ctx, "2", store.Fingerprint{}, time.Minute); err != nil || !c.Owner() {
		t.Fatalf("refused key still held: %v", err)
	}
}
