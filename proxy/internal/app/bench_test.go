package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/store"
	"github.com/gocanister/stripe-ic/proxy/internal/testenv"
)

// Load shape of the benchmark; each scenario runs a fixed number of requests so that a single
// `-benchtime 1x` run measures something.
const (
	benchConcurrency = 16
	benchRequests    = 20000
	latencyRequests  = 3000
	benchKeys        = 40 // keys hit by 13 concurrent replicas each
	memAnswers       = 20000
)

// stripeLikeBody is a ~1 KB JSON answer, the size of a Checkout Session.
var stripeLikeBody = `{"id":"cs_test_a1b2c3","object":"checkout.session","amount_subtotal":1000,"amount_total":1000,` +
	`"currency":"usd","customer_details":{"email":"buyer@example.com","name":"Buyer"},"mode":"payment",` +
	`"payment_status":"paid","status":"complete","url":null,"metadata":{"order":"42"},"pad":"` +
	strings.Repeat("x", 700) + `"}`

type loadClient struct {
	c *http.Client
}

func newLoadClient() *loadClient {
	return &loadClient{c: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true, IdleConnTimeout: time.Minute,
	}}}
}

func (l *loadClient) do(method, url string, hdr http.Header) (int, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header = hdr
	resp, err := l.c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// timed sends n requests from c workers and returns the elapsed time.
func (l *loadClient) timed(b *testing.B, n, c int, method, url string, hdr http.Header) time.Duration {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if st, err := l.do(method, url, hdr); err != nil || st != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%s %s: %d of %d requests failed", method, url, f, n)
	}
	return el
}

// once times one request.
func (l *loadClient) once(b *testing.B, method, url string, hdr http.Header) time.Duration {
	b.Helper()
	start := time.Now()
	if st, err := l.do(method, url, hdr); err != nil || st != 200 {
		b.Fatalf("%s %s: %d %v", method, url, st, err)
	}
	return time.Since(start)
}

func pct(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }

// BenchmarkProxy measures, in one run: replay and pass-through throughput of the proxy
// against nginx as a plain reverse proxy to the same local upstream, the latency the proxy
// adds, memory per stored answer, and that 13 concurrent replicas cause one upstream call.
func BenchmarkProxy(b *testing.B) {
	var upstreamCalls atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamCalls.Add(1)
		if r.Header.Get("X-Slow") != "" {
			time.Sleep(50 * time.Millisecond) // long enough for all 13 replicas to arrive
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_bench")
		io.WriteString(w, stripeLikeBody)
	}))
	defer up.Close()
	ngx := testenv.StartNginx(b, strings.TrimPrefix(up.URL, "http://"))
	// The route's rules are checked on every request, as in production.
	urls, _ := startProxyB(b, nil, []string{"URL_UP=" + up.URL,
		"ALLOW_URL_UP=GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions/{id}, POST /v1/checkout/sessions"})
	proxyURL := urls[0] + "/URL_UP/v1/checkout/sessions/cs_test_a1b2c3"
	directURL := up.URL + "/v1/checkout/sessions/cs_test_a1b2c3"
	nginxURL := "http://" + ngx.Addr + "/v1/checkout/sessions/cs_test_a1b2c3"
	l := newLoadClient()
	replayHdr := http.Header{"Idempotency-Key": {"bench-replay"}}

	for range b.N {
		// Warm up connections and store the answer the replay scenario serves.
		l.timed(b, 500, benchConcurrency, "GET", directURL, nil)
		l.timed(b, 500, benchConcurrency, "GET", nginxURL, nil)
		l.timed(b, 500, benchConcurrency, "GET", proxyURL, nil)
		l.timed(b, 500, benchConcurrency, "POST", proxyURL, replayHdr)

		// The machine is shared, so load changes over time: the scenarios are interleaved in
		// slices, and latency samples taken in turn, so each sees the same conditions.
		scenarios := []struct {
			method, url string
			hdr         http.Header
			elapsed     time.Duration
			lat         []time.Duration
		}{
			{method: "GET", url: directURL},
			{method: "GET", url: nginxURL},
			{method: "GET", url: proxyURL},
			{method: "POST", url: proxyURL, hdr: replayHdr},
		}
		// Short slices (1,000 requests): load on a shared machine shifts within seconds.
		const rounds = 20
		before := upstreamCalls.Load()
		for range rounds {
			for i := range scenarios[1:] {
				sc := &scenarios[i+1]
				sc.elapsed += l.timed(b, benchRequests/rounds, benchConcurrency, sc.method, sc.url, sc.hdr)
			}
		}
		rps := func(i int) float64 { return benchRequests / scenarios[i].elapsed.Seconds() }
		nginxRPS, passRPS, replayRPS := rps(1), rps(2), rps(3)
		// Pass-through reaches the upstream every time, replays never.
		if n := upstreamCalls.Load() - before; n != benchRequests*2 {
			b.Fatalf("upstream calls during throughput runs: %d, want %d (nginx + pass-through, no replay)", n, benchRequests*2)
		}
		for range latencyRequests {
			for i := range scenarios {
				sc := &scenarios[i]
				sc.lat = append(sc.lat, l.once(b, sc.method, sc.url, sc.hdr))
			}
		}
		for i := range scenarios {
			slices.Sort(scenarios[i].lat)
		}
		direct, viaNginx, viaProxy, replay := scenarios[0].lat, scenarios[1].lat, scenarios[2].lat, scenarios[3].lat

		perKey := thirteenWay(b, l, urls[0]+"/URL_UP/v1/checkout/sessions", &upstreamCalls)

		us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
		b.ReportMetric(nginxRPS, "nginx_pass_req/s")
		b.ReportMetric(passRPS, "proxy_pass_req/s")
		b.ReportMetric(replayRPS, "proxy_replay_req/s")
		b.ReportMetric(replayRPS/nginxRPS, "replay/nginx_ratio")
		b.ReportMetric(passRPS/nginxRPS, "pass/nginx_ratio")
		b.ReportMetric(us(pct(viaProxy, .5)-pct(direct, .5)), "added_p50_µs")
		b.ReportMetric(us(pct(viaProxy, .99)-pct(direct, .99)), "added_p99_µs")
		b.ReportMetric(us(pct(viaNginx, .5)-pct(direct, .5)), "nginx_added_p50_µs")
		b.ReportMetric(us(pct(viaNginx, .99)-pct(direct, .99)), "nginx_added_p99_µs")
		b.ReportMetric(us(pct(replay, .5)), "replay_p50_µs")
		b.ReportMetric(us(pct(replay, .99)), "replay_p99_µs")
		b.ReportMetric(perKey, "upstream_calls/key")
		b.ReportMetric(bytesPerStoredAnswer(b), "B/stored_answer")
		b.ReportMetric(float64(len(stripeLikeBody)), "B/answer_body")

		b.Logf("targets: replay %.0f req/s >= nginx %.0f req/s: %v; added p99 %v <= 1ms: %v; one upstream call per key: %v",
			replayRPS, nginxRPS, replayRPS >= nginxRPS, pct(viaProxy, .99)-pct(direct, .99),
			pct(viaProxy, .99)-pct(direct, .99) <= time.Millisecond, perKey == 1)
	}
}

// thirteenWay sends 13 identical concurrent requests for each of benchKeys keys and returns
// the upstream calls per key; anything but exactly one per key fails the benchmark.
func thirteenWay(b *testing.B, l *loadClient, url string, calls *atomic.Int64) float64 {
	b.Helper()
	before := calls.Load()
	run := fmt.Sprint(time.Now().UnixNano())
	for k := range benchKeys {
		hdr := http.Header{"Idempotency-Key": {fmt.Sprintf("bench-13-%s-%d", run, k)}, "X-Slow": {"1"}}
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range 13 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if st, err := l.do("POST", url, hdr); err != nil || st != 200 {
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("key %d: %d of 13 replicas failed", k, failed.Load())
		}
		if got := calls.Load() - before; got != int64(k+1) {
			b.Fatalf("key %d: %d upstream calls so far, want %d (exactly one per key)", k, got, k+1)
		}
	}
	return float64(calls.Load()-before) / benchKeys
}

// bytesPerStoredAnswer stores memAnswers answers of the benchmark's size in a memory store and
// returns the heap growth per answer (body, headers, key, bookkeeping).
func bytesPerStoredAnswer(b *testing.B) float64 {
	b.Helper()
	m := store.NewMemory(0, time.Hour)
	defer m.Close()
	ctx := context.Background()
	hdr := http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_bench"}}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	for i := range memAnswers {
		key := fmt.Sprintf("%064x", i) // the proxy's keys are 64 hex characters
		c, err := m.Begin(ctx, key, store.NewFingerprint([]byte(key)), time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		// A fresh copy per answer, as the proxy reads each answer from the network.
		rec := store.RecordFromHeader(200, hdr, []byte(stripeLikeBody))
		if err := m.Complete(ctx, c, rec, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	per := float64(ms.HeapAlloc-base) / memAnswers
	runtime.KeepAlive(m)
	if m.Len() != memAnswers {
		b.Fatalf("store holds %d answers, want %d", m.Len(), memAnswers)
	}
	return per
}
