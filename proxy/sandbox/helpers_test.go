package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "sk_test_sandbox123456789"

// startSandbox serves a Server on a loopback port; cfg.BaseURL is filled in.
func startSandbox(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + ts.Listener.Addr().String()
	sb, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts.Config.Handler = sb
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sb, ts
}

// noRedirect is a client that shows redirects instead of following them.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// call makes an API request with form parameters and returns status, headers, body.
func call(t *testing.T, method, u, auth, idemKey string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(data)
}

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// webhookSink records the deliveries it receives; fail makes the first n
// deliveries answer 500.
type webhookSink struct {
	mu         sync.Mutex
	fail       int
	attempts   int
	deliveries []delivery
	got        chan struct{}
}

type delivery struct {
	body      []byte
	signature string
}

func newSink(fail int) *webhookSink {
	return &webhookSink{fail: fail, got: make(chan struct{}, 100)}
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.attempts++
	if s.fail > 0 {
		s.fail--
		s.mu.Unlock()
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	s.deliveries = append(s.deliveries, delivery{body: body, signature: r.Header.Get("Stripe-Signature")})
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	s.got <- struct{}{}
}

// waitFor blocks until n deliveries succeeded or the deadline passes.
func (s *webhookSink) waitFor(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		if len(s.deliveries) >= n {
			out := append([]delivery(nil), s.deliveries...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("timed out waiting for %d webhook deliveries", n)
		}
	}
}
