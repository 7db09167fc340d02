// Package gateway is the local replica's HTTP gateway: it turns browser
// HTTP requests into calls of a canister's http_request query (and
// http_request_update update) as the IC HTTP Gateway Protocol specifies, and
// verifies query responses (response verification v1 and v2) on the
// certified domain like the production gateways do.
//
//	http://<id>.localhost:4943/...          certified: responses are verified
//	http://<id>.raw.localhost:4943/...      raw: no verification
//	http://127.0.0.1:4943/...?canisterId=<id> and localhost:4943/...?canisterId=<id>
//	                                        certified, as in dfx
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv"
)

// Defaults of Config.
const (
	// DefaultMaxRequestBody is the IC's ingress message limit: larger
	// requests could not reach a canister anyway.
	DefaultMaxRequestBody = protocol.MaxIngressBytes
	// DefaultMaxResponseBody bounds a response assembled from streamed
	// chunks.
	DefaultMaxResponseBody = 64 << 20
	// DefaultMaxCallbacks bounds the streaming callback calls of one
	// response (the reference gateway's limit).
	DefaultMaxCallbacks = 1000
)

// Config configures a Gateway.
type Config struct {
	Backend Backend
	// Domains are the base domains under which <id>.<domain> (certified)
	// and <id>.raw.<domain> (raw) are served. Default: "localhost".
	Domains []string
	// MaxRequestBody, MaxResponseBody and MaxCallbacks default to the
	// Default* constants.
	MaxRequestBody  int64
	MaxResponseBody int64
	MaxCallbacks    int
	// MaxCertTimeOffset is how old (or new) a certificate may be; default
	// rv.DefaultMaxCertTimeOffset (5 minutes).
	MaxCertTimeOffset time.Duration
	// Now is the clock for certificate freshness; default time.Now.
	Now func() time.Time
	// Logger receives one debug line per failed request; default discards.
	Logger *slog.Logger
}

// Gateway is an http.Handler serving canisters over HTTP.
type Gateway struct {
	cfg Config
}

// New validates cfg and fills in defaults.
func New(cfg Config) (*Gateway, error) {
	if cfg.Backend == nil {
		return nil, errors.New("gateway: no backend")
	}
	cfg.Domains = slices.Clone(cfg.Domains)
	if len(cfg.Domains) == 0 {
		cfg.Domains = []string{"localhost"}
	}
	for i, d := range cfg.Domains {
		cfg.Domains[i] = strings.ToLower(strings.Trim(d, "."))
	}
	if cfg.MaxRequestBody <= 0 {
		cfg.MaxRequestBody = DefaultMaxRequestBody
	}
	if cfg.MaxResponseBody <= 0 {
		cfg.MaxResponseBody = DefaultMaxResponseBody
	}
	if cfg.MaxCallbacks <= 0 {
		cfg.MaxCallbacks = DefaultMaxCallbacks
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Gateway{cfg: cfg}, nil
}

// httpError is a failure with the status and body the client gets.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func fail(status int, format string, args ...any) *httpError {
	return &httpError{status, fmt.Sprintf(format, args...)}
}

// answer is what the gateway sends back.
type answer struct {
	status  int
	headers []rv.Header
	body    []byte
}

// ServeHTTP handles one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, err := g.handle(r)
	if err != nil {
		var he *httpError
		if !errors.As(err, &he) {
			he = fail(http.StatusInternalServerError, "Internal Server Error: %v", err)
		}
		g.cfg.Logger.Debug("gateway request failed", "method", r.Method, "host", r.Host, "uri", r.RequestURI, "status", he.status, "reason", he.msg)
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(he.status)
		io.WriteString(w, he.msg)
		return
	}
	h := w.Header()
	for _, hd := range a.headers {
		if dropResponseHeader(hd.Name) {
			continue
		}
		h.Add(hd.Name, hd.Value)
	}
	if _, ok := h["Content-Type"]; !ok {
		// Do not let net/http sniff a type the canister did not send.
		h["Content-Type"] = nil
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// dropResponseHeader filters headers net/http computes itself
// (Content-Length, from the assembled body) and hop-by-hop headers that
// describe the canister's message rather than this HTTP connection.
func dropResponseHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-length", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection":
		return true
	}
	return false
}

func (g *Gateway) handle(r *http.Request) (answer, error) {
	target, err := g.resolve(r)
	if err != nil {
		return answer{}, err
	}
	req, err := g.canisterRequest(r)
	if err != nil {
		return answer{}, err
	}
	ctx := r.Context()
	arg, err := encodeQueryRequest(req)
	if err != nil {
		return answer{}, err
	}
	reply, err := g.cfg.Backend.Query(ctx, target.id, "http_request", arg)
	if err != nil {
		return answer{}, callError(err)
	}
	resp, cb, err := decodeResponse(reply)
	if err != nil {
		return answer{}, fail(http.StatusBadGateway, "Failed to decode the canister's response: %v", err)
	}
	upgraded := resp.Upgrade != nil && *resp.Upgrade
	if upgraded {
		// The spec: ignore the query answer and use the update's, whose
		// own upgrade field is ignored.
		arg, err := encodeUpdateRequest(req)
		if err != nil {
			return answer{}, err
		}
		reply, err := g.cfg.Backend.Update(ctx, target.id, "http_request_update", arg)
		if err != nil {
			return answer{}, callError(err)
		}
		if resp, cb, err = decodeResponse(reply); err != nil {
			return answer{}, fail(http.StatusBadGateway, "Failed to decode the canister's response: %v", err)
		}
	}
	body := resp.Body
	if cb != nil {
		if body, err = g.stream(ctx, target.id, cb, body); err != nil {
			return answer{}, err
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 999 {
		return answer{}, fail(http.StatusBadGateway, "Failed to parse response status code: %d", resp.StatusCode)
	}
	for _, h := range resp.Headers {
		if !validHeaderName(h.Name) || !validHeaderValue(h.Value) {
			return answer{}, fail(http.StatusBadGateway, "Failed to build response: invalid header %q", h.Name)
		}
	}
	out := rv.Response{StatusCode: resp.StatusCode, Headers: toHeaders(resp.Headers), Body: body}
	// Updates went through consensus; only query answers need verifying.
	if target.raw || upgraded {
		return answer{int(out.StatusCode), out.Headers, out.Body}, nil
	}
	return g.verify(target.id, req, out)
}

// verify applies response verification and chooses the headers to return
// the way the reference gateway does.
func (g *Gateway) verify(id principal.Principal, req httpUpdateRequest, resp rv.Response) (answer, error) {
	res, err := rv.Verify(rv.Request{
		Method: req.Method, URL: req.URL, Headers: toHeaders(req.Headers), Body: req.Body,
	}, resp, rv.Params{
		CanisterID:        id,
		RootKey:           g.cfg.Backend.RootKey(),
		Now:               g.cfg.Now(),
		MaxCertTimeOffset: g.cfg.MaxCertTimeOffset,
	})
	if err != nil {
		return answer{}, fail(http.StatusServiceUnavailable, "Response verification failed: %v", err)
	}
	a := answer{status: int(resp.StatusCode), body: resp.Body}
	switch {
	case res.Version < 2:
		// v1 certifies neither status nor headers: refuse redirects and
		// drop caching directives a malicious node could have added.
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return answer{}, fail(http.StatusServiceUnavailable, "Response verification failed: response verification v1 does not allow redirects")
		}
		for _, h := range resp.Headers {
			if !strings.EqualFold(h.Name, "cache-control") {
				a.headers = append(a.headers, h)
			}
		}
	case res.Skip:
		// The canister certifiably chose not to certify: return as is.
		a.headers = resp.Headers
	default:
		// Only what is certified reaches the client.
		a.headers = res.CertifiedHeaders
	}
	return a, nil
}

// stream follows the callback until the canister returns no more tokens.
func (g *Gateway) stream(ctx context.Context, id principal.Principal, cb *streamingCallback, body []byte) ([]byte, error) {
	if !cb.Canister.Equal(id) {
		return nil, fail(http.StatusBadGateway, "Streaming callback %s.%s is not a method of canister %s", cb.Canister, cb.Method, id)
	}
	body = slices.Clone(body)
	arg := cb.Arg
	for calls := 0; arg != nil; calls++ {
		if calls >= g.cfg.MaxCallbacks {
			return nil, fail(http.StatusInsufficientStorage, "Response size exceeds limit: more than %d streaming callbacks", g.cfg.MaxCallbacks)
		}
		reply, err := g.cfg.Backend.Query(ctx, id, cb.Method, arg)
		if err != nil {
			return nil, callError(err)
		}
		chunk, next, err := decodeCallbackResponse(reply)
		if err != nil {
			return nil, fail(http.StatusBadGateway, "Failed to decode the streaming callback's response: %v", err)
		}
		if int64(len(body))+int64(len(chunk)) > g.cfg.MaxResponseBody {
			return nil, fail(http.StatusInsufficientStorage, "Response size exceeds limit of %d bytes", g.cfg.MaxResponseBody)
		}
		body = append(body, chunk...)
		arg = next
	}
	return body, nil
}

// callError maps a failed call to the reference gateway's answers.
func callError(err error) error {
	var rej *protocol.Reject
	switch {
	case errors.As(err, &rej) && rej.Code == protocol.DestinationInvalid:
		return fail(http.StatusNotFound, "%s", rej.Message)
	case errors.As(err, &rej):
		code := "None"
		if rej.ErrorCode != "" {
			code = fmt.Sprintf("Some(%q)", rej.ErrorCode)
		}
		return fail(http.StatusBadGateway, "Replica Error: reject code %s, message %s, error code %s", rej.Code, rej.Message, code)
	case errors.Is(err, context.DeadlineExceeded):
		return fail(http.StatusGatewayTimeout, "Gateway timeout: %v", err)
	default:
		return fail(http.StatusInternalServerError, "Internal Server Error: %v", err)
	}
}

// canisterRequest turns the HTTP request into the canister's HttpRequest:
// the request line's path and query as sent, every header (lower-cased
// names, Host first) and the body bytes untouched.
func (g *Gateway) canisterRequest(r *http.Request) (httpUpdateRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, g.cfg.MaxRequestBody+1))
	if err != nil {
		return httpUpdateRequest{}, fail(http.StatusBadRequest, "Failed to read the request body: %v", err)
	}
	if int64(len(body)) > g.cfg.MaxRequestBody {
		return httpUpdateRequest{}, fail(http.StatusRequestEntityTooLarge, "Request body exceeds the limit of %d bytes", g.cfg.MaxRequestBody)
	}
	headers := []headerField{{Name: "host", Value: r.Host}}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			if !utf8.ValidString(v) {
				return httpUpdateRequest{}, fail(http.StatusBadRequest, "Failed to parse request: header %s is not valid UTF-8", name)
			}
			headers = append(headers, headerField{Name: strings.ToLower(name), Value: v})
		}
	}
	return httpUpdateRequest{Method: r.Method, URL: requestURL(r), Headers: headers, Body: body}, nil
}

// requestURL is the request target as the client sent it (path and query,
// with their original encoding); an absolute-form target is reduced to its
// path and query. The canisterId parameter stays in, as with the reference
// gateway, which forwards the URI's path and query unchanged.
func requestURL(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		u, _, _ := strings.Cut(r.RequestURI, "#")
		return u
	}
	u := r.URL.EscapedPath()
	if u == "" {
		u = "/"
	}
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue rejects control characters (other than tab), which
// would let a canister split or forge response headers.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func toHeaders(hs []headerField) []rv.Header {
	out := make([]rv.Header, len(hs))
	for i, h := range hs {
		out[i] = rv.Header{Name: h.Name, Value: h.Value}
	}
	return out
}
