package gateway

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"

	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
)

// The Candid records of the HTTP gateway protocol, shared with the canister side
// (cdk/httpgateway). The response type omits streaming_strategy, whose token type is chosen
// by the canister (see readResponse).
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
	b, err := candid.Marshal([]any{httpRequest{
		Method: r.Method, URL: r.URL, Headers: r.Headers, Body: r.Body, CertificateVersion: &v,
	}})
	if err != nil {
		return nil, fmt.Errorf("encode HttpRequest: %w", err)
	}
	return b, nil
}

func encodeUpdateRequest(r httpUpdateRequest) ([]byte, error) {
	b, err := candid.Marshal([]any{r})
	if err != nil {
		return nil, fmt.Errorf("encode HttpUpdateRequest: %w", err)
	}
	return b, nil
}

// decodeResponse decodes an HttpResponse reply, including its streaming
// strategy. It reads the wire format directly (candidraw.go) rather than
// through agent-go's reflection decoder, which boxes every byte of a blob
// (about 200 ms per MiB of body) and trusts lengths in hostile input; the
// tests check both decoders agree.
func decodeResponse(reply []byte) (httpResponse, *streamingCallback, error) {
	resp, cb, err := readResponse(reply)
	if err != nil {
		return httpResponse{}, nil, fmt.Errorf("decode HttpResponse: %w", err)
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

// readResponse decodes an HttpResponse message.
func readResponse(reply []byte) (httpResponse, *streamingCallback, error) {
	// Validating first bounds every length read below by the message size.
	if err := validateMessage(reply); err != nil {
		return httpResponse{}, nil, err
	}
	m, err := parseMessage(reply)
	if err != nil {
		return httpResponse{}, nil, err
	}
	rec, err := m.firstRecord("HttpResponse")
	if err != nil {
		return httpResponse{}, nil, err
	}
	var resp httpResponse
	var cb *streamingCallback
	var have int
	for _, f := range rec.fields {
		switch f.id {
		case idStatusCode:
			if m.def(f.ref).op != opcode.Nat16 {
				return httpResponse{}, nil, errors.New("status_code is not a nat16")
			}
			b, err := m.take(2)
			if err != nil {
				return httpResponse{}, nil, err
			}
			resp.StatusCode = uint16(b[0]) | uint16(b[1])<<8
			have |= 1
		case idHeaders:
			if resp.Headers, err = m.headerList(f.ref); err != nil {
				return httpResponse{}, nil, err
			}
			have |= 2
		case idBody:
			if resp.Body, err = m.blob(f.ref, "body"); err != nil {
				return httpResponse{}, nil, err
			}
			have |= 4
		case idUpgrade:
			if resp.Upgrade, err = m.optBool(f.ref); err != nil {
				return httpResponse{}, nil, err
			}
		case idStreamingStrategy:
			if cb, err = m.strategy(f.ref); err != nil {
				return httpResponse{}, nil, fmt.Errorf("streaming_strategy: %w", err)
			}
		default:
			if err := m.skip(f.ref, 1); err != nil {
				return httpResponse{}, nil, err
			}
		}
	}
	if have != 7 {
		return httpResponse{}, nil, errors.New("HttpResponse lacks status_code, headers or body")
	}
	return resp, cb, nil
}

// blob reads a vec nat8 value.
func (m *rawMessage) blob(r int64, what string) ([]byte, error) {
	vec := m.def(r)
	if vec.op != opcode.Vec || m.def(vec.elem).op != opcode.Nat8 {
		return nil, fmt.Errorf("%s is not a blob", what)
	}
	b, err := m.blobOf()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

func (m *rawMessage) text(r int64, what string) (string, error) {
	if m.def(r).op != opcode.Text {
		return "", fmt.Errorf("%s is not text", what)
	}
	b, err := m.blobOf()
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s is not UTF-8", what)
	}
	return string(b), nil
}

// headerList reads vec record { text; text }.
func (m *rawMessage) headerList(r int64) ([]headerField, error) {
	vec := m.def(r)
	if vec.op != opcode.Vec {
		return nil, errors.New("headers is not a vec")
	}
	rec := m.def(vec.elem)
	if rec.op != opcode.Record || len(rec.fields) != 2 || rec.fields[0].id != 0 || rec.fields[1].id != 1 {
		return nil, errors.New("headers is not a vec record { text; text }")
	}
	n, err := m.countAny()
	if err != nil {
		return nil, err
	}
	out := make([]headerField, 0, min(n, 1024))
	for range n {
		name, err := m.text(rec.fields[0].ref, "header name")
		if err != nil {
			return nil, err
		}
		value, err := m.text(rec.fields[1].ref, "header value")
		if err != nil {
			return nil, err
		}
		out = append(out, headerField{Name: name, Value: value})
	}
	return out, nil
}

func (m *rawMessage) optBool(r int64) (*bool, error) {
	opt := m.def(r)
	if opt.op != opcode.Opt || m.def(opt.elem).op != opcode.Bool {
		return nil, errors.New("upgrade is not an opt bool")
	}
	present, err := m.byte()
	if err != nil || present == 0 {
		return nil, err
	}
	b, err := m.byte()
	if err != nil {
		return nil, err
	}
	if b > 1 {
		return nil, fmt.Errorf("invalid bool %d", b)
	}
	v := b == 1
	return &v, nil
}

// strategy reads opt StreamingStrategy; nil when absent.
func (m *rawMessage) strategy(r int64) (*streamingCallback, error) {
	opt := m.def(r)
	if opt.op != opcode.Opt {
		return nil, errors.New("not an opt")
	}
	present, err := m.byte()
	if err != nil || present == 0 {
		return nil, err
	}
	variant := m.def(opt.elem)
	if variant.op != opcode.Variant {
		return nil, errors.New("not an opt variant")
	}
	i, err := m.leb()
	if err != nil {
		return nil, err
	}
	if i >= uint64(len(variant.fields)) {
		return nil, fmt.Errorf("variant index %d out of range", i)
	}
	if variant.fields[i].id != idCallback {
		return nil, fmt.Errorf("unsupported streaming strategy (field id %d)", variant.fields[i].id)
	}
	return m.readCallback(variant.fields[i].ref)
}

// readCallback reads record { callback: func; token: T }.
func (m *rawMessage) readCallback(r int64) (*streamingCallback, error) {
	rec := m.def(r)
	if rec.op != opcode.Record {
		return nil, errors.New("streaming Callback is not a record")
	}
	var cb streamingCallback
	var haveFunc, haveToken bool
	for _, f := range rec.fields {
		switch f.id {
		case idCallbackField:
			if m.def(f.ref).op != opcode.Func {
				return nil, errors.New("streaming callback is not a func")
			}
			p, method, err := m.funcRef()
			if err != nil {
				return nil, fmt.Errorf("streaming callback: %w", err)
			}
			cb.Canister, cb.Method, haveFunc = p, method, true
		case idToken:
			start := m.pos
			if err := m.skip(f.ref, 1); err != nil {
				return nil, fmt.Errorf("streaming token: %w", err)
			}
			cb.Arg, haveToken = m.argument(f.ref, m.data[start:m.pos]), true
		default:
			if err := m.skip(f.ref, 1); err != nil {
				return nil, err
			}
		}
	}
	if !haveFunc || !haveToken {
		return nil, errors.New("streaming Callback lacks callback or token")
	}
	return &cb, nil
}

// decodeCallbackResponse decodes a StreamingCallbackHttpResponse, record {
// body: blob; token: opt Token }, returning the chunk and the argument for
// the next call (nil when the stream ends).
func decodeCallbackResponse(reply []byte) (body, next []byte, err error) {
	if err := validateMessage(reply); err != nil {
		return nil, nil, err
	}
	m, err := parseMessage(reply)
	if err != nil {
		return nil, nil, err
	}
	rec, err := m.firstRecord("StreamingCallbackHttpResponse")
	if err != nil {
		return nil, nil, err
	}
	var haveBody bool
	for _, f := range rec.fields {
		switch f.id {
		case idBody:
			if body, err = m.blob(f.ref, "callback body"); err != nil {
				return nil, nil, err
			}
			haveBody = true
		case idToken:
			opt := m.def(f.ref)
			if opt.op != opcode.Opt {
				return nil, nil, errors.New("callback token is not an opt")
			}
			present, err := m.byte()
			if err != nil {
				return nil, nil, err
			}
			switch present {
			case 0:
			case 1:
				start := m.pos
				if err := m.skip(opt.elem, 1); err != nil {
					return nil, nil, fmt.Errorf("callback token: %w", err)
				}
				next = m.argument(opt.elem, m.data[start:m.pos])
			default:
				return nil, nil, fmt.Errorf("invalid opt tag %d", present)
			}
		default:
			if err := m.skip(f.ref, 1); err != nil {
				return nil, nil, err
			}
		}
	}
	if !haveBody {
		return nil, nil, errors.New("StreamingCallbackHttpResponse lacks body")
	}
	return body, next, nil
}
