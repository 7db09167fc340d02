package candid_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// msg builds a message from hex fragments (spaces ignored).
func msg(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(strings.Join(parts, ""), " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uleb is the unsigned LEB128 hex of v (test helper independent of the package's).
func uleb(v uint64) string {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			b = append(b, c)
			break
		}
		b = append(b, c|0x80)
	}
	return hex.EncodeToString(b)
}

func TestMarshalGolden(t *testing.T) {
	type pair struct {
		A uint8  `ic:"0"`
		B string `ic:"1"`
	}
	type tuple struct {
		X bool   `ic:",tuple"`
		Y uint16 `ic:",tuple"`
	}
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"nat", []any{candid.Nat(42)}, "4449444c 00 01 7d 2a"},
		{"nat 624485", []any{candid.Nat(624485)}, "4449444c 00 01 7d e58e26"},
		{"int -123456", []any{candid.Int(-123456)}, "4449444c 00 01 7c c0bb78"},
		{"text", []any{"hello"}, "4449444c 00 01 71 05 68656c6c6f"},
		{"null", []any{nil}, "4449444c 00 01 7f"},
		{"Null", []any{candid.Null{}}, "4449444c 00 01 7f"},
		{"reserved", []any{candid.Reserved{}}, "4449444c 00 01 70"},
		{"int8 -1", []any{int8(-1)}, "4449444c 00 01 77 ff"},
		{"float64 1", []any{1.0}, "4449444c 00 01 72 000000000000f03f"},
		{"opt none", []any{(*bool)(nil)}, "4449444c 01 6e 7e 01 00 00"},
		{"opt some", []any{ptr(true)}, "4449444c 01 6e 7e 01 00 01 01"},
		{"blob", []any{[]byte{0xca, 0xfe}}, "4449444c 01 6d 7b 01 00 02 cafe"},
		{"array", []any{[2]byte{0xca, 0xfe}}, "4449444c 01 6d 7b 01 00 02 cafe"},
		{"principal", []any{principal.FromBytes([]byte{0xab, 0xcd, 0x01})}, "4449444c 00 01 68 01 03 abcd01"},
		{"numeric field names", []any{pair{A: 1, B: "x"}}, "4449444c 01 6c 02 00 7b 01 71 01 00 01 01 78"},
		{"tuple", []any{tuple{X: true, Y: 2}}, "4449444c 01 6c 02 00 7e 01 7a 01 00 01 0200"},
		{"empty record", []any{struct{}{}}, "4449444c 01 6c 00 01 00"},
		{"func", []any{candid.Func{Service: principal.FromBytes([]byte{1}), Method: "m"}},
			"4449444c 01 6a 00 00 00 01 00 01 01 01 01 01 6d"},
		{"query func", []any{candid.QueryFunc[string, bool]{Service: principal.FromBytes([]byte{1}), Method: "m"}},
			"4449444c 01 6a 01 71 01 7e 01 01 01 00 01 01 01 01 01 6d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := candid.Marshal(tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if want := msg(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("Marshal = %x, want %x", got, want)
			}
		})
	}
}

// node is a recursive type (through a slice and an opt).
type node struct {
	Value    uint64 `ic:"value"`
	Children []node `ic:"children"`
	Next     *node  `ic:"next"`
}

type everything struct {
	B   bool                           `ic:"b"`
	N8  uint8                          `ic:"n8"`
	N16 uint16                         `ic:"n16"`
	N32 uint32                         `ic:"n32"`
	N64 uint64                         `ic:"n64"`
	U   uint                           `ic:"u"`
	I8  int8                           `ic:"i8"`
	I16 int16                          `ic:"i16"`
	I32 int32                          `ic:"i32"`
	I64 int64                          `ic:"i64"`
	I   int                            `ic:"i"`
	F32 float32                        `ic:"f32"`
	F64 float64                        `ic:"f64"`
	S   string                         `ic:"s"`
	Nat candid.Nat                     `ic:"nat"`
	Int candid.Int                     `ic:"int"`
	P   principal.Principal            `ic:"p"`
	Blo []byte                         `ic:"blob"`
	Arr [3]uint16                      `ic:"arr"`
	Vec []string                       `ic:"vec"`
	Opt *[]principal.Principal         `ic:"opt"`
	OO  **string                       `ic:"oo"`
	Nul candid.Null                    `ic:"nul"`
	Res candid.Reserved                `ic:"res"`
	Var result                         `ic:"var"`
	Tre node                           `ic:"tree"`
	Fn  candid.QueryFunc[node, result] `ic:"fn"`
	Skp int                            `ic:"-"`
	low int
}

type result struct {
	Ok  *node        `ic:"ok,variant"`
	Err *string      `ic:"err,variant"`
	Nil *candid.Null `ic:"nil,variant"`
}

func TestRoundTrip(t *testing.T) {
	full := everything{
		B: true, N8: 255, N16: 65535, N32: math.MaxUint32, N64: math.MaxUint64, U: 7,
		I8: -128, I16: -32768, I32: math.MinInt32, I64: math.MinInt64, I: -1,
		F32: float32(math.Inf(-1)), F64: math.SmallestNonzeroFloat64, S: "日本語",
		Nat: math.MaxUint64, Int: math.MinInt64, P: principal.Anonymous,
		Blo: nil, Arr: [3]uint16{1, 2, 3}, Vec: []string{"", "a"},
		Opt: &[]principal.Principal{principal.ManagementCanister}, OO: ptr(ptr("deep")),
		Var: result{Ok: &node{Value: 1}},
		Tre: node{Value: 1, Children: []node{{Value: 2, Next: &node{Value: 3}}}},
		Fn:  candid.QueryFunc[node, result]{Service: principal.Anonymous, Method: "f"},
	}
	tests := []struct {
		name string
		args []any
	}{
		{"everything", []any{full}},
		{"zero", []any{everything{Var: result{Nil: &candid.Null{}}, Blo: nil}}},
		{"variant err", []any{result{Err: ptr("boom")}}},
		{"several", []any{"a", node{Value: 9}, ptr(uint8(1))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := candid.Marshal(tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			ptrs := make([]any, len(tt.args))
			for i, a := range tt.args {
				ptrs[i] = reflect.New(reflect.TypeOf(a)).Interface()
			}
			if err := candid.Unmarshal(b, ptrs...); err != nil {
				t.Fatalf("Unmarshal(%x): %v", b, err)
			}
			for i, p := range ptrs {
				got := reflect.ValueOf(p).Elem().Interface()
				want := tt.args[i]
				if e, ok := want.(everything); ok {
					e.Skp, e.low = 0, 0
					want = e
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("argument %d:\n got %#v\nwant %#v", i, got, want)
				}
			}
			// Encoding is deterministic.
			again, _ := candid.Marshal(tt.args...)
			if !bytes.Equal(again, b) {
				t.Errorf("second Marshal differs")
			}
		})
	}
}

func TestSubtyping(t *testing.T) {
	type v1 struct {
		Name string `ic:"name"`
		Age  uint8  `ic:"age"`
	}
	type v2 struct { // v1 plus an opt field: new readers accept old messages
		Name  string  `ic:"name"`
		Email *string `ic:"email"`
		Res   candid.Reserved
	}
	type nameOnly struct {
		Name string `ic:"name"`
	}
	type wantsInt struct {
		Age candid.Int `ic:"age"`
	}
	type small struct {
		A *string `ic:"a,variant"`
	}
	type large struct {
		A *string `ic:"a,variant"`
		B *uint8  `ic:"b,variant"`
	}
	tests := []struct {
		name string
		in   []any
		into any
		want any
	}{
		{"extra field skipped", []any{v1{Name: "x", Age: 3}}, new(nameOnly), &nameOnly{Name: "x"}},
		{"missing opt field is null", []any{nameOnly{Name: "x"}}, new(v2), &v2{Name: "x"}},
		{"value into opt", []any{"t"}, new(*string), ptr(ptr("t"))},
		{"mismatch inside opt is null", []any{uint8(1)}, new(*string), new(*string)},
		{"opt of mismatch is null", []any{ptr(uint8(1))}, new(*string), new(*string)},
		{"null into opt", []any{nil}, new(*uint8), new(*uint8)},
		{"reserved into opt", []any{candid.Reserved{}}, new(*uint8), new(*uint8)},
		{"anything into reserved", []any{v1{Name: "x"}}, new(candid.Reserved), new(candid.Reserved)},
		{"record field mismatch into opt record", []any{v1{Name: "x", Age: 3}}, new(*wantsInt), new(*wantsInt)},
		{"extra argument skipped", []any{"a", v1{Name: "b"}}, new(string), ptr("a")},
		{"smaller variant into larger", []any{small{A: ptr("x")}}, new(large), &large{A: ptr("x")}},
		{"value into opt opt is null", []any{"t"}, new(**string), new(**string)},
		{"opt value into opt opt", []any{ptr("t")}, new(**string), ptr(ptr(ptr("t")))},
		{"nat into int", []any{candid.Nat(5)}, new(candid.Int), ptr(candid.Int(5))},
		{"vec elements coerce", []any{[]string{"a"}}, new([]*string), ptr([]*string{ptr("a")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := candid.Marshal(tt.in...)
			if err != nil {
				t.Fatal(err)
			}
			if err := candid.Unmarshal(b, tt.into); err != nil {
				t.Fatalf("Unmarshal(%x): %v", b, err)
			}
			if !reflect.DeepEqual(tt.into, tt.want) {
				t.Fatalf("got %#v, want %#v", reflect.ValueOf(tt.into).Elem(), reflect.ValueOf(tt.want).Elem())
			}
		})
	}
}

func TestMissingArguments(t *testing.T) {
	b, _ := candid.Marshal("only")
	var s string
	o := ptr("stale")
	var r candid.Reserved
	if err := candid.Unmarshal(b, &s, &o, &r); err != nil {
		t.Fatal(err)
	}
	if s != "only" || o != nil {
		t.Fatalf("got %q %v", s, o)
	}
	var n candid.Null // null is not a supertype of opt empty: a missing null is an error
	if err := candid.Unmarshal(b, &s, &n); err == nil {
		t.Fatal("missing null argument accepted")
	}
	var u uint8
	if err := candid.Unmarshal(b, &s, &u); err == nil {
		t.Fatal("missing non-opt argument accepted")
	}
}

func TestDecodeGolden(t *testing.T) {
	p := "0a" + strings.Repeat("01", 10)
	big := strings.Repeat("ff", 18) + "03" // 2^128-1
	type keep struct {
		Keep string `ic:"keep"`
	}
	drop, keepH := candid.Hash("drop"), candid.Hash("keep")
	rec := "6c 02 " + uleb(uint64(min(drop, keepH)))
	if drop < keepH {
		rec += " 7d " + uleb(uint64(keepH)) + " 71"
	} else {
		rec += " 71 " + uleb(uint64(drop)) + " 7d"
	}
	recVal := big + "01 6b"
	if keepH < drop {
		recVal = "01 6b" + big
	}
	tests := []struct {
		name string
		data string
		into any
		want any
	}{
		{"func ref", "4449444c 01 6a 00 00 01 01 01 00 01 01" + p + "04 6e657874", new(candid.Func),
			&candid.Func{Service: principal.FromBytes(bytes.Repeat([]byte{1}, 10)), Method: "next"}},
		{"service skipped into reserved", "4449444c 01 69 00 01 00 01" + p, new(candid.Reserved), new(candid.Reserved)},
		{"big nat skipped", "4449444c 01 " + rec + " 01 00 " + recVal, new(keep), &keep{Keep: "k"}},
		{"opt opt text into opt text", "4449444c 02 6e 01 6e 71 01 00 01 01 01 78", new(*string), new(*string)},
		{"non-minimal leb", "4449444c 00 01 7d 8180808000", new(candid.Nat), ptr(candid.Nat(1))},
		{"service method table", "4449444c 02 69 02 01 61 01 01 62 01 6a 00 00 00 01 00 01" + p, new(candid.Reserved), new(candid.Reserved)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := candid.Unmarshal(msg(t, tt.data), tt.into); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.into, tt.want) {
				t.Fatalf("got %#v, want %#v", tt.into, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	type req struct {
		Name string `ic:"name"`
	}
	tests := []struct {
		name string
		data string
		into any
		want error  // nil: any error
		text string // a substring of the error
	}{
		{"no magic", "4449444d 00 00", new(string), wire.ErrMagic, ""},
		{"empty", "", new(string), wire.ErrMagic, ""},
		{"truncated text", "4449444c 00 01 71 05 6865", new(string), nil, "unexpected end"},
		{"trailing", "4449444c 00 01 71 00 00", new(string), wire.ErrTrailing, ""},
		{"type mismatch", "4449444c 00 01 71 00", new(uint8), nil, "cannot decode text into Go uint8"},
		{"bad type ref", "4449444c 01 6e 05 01 00 00", new(*string), wire.ErrTypeTable, ""},
		{"unsorted fields", "4449444c 01 6c 02 02 71 01 71 01 00 00 00", new(req), wire.ErrTypeTable, ""},
		{"unknown opcode", "4449444c 01 60 00", new(string), wire.ErrTypeTable, ""},
		{"bad bool", "4449444c 00 01 7e 02", new(bool), nil, "bool value 2"},
		{"bad utf8", "4449444c 00 01 71 01 ff", new(string), nil, "UTF-8"},
		{"nat overflow", "4449444c 00 01 7d " + strings.Repeat("ff", 10) + "01", new(candid.Nat), nil, "64 bits"},
		{"missing field", "4449444c 01 6c 00 01 00", new(req), nil, "missing field name"},
		{"unknown variant arm", "4449444c 01 6b 01 00 71 01 00 00 00", new(struct {
			A *string `ic:"a,variant"`
		}), nil, "variant arm 0 unknown"},
		{"variant index out of range", "4449444c 01 6b 01 00 7f 01 00 05", new(*candid.Reserved), nil, "variant index"},
		{"infinite record", "4449444c 01 6c 01 00 00 01 00", new(candid.Reserved), wire.ErrTooDeep, ""},
		{"huge vec of null", "4449444c 01 6d 7f 01 00 80808080808080808001", new([]candid.Null), wire.ErrTooLarge, ""},
		{"long vec of reserved", "4449444c 01 6d 70 01 00 8080c002", new(candid.Reserved), wire.ErrTooLarge, ""},
		{"empty value", "4449444c 00 01 6f", new(*string), nil, "empty"},
		{"opaque principal", "4449444c 00 01 68 00", new(principal.Principal), nil, "opaque"},
		{"principal too long", "4449444c 00 01 68 01 1e" + strings.Repeat("00", 30), new(principal.Principal), nil, "principal of 30"},
		{"opt flag", "4449444c 01 6e 71 01 00 02", new(*string), nil, "opt flag"},
		{"array length", "4449444c 01 6d 7b 01 00 01 00", new([2]byte), nil, "vec of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := candid.Unmarshal(msg(t, tt.data), tt.into)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	type both struct {
		A *string `ic:"a,variant"`
		B *string `ic:"b,variant"`
	}
	type notPtr struct {
		A string `ic:"a,variant"`
	}
	type dup struct {
		A string `ic:"x"`
		B string `ic:"x"`
	}
	type loop []loop
	tests := []struct {
		name string
		arg  any
		text string
	}{
		{"no arm", both{}, "no arm"},
		{"two arms", both{A: ptr("a"), B: ptr("b")}, "both set"},
		{"arm not pointer", notPtr{}, "must be a pointer"},
		{"duplicate field", dup{}, "same id"},
		{"map", map[string]int{}, "unsupported"},
		{"interface", []any{1}, "unsupported"},
		{"empty", candid.Empty{}, "no values"},
		{"recursive slice", loop{}, "recursive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := candid.Marshal(tt.arg)
			if err == nil || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("error %v, want %q", err, tt.text)
			}
		})
	}
}

func TestHash(t *testing.T) {
	// Values from the Candid spec and dfx output.
	for name, want := range map[string]uint32{"": 0, "a": 97, "name": 1224700491, "foo": 5097222, "bar": 4895187} {
		if got := candid.Hash(name); got != want {
			t.Errorf("Hash(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestUnmarshalNeedsPointers(t *testing.T) {
	b, _ := candid.Marshal("x")
	var s string
	for _, arg := range []any{s, (*string)(nil)} {
		if err := candid.Unmarshal(b, arg); err == nil {
			t.Errorf("Unmarshal(%T) accepted", arg)
		}
	}
}

func TestLEBEdges(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 255, 1 << 32, math.MaxInt64, math.MaxUint64} {
		b, _ := candid.Marshal(candid.Nat(v))
		var got candid.Nat
		if err := candid.Unmarshal(b, &got); err != nil || uint64(got) != v {
			t.Errorf("nat %d: got %d, %v", v, got, err)
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, math.MaxInt64, math.MinInt64, 1 << 40, -(1 << 40)} {
		b, _ := candid.Marshal(candid.Int(v))
		var got candid.Int
		if err := candid.Unmarshal(b, &got); err != nil || int64(got) != v {
			t.Errorf("int %d: got %d, %v (%x)", v, got, err, b)
		}
	}
	// Redundant sign-extension groups are accepted; bits beyond 64 are not.
	tests := []struct {
		hex  string
		want int64
		ok   bool
	}{
		{"ff7f", -1, true},
		{"ffffffffffffffffff7f", -1, true},
		{"ffffffffffffffffffff7f", -1, true},
		{"8080808080808080807f", math.MinInt64, true},
		{"ffffffffffffffffff00", math.MaxInt64, true},
		{"ffffffffffffffffff01", 0, false},
		{"ffffffffffffffffff7e", 0, false},
	}
	for _, tt := range tests {
		var got candid.Int
		err := candid.Unmarshal(msg(t, "4449444c 00 01 7c", tt.hex), &got)
		if (err == nil) != tt.ok || tt.ok && int64(got) != tt.want {
			t.Errorf("sleb %s: got %d, %v", tt.hex, got, err)
		}
	}
}
