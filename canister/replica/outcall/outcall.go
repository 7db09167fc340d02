// Package outcall performs canister HTTPS outcalls (the management canister's http_request)
// the way an IC subnet does: every one of N simulated replicas sends the request for real,
// each response is run through the canister's transform, and the call only succeeds when
// enough replicas (2f+1 of n = 3f+1) end up with byte-identical results. Without that
// agreement the call is rejected exactly as the IC rejects it, which is what makes the
// idempotent proxy necessary for non-idempotent requests.
//
// Limits, error texts and reject codes follow the IC replica (rs/types canister_http and the
// HTTPS outcalls adapter); limits and fees are package protocol's. A failed outcall is a
// *protocol.Reject without an IC error code.
package outcall

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// The IC's limits and fees are package protocol's (protocol.Outcall*, protocol.OutcallCost).
const (
	// DefaultTimeout bounds one replica's request, like the adapter's timeout.
	DefaultTimeout = 30 * time.Second
	// userAgent is what the IC adapter sends when the canister sets none.
	userAgent = "ic/1.0"
)

// Header is one HTTP header of a request or response: the management canister's Candid
// http_header, shared with the CDK.
type Header = ic00.HTTPHeader

// Transform names the canister query that turns each replica's raw response into the value
// the replicas must agree on.
type Transform struct {
	Canister []byte // principal bytes of the canister owning the query
	Method   string
	Context  []byte
}

// Request is a decoded management canister http_request argument.
type Request struct {
	URL              string
	MaxResponseBytes *uint64
	Method           string // GET, HEAD, POST, PUT, DELETE or PATCH
	Headers          []Header
	Body             []byte
	Transform        *Transform
	IsReplicated     *bool
}

// Response is an HTTP response as a canister sees it.
type Response struct {
	Status  uint64
	Headers []Header
	Body    []byte
}

// TransformFunc runs the canister's transform query on one replica's raw response. A
// non-nil *protocol.Reject is that replica's outcome (a trapping transform, for instance).
type TransformFunc func(ctx context.Context, t Transform, raw Response) (Response, *protocol.Reject)

// Validate checks the request the way the replica does when the canister makes the call,
// before any cycles are charged: a failure is a CanisterReject with the IC's message.
// caller is the principal of the calling canister.
func (r *Request) Validate(caller []byte) *protocol.Reject {
	reject := func(format string, a ...any) *protocol.Reject {
		return &protocol.Reject{Code: protocol.CanisterReject, Message: fmt.Sprintf(format, a...)}
	}
	if r.Transform != nil && !bytes.Equal(r.Transform.Canister, caller) {
		return reject("transform principal id expected to be the calling canister")
	}
	if len(r.URL) > protocol.OutcallMaxURLBytes {
		return reject("url size %d exceeds %d", len(r.URL), protocol.OutcallMaxURLBytes)
	}
	if len(r.Headers) > protocol.OutcallMaxHeaders {
		return reject("number of all http headers %d exceeds %d", len(r.Headers), protocol.OutcallMaxHeaders)
	}
	total := 0
	for _, h := range r.Headers {
		if len(h.Name) > protocol.OutcallMaxHeaderBytes {
			return reject("number of bytes to represent some http header name %d exceeds %d", len(h.Name), protocol.OutcallMaxHeaderBytes)
		}
		if len(h.Value) > protocol.OutcallMaxHeaderBytes {
			return reject("number of bytes to represent some http header value %d exceeds %d", len(h.Value), protocol.OutcallMaxHeaderBytes)
		}
		total += len(h.Name) + len(h.Value)
	}
	if total > protocol.OutcallMaxHeadersTotalBytes {
		return reject("total number of bytes to represent all http header names and values %d exceeds %d", total, protocol.OutcallMaxHeadersTotalBytes)
	}
	if total+len(r.Body) > protocol.OutcallMaxRequestBytes {
		return reject("total number of bytes to represent all http header names and values and http body %d exceeds %d", total+len(r.Body), protocol.OutcallMaxRequestBytes)
	}
	if r.MaxResponseBytes != nil && *r.MaxResponseBytes > protocol.OutcallMaxResponseBytes {
		return reject("max_response_bytes expected to be in the range [0..%d], got %d", protocol.OutcallMaxResponseBytes, *r.MaxResponseBytes)
	}
	switch r.Method {
	case "GET", "HEAD", "POST":
	case "PUT", "DELETE", "PATCH":
		if r.IsReplicated == nil || *r.IsReplicated {
			return reject("The requested HTTP method is only allowed for non-replicated requests.")
		}
	default:
		return reject("unsupported HTTP method %q", r.Method)
	}
	return nil
}

// Size is the request size the IC charges for (protocol.OutcallRequestBytes).
func (r *Request) Size() uint64 {
	if r.Transform == nil {
		return ic00.RequestBytes(r.URL, r.Headers, r.Body, "", nil)
	}
	return ic00.RequestBytes(r.URL, r.Headers, r.Body, r.Transform.Method, r.Transform.Context)
}

// ResponseLimit is max_response_bytes, or the IC's default (and maximum) when unset.
func (r *Request) ResponseLimit() uint64 {
	if r.MaxResponseBytes != nil {
		return *r.MaxResponseBytes
	}
	return protocol.OutcallMaxResponseBytes
}

// Config configures a Client.
type Config struct {
	// Nodes is the number of simulated replicas sending each replicated request.
	Nodes int
	// ExtraCAFile names a PEM file of certificates trusted besides the system roots, for
	// local TLS servers (the idempotent proxy with a local CA, test servers).
	ExtraCAFile string
	// Timeout bounds each replica's request (DefaultTimeout when zero).
	Timeout time.Duration
	// Logger receives one line per outcall; nil discards.
	Logger *slog.Logger
	// DialContext replaces the dialer (tests); nil uses net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client sends outcalls on behalf of the replica. It is safe for concurrent use.
type Client struct {
	nodes   int
	timeout time.Duration
	log     *slog.Logger
	http    *http.Client
}

// New returns a Client trusting the system roots plus cfg.ExtraCAFile.
func New(cfg Config) (*Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if cfg.ExtraCAFile != "" {
		pem, err := os.ReadFile(cfg.ExtraCAFile)
		if err != nil {
			return nil, fmt.Errorf("outcall: reading extra CA file: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("outcall: no PEM certificate in %s", cfg.ExtraCAFile)
		}
	}
	if cfg.Nodes <= 0 {
		cfg.Nodes = protocol.SubnetNodes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	}
	transport := &http.Transport{
		DialContext:         dial,
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		// The adapter hands the canister the bytes the server sent: no transparent gunzip.
		DisableCompression:  true,
		MaxIdleConnsPerHost: cfg.Nodes,
		ForceAttemptHTTP2:   true,
	}
	return &Client{
		nodes:   cfg.Nodes,
		timeout: cfg.Timeout,
		log:     log,
		http: &http.Client{
			Transport: transport,
			// The adapter does not follow redirects; the canister sees the 3xx.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Nodes is the number of simulated replicas.
func (c *Client) Nodes() int { return c.nodes }

// outcome is one replica's result: a transformed response or a reject.
type outcome struct {
	resp Response
	err  *protocol.Reject
	hash [32]byte
}

// Do performs the outcall: on every simulated replica (one when the request is
// non-replicated) it sends the request, bounds the response, runs the transform, and then
// requires 2f+1 identical outcomes. Validate the request first.
func (c *Client) Do(ctx context.Context, req Request, transform TransformFunc) (Response, *protocol.Reject) {
	n := c.nodes
	if req.IsReplicated != nil && !*req.IsReplicated {
		n = 1
	}
	start := time.Now()
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range outcomes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outcomes[i]
			o.resp, o.err = c.replica(ctx, req, transform)
			o.hash = o.digest()
		}()
	}
	wg.Wait()
	resp, rej := agree(outcomes)
	c.log.Info("https outcall", "method", req.Method, "url", redactURL(req.URL), "replicas", n,
		"ok", rej == nil, "ms", time.Since(start).Milliseconds())
	return resp, rej
}

// agree applies the consensus rule: a result is delivered when at least 2f+1 of n = 3f+1
// replicas share it; otherwise the call fails with the IC's divergence reject.
func agree(outcomes []outcome) (Response, *protocol.Reject) {
	n := len(outcomes)
	f := (n - 1) / 3
	need := 2*f + 1
	counts := map[[32]byte]int{}
	for _, o := range outcomes {
		counts[o.hash]++
	}
	for _, o := range outcomes {
		if counts[o.hash] >= need {
			return o.resp, o.err
		}
	}
	type hc struct {
		hash  [32]byte
		count int
	}
	var groups []hc
	for h, c := range counts {
		groups = append(groups, hc{h, c})
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].count != groups[j].count {
			return groups[i].count > groups[j].count
		}
		return bytes.Compare(groups[i].hash[:], groups[j].hash[:]) < 0
	})
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf("[%s: %d]", hex.EncodeToString(g.hash[:]), g.count)
	}
	return Response{}, &protocol.Reject{Code: protocol.SysTransient, Message: "No consensus could be reached. Replicas had different responses. Details: hashes: " + strings.Join(parts, ", ")}
}

func (o *outcome) digest() [32]byte {
	h := sha256.New()
	if o.err != nil {
		fmt.Fprintf(h, "reject\x00%d\x00%s", o.err.Code, o.err.Message)
	} else {
		fmt.Fprintf(h, "response\x00%d\x00", o.resp.Status)
		for _, hd := range o.resp.Headers {
			fmt.Fprintf(h, "%d:%s%d:%s", len(hd.Name), hd.Name, len(hd.Value), hd.Value)
		}
		h.Write([]byte{0})
		h.Write(o.resp.Body)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

// replica is what one node does: send, bound, transform.
func (c *Client) replica(ctx context.Context, req Request, transform TransformFunc) (Response, *protocol.Reject) {
	raw, rej := c.send(ctx, req)
	if rej != nil {
		return Response{}, rej
	}
	if req.Transform == nil || transform == nil {
		return raw, nil
	}
	out, rej := transform(ctx, *req.Transform, raw)
	if rej != nil {
		return Response{}, rej
	}
	if size := responseSize(out); size > req.ResponseLimit() {
		return Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: fmt.Sprintf("Transformed http response exceeds limit: %d", req.ResponseLimit())}
	}
	return out, nil
}

func responseSize(r Response) uint64 {
	n := len(r.Body)
	for _, h := range r.Headers {
		n += len(h.Name) + len(h.Value)
	}
	return uint64(n)
}

func (c *Client) send(ctx context.Context, req Request) (Response, *protocol.Reject) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: fmt.Sprintf("Failed to parse URL: %v", err)}
	}
	if u.Scheme != "https" {
		return Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: "URL needs to specify HTTPS scheme"}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: fmt.Sprintf("Failed to build request: %v", err)}
	}
	hasUA := false
	for _, h := range req.Headers {
		if strings.EqualFold(h.Name, "host") {
			hreq.Host = h.Value
			continue
		}
		if strings.EqualFold(h.Name, "user-agent") {
			hasUA = true
		}
		hreq.Header.Add(h.Name, h.Value)
	}
	if !hasUA {
		hreq.Header.Set("User-Agent", userAgent)
	}
	if len(req.Body) == 0 {
		hreq.Body = nil
		hreq.ContentLength = 0
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return Response{}, &protocol.Reject{Code: protocol.SysTransient, Message: "Timeout expired"}
		}
		return Response{}, &protocol.Reject{Code: protocol.SysTransient, Message: fmt.Sprintf("Connecting to %s failed: %v", u.Host, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	limit := req.ResponseLimit()
	headers := make([]Header, 0, len(resp.Header))
	var headerSize uint64
	for name, values := range resp.Header {
		lname := strings.ToLower(name)
		for _, v := range values {
			headers = append(headers, Header{Name: lname, Value: v})
			headerSize += uint64(len(lname) + len(v))
		}
	}
	// Header order must not depend on Go's map iteration: replicas compare bytes.
	sort.SliceStable(headers, func(i, j int) bool { return headers[i].Name < headers[j].Name })
	if headerSize > limit {
		return Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: fmt.Sprintf("Header size exceeds specified response size limit %d", limit)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit-headerSize)+1))
	if err != nil {
		return Response{}, &protocol.Reject{Code: protocol.SysTransient, Message: fmt.Sprintf("Failed to read response body: %v", err)}
	}
	if uint64(len(body)) > limit-headerSize {
		return Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: fmt.Sprintf("Http body exceeds size limit of %d bytes.", limit)}
	}
	return Response{Status: uint64(resp.StatusCode), Headers: headers, Body: body}, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL drops the query string from logs: it may carry tokens.
func redactURL(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i] + "?..."
	}
	return raw
}
