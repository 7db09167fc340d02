package proxy_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/testenv"
)

// keyCounter is an upstream that counts calls per idempotency key and answers each call
// differently, so a second execution would show both in the count and in the answers.
type keyCounter struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int
	seq   atomic.Int64
}

func newKeyCounter(t *testing.T) *keyCounter {
	k := &keyCounter{calls: map[string]int{}}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		k.mu.Lock()
		k.calls[key]++
		k.mu.Unlock()
		n := k.seq.Add(1)
		time.Sleep(time.Duration(20+rand.IntN(60)) * time.Millisecond) // Stripe's latency
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"cs_%d","key":%q,"body":%q}`, n, key, body)
	}))
	t.Cleanup(k.Close)
	return k
}

func (k *keyCounter) count(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[key]
}

// TestRedisRestartUnderLoad is the failover test: 80 keys, each sent by 13 replicas spread
// over two instances sharing Redis, while Redis is killed and restarted in the middle of the
// run. Replicas retry 503s with the same key, as a canister does. Every key must reach the
// upstream exactly once, and every replica of a key must get the same answer: with a Redis
// that comes back empty (no persistence) and with one that comes back from its append-only
// file.
func TestRedisRestartUnderLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *testenv.Redis
	}{
		{"no persistence", testenv.StartRedis},
		{"appendfsync always", testenv.StartRedisAOF},
	} {
		t.Run(tc.name, func(t *testing.T) { restartUnderLoad(t, tc.start(t)) })
	}
}

func restartUnderLoad(t *testing.T, srv *testenv.Redis) {
	const (
		keys     = 80
		replicas = 13
		every    = 15 * time.Millisecond // a new key this often: ~40 keys in flight or done at the restart
	)
	up := newKeyCounter(t)
	a, b := twoInstances(t, srv, &upstream{Server: up.Server}, time.Second)
	warmUp(t, a, b)

	answers := make([][]answer, keys)
	var unavailable atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	restarted := make(chan int64, 1)
	go func() {
		time.Sleep(keys / 2 * every)
		srv.Kill()
		sent := up.seq.Load()
		time.Sleep(50 * time.Millisecond)
		srv.Start()
		restarted <- sent
	}()
	for k := range keys {
		answers[k] = make([]answer, replicas)
		key := fmt.Sprintf("canister-1/create/%d", k)
		for i := range replicas {
			inst := []*instance{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(rand.IntN(100)) * time.Millisecond) // replicas arrive spread out
				deadline := time.Now().Add(30 * time.Second)
				for {
					an := do(t, "POST", inst.URL+"/URL_UP/v1/checkout/sessions",
						map[string]string{"Idempotency-Key": key, "Content-Type": "application/x-www-form-urlencoded"},
						fmt.Sprint("order=", k))
					if (an.status != http.StatusServiceUnavailable && an.status != http.StatusConflict) || time.Now().After(deadline) {
						answers[k][i] = an
						return
					}
					unavailable.Add(1)
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}
		time.Sleep(every)
	}
	wg.Wait()
	// The warm-up made 2 calls.
	sent := <-restarted - 2
	t.Logf("Redis killed after %d of %d keys reached the upstream; %d answers 503/409 (retried); all done after %v",
		sent, keys, unavailable.Load(), time.Since(start))
	if sent <= 0 || sent >= keys {
		t.Fatalf("Redis restarted after %d of %d keys were sent: not in the middle of the run", sent, keys)
	}

	for k := range keys {
		key := fmt.Sprintf("canister-1/create/%d", k)
		if n := up.count(key); n != 1 {
			t.Errorf("key %d reached the upstream %d times", k, n)
		}
		for i, an := range answers[k] {
			if an.status != 200 || an != answers[k][0] {
				t.Errorf("key %d: replica %d got %d %q, replica 0 got %d %q", k, i, an.status, an.body, answers[k][0].status, answers[k][0].body)
				break
			}
		}
	}
	// Late duplicates, after everything settled, replay.
	calls := up.seq.Load()
	for k := range keys {
		an := do(t, "POST", b.URL+"/URL_UP/v1/checkout/sessions",
			map[string]string{"Idempotency-Key": fmt.Sprintf("canister-1/create/%d", k), "Content-Type": "application/x-www-form-urlencoded"},
			fmt.Sprint("order=", k))
		if an != answers[k][0] {
			t.Errorf("late duplicate of key %d: %d %q, want the replay of %q", k, an.status, an.body, answers[k][0].body)
		}
	}
	if n := up.seq.Load() - calls; n != 0 {
		t.Errorf("late duplicates reached the upstream %d times", n)
	}
}
