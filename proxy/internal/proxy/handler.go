// Package proxy is the idempotent reverse proxy: it authenticates the caller, resolves the
// upstream (an operator /URL_<NAME> route, which allows only the methods and paths its rules
// list, or an allow-listed x-forwarded-host), injects HEADER_<NAME> secrets for authenticated
// callers on routes, executes a request with an idempotency key upstream once, and replays
// the stored answer, byte for byte, to every duplicate.
package proxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/filter"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/rules"
	"github.com/gocanister/stripe-ic/proxy/internal/store"
)

// Options configure a Handler.
type Options struct {
	Store    store.Store
	Verifier *auth.Verifier
	Metrics  *metrics.Metrics
	Logger   *slog.Logger

	// URLs maps URL_<NAME> to an upstream base URL; Rules maps every URL_<NAME> to the
	// methods and paths the route lets through (anything else: 403 before any upstream call).
	URLs  map[string]string
	Rules map[string]*rules.Rules
	// Headers maps HEADER_<NAME> to its secret. A secret replaces its name in the
	// SecretHeaders of a request on a route, from an authenticated caller: never on a
	// forwarded host, never in another header, never for an unauthenticated caller.
	Headers map[string]string
	// SecretHeaders are the request headers secrets are substituted in (default
	// Authorization).
	SecretHeaders []string
	// InsecureSecretsWithoutAuth substitutes secrets although the Verifier has no key, that
	// is for anyone who can reach the proxy. New refuses secrets without keys otherwise.
	InsecureSecretsWithoutAuth bool
	// AllowHosts lists the hosts (host or host:port, 443 by default) x-forwarded-host may name.
	AllowHosts []string
	// AllowPrivate lets forwarded requests reach non-public addresses (tests only).
	AllowPrivate bool
	// RootCAs verifies upstream HTTPS; nil uses the system roots.
	RootCAs *x509.CertPool

	RequestTimeout  time.Duration
	IdempotencyTTL  time.Duration
	FailureTTL      time.Duration
	MaxRequestBody  int64
	MaxResponseBody int64
}

// Handler is the proxy's http.Handler.
type Handler struct {
	o             Options
	routes        map[string]route
	allowHosts    map[string]bool
	secretHeaders []string // canonical names
	trusted       *http.Transport
	forwarded     *http.Transport
	lockTTL       time.Duration
	log           *slog.Logger
}

// New validates the options and builds the handler.
func New(o Options) (*Handler, error) {
	if o.Store == nil || o.Verifier == nil || o.Metrics == nil {
		return nil, errors.New("proxy: Store, Verifier and Metrics are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if len(o.Headers) > 0 && !o.Verifier.Enabled() && !o.InsecureSecretsWithoutAuth {
		return nil, errors.New("proxy: HEADER_* secrets without proxy-authorization keys would be given to anyone " +
			"who reaches the proxy: configure ED25519_PUB_KEY*/ECDSA_PUB_KEY* (or, knowingly, INSECURE_SECRETS_WITHOUT_AUTH)")
	}
	if o.SecretHeaders == nil {
		o.SecretHeaders = []string{"Authorization"}
	}
	h := &Handler{
		o:          o,
		routes:     make(map[string]route, len(o.URLs)),
		allowHosts: make(map[string]bool, len(o.AllowHosts)),
		trusted:    newTransport(false, nil, o.RequestTimeout),
		forwarded:  newTransport(!o.AllowPrivate, o.RootCAs, o.RequestTimeout),
		// The claim outlives the upstream call it protects: the call is bounded by
		// RequestTimeout, storing the answer takes far less than the margin.
		lockTTL: o.RequestTimeout + 5*time.Second,
		log:     o.Logger,
	}
	for name, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("proxy: %s=%q is not an http(s) URL", name, raw)
		}
		rs := o.Rules[name]
		if rs == nil {
			return nil, fmt.Errorf("proxy: route %s has no rules (ALLOW_%s): list the methods and paths it needs, or \"*\"", name, name)
		}
		h.routes[name] = route{name: name, base: u, rules: rs}
	}
	for name := range o.Rules {
		if _, ok := o.URLs[name]; !ok {
			return nil, fmt.Errorf("proxy: rules for %s, which is not a route", name)
		}
	}
	for _, k := range o.SecretHeaders {
		h.secretHeaders = append(h.secretHeaders, http.CanonicalHeaderKey(k))
	}
	for _, e := range o.AllowHosts {
		hp, err := normalizeAllowHost(e)
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		h.allowHosts[hp] = true
	}
	return h, nil
}

// Close drops idle upstream connections.
func (h *Handler) Close() {
	h.trusted.CloseIdleConnections()
	h.forwarded.CloseIdleConnections()
}

// requestHeadersToDrop never reach the upstream: forwarding metadata (the proxy is the last
// hop and does not disclose its callers), this protocol's own headers, and Accept-Encoding
// (the transport negotiates gzip itself and hands us plain bytes to filter).
var requestHeadersToDrop = []string{
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port",
	"X-Real-Ip", "Via", "Response-Headers", "X-Json-Mask", "Accept-Encoding",
}

// fingerprintHeaders change what a request means to Stripe-like APIs, so they are part of
// the fingerprint; others (User-Agent, telemetry, the auth token) may differ between
// replicas or retries without making it another request.
var fingerprintHeaders = []string{"Content-Type", "Stripe-Account", "Stripe-Context"}

// protectedHeaders reach the upstream even when the client's Connection header names them:
// the key the proxy deduplicates on (so the upstream deduplicates too) and what the
// fingerprint covers (so the upstream executes the request that was fingerprinted).
var protectedHeaders = append([]string{"Idempotency-Key"}, fingerprintHeaders...)

// MaxKeyLength is the longest idempotency key accepted (Stripe's limit).
const MaxKeyLength = 255

// outcome labels for metrics and logs.
const (
	outExecuted     = "executed"
	outReplayed     = "replayed"
	outPassthrough  = "passthrough"
	outConflict     = "conflict"
	outUnauthorized = "unauthorized"
	outForbidden    = "forbidden"
	outBadRequest   = "bad_request"
	outStoreError   = "store_error"
	outInProgress   = "in_progress"
)

type reqLog struct {
	agent, key, outcome, upstream string
	status                        int
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	m := h.o.Metrics
	m.InFlight.Inc()
	defer m.InFlight.Dec()
	rl := &reqLog{}
	defer func() {
		m.Requests.WithLabelValues(rl.outcome).Inc()
		lvl := levelFor(rl.status)
		if !h.log.Enabled(r.Context(), lvl) {
			return
		}
		h.log.LogAttrs(r.Context(), lvl, "request",
			slog.String("request_id", newRequestID()), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("upstream", rl.upstream),
			slog.String("agent", rl.agent), slog.String("idempotency_key", rl.key),
			slog.String("outcome", rl.outcome), slog.Int("status", rl.status),
			slog.Duration("duration", time.Since(start)))
	}()
	fail := func(status int, outcome string, err error) {
		rl.status, rl.outcome = status, outcome
		w.Header()["Date"] = nil // replicas must get identical bytes for refusals too
		http.Error(w, err.Error(), status)
	}

	// Everything below reads the protocol headers from r.Header as the client sent them;
	// only the copy forwarded upstream loses hop-by-hop headers.
	agent, err := h.o.Verifier.Authenticate(r.Header.Get("Proxy-Authorization"))
	if err != nil {
		if errors.Is(err, auth.ErrAgentNotAllowed) {
			fail(http.StatusForbidden, outForbidden, err)
			return
		}
		w.Header().Set("Proxy-Authenticate", "Bearer")
		fail(http.StatusProxyAuthRequired, outUnauthorized, err)
		return
	}
	rl.agent = agent

	target, rt, err := h.target(r)
	if err != nil {
		status, outcome := http.StatusBadRequest, outBadRequest
		var re *routeError
		if errors.As(err, &re) {
			status = re.status
		}
		if status == http.StatusForbidden {
			outcome = outForbidden
		}
		fail(status, outcome, err)
		return
	}
	rl.upstream = target.Host
	if rt != nil && !rt.rules.Allow(r.Method, rt.relPath(r)) {
		fail(http.StatusForbidden, outForbidden, fmt.Errorf("%s does not allow %s %s", rt.name, r.Method, rt.relPath(r)))
		return
	}
	// Secrets go only where the operator sent them: on a route whose rules allowed the
	// request, from a caller whose token verified.
	inject := rt != nil && len(h.o.Headers) > 0 && (h.o.Verifier.Enabled() || h.o.InsecureSecretsWithoutAuth)

	key := r.Header.Get("Idempotency-Key")
	rl.key = key
	if len(key) > MaxKeyLength || !printable(key) {
		fail(http.StatusBadRequest, outBadRequest, fmt.Errorf("idempotency-key must be 1 to %d printable ASCII characters", MaxKeyLength))
		return
	}
	if key == "" && !safeMethod(r.Method) {
		fail(http.StatusBadRequest, outBadRequest, fmt.Errorf("missing header: idempotency-key (required for %s)", r.Method))
		return
	}
	mask, err := filter.ParseMask(r.Header.Get("X-Json-Mask"))
	if err != nil {
		fail(http.StatusBadRequest, outBadRequest, err)
		return
	}

	body, err := readBody(w, r, h.o.MaxRequestBody)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, outBadRequest, fmt.Errorf("request body exceeds %d bytes", h.o.MaxRequestBody))
			return
		}
		fail(http.StatusBadRequest, outBadRequest, fmt.Errorf("read request body: %w", err))
		return
	}

	// Built only when the upstream is called: a replay needs none of it.
	newCall := func() *upstreamCall {
		return &upstreamCall{
			method: r.Method, url: target, trusted: rt != nil, body: body, header: h.upstreamHeader(r.Header, inject),
			keepHeaders: filter.SplitList(r.Header.Get("Response-Headers")), mask: mask,
		}
	}
	if key == "" {
		rl.outcome = outPassthrough
		rec := h.execute(r.Context(), newCall())
		rl.status = rec.Status
		writeRecord(w, r, rec)
		return
	}

	fp := h.fingerprint(r, target, body)
	skey := storeKey(agent, key)
	waitCtx, cancel := context.WithTimeout(r.Context(), h.lockTTL+h.o.RequestTimeout)
	defer cancel()
	claim, err := h.o.Store.Begin(waitCtx, skey, fp, h.lockTTL)
	switch {
	case errors.Is(err, store.ErrMismatch):
		fail(http.StatusUnprocessableEntity, outConflict, fmt.Errorf("idempotency-key %q was already used with a different request (method, URL, body or filters)", key))
		return
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		fail(http.StatusConflict, outInProgress, fmt.Errorf("a request with idempotency-key %q is still in progress; retry later", key))
		return
	case err != nil:
		m.StoreErrors.WithLabelValues("begin").Inc()
		fail(http.StatusServiceUnavailable, outStoreError, fmt.Errorf("idempotency store unavailable: %w", err))
		return
	}
	if !claim.Owner() {
		m.Replays.Inc()
		rl.outcome, rl.status = outReplayed, claim.Record.Status
		writeRecord(w, r, *claim.Record)
		return
	}

	sent := false
	defer func() {
		if !sent { // a panic before the call was sent must not leave the key locked
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
			defer cancel()
			if err := h.o.Store.Abandon(ctx, claim); err != nil {
				m.StoreErrors.WithLabelValues("abandon").Inc()
			}
		}
	}()
	call := newCall()
	// From here on the request may reach the upstream: the key is never released again, only
	// answered (or left to its claim's expiry), so no second call can follow a first one.
	sent = true
	// The first request's client may go away; its duplicates still wait for this answer.
	rec := h.execute(context.WithoutCancel(r.Context()), call)
	// While the store is unreachable, keep trying for as long as the claim protects the key:
	// an answer that is not stored leaves its duplicates nothing to replay.
	ctx, cancelStore := context.WithDeadline(context.WithoutCancel(r.Context()), claim.Deadline())
	defer cancelStore()
	if err := h.o.Store.Complete(ctx, claim, rec, h.ttlFor(rec.Status)); err != nil {
		m.StoreErrors.WithLabelValues("complete").Inc()
		// Duplicates cannot see this answer, so this caller must not either: every replica
		// gets the same 503 and the canister retries (Stripe dedupes by the forwarded key).
		fail(http.StatusServiceUnavailable, outStoreError, fmt.Errorf("idempotency store unavailable, answer not stored: %w", err))
		return
	}
	rl.outcome, rl.status = outExecuted, rec.Status
	writeRecord(w, r, rec)
}

// ttlFor is the storage rule. Final answers (1xx-4xx except 408 and 429) are replayed for
// IdempotencyTTL. Transient failures (5xx, 408, 429, and the proxy's own 502/504 for a
// network error or timeout) are replayed for FailureTTL only: long enough that every replica
// of one consensus round gets the same failure, short enough that the canister's next
// attempt with the same key executes again.
func (h *Handler) ttlFor(status int) time.Duration {
	if Transient(status) {
		return h.o.FailureTTL
	}
	return h.o.IdempotencyTTL
}

// Transient reports whether an upstream status is a failure worth retrying.
func Transient(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

func (h *Handler) fingerprint(r *http.Request, target *url.URL, body []byte) store.Fingerprint {
	parts := [][]byte{[]byte(r.Method), []byte(target.String()), body,
		[]byte(r.Header.Get("Response-Headers")), []byte(r.Header.Get("X-Json-Mask"))}
	for _, k := range fingerprintHeaders {
		parts = append(parts, []byte(r.Header.Get(k)))
	}
	return store.NewFingerprint(parts...)
}

// storeKey namespaces the client's key by agent: two canisters choosing the same key never
// see each other's answers.
func storeKey(agent, key string) string {
	// On the stack for the usual sizes: this runs for every request with a key.
	var buf [8 + 2*MaxKeyLength]byte
	b := binary.BigEndian.AppendUint64(buf[:0], uint64(len(agent)))
	b = append(append(b, agent...), key...)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// upstreamHeader is the header sent upstream: the client's, without hop-by-hop and
// forwarding headers, with secrets substituted in the secret headers when inject is set.
func (h *Handler) upstreamHeader(in http.Header, inject bool) http.Header {
	out := in.Clone()
	filter.RemoveHopByHop(out, protectedHeaders...) // includes Proxy-Authorization: the token is for us only
	for _, k := range requestHeadersToDrop {
		out.Del(k)
	}
	out.Del("Host")
	if inject {
		for _, k := range h.secretHeaders {
			for i, v := range out[k] {
				out[k][i] = h.injectSecrets(v)
			}
		}
	}
	return out
}

// injectSecrets replaces every configured HEADER_<NAME> token in a secret header's value by
// its secret: a value that is exactly the name (the reference proxy's rule) or a name inside it,
// as in "Bearer HEADER_STRIPE_KEY" which is what a Stripe client sends when given the name as
// its API key. Unknown names stay as they are.
func (h *Handler) injectSecrets(v string) string {
	if !strings.Contains(v, "HEADER_") {
		return v
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "HEADER_")
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		j := i + len("HEADER_")
		for j < len(v) && isNameByte(v[j]) {
			j++
		}
		b.WriteString(v[:i])
		if secret, ok := h.o.Headers[v[i:j]]; ok && (i == 0 || !isNameByte(v[i-1])) {
			b.WriteString(secret)
		} else {
			b.WriteString(v[i:j])
		}
		v = v[j:]
	}
}

func isNameByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
}

type upstreamCall struct {
	method      string
	url         *url.URL
	trusted     bool
	body        []byte
	header      http.Header
	keepHeaders []string
	mask        *filter.Mask
}

// execute performs the upstream call and turns any outcome, failures included, into the record
// to store and send.
func (h *Handler) execute(parent context.Context, c *upstreamCall) store.Record {
	m := h.o.Metrics
	ctx, cancel := context.WithTimeout(parent, h.o.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, c.url.String(), bytes.NewReader(c.body))
	if err != nil {
		return failure(http.StatusBadGateway, fmt.Errorf("build upstream request: %w", err))
	}
	req.Header = c.header
	if len(c.body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	rt := h.forwarded
	if c.trusted {
		rt = h.trusted
	}
	start := time.Now()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		m.UpstreamLatency.Observe(time.Since(start).Seconds())
		m.Upstream.WithLabelValues("error").Inc()
		if ctx.Err() != nil {
			return failure(http.StatusGatewayTimeout, fmt.Errorf("upstream timed out after %v", h.o.RequestTimeout))
		}
		return failure(http.StatusBadGateway, fmt.Errorf("upstream request failed: %w", err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.o.MaxResponseBody+1))
	m.UpstreamLatency.Observe(time.Since(start).Seconds())
	m.Upstream.WithLabelValues(strconv.Itoa(resp.StatusCode/100) + "xx").Inc()
	if err != nil {
		if ctx.Err() != nil {
			return failure(http.StatusGatewayTimeout, fmt.Errorf("upstream timed out after %v", h.o.RequestTimeout))
		}
		return failure(http.StatusBadGateway, fmt.Errorf("read upstream answer: %w", err))
	}
	if int64(len(body)) > h.o.MaxResponseBody {
		return failure(http.StatusBadGateway, fmt.Errorf("upstream answer exceeds %d bytes", h.o.MaxResponseBody))
	}
	header := filter.ResponseHeaders(resp.Header, c.keepHeaders)
	if c.mask != nil && resp.StatusCode/100 == 2 && filter.IsJSON(resp.Header.Get("Content-Type")) {
		// A body that is not the JSON it claims stays as it is: still deterministic.
		if masked, err := c.mask.Apply(body); err == nil {
			body = masked
		}
	}
	return store.RecordFromHeader(resp.StatusCode, header, body)
}

// failure is the stored answer for an upstream call that produced no usable answer.
func failure(status int, err error) store.Record {
	return store.Record{
		Status: status,
		Header: []store.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}},
		Body:   []byte(err.Error() + "\n"),
	}
}

// writeRecord sends a record. Nothing varies between the first answer and its replays: no
// Date, no request id, no replay marker, so every replica receives identical bytes.
func writeRecord(w http.ResponseWriter, r *http.Request, rec store.Record) {
	h := w.Header()
	for _, f := range rec.Header {
		h[f.Name] = append(h[f.Name], f.Value)
	}
	h["Date"] = nil // suppress net/http's automatic Date header
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // and its content sniffing
	}
	h.Set("Content-Length", strconv.Itoa(len(rec.Body)))
	w.WriteHeader(rec.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rec.Body)
	}
}

// readBody reads the request body up to limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
