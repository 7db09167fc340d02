package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SignatureHeader returns the Stripe-Signature header value Stripe sends for
// payload at time t: "t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<payload>")>".
// The key is the whole secret string, whsec_ prefix included, as at Stripe.
func SignatureHeader(payload []byte, secret string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// RetryPolicy bounds webhook redelivery. Stripe retries for up to three days;
// the sandbox keeps the same shape (exponential backoff until a 2xx) with
// limits small enough for tests. Zero fields take the defaults: 8 attempts,
// 1 s first wait, 1 min cap, 10 s per attempt.
type RetryPolicy struct {
	MaxAttempts    int           // total attempts per event and endpoint (>= 1)
	InitialBackoff time.Duration // wait after the first failure
	MaxBackoff     time.Duration // cap of the doubling wait
	Timeout        time.Duration // per attempt
}

// defaultRetryPolicy fills zero fields of Config.Retry.
var defaultRetryPolicy = RetryPolicy{
	MaxAttempts: 8, InitialBackoff: time.Second, MaxBackoff: time.Minute, Timeout: 10 * time.Second,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = defaultRetryPolicy.MaxAttempts
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = defaultRetryPolicy.InitialBackoff
	}
	if p.MaxBackoff < p.InitialBackoff {
		p.MaxBackoff = max(defaultRetryPolicy.MaxBackoff, p.InitialBackoff)
	}
	if p.Timeout <= 0 {
		p.Timeout = defaultRetryPolicy.Timeout
	}
	return p
}

// backoff returns the wait before attempt n+1 after n failed attempts.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.InitialBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxBackoff)
}

// target is one delivery destination with the secret its events are signed
// with (each Stripe webhook endpoint has its own).
type target struct {
	URL    string
	Secret string
}

// dispatcher delivers events, each delivery on its own goroutine so a slow
// endpoint never delays another or the API.
type dispatcher struct {
	policy RetryPolicy
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	stats  *stats

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newDispatcher(policy RetryPolicy, client *http.Client, now func() time.Time, log *slog.Logger,
	st *stats) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &dispatcher{
		policy: policy.withDefaults(), client: client, now: now, log: log, stats: st,
		ctx: ctx, cancel: cancel,
	}
}

// enqueue schedules delivery of one rendered event to each target.
func (d *dispatcher) enqueue(targets []target, eventID, eventType string, body []byte) {
	for _, t := range targets {
		d.wg.Add(1)
		d.stats.webhookQueued()
		go func() {
			defer d.wg.Done()
			d.deliver(t, eventID, eventType, body)
		}()
	}
}

func (d *dispatcher) deliver(t target, eventID, eventType string, body []byte) {
	log := d.log.With("event", eventID, "type", eventType, "endpoint", t.URL)
	for attempt := 1; ; attempt++ {
		status, err := d.attempt(t, body)
		if err == nil && status >= 200 && status < 300 {
			d.stats.webhookDone(true)
			log.Info("webhook delivered", "attempt", attempt, "status", status)
			return
		}
		d.stats.webhookFailedAttempt()
		if attempt >= d.policy.MaxAttempts {
			d.stats.webhookDone(false)
			log.Warn("webhook abandoned", "attempts", attempt, "status", status, "err", err)
			return
		}
		wait := d.policy.backoff(attempt)
		log.Info("webhook attempt failed, retrying", "attempt", attempt, "status", status,
			"err", err, "wait", wait)
		select {
		case <-time.After(wait):
		case <-d.ctx.Done():
			d.stats.webhookDone(false)
			log.Info("webhook delivery stopped by shutdown", "attempts", attempt)
			return
		}
	}
}

// attempt makes one signed POST; each retry is signed afresh, as at Stripe,
// so the timestamp stays within the receiver's tolerance.
func (d *dispatcher) attempt(t target, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(d.ctx, d.policy.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Stripe-Signature", SignatureHeader(body, t.Secret, d.now()))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// newWebhookClient returns the default delivery client. It resolves
// *.localhost to the loopback address itself (RFC 6761, as browsers do), so
// endpoints like http://<canister-id>.raw.localhost:4943/webhook on the local
// replica work without DNS. Redirects are not followed: Stripe counts a
// redirect as a failed delivery.
func newWebhookClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && isLocalhostName(host) {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func isLocalhostName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// close stops pending retries and waits for in-flight attempts.
func (d *dispatcher) close() {
	d.cancel()
	d.wg.Wait()
}
