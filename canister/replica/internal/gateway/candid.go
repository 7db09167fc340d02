package gateway

import (
	"errors"
	"fmt"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
)

// The Candid records of the HTTP gateway protocol, shared with the canister side
// (cdk/httpgateway) and encoded and decoded by the CDK's codec. The response type omits
// streaming_strategy, whose token type is chosen by the canister: streamingStrategy reads it
// at the wire level.
type (
	headerField       = httpgateway.HeaderField
	httpRequest       = httpgateway.Request
	httpUpdateRequest = httpgateway.UpdateRequest
	httpResponse      = httpgateway.Response
)

// certificateVersion is the response verification version the gateway asks
// for, the current one.
const certificateVersion uint16 = 2

func encodeQueryRequest(r httpUpdateRequest) ([]byte, error) {
	v := certificateVersion
	b, err := candid.Marshal(httpRequest{
		Method: r.Method, URL: r.URL, Headers: r.Headers, Body: r.Body, CertificateVersion: &v,
	})
	if err != nil {
		return nil, fmt.Errorf("encode HttpRequest: %w", err)
	}
	return b, nil
}

func encodeUpdateRequest(r httpUpdateRequest) ([]byte, error) {
	b, err := candid.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode HttpUpdateRequest: %w", err)
	}
	return b, nil
}

// decodeResponse decodes an HttpResponse reply, including its streaming strategy. The codec
// validates the whole message (bounded on hostile input) and copies blobs in one piece.
func decodeResponse(reply []byte) (httpResponse, *streamingCallback, error) {
	var resp httpResponse
	if err := candid.Unmarshal(reply, &resp); err != nil {
		return httpResponse{}, nil, fmt.Errorf("decode HttpResponse: %w", err)
	}
	cb, err := streamingStrategy(reply)
	if err != nil {
		return httpResponse{}, nil, fmt.Errorf("decode HttpResponse: streaming_strategy: %w", err)
	}
	return resp, cb, nil
}

// streamingCallback is the callback of a streaming strategy with the
// argument (the token) to call it with.
type streamingCallback struct {
	Canister principal.Principal
	Method   string
	Arg      []byte
}

// firstValue reads the header of a message that Unmarshal has validated and returns the
// type of its first value, at which the reader stands.
func firstValue(reply []byte) (*wire.Reader, int64, error) {
	r, err := wire.NewReader(reply)
	if err != nil {
		return nil, 0, err
	}
	if len(r.Args) == 0 {
		return nil, 0, errors.New("empty candid message")
	}
	return r, r.Args[0], nil
}

// streamingStrategy reads field streaming_strategy : opt variant { Callback: record {
// callback: func; token: T } } of a validated HttpResponse; nil when absent. The token is
// handed back to the canister exactly as received: as a message of its own with the reply's
// type table.
func streamingStrategy(reply []byte) (*streamingCallback, error) {
	r, resp, err := firstValue(reply)
	if err != nil {
		return nil, err
	}
	ref, found, err := r.SeekField(resp, "streaming_strategy")
	if err != nil || !found {
		return nil, err
	}
	if r.Kind(ref) != opcode.Opt {
		return nil, errors.New("not an opt")
	}
	variant, present, err := r.Opt(ref)
	if err != nil || !present {
		return nil, err
	}
	if r.Kind(variant) != opcode.Variant {
		return nil, errors.New("not an opt variant")
	}
	arm, err := r.Variant(variant)
	if err != nil {
		return nil, err
	}
	if arm.ID != wire.Hash("Callback") {
		return nil, fmt.Errorf("unsupported streaming strategy (field id %d)", arm.ID)
	}
	start := r.Pos
	fn, found, err := r.SeekField(arm.Ref, "callback")
	if err != nil || !found || r.Kind(fn) != opcode.Func {
		return nil, errors.Join(errors.New("streaming Callback lacks callback : func"), err)
	}
	p, method, err := r.Func()
	if err != nil {
		return nil, fmt.Errorf("streaming callback: %w", err)
	}
	r.Pos = start
	tok, found, err := r.SeekField(arm.Ref, "token")
	if err != nil || !found {
		return nil, errors.Join(errors.New("streaming Callback lacks token"), err)
	}
	raw, err := r.Raw(tok)
	if err != nil {
		return nil, fmt.Errorf("streaming token: %w", err)
	}
	return &streamingCallback{Canister: principal.Principal{Raw: p.Bytes()}, Method: method, Arg: r.Message(tok, raw)}, nil
}

// decodeCallbackResponse decodes a StreamingCallbackHttpResponse, record {
// body: blob; token: opt Token }, returning the chunk and the argument for
// the next call (nil when the stream ends).
func decodeCallbackResponse(reply []byte) (body, next []byte, err error) {
	var resp struct {
		Body []byte `ic:"body"`
	}
	if err := candid.Unmarshal(reply, &resp); err != nil {
		return nil, nil, err
	}
	r, rec, err := firstValue(reply)
	if err != nil {
		return nil, nil, err
	}
	ref, found, err := r.SeekField(rec, "token")
	if err != nil || !found {
		return resp.Body, nil, err
	}
	if r.Kind(ref) != opcode.Opt {
		return nil, nil, errors.New("callback token is not an opt")
	}
	tok, present, err := r.Opt(ref)
	if err != nil || !present {
		return resp.Body, nil, err
	}
	raw, err := r.Raw(tok)
	if err != nil {
		return nil, nil, fmt.Errorf("callback token: %w", err)
	}
	return resp.Body, r.Message(tok, raw), nil
}
