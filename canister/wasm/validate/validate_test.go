package validate

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// base is a valid canister: one ic0 import, memory, a query.
const base = `(module
  (import "ic0" "msg_reply" (func $reply))
  %s
  (memory (export "memory") 1)
  (func $q (export "canister_query q") call $reply))`

func wat(t *testing.T, extra string, flags ...string) []byte {
	t.Helper()
	return wasmtest.Wat(t, fmt.Sprintf(base, extra), flags...)
}

func decode(t *testing.T, b []byte) *wasm.Module {
	t.Helper()
	m, err := wasm.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// expect checks that vs holds exactly the given rules (in any order, each
// rule once per listed entry) and that each listed Where substring matches.
func expect(t *testing.T, vs []Violation, want ...Violation) {
	t.Helper()
	if len(vs) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%s", len(vs), len(want), list(vs))
	}
	for _, w := range want {
		found := false
		for _, v := range vs {
			if v.Rule == w.Rule && strings.Contains(v.Where, w.Where) && strings.Contains(v.What, w.What) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing violation %v in:\n%s", w, list(vs))
		}
	}
}

func list(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %v\n", v)
	}
	return b.String()
}

func TestValidModule(t *testing.T) {
	b := wat(t, `(import "ic0" "debug_print" (func $p (param i32 i32)))
  (import "env" "table" (table 1 funcref))
  (func $s (call $p (i32.const 0) (i32.const 0)))
  (start $s)
  (func (export "canister_update u") call $reply)
  (func (export "canister_composite_query c"))
  (func (export "canister_init"))
  (func (export "canister_on_low_wasm_memory"))
  (func (export "_initialize"))
  (data (i32.const 10) "x")`)
	expect(t, Check(b))
}

func TestRules(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		flags []string
		want  []Violation
	}{
		{"wrong ic0 signature", `(import "ic0" "time" (func (result i32)))`, nil,
			[]Violation{{RuleImportSignature, `import "ic0" "time"`, "type (func (result i32)), the System API requires (func (result i64))"}}},
		{"unknown ic0 function", `(import "ic0" "mint_cycles" (func (param i64) (result i64)))`, nil,
			[]Violation{{RuleImport, `"ic0" "mint_cycles"`, "unknown ic0 function"}}},
		{"WASI import", `(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`, nil,
			[]Violation{{RuleImport, `"wasi_snapshot_preview1" "fd_write"`, "WASI"}}},
		{"other module", `(import "env" "f" (func))`, nil, []Violation{{RuleImport, `"env" "f"`, "only be imported from module ic0"}}},
		{"global import", `(import "ic0" "g" (global i32))`, nil, []Violation{{RuleImport, `"ic0" "g"`, "global imports are not allowed"}}},
		{"memory import under another name", `(import "ic0" "memory" (memory 1))`, []string{"--enable-multi-memory"},
			[]Violation{{RuleImport, `"ic0" "memory"`, "memory imports"}}},
		{"method without space", `(func (export "canister_query") call $reply)`, nil,
			[]Violation{{RuleExport, `"canister_query"`, "unknown canister_ export"}}},
		{"unknown system export", `(func (export "canister_stop"))`, nil, []Violation{{RuleExport, `"canister_stop"`, "unknown"}}},
		{"method type", `(func (export "canister_update u") (param i32))`, nil,
			[]Violation{{RuleExportType, `"canister_update u"`, "must be () -> ()"}}},
		{"hook type", `(func (export "canister_heartbeat") (result i32) i32.const 0)`, nil,
			[]Violation{{RuleExportType, `"canister_heartbeat"`, "must be () -> ()"}}},
		{"reserved export", `(global (export "canister counter_instructions") i32 (i32.const 0)) (func (export "canister_start"))`, nil,
			[]Violation{{RuleExport, `"canister counter_instructions"`, "reserved"}, {RuleExport, `"canister_start"`, "reserved"}}},
		{"ref-typed global", `(global funcref (ref.null func))`, nil, []Violation{{RuleLimit, "global 0", "funcref"}}},
		{"two tables", `(table 1 funcref) (table 1 funcref)`, nil, []Violation{{RuleLimit, "table section", "2 tables"}}},
		{"huge table", `(table 1000001 funcref)`, nil, []Violation{{RuleLimit, "table 0", "1000001 initial elements"}}},
		{"threads", `(memory $s 1 1 shared) (func (drop (i32.atomic.load 0 (i32.const 0))))`, []string{"--enable-threads", "--enable-multi-memory"},
			[]Violation{{RuleMemory, "memory 0", "shared"}, {RuleInstruction, "function 1", "i32.atomic.load"}}},
		{"duplicate method", `(func (export "canister_update q"))`, nil,
			[]Violation{{RuleDuplicateMethod, `"canister_query q"`, `method "q" already exported as "canister_update q"`}}},
		{"placeholders", `(func (export "query.x")) (func (export "_start"))`, nil,
			[]Violation{{RulePlaceholder, `"query.x"`, "icwasm link"}, {RulePlaceholder, `"_start"`, "c-shared"}}},
		{"table instructions", `(table $t 1 funcref)
  (elem $e func $q)
  (func (param i32)
    (drop (table.grow $t (ref.null func) (i32.const 1)))
    (table.set $t (i32.const 0) (ref.null func))
    (table.fill $t (i32.const 0) (ref.null func) (i32.const 0))
    (table.copy (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init $e (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (table.get $t (i32.const 0)))
    (drop (table.size $t)))`, nil,
			[]Violation{
				{RuleInstruction, "function 1", "table.grow"}, {RuleInstruction, "function 1", "table.set"},
				{RuleInstruction, "function 1", "table.fill"}, {RuleInstruction, "function 1", "table.copy"},
				{RuleInstruction, "function 1", "table.init"},
			}},
		{"64-bit memory", `(memory $m64 i64 1)`, []string{"--enable-memory64", "--enable-multi-memory"},
			[]Violation{{RuleMemory, "memory 0", "wasm32"}}},
		{"start calls time", `(import "ic0" "time" (func $time (result i64)))
  (func $helper (drop (call $time)))
  (func $s call $helper)
  (start $s)`, nil, []Violation{{RuleStart, "start function", "ic0.time"}}},
		{"start calls msg_reply", `(start $q)`, nil, []Violation{{RuleStart, "start function", "ic0.msg_reply"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, Check(wat(t, tc.extra, tc.flags...)), tc.want...)
		})
	}
}

// module returns the base module decoded, for tests that build what the
// text format cannot express.
func module(t *testing.T) *wasm.Module { return decode(t, wat(t, "")) }

func TestCustomSections(t *testing.T) {
	tests := []struct {
		name    string
		customs []wasm.Custom
		want    []Violation
	}{
		{"allowed", []wasm.Custom{{Name: "icp:public candid:service", Data: []byte("service : {}")}, {Name: "icp:private x"}}, nil},
		{"other names are foreign", []wasm.Custom{{Name: "name"}, {Name: " icp:public x"}}, []Violation{
			{RuleForeignSection, `custom section "name"`, "ignored by the IC"}, {RuleForeignSection, `" icp:public x"`, "ignored by the IC"}}},
		{"bad icp: names", []wasm.Custom{{Name: "icp:public"}, {Name: "icp:publicx"}, {Name: "icp:protected x"}}, []Violation{
			{RuleCustomSection, `"icp:public"`, "icp:public <name>"}, {RuleCustomSection, `"icp:publicx"`, "icp:public <name>"},
			{RuleCustomSection, `"icp:protected x"`, "icp:public <name>"}}},
		{"duplicate", []wasm.Custom{{Name: "icp:public a"}, {Name: "icp:private a"}}, []Violation{
			{RuleCustomSection, `"icp:private a"`, `name "a" used by another`}}},
		{"too many", func() []wasm.Custom {
			var cs []wasm.Custom
			for i := 0; i < 17; i++ {
				cs = append(cs, wasm.Custom{Name: fmt.Sprintf("icp:public s%d", i)})
			}
			return cs
		}(), []Violation{{RuleCustomSection, "module", "17 icp: custom sections"}}},
		{"too large", []wasm.Custom{{Name: "icp:public big", Data: make([]byte, 1<<20)}}, []Violation{
			{RuleCustomSection, "module", "at most 1048576"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := module(t)
			m.Customs = tc.customs
			expect(t, Check(m.Encode()), tc.want...)
		})
	}
}

func TestLimits(t *testing.T) {
	nop := func(n int) []byte { return append(bytes.Repeat([]byte{byte(wasm.OpNop)}, n), byte(wasm.OpEnd)) }
	tests := []struct {
		name   string
		modify func(m *wasm.Module)
		want   []Violation
	}{
		{"functions", func(m *wasm.Module) {
			for len(m.Funcs) <= MaxFunctions {
				m.Funcs = append(m.Funcs, m.Funcs[0])
				m.Code = append(m.Code, wasm.Code{Body: nop(0)})
			}
		}, []Violation{{RuleLimit, "function section", "50001 functions"}}},
		{"globals", func(m *wasm.Module) {
			for len(m.Globals) <= MaxGlobals {
				m.Globals = append(m.Globals, wasm.Global{Type: wasm.GlobalType{Type: wasm.I32}, Init: wasm.ConstI32(0)})
			}
		}, []Violation{{RuleLimit, "global section", "1001 globals"}}},
		{"exported methods", func(m *wasm.Module) {
			for i := 0; i < MaxExportedMethods; i++ {
				m.Exports = append(m.Exports, wasm.Export{Name: fmt.Sprintf("canister_update m%d", i), Index: 1})
			}
		}, []Violation{{RuleLimit, "export section", "1001 exported methods"}}},
		{"method names", func(m *wasm.Module) {
			for i := 0; i < 21; i++ {
				m.Exports = append(m.Exports, wasm.Export{Name: fmt.Sprintf("canister_update %04d%s", i, strings.Repeat("x", 996)), Index: 1})
			}
		}, []Violation{{RuleLimit, "export section", "21001 bytes"}}},
		{"non-constant data offset", func(m *wasm.Module) {
			m.Globals = append(m.Globals, wasm.Global{Type: wasm.GlobalType{Type: wasm.I32}, Init: wasm.ConstI32(0)})
			m.Data = append(m.Data, wasm.Data{Offset: []byte{byte(wasm.OpGlobalGet), 0, byte(wasm.OpEnd)}, Init: []byte("x")})
		}, []Violation{{RuleDataOffset, "data segment 0", "constant"}}},
		{"instructions", func(m *wasm.Module) {
			m.Code[0].Body = append(nop(MaxInstructions-1), m.Code[0].Body...)
		}, []Violation{{RuleLimit, "function 1", "1000002 instructions"}}},
		{"code section", func(m *wasm.Module) {
			for i := 0; i < 12; i++ {
				m.Funcs = append(m.Funcs, m.Funcs[0])
				m.Code = append(m.Code, wasm.Code{Body: nop(900_000)})
			}
		}, []Violation{{RuleLimit, "code section", "at most 10485760"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := module(t)
			tc.modify(m)
			expect(t, Check(m.Encode()), tc.want...)
		})
	}
	t.Run("module size", func(t *testing.T) {
		expect(t, CheckModule(module(t), MaxModuleSize+1), Violation{RuleLimit, "module", "exceeds"})
	})
}

func TestGzipAndDecodeErrors(t *testing.T) {
	raw := wat(t, "")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	expect(t, Check(buf.Bytes()))
	expect(t, Check(buf.Bytes()[:buf.Len()-10]), Violation{RuleDecode, "gzip", ""})
	expect(t, Check(raw[:len(raw)-2]), Violation{RuleDecode, "module", "section at offset"})
}

func TestCapPerRule(t *testing.T) {
	m := module(t)
	for i := 0; i < 30; i++ {
		m.Imports = append(m.Imports, wasm.Import{Module: "wasi_snapshot_preview1", Name: fmt.Sprintf("f%d", i), Kind: wasm.ExternFunc})
	}
	m.Types = append(m.Types, wasm.FuncType{})
	vs := Check(m.Encode())
	if len(vs) != maxPerRule+1 || !strings.Contains(vs[maxPerRule].What, "10 more violations") {
		t.Errorf("violations:\n%s", list(vs))
	}
}

// TestGoModuleFails validates the unlinked Go test canister: the WASI and
// icwasm imports and the placeholder exports must all be named.
func TestGoModuleFails(t *testing.T) {
	vs := Check(wasmtest.BuildGo(t, "goprog"))
	text := list(vs)
	for _, want := range []string{
		`import "wasi_snapshot_preview1" "fd_write": WASI import`,
		`import "wasi_snapshot_preview1" "random_get": WASI import`,
		`import "icwasm" "callback.on_reply": icwasm import not replaced`,
		`export "query.greet": Go placeholder export`,
		`export "system.init": Go placeholder export`,
		`custom section "name": ignored by the IC`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

func TestRejectedByIC(t *testing.T) {
	for _, r := range []Rule{RuleDecode, RuleImport, RuleImportSignature, RuleExport, RuleExportType, RuleDuplicateMethod,
		RuleLimit, RuleCustomSection, RuleInstruction, RuleDataOffset, RuleMemory} {
		if !r.RejectedByIC() {
			t.Errorf("%s should be rejected by the IC", r)
		}
	}
	if RulePlaceholder.RejectedByIC() || RuleStart.RejectedByIC() || RuleForeignSection.RejectedByIC() {
		t.Error("placeholder, start-function and foreign-section rules are not install-time checks")
	}
}

func TestViolationString(t *testing.T) {
	v := Violation{RuleImport, `import "env" "f"`, "functions may only be imported from module ic0"}
	if got := v.String(); got != `import "env" "f": functions may only be imported from module ic0 [import]` {
		t.Errorf("String() = %q", got)
	}
}
