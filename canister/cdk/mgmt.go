package cdk

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Calls to the management canister (aaaaa-aa) that a Go canister commonly needs: randomness
// and HTTPS outcalls. They block like Call.

// RawRand returns 32 random bytes from the management canister's raw_rand (the subnet's
// random beacon: unpredictable, the same on every replica).
func RawRand() ([]byte, error) {
	b, err := Call[[]byte](principal.ManagementCanister, "raw_rand")
	if err != nil {
		return nil, errfmt.Wrap("raw_rand: ", err, "")
	}
	if len(b) != 32 {
		return nil, errors.New("raw_rand: got " + strconv.Itoa(len(b)) + " bytes, want 32")
	}
	return b, nil
}

// SeedRandom seeds the module's random_get generator with raw_rand bytes, so that crypto/rand
// (which reads random_get on every call) returns unpredictable bytes from then on.
//
// Before seeding, randomness is deterministic: random_get is a fixed-seed generator, the same
// bytes on every replica and after every install and upgrade (it lives in a Wasm global, so a
// trap rolls it back and an upgrade resets it). math/rand/v2's top-level functions are
// seeded once when the Go runtime starts, from that fixed generator: SeedRandom does not
// change them; use rand.New(rand.NewChaCha8(seed)) with a seed read from crypto/rand.
//
// The generator behind random_get (ABI.md) has 64 bits of state and is not a cryptographic
// generator: its output reveals its state. Use the seeded stream for unpredictability
// between messages (ids, nonces), and RawRand bytes directly for secrets.
func SeedRandom() error {
	b, err := RawRand()
	if err != nil {
		return err
	}
	var seed uint64
	for i := 0; i < len(b); i += 8 {
		seed ^= binary.LittleEndian.Uint64(b[i:])
	}
	root().seed(seed)
	return nil
}

// HTTPS outcalls.

// HTTPHeader is one HTTP header of an outcall.
type HTTPHeader = ic00.HTTPHeader

// HTTPTransform names the transform of an outcall: a query method of this canister (exported
// as query.<Method>) that every replica runs on its raw response, so that the replicas agree
// (strip Date, request ids...). TransformQuery writes its body.
type HTTPTransform struct {
	Method  string
	Context []byte // passed to the transform as is
}

// HTTPRequest is an HTTPS outcall (the management canister's http_request).
type HTTPRequest struct {
	URL    string
	Method string // GET, HEAD, POST; PUT, DELETE and PATCH only non-replicated
	// Headers are sent in order (no Host or User-Agent is added by the CDK).
	Headers []HTTPHeader
	Body    []byte
	// MaxResponseBytes bounds the response (headers and body); 0 means the IC's default and
	// maximum, 2,000,000, which is also what is charged. Set it: the fee grows with it.
	MaxResponseBytes uint64
	Transform        *HTTPTransform
	// NonReplicated sends the request from one replica instead of every replica of the
	// subnet (is_replicated = false): cheaper, but the response is not agreed on.
	NonReplicated bool
	// Cycles attached to the call; zero means the IC's fee, from ic0.cost_http_request.
	// Unused cycles are refunded.
	Cycles Cycles
}

// HTTPResponse is an outcall's response (after the transform).
type HTTPResponse struct {
	Status  uint64
	Headers []HTTPHeader
	Body    []byte
}

// DefaultMaxResponseBytes is the response limit when HTTPRequest.MaxResponseBytes is 0.
const DefaultMaxResponseBytes = protocol.OutcallMaxResponseBytes

func methodVariant(method string) (ic00.HTTPMethod, error) {
	if method == "" {
		method = "GET"
	}
	v, ok := ic00.Method(method)
	if !ok {
		return v, errfmt.Wrap("", ErrHTTPMethod, " "+strconv.Quote(method))
	}
	return v, nil
}

// Size is the request size the IC charges for (protocol.OutcallRequestBytes): the URL,
// header names and values, the body, and the transform's method name and context.
func (r *HTTPRequest) Size() uint64 {
	if r.Transform == nil {
		return ic00.RequestBytes(r.URL, r.Headers, r.Body, "", nil)
	}
	return ic00.RequestBytes(r.URL, r.Headers, r.Body, r.Transform.Method, r.Transform.Context)
}

// responseLimit is max_response_bytes as charged.
func (r *HTTPRequest) responseLimit() uint64 {
	if r.MaxResponseBytes == 0 {
		return DefaultMaxResponseBytes
	}
	return r.MaxResponseBytes
}

// HTTPCost is the fee of req in cycles on this subnet (ic0.cost_http_request).
func HTTPCost(req *HTTPRequest) Cycles {
	return root().sys.CostHTTPRequest(req.Size(), req.responseLimit())
}

// encodeHTTPRequest builds the Candid argument of http_request.
func encodeHTTPRequest(req *HTTPRequest) ([]byte, error) {
	method, err := methodVariant(req.Method)
	if err != nil {
		return nil, err
	}
	a := ic00.HTTPRequestArgs{URL: req.URL, Method: method, Headers: req.Headers}
	if a.Headers == nil {
		a.Headers = []HTTPHeader{}
	}
	if req.MaxResponseBytes != 0 {
		a.MaxResponseBytes = &req.MaxResponseBytes
	}
	if req.Body != nil {
		a.Body = &req.Body
	}
	if req.NonReplicated {
		no := false
		a.IsReplicated = &no
	}
	if tr := req.Transform; tr != nil {
		ctx := tr.Context
		if ctx == nil {
			ctx = []byte{}
		}
		a.Transform = &ic00.TransformContext{
			Function: ic00.TransformFunc{Service: Self(), Method: tr.Method},
			Context:  ctx,
		}
	}
	return candid.Marshal(a)
}

// Outcall performs the HTTPS outcall req and blocks until the response. It attaches
// req.Cycles, or the fee from ic0.cost_http_request. A reject (unreachable host, response
// over MaxResponseBytes, replicas disagreeing, transform trapping...) is a *CallError with
// the IC's reject code and message.
func Outcall(req HTTPRequest) (HTTPResponse, error) {
	arg, err := encodeHTTPRequest(&req)
	if err != nil {
		return HTTPResponse{}, errfmt.Wrap("http_request "+req.URL+": ", err, "")
	}
	cycles := req.Cycles
	if cycles == (Cycles{}) {
		cycles = HTTPCost(&req)
	}
	var res ic00.HTTPRequestResult
	f, err := Send(Request{Callee: principal.ManagementCanister, Method: "http_request", Arg: arg, Cycles: cycles})
	if err == nil {
		err = f.Decode(&res)
	}
	if err != nil {
		return HTTPResponse{}, errfmt.Wrap("http_request "+req.URL+": ", err, "")
	}
	return HTTPResponse{Status: uint64(res.Status), Headers: res.Headers, Body: res.Body}, nil
}

// TransformQuery is the body of a transform query (export it as query.<name> and name it in
// HTTPTransform.Method): it decodes the raw response and the context, calls f, and replies
// with the response f returns. A nil Headers slice is sent as an empty one.
func (rt *Runtime) TransformQuery(f func(resp HTTPResponse, context []byte) HTTPResponse) {
	rt.Query(func(m *Message) {
		var a ic00.TransformArgs
		m.MustArgs(&a)
		out := f(HTTPResponse{Status: uint64(a.Response.Status), Headers: a.Response.Headers, Body: a.Response.Body}, a.Context)
		if out.Headers == nil {
			out.Headers = []HTTPHeader{}
		}
		if out.Body == nil {
			out.Body = []byte{}
		}
		m.Reply(ic00.HTTPRequestResult{Status: candid.Nat(out.Status), Headers: out.Headers, Body: out.Body})
	})
}
