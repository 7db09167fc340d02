package ic0api

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		inStart bool
	}{
		{"msg_reply", "(func)", false},
		{"call_new", "(func (param i32 i32 i32 i32 i32 i32 i32 i32))", false},
		{"time", "(func (result i64))", false},
		{"stable64_grow", "(func (param i64) (result i64))", true},
		{"debug_print", "(func (param i32 i32))", true},
		{"cost_sign_with_ecdsa", "(func (param i32 i32 i32 i32) (result i32))", true},
		{"stable_size", "(func (result i32))", true},
	}
	for _, tc := range tests {
		f, ok := Lookup(tc.name)
		if !ok {
			t.Errorf("%s missing", tc.name)
			continue
		}
		if f.Type.String() != tc.typ || f.InStart != tc.inStart {
			t.Errorf("%s = %v start=%v, want %s start=%v", tc.name, f.Type, f.InStart, tc.typ, tc.inStart)
		}
	}
	if _, ok := Lookup("mint_cycles"); ok {
		t.Error("mint_cycles is not part of the public spec")
	}
	if n := len(Names()); n < 70 {
		t.Errorf("only %d functions parsed", n)
	}
	if f, _ := Lookup("stable_read"); !f.Deprecated {
		t.Error("stable_read should be marked deprecated")
	}
}

func TestParseFuncTypeErrors(t *testing.T) {
	for _, s := range []string{"func", "(func (param f32))", "(func (local i32))", "(func (param i32)"} {
		if _, err := parseFuncType(s); err == nil {
			t.Errorf("parseFuncType(%q) succeeded", s)
		}
	}
	ft, err := parseFuncType("(func (param i64 i64 i32))")
	if err != nil || !ft.Equal(wasm.FuncType{Params: []wasm.ValType{wasm.I64, wasm.I64, wasm.I32}}) {
		t.Errorf("got %v %v", ft, err)
	}
}
