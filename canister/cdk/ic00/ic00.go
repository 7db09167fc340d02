// Package ic00 holds the Candid types of the management canister (aaaaa-aa, "ic00") that
// canisters and the local replica share, as ic.did declares them, for the CDK's codec
// (cdk/candid): http_request's and canister_settings. The CDK encodes the call and decodes
// the transform's argument with them; the local replica decodes the call and encodes the
// result and the transform's argument with the same types, so that the two sides cannot
// drift. Like the rest of the CDK it links neither fmt nor os.
package ic00

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// HTTPHeader is http_header.
type HTTPHeader struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

// HTTPMethod is the method variant of http_request_args: exactly one arm is set.
type HTTPMethod struct {
	Get    *candid.Null `ic:"get,variant"`
	Head   *candid.Null `ic:"head,variant"`
	Post   *candid.Null `ic:"post,variant"`
	Put    *candid.Null `ic:"put,variant"`
	Delete *candid.Null `ic:"delete,variant"`
	Patch  *candid.Null `ic:"patch,variant"`
}

// Method returns the variant of an HTTP method name ("GET", ..., "PATCH"); ok is false for a
// method http_request does not have.
func Method(name string) (m HTTPMethod, ok bool) {
	null := &candid.Null{}
	switch name {
	case "GET":
		m.Get = null
	case "HEAD":
		m.Head = null
	case "POST":
		m.Post = null
	case "PUT":
		m.Put = null
	case "DELETE":
		m.Delete = null
	case "PATCH":
		m.Patch = null
	default:
		return m, false
	}
	return m, true
}

// MethodName is the HTTP method name of the variant ("" when no arm is set). It is a function
// rather than a method: canisters pass HTTPMethod through reflection, which keeps every
// exported method of such a type in the module whether called or not.
func MethodName(m HTTPMethod) string {
	switch {
	case m.Get != nil:
		return "GET"
	case m.Head != nil:
		return "HEAD"
	case m.Post != nil:
		return "POST"
	case m.Put != nil:
		return "PUT"
	case m.Delete != nil:
		return "DELETE"
	case m.Patch != nil:
		return "PATCH"
	}
	return ""
}

// HTTPRequestResult is http_request_result: the outcall's response, also the argument and
// result shape of a transform.
type HTTPRequestResult struct {
	Status  candid.Nat   `ic:"status"`
	Headers []HTTPHeader `ic:"headers"`
	Body    []byte       `ic:"body"`
}

// TransformArgs is the argument of a transform query.
type TransformArgs struct {
	Response HTTPRequestResult `ic:"response"`
	Context  []byte            `ic:"context"`
}

// TransformFunc is the transform's type: func (TransformArgs) -> (HTTPRequestResult) query.
type TransformFunc = candid.QueryFunc[TransformArgs, HTTPRequestResult]

// TransformContext is the transform field of http_request_args.
type TransformContext struct {
	Function TransformFunc `ic:"function"`
	Context  []byte        `ic:"context"`
}

// HTTPRequestArgs is http_request_args.
type HTTPRequestArgs struct {
	URL              string            `ic:"url"`
	MaxResponseBytes *uint64           `ic:"max_response_bytes"`
	Method           HTTPMethod        `ic:"method"`
	Headers          []HTTPHeader      `ic:"headers"`
	Body             *[]byte           `ic:"body"`
	Transform        *TransformContext `ic:"transform"`
	IsReplicated     *bool             `ic:"is_replicated"`
}

// RequestBytes is the size the IC charges an outcall for (protocol.OutcallRequestBytes):
// the URL, the header names and values, the body, and the transform's method name and
// context (empty without a transform).
func RequestBytes(url string, headers []HTTPHeader, body []byte, transformMethod string, transformContext []byte) uint64 {
	headerBytes := 0
	for _, h := range headers {
		headerBytes += len(h.Name) + len(h.Value)
	}
	return protocol.OutcallRequestBytes(url, headerBytes, body, transformMethod, transformContext)
}
