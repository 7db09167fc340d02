package mgmt

import (
	"fmt"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"

	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// http_request_args carries a func reference (the transform), which agent-go's reflection
// decoder cannot put into a struct field; so it is decoded generically and picked apart by
// field hash.

var methodNames = map[string]string{
	idl.HashString("get"):    "GET",
	idl.HashString("head"):   "HEAD",
	idl.HashString("post"):   "POST",
	idl.HashString("put"):    "PUT",
	idl.HashString("delete"): "DELETE",
}

// DecodeHTTPRequestArgs decodes the Candid argument of http_request.
func DecodeHTTPRequestArgs(arg []byte) (outcall.Request, error) {
	var req outcall.Request
	_, values, err := candid.Decode(arg)
	if err != nil {
		return req, fmt.Errorf("decoding http_request_args: %w", err)
	}
	if len(values) < 1 {
		return req, fmt.Errorf("decoding http_request_args: no argument")
	}
	rec, ok := values[0].(map[string]any)
	if !ok {
		return req, fmt.Errorf("decoding http_request_args: argument is %T, not a record", values[0])
	}
	if req.URL, ok = field(rec, "url").(string); !ok {
		return req, fmt.Errorf("decoding http_request_args: url must be text")
	}
	switch v := field(rec, "max_response_bytes").(type) {
	case nil:
	case uint64:
		req.MaxResponseBytes = &v
	default:
		return req, fmt.Errorf("decoding http_request_args: max_response_bytes must be opt nat64, got %T", v)
	}
	mv, ok := field(rec, "method").(*idl.Variant)
	if !ok {
		return req, fmt.Errorf("decoding http_request_args: method must be a variant")
	}
	if req.Method, ok = methodNames[mv.Name]; !ok {
		if req.Method, ok = methodNames[idl.HashString(mv.Name)]; !ok {
			return req, fmt.Errorf("decoding http_request_args: unknown method %q", mv.Name)
		}
	}
	hs, _ := field(rec, "headers").([]any)
	for _, h := range hs {
		hr, ok := h.(map[string]any)
		if !ok {
			return req, fmt.Errorf("decoding http_request_args: header must be a record")
		}
		name, ok1 := field(hr, "name").(string)
		value, ok2 := field(hr, "value").(string)
		if !ok1 || !ok2 {
			return req, fmt.Errorf("decoding http_request_args: header name and value must be text")
		}
		req.Headers = append(req.Headers, outcall.Header{Name: name, Value: value})
	}
	if b := field(rec, "body"); b != nil {
		if req.Body, err = blob(b); err != nil {
			return req, fmt.Errorf("decoding http_request_args: body: %w", err)
		}
	}
	if t := field(rec, "transform"); t != nil {
		tr, ok := t.(map[string]any)
		if !ok {
			return req, fmt.Errorf("decoding http_request_args: transform must be a record")
		}
		fn, ok := field(tr, "function").(*idl.PrincipalMethod)
		if !ok {
			return req, fmt.Errorf("decoding http_request_args: transform.function must be a func reference")
		}
		ctx, err := blob(field(tr, "context"))
		if err != nil {
			return req, fmt.Errorf("decoding http_request_args: transform.context: %w", err)
		}
		req.Transform = &outcall.Transform{Canister: fn.Principal.Raw, Method: fn.Method, Context: ctx}
	}
	if r, ok := field(rec, "is_replicated").(bool); ok {
		req.IsReplicated = &r
	}
	return req, nil
}

// field looks a record field up by name, whether the decoder kept names or only hashes.
func field(rec map[string]any, name string) any {
	if v, ok := rec[name]; ok {
		return v
	}
	return rec[idl.HashString(name)]
}

func blob(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case []any:
		out := make([]byte, len(b))
		for i, x := range b {
			n, ok := x.(uint8)
			if !ok {
				return nil, fmt.Errorf("element %d is %T, not nat8", i, x)
			}
			out[i] = n
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("%T is not a blob", v)
}

// EncodeHTTPResult encodes an outcall response as http_request_result.
func EncodeHTTPResult(r outcall.Response) ([]byte, error) {
	return candid.Marshal([]any{toResult(r)})
}

func toResult(r outcall.Response) HTTPRequestResult {
	hs := make([]HTTPHeader, len(r.Headers))
	for i, h := range r.Headers {
		hs[i] = HTTPHeader{Name: h.Name, Value: h.Value}
	}
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	return HTTPRequestResult{Status: idl.NewNat(r.Status), Headers: hs, Body: body}
}

// EncodeTransformArgs encodes the argument of a transform query.
func EncodeTransformArgs(raw outcall.Response, context []byte) ([]byte, error) {
	if context == nil {
		context = []byte{}
	}
	return candid.Marshal([]any{TransformArgs{Response: toResult(raw), Context: context}})
}

// DecodeHTTPResult decodes a transform's reply (http_request_result).
func DecodeHTTPResult(b []byte) (outcall.Response, error) {
	var res HTTPRequestResult
	if err := candid.Unmarshal(b, []any{&res}); err != nil {
		return outcall.Response{}, fmt.Errorf("decoding http_request_result: %w", err)
	}
	status := res.Status.BigInt()
	if !status.IsUint64() {
		return outcall.Response{}, fmt.Errorf("decoding http_request_result: status %s out of range", status)
	}
	out := outcall.Response{Status: status.Uint64(), Body: res.Body}
	for _, h := range res.Headers {
		out.Headers = append(out.Headers, outcall.Header{Name: h.Name, Value: h.Value})
	}
	return out, nil
}
