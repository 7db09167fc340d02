package candid_test

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"testing"

	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	agentprincipal "github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Parallel Go types: ours use cdk types, theirs use agent-go's for nat, null and principal.

type oursItem struct {
	Name  string  `ic:"name"`
	Price uint64  `ic:"price"`
	Note  *string `ic:"note"`
}

type oursOrder struct {
	ID       string                `ic:"id"`
	Buyer    principal.Principal   `ic:"buyer"`
	Items    []oursItem            `ic:"items"`
	Total    candid.Nat            `ic:"total"`
	Delta    candid.Int            `ic:"delta"`
	Paid     bool                  `ic:"paid"`
	Tags     [][]byte              `ic:"tags"`
	Ratio    float64               `ic:"ratio"`
	Status   oursStatus            `ic:"status"`
	Sellers  []principal.Principal `ic:"sellers"`
	Small    int8                  `ic:"small"`
	Medium   int16                 `ic:"medium"`
	Big32    int32                 `ic:"big32"`
	N16      uint16                `ic:"n16"`
	N32      uint32                `ic:"n32"`
	F32      float32               `ic:"f32"`
	Optional *oursItem             `ic:"optional"`
}

type oursStatus struct {
	Pending *candid.Null `ic:"pending,variant"`
	Paid    *uint64      `ic:"paid,variant"`
	Failed  *string      `ic:"failed,variant"`
}

type theirsItem struct {
	Name  string  `ic:"name"`
	Price uint64  `ic:"price"`
	Note  *string `ic:"note"`
}

type theirsOrder struct {
	ID       string                     `ic:"id"`
	Buyer    agentprincipal.Principal   `ic:"buyer"`
	Items    []theirsItem               `ic:"items"`
	Total    idl.Nat                    `ic:"total"`
	Delta    idl.Int                    `ic:"delta"`
	Paid     bool                       `ic:"paid"`
	Tags     [][]byte                   `ic:"tags"`
	Ratio    float64                    `ic:"ratio"`
	Status   theirsStatus               `ic:"status"`
	Sellers  []agentprincipal.Principal `ic:"sellers"`
	Small    int8                       `ic:"small"`
	Medium   int16                      `ic:"medium"`
	Big32    int32                      `ic:"big32"`
	N16      uint16                     `ic:"n16"`
	N32      uint32                     `ic:"n32"`
	F32      float32                    `ic:"f32"`
	Optional *theirsItem                `ic:"optional"`
}

type theirsStatus struct {
	Pending *idl.Null `ic:"pending,variant"`
	Paid    *uint64   `ic:"paid,variant"`
	Failed  *string   `ic:"failed,variant"`
}

func ptr[T any](v T) *T { return &v }

var (
	buyer  = []byte{0, 0, 0, 0, 0, 0, 0, 2, 1, 1}
	seller = []byte{4}
)

// compatCases are values both packages must encode to the same bytes and decode from each
// other.
func compatCases() []struct {
	name         string
	ours, theirs []any
} {
	order := func(status oursStatus, tstatus theirsStatus) ([]any, []any) {
		o := oursOrder{
			ID: "ord_1", Buyer: principal.FromBytes(buyer),
			Items: []oursItem{{Name: "tea", Price: 450}, {Name: "cake", Price: 1200, Note: ptr("no nuts")}},
			Total: 1650, Delta: -42, Paid: true, Tags: [][]byte{{1, 2}, {3}},
			Ratio: 0.25, Status: status, Sellers: []principal.Principal{principal.FromBytes(seller)},
			Small: -5, Medium: -300, Big32: -70000, N16: 65535, N32: 1 << 31, F32: 1.5,
			Optional: &oursItem{Name: "x"},
		}
		t := theirsOrder{
			ID: "ord_1", Buyer: agentprincipal.Principal{Raw: buyer},
			Items: []theirsItem{{Name: "tea", Price: 450}, {Name: "cake", Price: 1200, Note: ptr("no nuts")}},
			Total: idl.NewNat(uint64(1650)), Delta: idl.NewInt(-42), Paid: true, Tags: [][]byte{{1, 2}, {3}},
			Ratio: 0.25, Status: tstatus, Sellers: []agentprincipal.Principal{{Raw: seller}},
			Small: -5, Medium: -300, Big32: -70000, N16: 65535, N32: 1 << 31, F32: 1.5,
			Optional: &theirsItem{Name: "x"},
		}
		return []any{o}, []any{t}
	}
	type tc = struct {
		name         string
		ours, theirs []any
	}
	var cases []tc
	o, t := order(oursStatus{Paid: ptr(uint64(7))}, theirsStatus{Paid: ptr(uint64(7))})
	cases = append(cases, tc{"order paid", o, t})
	o, t = order(oursStatus{Pending: &candid.Null{}}, theirsStatus{Pending: &idl.Null{}})
	cases = append(cases, tc{"order pending", o, t})
	o, t = order(oursStatus{Failed: ptr("card declined")}, theirsStatus{Failed: ptr("card declined")})
	cases = append(cases, tc{"order failed", o, t})
	cases = append(cases,
		tc{"text", []any{"héllo"}, []any{"héllo"}},
		tc{"empty text", []any{""}, []any{""}},
		tc{"bool", []any{true}, []any{true}},
		tc{"nat64", []any{uint64(1<<64 - 1)}, []any{uint64(1<<64 - 1)}},
		tc{"int64", []any{int64(-1 << 63)}, []any{int64(-1 << 63)}},
		tc{"nat", []any{candid.Nat(1<<64 - 1)}, []any{idl.NewNat(uint64(1<<64 - 1))}},
		tc{"nat small", []any{candid.Nat(624485)}, []any{idl.NewNat(uint64(624485))}},
		tc{"int", []any{candid.Int(-123456)}, []any{idl.NewInt(-123456)}},
		tc{"int max", []any{candid.Int(1<<63 - 1)}, []any{idl.NewInt(int64(1<<63 - 1))}},
		tc{"blob", []any{[]byte{0, 1, 2, 255}}, []any{[]byte{0, 1, 2, 255}}},
		tc{"principal", []any{principal.FromBytes(buyer)}, []any{agentprincipal.Principal{Raw: buyer}}},
		tc{"opt some", []any{ptr("x")}, []any{ptr("x")}},
		tc{"opt none", []any{(*string)(nil)}, []any{(*string)(nil)}},
		tc{"vec text", []any{[]string{"a", "b"}}, []any{[]string{"a", "b"}}},
		tc{"vec vec nat8", []any{[][]uint8{{1}, {2, 3}}}, []any{[][]uint8{{1}, {2, 3}}}},
		tc{"three args", []any{"a", uint32(5), ptr(true)}, []any{"a", uint32(5), ptr(true)}},
		tc{"no args", []any{}, []any{}},
		tc{"float64", []any{-2.5e300}, []any{-2.5e300}},
	)
	return cases
}

func TestCompatEncodeSameBytes(t *testing.T) {
	for _, tt := range compatCases() {
		t.Run(tt.name, func(t *testing.T) {
			got, err := candid.Marshal(tt.ours...)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			want, err := agent.Marshal(tt.theirs)
			if err != nil {
				t.Fatalf("agent-go Marshal: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("bytes differ\nours:   %s\nagent:  %s", hex.EncodeToString(got), hex.EncodeToString(want))
			}
		})
	}
}

func TestCompatDecodeAgentBytes(t *testing.T) {
	for _, tt := range compatCases() {
		t.Run(tt.name, func(t *testing.T) {
			b, err := agent.Marshal(tt.theirs)
			if err != nil {
				t.Fatalf("agent-go Marshal: %v", err)
			}
			ptrs := make([]any, len(tt.ours))
			for i, v := range tt.ours {
				ptrs[i] = reflect.New(reflect.TypeOf(v)).Interface()
			}
			if err := candid.Unmarshal(b, ptrs...); err != nil {
				t.Fatalf("Unmarshal(%x): %v", b, err)
			}
			for i, p := range ptrs {
				if got := reflect.ValueOf(p).Elem().Interface(); !reflect.DeepEqual(got, tt.ours[i]) {
					t.Errorf("argument %d = %#v, want %#v", i, got, tt.ours[i])
				}
			}
		})
	}
}

func TestCompatAgentDecodesOurs(t *testing.T) {
	for _, tt := range compatCases() {
		t.Run(tt.name, func(t *testing.T) {
			b, err := candid.Marshal(tt.ours...)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			ptrs := make([]any, len(tt.theirs))
			for i, v := range tt.theirs {
				ptrs[i] = reflect.New(reflect.TypeOf(v)).Interface()
			}
			if err := agent.Unmarshal(b, ptrs); err != nil {
				t.Fatalf("agent-go Unmarshal(%x): %v", b, err)
			}
			for i, p := range ptrs {
				got := reflect.ValueOf(p).Elem().Interface()
				// agent-go's nat/int hold *big.Int: compare their text forms.
				if !reflect.DeepEqual(normalize(got), normalize(tt.theirs[i])) {
					t.Errorf("argument %d = %#v, want %#v", i, got, tt.theirs[i])
				}
			}
		})
	}
}

// normalize replaces agent-go's big-number types by strings so DeepEqual compares values.
func normalize(v any) any {
	switch x := v.(type) {
	case idl.Nat:
		return "nat:" + x.String()
	case idl.Int:
		return "int:" + x.String()
	case theirsOrder:
		x.Total = idl.Nat{}
		x.Delta = idl.Int{}
		return x
	}
	return v
}

// TestCompatDecodeFromText decodes messages that agent-go builds from Candid text (as the
// replica does for dfx-style arguments).
func TestCompatDecodeFromText(t *testing.T) {
	type withExtras struct {
		Keep string  `ic:"keep"`
		Opt  *uint64 `ic:"opt"`
	}
	tests := []struct {
		text string
		into any
		want any
	}{
		{`(record { keep = "k"; drop = 9223372036854775807 : nat; other = vec { 1; 2 } })`,
			new(withExtras), &withExtras{Keep: "k"}},
		{`(null)`, new(*string), new(*string)},
		{`("plain")`, new(*string), ptr(ptr("plain"))},
		{`(5 : nat)`, new(candid.Int), ptr(candid.Int(5))},
		{`(variant { ok = "fine" })`, new(struct {
			Ok  *string `ic:"ok,variant"`
			Err *string `ic:"err,variant"`
		}), &struct {
			Ok  *string `ic:"ok,variant"`
			Err *string `ic:"err,variant"`
		}{Ok: ptr("fine")}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			b, err := agent.EncodeValueString(tt.text)
			if err != nil {
				t.Fatalf("agent-go EncodeValueString: %v", err)
			}
			if err := candid.Unmarshal(b, tt.into); err != nil {
				t.Fatalf("Unmarshal(%x): %v", b, err)
			}
			if !reflect.DeepEqual(tt.into, tt.want) {
				t.Fatalf("got %#v, want %#v", tt.into, tt.want)
			}
		})
	}
}

// TestCompatFuncEncoding checks a func reference with a signature against agent-go's
// reading of it (the HTTP gateway's streaming callback shape).
func TestCompatFuncEncoding(t *testing.T) {
	type token struct {
		Key string `ic:"key"`
	}
	type chunk struct {
		Body  []byte `ic:"body"`
		Token *token `ic:"token"`
	}
	type strategy struct {
		Callback candid.QueryFunc[token, chunk] `ic:"callback"`
		Token    token                          `ic:"token"`
	}
	in := strategy{
		Callback: candid.QueryFunc[token, chunk]{Service: principal.FromBytes(buyer), Method: "http_streaming"},
		Token:    token{Key: "k"},
	}
	b, err := candid.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	types, values, err := agent.Decode(b)
	if err != nil {
		t.Fatalf("agent-go Decode(%x): %v", b, err)
	}
	// agent-go names decoded fields by their hash.
	h := func(name string) string { return strconv.FormatUint(uint64(candid.Hash(name)), 10) }
	key := "record {" + h("key") + ":text}"
	wantType := h("callback") + ":(" + key + ") -> (record {" + h("token") + ":opt " + key + "; " +
		h("body") + ":vec nat8}) \x01"
	if got := types[0].String(); !strings.Contains(got, wantType) {
		t.Errorf("agent-go reads type %s, want it to contain %s", got, wantType)
	}
	pm, ok := values[0].(map[string]any)[h("callback")].(*idl.PrincipalMethod)
	if !ok || !bytes.Equal(pm.Principal.Raw, buyer) || pm.Method != "http_streaming" {
		t.Errorf("agent-go reads callback %#v", values[0])
	}
	var out strategy
	if err := candid.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip: %#v", out)
	}
}
