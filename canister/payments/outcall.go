package payments

import (
	"context"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/internal/jsonlite"
)

// Header is one HTTP header. A slice of them (not a map) keeps order deterministic.
type Header struct {
	Name  string
	Value string
}

// OutcallRequest is an HTTPS outcall for the management canister's http_request. The
// canister wiring adds the transform (TransformContext is its context argument; pass it to
// TransformResponse).
type OutcallRequest struct {
	Method           string // GET or POST
	URL              string
	Headers          []Header
	Body             []byte
	MaxResponseBytes uint64
	TransformContext []byte
}

// OutcallResponse is what the outcall (after the transform) returned.
type OutcallResponse struct {
	Status  int
	Headers []Header
	Body    []byte
}

// Outcaller performs HTTPS outcalls. In the canister it wraps the management canister's
// http_request (an inter-canister call, so the handler blocks until the reply); in tests it
// is a fake or an HTTP client pointed at a local server. An error means no HTTP response
// (reject, timeout, response too large): always treated as transient.
type Outcaller interface {
	Outcall(ctx context.Context, req OutcallRequest) (OutcallResponse, error)
}

// OutcallerFunc adapts a function to Outcaller.
type OutcallerFunc func(ctx context.Context, req OutcallRequest) (OutcallResponse, error)

// Outcall implements Outcaller.
func (f OutcallerFunc) Outcall(ctx context.Context, req OutcallRequest) (OutcallResponse, error) {
	return f(ctx, req)
}

// stripeVersion pins the API version of every request so the response shape does not change
// when the Stripe account's default version does. It is stripe-go v79's version.
const stripeVersion = "2024-06-20"

// Response size budgets (max_response_bytes is charged in full whether used or not: ~10,400
// cycles per byte on a 13-node subnet).
const (
	// A masked session (sessionMask) at worst: ids of 255 bytes, a client_reference_id of
	// 200 characters each escaped as \uXXXX, ~230 bytes of keys and punctuation, plus the
	// status line and the few headers the proxy keeps. TestMaskedSessionFitsBudget builds
	// that worst case.
	maskedResponseBytes = 4096
	// fetchResponseBytes is the first budget of a session fetch through the proxy. A masked
	// session is 300-700 bytes in practice (a fetch keeps no url, which Stripe sets only on
	// open sessions), and max_response_bytes is most of an outcall's price: 1 KiB instead
	// of 4 KiB makes a pull cost less than half of the seed demo's 8 KiB one. A larger
	// answer is refused by the replicas and fetched again at once with maskedResponseBytes
	// (see Refresh).
	fetchResponseBytes = 1024
	// Without a proxy Stripe sends the whole session object (3-6 KiB typically, more with
	// metadata and custom fields).
	fullSessionResponseBytes = 32 << 10
	// maxIdempotencyKey is Stripe's limit.
	maxIdempotencyKey = 255
)

// Transform contexts: which projection TransformResponse keeps.
const transformSession = "session"

// endpoint builds the URL and the routing headers for a Stripe API path, through the proxy
// when one is configured.
func (s *Service) endpoint(path, mask string) (string, []Header) {
	if s.proxyBase == "" {
		return "https://" + s.cfg.APIHost + path, nil
	}
	h := []Header{
		{"x-forwarded-host", s.cfg.APIHost},
		{"response-headers", "content-type"},
		{"x-json-mask", mask},
	}
	if s.cfg.ProxyAuthorization != "" {
		h = append(h, Header{"proxy-authorization", s.cfg.ProxyAuthorization})
	}
	return s.proxyBase + path, h
}

func (s *Service) commonHeaders(idemKey string) []Header {
	h := []Header{
		{"idempotency-key", idemKey},
		{"stripe-version", stripeVersion},
		{"accept", "application/json"},
	}
	if s.cfg.APIKey != "" {
		h = append(h, Header{"authorization", "Bearer " + s.cfg.APIKey})
	}
	return h
}

// idempotencyKey joins its parts with '/' and, when that would exceed Stripe's 255-byte
// limit, keeps the first part and a SHA-256 of the whole.
func idempotencyKey(parts ...string) string {
	k := strings.Join(parts, "/")
	if len(k) <= maxIdempotencyKey {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return parts[0] + "/" + errfmt.Hex(sum[:])
}

// sessionFetchRequest builds the GET of one Checkout Session. The idempotency key is the
// canister id, the store's epoch (so a reinstalled canister, whose counters restart, never
// reuses a key the proxy still caches), the session id and the attempt number: every replica
// computes the same key, so the proxy forwards one request to Stripe, and a later attempt
// gets a fresh answer instead of the cached one.
func (s *Service) sessionFetchRequest(id string, attempt uint32) OutcallRequest {
	url, h := s.endpoint("/v1/checkout/sessions/"+id, fetchMask)
	key := idempotencyKey(s.canisterID, strconv.FormatInt(s.led.m.epoch, 36), id, strconv.FormatUint(uint64(attempt), 10))
	req := OutcallRequest{
		Method:           "GET",
		URL:              url,
		Headers:          append(h, s.commonHeaders(key)...),
		MaxResponseBytes: fullSessionResponseBytes,
		TransformContext: []byte(transformSession),
	}
	if s.proxyBase != "" {
		req.MaxResponseBytes = fetchResponseBytes
	}
	return req
}

// responseTooLarge reports whether an outcall failed because the response exceeded
// max_response_bytes (the IC's rejects: "Http body exceeds size limit of N bytes.",
// "Header size exceeds specified response size limit N", "Transformed http response
// exceeds limit: N").
func responseTooLarge(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "exceeds") && strings.Contains(msg, "limit")
}

// TransformResponse is the body of the canister's transform query: it keeps only what every
// replica sees identically and what the canister reads. Headers are dropped; a 2xx body is
// re-encoded as the session projection (fixed key order, whatever the upstream's JSON
// formatting); an error body is reduced to Stripe's error type and code.
func TransformResponse(resp OutcallResponse, context []byte) OutcallResponse {
	out := OutcallResponse{Status: resp.Status}
	if string(context) != transformSession {
		return out
	}
	if resp.Status >= 200 && resp.Status < 300 {
		var so SessionObject
		if err := jsonlite.Unmarshal(resp.Body, "payments.SessionObject", so.fields()); err == nil {
			out.Body = appendSessionProjection(nil, &so)
		}
		return out
	}
	if e, ok := parseStripeError(resp.Body); ok {
		// As json.Marshal wrote map[string]map[string]string: keys sorted.
		b := append([]byte(nil), `{"error":{"code":`...)
		b = jsonlite.AppendString(b, e.Code)
		b = append(b, `,"message":`...)
		b = jsonlite.AppendString(b, e.Message)
		b = append(b, `,"type":`...)
		b = jsonlite.AppendString(b, e.Type)
		out.Body = append(b, "}}"...)
	}
	return out
}

// stripeErrorDetail is the error member of a Stripe error body.
type stripeErrorDetail struct{ Type, Code, Message string }

// stripeErrorType is the Go type encoding/json named in its messages for "error".
const stripeErrorType = `struct { Type string "json:\"type\""; Code string "json:\"code\""; Message string "json:\"message\"" }`

// parseStripeError decodes {"error":{...}} as json.Unmarshal decoded it into the type this
// replaced, payments.stripeError (struct{ Error *stripeErrorDetail } with json tags): ok
// when the body decodes and has a non-null error.
func parseStripeError(body []byte) (*stripeErrorDetail, bool) {
	var e *stripeErrorDetail
	err := jsonlite.Unmarshal(body, "payments.stripeError", []jsonlite.Field{
		jsonlite.ObjectPtr("error", stripeErrorType, &e, func(e *stripeErrorDetail) []jsonlite.Field {
			return []jsonlite.Field{
				jsonlite.String("type", &e.Type),
				jsonlite.String("code", &e.Code),
				jsonlite.String("message", &e.Message),
			}
		}),
	})
	return e, err == nil && e != nil
}

// appendSessionProjection writes the SessionObject as canonical JSON (keys in a fixed order,
// nulls kept).
func appendSessionProjection(b []byte, s *SessionObject) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, s.ID)
	b = append(b, `,"object":`...)
	b = appendJSONString(b, s.Object)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, s.Status)
	b = append(b, `,"payment_status":`...)
	b = appendJSONString(b, s.PaymentStatus)
	b = append(b, `,"amount_total":`...)
	if s.AmountTotal != nil {
		b = strconv.AppendInt(b, *s.AmountTotal, 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"currency":`...)
	b = appendJSONStringPtr(b, s.Currency)
	b = append(b, `,"client_reference_id":`...)
	b = appendJSONStringPtr(b, s.ClientReferenceID)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, s.Created, 10)
	b = append(b, `,"payment_intent":`...)
	b = appendJSONIDOrNull(b, string(s.PaymentIntent))
	b = append(b, `,"invoice":`...)
	b = appendJSONIDOrNull(b, string(s.Invoice))
	b = append(b, `,"livemode":`...)
	b = strconv.AppendBool(b, s.Livemode)
	b = append(b, `,"url":`...)
	b = appendJSONStringPtr(b, s.URL)
	return append(b, '}')
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

func appendJSONIDOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json escapes it.
func appendJSONString(b []byte, s string) []byte { return jsonlite.AppendString(b, s) }
