package store_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
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
		r, err := store.NewRedis(store.RedisOptions{URL: srv.Addr(), PollInterval: 5 * time.Millisecond})
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
	r, err := store.NewRedis(store.RedisOptions{URL: srv.URL(), Timeout: 200 * time.Millisecond})
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

// TestRedisStateLost: Redis restarts empty while the first request runs. A waiting duplicate
// must not execute a second time; the key stays quarantined until the first claim would
// have expired.
func TestRedisStateLost(t *testing.T) {
	srv := testenv.StartRedis(t)
	r, err := store.NewRedis(store.RedisOptions{URL: srv.URL(), PollInterval: 10 * time.Millisecond, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	fp := store.NewFingerprint([]byte("x"))
	owner, err := r.Begin(ctx, "k", fp, 2*time.Second)
	if err != nil || !owner.Owner() {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c, err := r.Begin(wctx, "k", fp, 2*time.Second)
		if err == nil && c.Owner() {
			err = errors.New("waiter became owner: a second execution")
		}
		waited <- err
	}()
	time.Sleep(50 * time.Millisecond)
	srv.Kill()
	srv.Start()
	select {
	case err := <-waited:
		// Either the restart was noticed as lost state, or the waiter hit Redis while it was
		// down: both are errors (503), neither is an execution.
		if err == nil {
			t.Fatal("waiter got an answer that was never stored")
		}
		if !errors.Is(err, store.ErrStateLost) {
			t.Logf("waiter failed with %v (Redis down at that moment)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter still blocked")
	}
	if err := r.Complete(ctx, owner, store.Record{Status: 200}, time.Minute); !errors.Is(err, store.ErrLockLost) {
		t.Fatalf("owner completed after the restart: %v", err)
	}
}
