package ic0api

import (
	"fmt"
	"slices"
	"strings"
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

// TestSpecColumnsAgree checks each line's spec signature, with I = i32 as on wasm32, against
// its Wasm type column, so that a typo in either column is caught.
func TestSpecColumnsAgree(t *testing.T) {
	n := 0
	for _, line := range strings.Split(specText, "\n") {
		if !strings.HasPrefix(line, "ic0.") {
			continue
		}
		cols := strings.Split(line, "|")
		name := strings.TrimPrefix(strings.TrimSpace(cols[0]), "ic0.")
		want, err := specSignature(cols[1])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		f, _ := Lookup(name)
		if !f.Type.Equal(want) {
			t.Errorf("%s: spec signature %q is %v, Wasm type column %v", name, strings.TrimSpace(cols[1]), want, f.Type)
		}
		n++
	}
	if n != len(Names()) {
		t.Errorf("checked %d lines, table has %d functions", n, len(Names()))
	}
}

// specSignature reads the spec's "(dst : I, size : I) -> (result : i32)" form.
func specSignature(s string) (wasm.FuncType, error) {
	var ft wasm.FuncType
	params, results, ok := strings.Cut(s, "->")
	if !ok {
		return ft, fmt.Errorf("no -> in %q", s)
	}
	var err error
	if ft.Params, err = specTypes(params); err != nil {
		return ft, err
	}
	ft.Results, err = specTypes(results)
	return ft, err
}

// specTypes reads "()", "I", "i64" or "(name : T, ...)".
func specTypes(s string) ([]wasm.ValType, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "("), ")")
	var out []wasm.ValType
	for _, field := range strings.Split(s, ",") {
		_, typ, _ := strings.Cut(field, ":")
		if !strings.Contains(field, ":") {
			typ = field
		}
		switch strings.TrimSpace(typ) {
		case "":
		case "I", "i32":
			out = append(out, wasm.I32)
		case "i64":
			out = append(out, wasm.I64)
		default:
			return nil, fmt.Errorf("unknown type %q", typ)
		}
	}
	return out, nil
}

func TestSpecSignatureParser(t *testing.T) {
	tests := []struct{ in, want string }{
		{"() -> ()", "(func)"},
		{"(dst : I, offset : I, size : I) -> ()", "(func (param i32 i32 i32))"},
		{"() -> ( err_code : i32 )", "(func (result i32))"},
		{"(max_amount_high : i64, max_amount_low: i64, dst : I) -> ()", "(func (param i64 i64 i32))"},
		{"(timestamp : i64) -> i64", "(func (param i64) (result i64))"},
	}
	for _, tt := range tests {
		ft, err := specSignature(tt.in)
		if err != nil || ft.String() != tt.want {
			t.Errorf("specSignature(%q) = %v, %v; want %s", tt.in, ft, err, tt.want)
		}
	}
	if _, err := specSignature("(x : f32) -> ()"); err == nil {
		t.Error("f32 accepted")
	}
}

// TestContextCodes checks that every function's contexts use the spec's legend (plus "*",
// and msg_deadline's "Q", which the legend lacks), and that only "*" functions may run in
// the start function.
func TestContextCodes(t *testing.T) {
	legend := map[string]bool{"*": true}
	_, text, _ := strings.Cut(specText, "## Context legend")
	text, _, _ = strings.Cut(text, "## Notes")
	for _, line := range strings.Split(text, "\n") {
		if fields := strings.Fields(line); len(fields) > 1 && (fields[1] == "from" || fields[1] == "the") {
			legend[fields[0]] = true
		}
	}
	for _, code := range []string{"I", "G", "U", "RQ", "NRQ", "TQ", "CQ", "Ry", "Rt", "CRy", "CRt", "C", "CC", "s", "F", "T"} {
		if !legend[code] {
			t.Errorf("legend lacks %s", code)
		}
	}
	for _, name := range Names() {
		f, _ := Lookup(name)
		if len(f.Contexts) == 0 {
			t.Errorf("%s has no contexts", name)
		}
		for _, c := range f.Contexts {
			if !legend[c] && !(name == "msg_deadline" && c == "Q") {
				t.Errorf("%s: context %q is not in the legend", name, c)
			}
		}
		if f.InStart && !slices.Contains(f.Contexts, "*") {
			t.Errorf("%s may run in start but not everywhere else: %v", name, f.Contexts)
		}
	}
}

// TestSpecFacts checks the table against what the interface specification says about it.
func TestSpecFacts(t *testing.T) {
	// The spec lists no cycles-minting import (the IC replica links mint_cycles128 for the
	// Cycles Minting Canister only).
	for _, name := range []string{"mint_cycles", "mint_cycles128"} {
		if _, ok := Lookup(name); ok {
			t.Errorf("%s is not in the spec's list of imports", name)
		}
	}
	// The wasm32-only functions: the deprecated 32-bit stable memory API and the 64-bit cycle
	// amounts, each superseded by a function with the same contexts.
	superseded := map[string]string{
		"msg_cycles_available": "msg_cycles_available128", "msg_cycles_refunded": "msg_cycles_refunded128",
		"msg_cycles_accept": "msg_cycles_accept128", "canister_cycle_balance": "canister_cycle_balance128",
		"call_cycles_add": "call_cycles_add128", "stable_size": "stable64_size", "stable_grow": "stable64_grow",
		"stable_write": "stable64_write", "stable_read": "stable64_read",
	}
	for _, name := range Names() {
		f, _ := Lookup(name)
		successor, ok := superseded[name]
		if f.Deprecated != ok {
			t.Errorf("%s: Deprecated = %v", name, f.Deprecated)
		}
		if !ok {
			continue
		}
		if s, _ := Lookup(successor); !slices.Equal(s.Contexts, f.Contexts) {
			t.Errorf("%s contexts %v, its successor %s %v", name, f.Contexts, successor, s.Contexts)
		}
	}
	// Blob idiom: every X_copy has an X_size callable from the same contexts.
	for _, name := range Names() {
		base, ok := strings.CutSuffix(name, "_copy")
		if !ok {
			continue
		}
		copyFn, _ := Lookup(name)
		size, ok := Lookup(base + "_size")
		if !ok || !slices.Equal(size.Contexts, copyFn.Contexts) {
			t.Errorf("%s: %s_size missing or callable elsewhere (%v vs %v)", name, base, size.Contexts, copyFn.Contexts)
		}
	}
}
