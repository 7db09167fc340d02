package mgmt

import (
	"bytes"
	"testing"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// httpArgsType is http_request_args as ic.did declares it.
func httpArgsType() idl.Type {
	blob := idl.NewVectorType(idl.Nat8Type())
	header := idl.NewRecordType(map[string]idl.Type{"name": new(idl.TextType), "value": new(idl.TextType)})
	result := idl.NewRecordType(map[string]idl.Type{"status": new(idl.NatType), "headers": idl.NewVectorType(header), "body": blob})
	fn := idl.NewFunctionType(
		[]idl.FunctionParameter{{Type: idl.NewRecordType(map[string]idl.Type{"response": result, "context": blob})}},
		[]idl.FunctionParameter{{Type: result}},
		[]string{"query"})
	return idl.NewRecordType(map[string]idl.Type{
		"url":                new(idl.TextType),
		"max_response_bytes": idl.NewOptionalType(idl.Nat64Type()),
		"method": idl.NewVariantType(map[string]idl.Type{
			"get": new(idl.NullType), "head": new(idl.NullType), "post": new(idl.NullType),
			"put": new(idl.NullType), "delete": new(idl.NullType), "patch": new(idl.NullType)}),
		"headers":       idl.NewVectorType(header),
		"body":          idl.NewOptionalType(blob),
		"transform":     idl.NewOptionalType(idl.NewRecordType(map[string]idl.Type{"function": fn, "context": blob})),
		"is_replicated": idl.NewOptionalType(new(idl.BoolType)),
	})
}

func TestDecodeHTTPRequestArgs(t *testing.T) {
	canister := principal.MustDecode("rrkah-fqaaa-aaaaa-aaaaq-cai")
	max := uint64(4096)
	arg, err := candid.Encode([]idl.Type{httpArgsType()}, []any{map[string]any{
		"url":                "https://proxy.example/v1/checkout/sessions/cs_test_1",
		"max_response_bytes": max,
		"method":             idl.Variant{Name: "post", Value: nil, Type: new(idl.NullType)},
		"headers":            []any{map[string]any{"name": "idempotency-key", "value": "k1"}},
		"body":               []byte("a=b"),
		"transform": map[string]any{
			"function": &idl.PrincipalMethod{Principal: canister, Method: "transform"},
			"context":  []byte{7},
		},
		"is_replicated": nil,
	}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := DecodeHTTPRequestArgs(arg)
	if err != nil {
		t.Fatal(err)
	}
	want := outcall.Request{URL: "https://proxy.example/v1/checkout/sessions/cs_test_1", MaxResponseBytes: &max, Method: "POST",
		Headers: []outcall.Header{{Name: "idempotency-key", Value: "k1"}}, Body: []byte("a=b"),
		Transform: &outcall.Transform{Canister: canister.Raw, Method: "transform", Context: []byte{7}}}
	if req.URL != want.URL || *req.MaxResponseBytes != max || req.Method != "POST" || len(req.Headers) != 1 ||
		req.Headers[0] != want.Headers[0] || !bytes.Equal(req.Body, want.Body) || req.IsReplicated != nil ||
		!bytes.Equal(req.Transform.Canister, canister.Raw) || req.Transform.Method != "transform" || !bytes.Equal(req.Transform.Context, []byte{7}) {
		t.Fatalf("got %+v (transform %+v)", req, req.Transform)
	}
}

// A replicated PATCH (or PUT, DELETE) is refused with the IC's message, not as an unknown
// method; non-replicated it is accepted.
func TestDecodeHTTPRequestArgsPatch(t *testing.T) {
	for _, replicated := range []bool{true, false} {
		arg, err := candid.Encode([]idl.Type{httpArgsType()}, []any{map[string]any{
			"url":                "https://proxy.example/v1/x",
			"max_response_bytes": nil,
			"method":             idl.Variant{Name: "patch", Value: nil, Type: new(idl.NullType)},
			"headers":            []any{},
			"body":               nil,
			"transform":          nil,
			"is_replicated":      replicated,
		}})
		if err != nil {
			t.Fatal(err)
		}
		req, err := DecodeHTTPRequestArgs(arg)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != "PATCH" || req.IsReplicated == nil || *req.IsReplicated != replicated {
			t.Fatalf("got %+v", req)
		}
		rej := req.Validate(nil)
		switch {
		case replicated && (rej == nil || rej.Code != protocol.CanisterReject ||
			rej.Message != "The requested HTTP method is only allowed for non-replicated requests."):
			t.Errorf("replicated PATCH: %+v", rej)
		case !replicated && rej != nil:
			t.Errorf("non-replicated PATCH: %+v", rej)
		}
	}
}

func TestDecodeHTTPRequestArgsErrors(t *testing.T) {
	for name, arg := range map[string][]byte{
		"not candid":  []byte("garbage"),
		"no argument": []byte("DIDL\x00\x00"),
		"text arg":    must(candid.Marshal([]any{"x"})),
		"no method": must(candid.Marshal([]any{struct {
			URL string `ic:"url"`
		}{"https://a"}})),
	} {
		if _, err := DecodeHTTPRequestArgs(arg); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestTransformRoundTrip(t *testing.T) {
	resp := outcall.Response{Status: 200, Headers: []outcall.Header{{Name: "content-type", Value: "application/json"}}, Body: []byte(`{}`)}
	arg, err := EncodeTransformArgs(resp, []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	// agent-go decodes what we encode, with its own types.
	var ta struct {
		Response struct {
			Status  idl.Nat `ic:"status"`
			Headers []struct {
				Name  string `ic:"name"`
				Value string `ic:"value"`
			} `ic:"headers"`
			Body []byte `ic:"body"`
		} `ic:"response"`
		Context []byte `ic:"context"`
	}
	if err := candid.Unmarshal(arg, []any{&ta}); err != nil {
		t.Fatal(err)
	}
	if string(ta.Context) != "ctx" || string(ta.Response.Body) != "{}" || ta.Response.Status.BigInt().Int64() != 200 ||
		len(ta.Response.Headers) != 1 || ta.Response.Headers[0].Value != "application/json" {
		t.Fatalf("got %+v", ta)
	}
	enc, err := EncodeHTTPResult(resp)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeHTTPResult(enc)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status != 200 || string(back.Body) != "{}" || back.Headers[0] != resp.Headers[0] {
		t.Fatalf("got %+v", back)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
