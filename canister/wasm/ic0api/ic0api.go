// Package ic0api lists the Internet Computer System API: every function a
// canister may import from module "ic0", with its Wasm type on wasm32 and the
// contexts it may be called from. The table is ic0-api.txt (IC interface
// specification, System API imports), embedded and parsed once.
package ic0api

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

//go:embed ic0-api.txt
var specText string

// Func is one ic0 import.
type Func struct {
	Name string        // name within module "ic0", e.g. "msg_reply"
	Type wasm.FuncType // wasm32 signature
	// Contexts are the spec's context codes ("U", "RQ", "*", "s" ...).
	Contexts []string
	// InStart reports whether the function may be called from the Wasm start
	// function (context "s").
	InStart bool
	// Deprecated reports functions only available on wasm32 that the spec
	// marks deprecated or superseded (stable_*, 64-bit cycles).
	Deprecated bool
}

// table is built once from specText and never modified.
var table = mustParse(specText)

// Lookup returns the ic0 function called name.
func Lookup(name string) (Func, bool) {
	f, ok := table[name]
	return f, ok
}

// Names returns all ic0 function names in sorted order.
func Names() []string {
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func mustParse(s string) map[string]Func {
	t, err := parse(s)
	if err != nil {
		panic("ic0api: " + err.Error())
	}
	return t
}

// parse reads lines "ic0.NAME | spec signature | (func ...) | contexts".
func parse(s string) (map[string]Func, error) {
	t := make(map[string]Func)
	deprecated := false
	for i, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "## Only available when I = i32") {
			deprecated = true
		}
		if !strings.HasPrefix(line, "ic0.") {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) != 4 {
			return nil, fmt.Errorf("line %d: want 4 columns: %q", i+1, line)
		}
		name := strings.TrimPrefix(strings.TrimSpace(cols[0]), "ic0.")
		typ, err := parseFuncType(strings.TrimSpace(cols[2]))
		if err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", i+1, name, err)
		}
		ctx := strings.Fields(cols[3])
		f := Func{Name: name, Type: typ, Contexts: ctx, Deprecated: deprecated}
		for _, c := range ctx {
			if c == "s" {
				f.InStart = true
			}
		}
		t[name] = f
	}
	if len(t) == 0 {
		return nil, fmt.Errorf("no functions found")
	}
	return t, nil
}

// parseFuncType parses the text-format "(func (param i32 i64) (result i32))".
func parseFuncType(s string) (wasm.FuncType, error) {
	var ft wasm.FuncType
	if !strings.HasPrefix(s, "(func") || !strings.HasSuffix(s, ")") {
		return ft, fmt.Errorf("bad type %q", s)
	}
	inner := strings.TrimSpace(s[len("(func") : len(s)-1])
	for inner != "" {
		if !strings.HasPrefix(inner, "(") {
			return ft, fmt.Errorf("bad type %q", s)
		}
		end := strings.IndexByte(inner, ')')
		if end < 0 {
			return ft, fmt.Errorf("bad type %q", s)
		}
		fields := strings.Fields(inner[1:end])
		inner = strings.TrimSpace(inner[end+1:])
		var dst *[]wasm.ValType
		switch fields[0] {
		case "param":
			dst = &ft.Params
		case "result":
			dst = &ft.Results
		default:
			return ft, fmt.Errorf("bad type %q", s)
		}
		for _, f := range fields[1:] {
			switch f {
			case "i32":
				*dst = append(*dst, wasm.I32)
			case "i64":
				*dst = append(*dst, wasm.I64)
			default:
				return ft, fmt.Errorf("bad value type %q in %q", f, s)
			}
		}
	}
	return ft, nil
}
