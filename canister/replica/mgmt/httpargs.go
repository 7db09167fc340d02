package mgmt

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// http_request's Candid records are cdk/ic00's, the ones the CDK sends and receives.

// DecodeHTTPRequestArgs decodes the Candid argument of http_request.
func DecodeHTTPRequestArgs(arg []byte) (outcall.Request, error) {
	var a ic00.HTTPRequestArgs
	if err := candid.Unmarshal(arg, &a); err != nil {
		return outcall.Request{}, fmt.Errorf("decoding http_request_args: %w", err)
	}
	req := outcall.Request{
		URL:              a.URL,
		MaxResponseBytes: a.MaxResponseBytes,
		Method:           ic00.MethodName(a.Method),
		Headers:          a.Headers,
		IsReplicated:     a.IsReplicated,
	}
	if a.Body != nil {
		req.Body = *a.Body
	}
	if t := a.Transform; t != nil {
		req.Transform = &outcall.Transform{Canister: t.Function.Service.Bytes(), Method: t.Function.Method, Context: t.Context}
	}
	return req, nil
}

// EncodeHTTPResult encodes an outcall response as http_request_result.
func EncodeHTTPResult(r outcall.Response) ([]byte, error) {
	return candid.Marshal(toResult(r))
}

func toResult(r outcall.Response) ic00.HTTPRequestResult {
	return ic00.HTTPRequestResult{Status: candid.Nat(r.Status), Headers: r.Headers, Body: r.Body}
}

// EncodeTransformArgs encodes the argument of a transform query.
func EncodeTransformArgs(raw outcall.Response, context []byte) ([]byte, error) {
	return candid.Marshal(ic00.TransformArgs{Response: toResult(raw), Context: context})
}

// DecodeHTTPResult decodes a transform's reply (http_request_result).
func DecodeHTTPResult(b []byte) (outcall.Response, error) {
	var res ic00.HTTPRequestResult
	if err := candid.Unmarshal(b, &res); err != nil {
		return outcall.Response{}, fmt.Errorf("decoding http_request_result: %w", err)
	}
	return outcall.Response{Status: uint64(res.Status), Headers: res.Headers, Body: res.Body}, nil
}
