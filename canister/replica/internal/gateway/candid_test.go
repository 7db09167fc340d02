package gateway

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"

	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"

	ourcandid "github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
)

// msgBuilder assembles Candid messages by hand, for the types agent-go's
// reflection cannot express: func references taking a canister-defined
// token type.
type msgBuilder struct {
	entries [][]byte
}

func leb(n uint64) []byte { return appendLEB(nil, n) }

func appendLEB(b []byte, n uint64) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func sleb(n int64) []byte { return leb128.AppendSigned(nil, n) }

func textVal(s string) []byte { return append(leb(uint64(len(s))), s...) }

func (b *msgBuilder) add(e ...[]byte) int64 {
	b.entries = append(b.entries, bytes.Join(e, nil))
	return int64(len(b.entries) - 1)
}

type fieldT struct {
	name string
	ref  int64
}

// byID sorts fields the way they appear on the wire.
func byID(fs []fieldT) []fieldT {
	fs = slices.Clone(fs)
	slices.SortFunc(fs, func(a, b fieldT) int {
		return int(int64(wire.Hash(a.name)) - int64(wire.Hash(b.name)))
	})
	return fs
}

func (b *msgBuilder) composite(op int64, fs []fieldT) int64 {
	e := append(sleb(op), leb(uint64(len(fs)))...)
	for _, f := range byID(fs) {
		e = append(e, leb(uint64(wire.Hash(f.name)))...)
		e = append(e, sleb(f.ref)...)
	}
	return b.add(e)
}

// recordVal concatenates field values in wire order.
func recordVal(values map[string][]byte) []byte {
	var fs []fieldT
	for name := range values {
		fs = append(fs, fieldT{name: name})
	}
	var out []byte
	for _, f := range byID(fs) {
		out = append(out, values[f.name]...)
	}
	return out
}

func (b *msgBuilder) message(arg int64, value []byte) []byte {
	out := append([]byte("DIDL"), leb(uint64(len(b.entries)))...)
	for _, e := range b.entries {
		out = append(out, e...)
	}
	out = append(out, 1)
	out = append(out, sleb(arg)...)
	return append(out, value...)
}

// streamTypes declares the types of a streaming HttpResponse whose token is
// record { key: text; index: nat }.
type streamTypes struct {
	b                                   msgBuilder
	blob, headers, optBool, token, resp int64
	optToken, cbResp, cbRecord, variant int64
	optStrategy                         int64
}

func newStreamTypes() *streamTypes {
	t := &streamTypes{}
	t.blob = t.b.add(sleb(opcode.Vec), sleb(opcode.Nat8))
	hf := t.b.add(sleb(opcode.Record), leb(2), leb(0), sleb(opcode.Text), leb(1), sleb(opcode.Text))
	t.headers = t.b.add(sleb(opcode.Vec), sleb(hf))
	t.optBool = t.b.add(sleb(opcode.Opt), sleb(opcode.Bool))
	t.token = t.b.composite(opcode.Record, []fieldT{{"key", opcode.Text}, {"index", opcode.Nat}})
	t.optToken = t.b.add(sleb(opcode.Opt), sleb(t.token))
	t.cbResp = t.b.composite(opcode.Record, []fieldT{{"body", t.blob}, {"token", t.optToken}})
	fn := t.b.add(sleb(opcode.Func), leb(1), sleb(t.token), leb(1), sleb(t.cbResp), leb(1), []byte{1})
	t.cbRecord = t.b.composite(opcode.Record, []fieldT{{"callback", fn}, {"token", t.token}})
	t.variant = t.b.composite(opcode.Variant, []fieldT{{"Callback", t.cbRecord}})
	t.optStrategy = t.b.add(sleb(opcode.Opt), sleb(t.variant))
	t.resp = t.b.composite(opcode.Record, []fieldT{
		{"status_code", opcode.Nat16}, {"headers", t.headers}, {"body", t.blob},
		{"upgrade", t.optBool}, {"streaming_strategy", t.optStrategy},
	})
	return t
}

func tokenVal(key string, index uint64) []byte {
	return recordVal(map[string][]byte{"key": textVal(key), "index": leb(index)})
}

func headersVal(hs [][2]string) []byte {
	out := leb(uint64(len(hs)))
	for _, h := range hs {
		out = append(out, textVal(h[0])...)
		out = append(out, textVal(h[1])...)
	}
	return out
}

// streamingReply encodes an HttpResponse streaming from cb.method with the
// given token (nil token: no streaming strategy).
func streamingReply(status uint16, hs [][2]string, body []byte, cb principal.Principal, method string, token []byte) []byte {
	t := newStreamTypes()
	strategy := []byte{0}
	if token != nil {
		fn := append([]byte{1, 1}, textVal(string(cb.Raw))...)
		fn = append(fn, textVal(method)...)
		strategy = append([]byte{1}, leb(0)...) // opt, variant index 0
		strategy = append(strategy, recordVal(map[string][]byte{"callback": fn, "token": token})...)
	}
	return t.b.message(t.resp, recordVal(map[string][]byte{
		"status_code":        {byte(status), byte(status >> 8)},
		"headers":            headersVal(hs),
		"body":               textVal(string(body)),
		"upgrade":            {0},
		"streaming_strategy": strategy,
	}))
}

// callbackReply encodes a StreamingCallbackHttpResponse.
func callbackReply(body []byte, next []byte) []byte {
	t := newStreamTypes()
	tok := []byte{0}
	if next != nil {
		tok = append([]byte{1}, next...)
	}
	return t.b.message(t.cbResp, recordVal(map[string][]byte{"body": textVal(string(body)), "token": tok}))
}

func TestReadStreaming(t *testing.T) {
	canister := principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 7, 1, 1}}
	reply := streamingReply(200, [][2]string{{"content-type", "text/plain"}}, []byte("chunk0"), canister, "http_stream", tokenVal("/big.txt", 1))

	// agent-go decodes the fixed fields of a reply that carries a func.
	resp, cb, err := decodeResponse(reply)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(resp.Body) != "chunk0" || len(resp.Headers) != 1 || resp.Headers[0].Value != "text/plain" {
		t.Errorf("decoded %+v", resp)
	}
	if cb == nil || !cb.Canister.Equal(canister) || cb.Method != "http_stream" {
		t.Fatalf("callback = %+v", cb)
	}
	// The callback argument is a valid message holding the token.
	types, values, err := candid.Decode(cb.Arg)
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := types[0].(*idl.RecordType)
	if !ok || len(types) != 1 {
		t.Fatalf("token type %v", types)
	}
	m := values[0].(map[string]any)
	for _, f := range rec.Fields {
		switch f.Name {
		case idl.HashString("key"):
			if m[f.Name] != "/big.txt" {
				t.Errorf("key = %v", m[f.Name])
			}
		case idl.HashString("index"):
			if n, ok := m[f.Name].(idl.Nat); !ok || n.BigInt().Int64() != 1 {
				t.Errorf("index = %v", m[f.Name])
			}
		default:
			t.Errorf("unexpected field %s", f.Name)
		}
	}

	body, next, err := decodeCallbackResponse(callbackReply([]byte("chunk1"), tokenVal("/big.txt", 2)))
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "chunk1" || next == nil {
		t.Fatalf("body %q next %x", body, next)
	}
	body, next, err = decodeCallbackResponse(callbackReply([]byte("end"), nil))
	if err != nil || string(body) != "end" || next != nil {
		t.Fatalf("last chunk: %q %x %v", body, next, err)
	}

	// Without a strategy there is no callback.
	if _, cb, err := decodeResponse(streamingReply(200, nil, nil, canister, "", nil)); err != nil || cb != nil {
		t.Fatalf("no strategy: %+v %v", cb, err)
	}
}

// agentDecode is the reference decoding of an HttpResponse by agent-go.
func agentDecode(data []byte) (resp httpResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("agent-go panicked: %v", r)
		}
	}()
	err = candid.Unmarshal(data, []any{&resp})
	return resp, err
}

func TestDecodeResponseMatchesAgentGo(t *testing.T) {
	upgrade := false
	replies := map[string][]byte{}
	for name, r := range map[string]httpResponse{
		"plain":          {StatusCode: 404, Headers: []headerField{{Name: "a", Value: "b"}, {Name: "a", Value: "c"}}, Body: []byte("not found")},
		"upgrade false":  {StatusCode: 200, Upgrade: &upgrade},
		"binary body":    {StatusCode: 200, Body: []byte{0, 0xff, 0x80}},
		"unicode header": {StatusCode: 301, Headers: []headerField{{Name: "Location", Value: "/é"}}},
	} {
		b, err := candid.Marshal([]any{r})
		if err != nil {
			t.Fatal(err)
		}
		replies[name] = b
	}
	replies["streaming"] = streamingReply(206, [][2]string{{"x", "y"}}, []byte("c0"), principal.Principal{Raw: []byte{1}}, "cb", tokenVal("k", 1))
	for name, reply := range replies {
		t.Run(name, func(t *testing.T) {
			got, _, err := decodeResponse(reply)
			if err != nil {
				t.Fatal(err)
			}
			want, err := agentDecode(reply)
			if err != nil {
				t.Fatal(err)
			}
			if got.StatusCode != want.StatusCode || !bytes.Equal(got.Body, want.Body) || !slices.Equal(got.Headers, want.Headers) ||
				(got.Upgrade == nil) != (want.Upgrade == nil) || got.Upgrade != nil && *got.Upgrade != *want.Upgrade {
				t.Errorf("got %+v, agent-go %+v", got, want)
			}
		})
	}
}

func TestEncodeRequest(t *testing.T) {
	req := httpUpdateRequest{Method: "POST", URL: "/webhook?x=1", Headers: []headerField{{Name: "host", Value: "h"}}, Body: []byte{0xff, 0, '\r', '\n'}}
	q, err := encodeQueryRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	var got httpRequest
	if err := candid.Unmarshal(q, []any{&got}); err != nil {
		t.Fatal(err)
	}
	if got.CertificateVersion == nil || *got.CertificateVersion != 2 || !bytes.Equal(got.Body, req.Body) || got.Headers[0] != req.Headers[0] {
		t.Errorf("query request decoded to %+v", got)
	}
	// The header tuple is record { 0: text; 1: text }: 6c 02 00 71 01 71.
	if !bytes.Contains(q, []byte{0x6c, 0x02, 0x00, 0x71, 0x01, 0x71}) {
		t.Errorf("header field is not a tuple: %x", q)
	}
	u, err := encodeUpdateRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	types, _, err := candid.Decode(u)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range types[0].(*idl.RecordType).Fields {
		if f.Name == idl.HashString("certificate_version") {
			t.Error("HttpUpdateRequest has certificate_version")
		}
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	tests := map[string][]byte{
		"no magic":          []byte("DIDX\x00\x00"),
		"truncated":         []byte("DIDL"),
		"bad ref":           []byte("DIDL\x01\x6e\x05\x01\x00"),
		"future opcode":     []byte("DIDL\x01\x4f\x00\x00"),
		"unsorted fields":   []byte("DIDL\x01\x6c\x02\x01\x71\x00\x71\x01\x00"),
		"huge table count":  []byte("DIDL\xff\xff\xff\xff\x0f"),
		"primitive as args": []byte("DIDL\x00\x01\x71\x00"),
	}
	for name, msg := range tests {
		if resp, _, err := decodeResponse(msg); err == nil {
			t.Errorf("%s: %x accepted (%+v)", name, msg, resp)
		}
		if _, _, err := decodeCallbackResponse(msg); err == nil {
			t.Errorf("%s: %x accepted as a callback response", name, msg)
		}
	}
}

// FuzzReadStreaming feeds arbitrary canister replies to the decoders; none
// may panic, and an extracted callback argument must be a valid message.
func FuzzReadStreaming(f *testing.F) {
	canister := principal.Principal{Raw: []byte{1, 2, 3}}
	f.Add(streamingReply(200, [][2]string{{"a", "b"}}, []byte("x"), canister, "cb", tokenVal("k", 1)))
	f.Add(callbackReply([]byte("y"), tokenVal("k", 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, cb, err := decodeResponse(data)
		if err != nil {
			_, _, _ = decodeCallbackResponse(data)
			return
		}
		if cb != nil {
			if err := ourcandid.Unmarshal(cb.Arg, new(ourcandid.Reserved)); err != nil {
				t.Fatalf("callback argument is not a valid message: %v", err)
			}
		}
		// What we decode, agent-go's decoder must read the same way.
		if oracle, err := agentDecode(data); err == nil {
			if oracle.StatusCode != resp.StatusCode || !bytes.Equal(oracle.Body, resp.Body) ||
				len(oracle.Headers) != len(resp.Headers) || (oracle.Upgrade == nil) != (resp.Upgrade == nil) {
				t.Fatalf("agent-go decodes %+v, we decode %+v", oracle, resp)
			}
		}
	})
}
