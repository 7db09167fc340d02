package ic00_test

import (
	"bytes"
	"testing"

	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	agentprincipal "github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// agent-go is the independent oracle: its own declaration of ic.did's types (built here from
// its idl package), its own encoder and decoder.

func agentResultType() idl.Type {
	header := idl.NewRecordType(map[string]idl.Type{"name": new(idl.TextType), "value": new(idl.TextType)})
	return idl.NewRecordType(map[string]idl.Type{
		"status": new(idl.NatType), "headers": idl.NewVectorType(header), "body": idl.NewVectorType(idl.Nat8Type()),
	})
}

func agentArgsType() idl.Type {
	blob := idl.NewVectorType(idl.Nat8Type())
	header := idl.NewRecordType(map[string]idl.Type{"name": new(idl.TextType), "value": new(idl.TextType)})
	fn := idl.NewFunctionType(
		[]idl.FunctionParameter{{Type: idl.NewRecordType(map[string]idl.Type{"response": agentResultType(), "context": blob})}},
		[]idl.FunctionParameter{{Type: agentResultType()}},
		[]string{"query"})
	methods := map[string]idl.Type{}
	for _, m := range []string{"get", "head", "post", "put", "delete", "patch"} {
		methods[m] = new(idl.NullType)
	}
	return idl.NewRecordType(map[string]idl.Type{
		"url":                new(idl.TextType),
		"max_response_bytes": idl.NewOptionalType(idl.Nat64Type()),
		"method":             idl.NewVariantType(methods),
		"headers":            idl.NewVectorType(header),
		"body":               idl.NewOptionalType(blob),
		"transform":          idl.NewOptionalType(idl.NewRecordType(map[string]idl.Type{"function": fn, "context": blob})),
		"is_replicated":      idl.NewOptionalType(new(idl.BoolType)),
	})
}

func TestMethod(t *testing.T) {
	for _, name := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"} {
		m, ok := ic00.Method(name)
		if !ok || ic00.MethodName(m) != name {
			t.Errorf("%s: %+v %v -> %q", name, m, ok, ic00.MethodName(m))
		}
	}
	if _, ok := ic00.Method("OPTIONS"); ok {
		t.Error("OPTIONS is not an http_request method")
	}
}

// Ours encodes http_request_args; agent-go decodes every field.
func TestArgsOursToAgentGo(t *testing.T) {
	canister := principal.FromBytes([]byte{0, 0, 0, 0, 0, 0, 0, 7, 1, 1})
	for _, method := range []string{"GET", "PATCH"} {
		m, _ := ic00.Method(method)
		max, body, replicated := uint64(4096), []byte("a=b"), false
		b, err := candid.Marshal(ic00.HTTPRequestArgs{
			URL: "https://x.example/p", MaxResponseBytes: &max, Method: m,
			Headers: []ic00.HTTPHeader{{Name: "k", Value: "v"}}, Body: &body,
			Transform:    &ic00.TransformContext{Function: ic00.TransformFunc{Service: canister, Method: "tr"}, Context: []byte{9}},
			IsReplicated: &replicated,
		})
		if err != nil {
			t.Fatal(err)
		}
		types, values, err := agent.Decode(b)
		if err != nil {
			t.Fatalf("%s: agent-go cannot decode ours: %v", method, err)
		}
		if len(types) != 1 {
			t.Fatalf("%d values", len(types))
		}
		rec := values[0].(map[string]any)
		get := func(name string) any { return field(rec, name) }
		if get("url") != "https://x.example/p" || get("max_response_bytes") != uint64(4096) || get("is_replicated") != false {
			t.Errorf("%s: decoded %v", method, rec)
		}
		if v, ok := get("method").(*idl.Variant); !ok || (v.Name != lower(method) && v.Name != idl.HashString(lower(method))) {
			t.Errorf("%s: method %#v", method, get("method"))
		}
		tr, _ := get("transform").(map[string]any)
		fn, _ := field(tr, "function").(*idl.PrincipalMethod)
		if fn == nil || !bytes.Equal(fn.Principal.Raw, canister.Bytes()) || fn.Method != "tr" {
			t.Errorf("%s: transform %#v", method, get("transform"))
		}
	}
}

// field looks a decoded record field up by name, whether agent-go kept the name or the hash.
func field(rec map[string]any, name string) any {
	if v, ok := rec[name]; ok {
		return v
	}
	return rec[idl.HashString(name)]
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

// agent-go encodes http_request_args from its own type declaration; ours decodes it.
func TestArgsAgentGoToOurs(t *testing.T) {
	canister := agentprincipal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 7, 1, 1}}
	b, err := agent.Encode([]idl.Type{agentArgsType()}, []any{map[string]any{
		"url":                "https://x.example/p",
		"max_response_bytes": uint64(77),
		"method":             idl.Variant{Name: "patch", Value: nil, Type: new(idl.NullType)},
		"headers":            []any{map[string]any{"name": "a", "value": "b"}},
		"body":               []byte{1, 2},
		"transform": map[string]any{
			"function": &idl.PrincipalMethod{Principal: canister, Method: "transform"},
			"context":  []byte{7},
		},
		"is_replicated": false,
	}})
	if err != nil {
		t.Fatal(err)
	}
	var a ic00.HTTPRequestArgs
	if err := candid.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.URL != "https://x.example/p" || a.MaxResponseBytes == nil || *a.MaxResponseBytes != 77 ||
		ic00.MethodName(a.Method) != "PATCH" || len(a.Headers) != 1 || a.Headers[0] != (ic00.HTTPHeader{Name: "a", Value: "b"}) ||
		a.Body == nil || !bytes.Equal(*a.Body, []byte{1, 2}) || a.IsReplicated == nil || *a.IsReplicated ||
		a.Transform == nil || !bytes.Equal(a.Transform.Function.Service.Bytes(), canister.Raw) ||
		a.Transform.Function.Method != "transform" || !bytes.Equal(a.Transform.Context, []byte{7}) {
		t.Fatalf("decoded %+v (transform %+v)", a, a.Transform)
	}
}

// http_request_result and the transform's argument both ways.
func TestResultRoundTrips(t *testing.T) {
	ours := ic00.TransformArgs{
		Response: ic00.HTTPRequestResult{Status: 503, Headers: []ic00.HTTPHeader{{Name: "x", Value: "y"}}, Body: []byte("{}")},
		Context:  []byte("ctx"),
	}
	b, err := candid.Marshal(ours)
	if err != nil {
		t.Fatal(err)
	}
	type agentHeader struct {
		Name  string `ic:"name"`
		Value string `ic:"value"`
	}
	type agentResult struct {
		Status  idl.Nat       `ic:"status"`
		Headers []agentHeader `ic:"headers"`
		Body    []byte        `ic:"body"`
	}
	var theirs struct {
		Response agentResult `ic:"response"`
		Context  []byte      `ic:"context"`
	}
	if err := agent.Unmarshal(b, []any{&theirs}); err != nil {
		t.Fatalf("agent-go cannot decode ours: %v", err)
	}
	if theirs.Response.Status.BigInt().Int64() != 503 || len(theirs.Response.Headers) != 1 ||
		theirs.Response.Headers[0] != (agentHeader{"x", "y"}) || string(theirs.Response.Body) != "{}" || string(theirs.Context) != "ctx" {
		t.Fatalf("agent-go decoded %+v", theirs)
	}
	back, err := agent.Marshal([]any{theirs.Response})
	if err != nil {
		t.Fatal(err)
	}
	var res ic00.HTTPRequestResult
	if err := candid.Unmarshal(back, &res); err != nil {
		t.Fatalf("ours cannot decode agent-go's: %v", err)
	}
	if res.Status != 503 || len(res.Headers) != 1 || res.Headers[0] != ours.Response.Headers[0] || string(res.Body) != "{}" {
		t.Fatalf("decoded %+v", res)
	}
}
