// Package validate checks a WebAssembly module against the rules the Internet
// Computer applies when a canister is installed (imports, exports, limits,
// custom sections, forbidden instructions, start function), so the tool and
// the local replica refuse exactly what the IC would refuse. It also flags
// leftovers of a Go wasip1 build that was not post-linked by icwasm.
package validate

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/ic0api"
)

// Limits of the IC (interface specification and the replica's validation and
// instance limits).
const (
	MaxModuleSize        = 100 << 20 // uncompressed module bytes
	MaxCodeSectionSize   = 10 << 20  // code section payload bytes
	MaxFunctions         = 50_000    // functions defined in the module
	MaxGlobals           = 1_000
	MaxExportedMethods   = 1_000
	MaxMethodNamesSize   = 20_000 // bytes of all exported method names together
	MaxInstructions      = 1_000_000
	MaxTables            = 1
	MaxTableSize         = 1_000_000 // table elements
	MaxCustomSections    = 16
	MaxCustomSectionSize = 1 << 20 // names and contents of all custom sections together
	// maxPerRule caps how many violations of one rule are listed, so a module
	// with thousands of bad functions still yields a readable report.
	maxPerRule = 20
)

// Rule names a class of violation.
type Rule string

// The rules checked.
const (
	RuleDecode          Rule = "decode"
	RuleImport          Rule = "import"
	RuleImportSignature Rule = "import-signature"
	RuleExport          Rule = "export"
	RuleExportType      Rule = "export-type"
	RuleDuplicateMethod Rule = "duplicate-method"
	RulePlaceholder     Rule = "unlinked-export"
	RuleLimit           Rule = "limit"
	RuleCustomSection   Rule = "custom-section"
	RuleForeignSection  Rule = "foreign-custom-section"
	RuleInstruction     Rule = "forbidden-instruction"
	RuleDataOffset      Rule = "data-offset"
	RuleMemory          Rule = "memory"
	RuleStart           Rule = "start-function"
)

// RejectedByIC reports whether the IC refuses to install a module breaking
// rule r. Three rules are not install-time checks of the IC: RulePlaceholder
// (leftovers of an unlinked Go build, which the IC would install and never
// call), RuleForeignSection (custom sections outside "icp:", which the IC
// ignores) and RuleStart (the IC lets the start function trap at run time). A
// local replica that wants to refuse exactly what the IC refuses keeps only
// the violations whose rule reports true.
func (r Rule) RejectedByIC() bool {
	return r != RulePlaceholder && r != RuleStart && r != RuleForeignSection
}

// Violation is one broken rule: what is wrong and where.
type Violation struct {
	Rule  Rule   // the class of the violation
	Where string // e.g. `import "wasi_snapshot_preview1" "fd_write"`, "function 12 at 0x1f"
	What  string // what is wrong
}

// String formats v as "where: what [rule]".
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s [%s]", v.Where, v.What, v.Rule)
}

// Check validates a module given as raw or gzip-compressed bytes. A module
// that cannot be decompressed or decoded yields a single RuleDecode
// violation.
func Check(b []byte) []Violation {
	if len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 0x08 {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return []Violation{{RuleDecode, "gzip", err.Error()}}
		}
		// Read at most one byte more than allowed, to report the size.
		raw, err := io.ReadAll(io.LimitReader(zr, MaxModuleSize+1))
		if err != nil {
			return []Violation{{RuleDecode, "gzip", err.Error()}}
		}
		if len(raw) > MaxModuleSize {
			return []Violation{{RuleLimit, "module", fmt.Sprintf("uncompressed module exceeds %d bytes", MaxModuleSize)}}
		}
		b = raw
	}
	m, err := wasm.Decode(b)
	if err != nil {
		return []Violation{{RuleDecode, "module", err.Error()}}
	}
	return CheckModule(m, len(b))
}

// collector gathers violations, capping each rule at maxPerRule.
type collector struct {
	list    []Violation
	perRule map[Rule]int
}

func (c *collector) add(r Rule, where, format string, args ...any) {
	c.perRule[r]++
	if n := c.perRule[r]; n > maxPerRule {
		return
	}
	c.list = append(c.list, Violation{r, where, fmt.Sprintf(format, args...)})
}

func (c *collector) result() []Violation {
	rules := make([]Rule, 0, len(c.perRule))
	for r, n := range c.perRule {
		if n > maxPerRule {
			rules = append(rules, r)
		}
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i] < rules[j] })
	for _, r := range rules {
		c.list = append(c.list, Violation{r, "module", fmt.Sprintf("%d more violations of this rule not listed", c.perRule[r]-maxPerRule)})
	}
	return c.list
}

// CheckModule validates a decoded module; size is its encoded size in bytes
// (uncompressed).
func CheckModule(m *wasm.Module, size int) []Violation {
	c := &collector{perRule: make(map[Rule]int)}
	if size > MaxModuleSize {
		c.add(RuleLimit, "module", "size %d bytes exceeds %d", size, MaxModuleSize)
	}
	checkImports(c, m)
	checkExports(c, m)
	checkLimits(c, m)
	checkCustoms(c, m)
	checkMemory(c, m)
	checkCode(c, m)
	return c.result()
}

func importWhere(im *wasm.Import) string {
	return fmt.Sprintf("import %q %q", im.Module, im.Name)
}

func checkImports(c *collector, m *wasm.Module) {
	for i := range m.Imports {
		im := &m.Imports[i]
		where := importWhere(im)
		switch {
		case im.Kind == wasm.ExternMemory && im.Module == "env" && im.Name == "memory":
		case im.Kind == wasm.ExternTable && im.Module == "env" && im.Name == "table":
		case im.Kind != wasm.ExternFunc:
			c.add(RuleImport, where, "%s imports are not allowed (only env.memory and env.table)", im.Kind)
		case im.Module == "wasi_snapshot_preview1":
			c.add(RuleImport, where, "WASI import: the IC provides only ic0 (post-link with icwasm link)")
		case im.Module == "icwasm":
			c.add(RuleImport, where, "icwasm import not replaced (post-link with icwasm link)")
		case im.Module != "ic0":
			c.add(RuleImport, where, "functions may only be imported from module ic0")
		default:
			f, ok := ic0api.Lookup(im.Name)
			if !ok {
				c.add(RuleImport, where, "unknown ic0 function")
				continue
			}
			if int(im.Func) >= len(m.Types) {
				c.add(RuleImportSignature, where, "type index %d out of range", im.Func)
				continue
			}
			if got := m.Types[im.Func]; !got.Equal(f.Type) {
				c.add(RuleImportSignature, where, "type %v, the System API requires %v", got, f.Type)
			}
		}
	}
}

// systemExports are the canister_ exports without a method name.
var systemExports = map[string]bool{
	"canister_init": true, "canister_pre_upgrade": true, "canister_post_upgrade": true,
	"canister_inspect_message": true, "canister_heartbeat": true, "canister_global_timer": true,
	"canister_on_low_wasm_memory": true,
}

// methodPrefixes are the canister_ exports followed by a space and a method name.
var methodPrefixes = []string{"canister_query ", "canister_update ", "canister_composite_query "}

// reservedExports are names the replica uses for its own instrumentation;
// a canister may not export them (of any kind).
var reservedExports = map[string]bool{
	"canister counter_instructions": true, "canister counter_dirty_pages": true,
	"canister counter_accessed_pages": true, "canister accessed_main_memory_pages": true,
	"canister_start": true, "stable_memory": true, "stable_bytemap_memory": true,
}

// placeholderPrefixes are the export names of a Go module before icwasm link (ABI.md).
var placeholderPrefixes = []string{"query.", "update.", "composite_query.", "system.", "callback."}

func checkExports(c *collector, m *wasm.Module) {
	methods := make(map[string]string) // method name -> first export carrying it
	names := make(map[string]bool)
	methodCount, methodBytes := 0, 0
	for i := range m.Exports {
		e := &m.Exports[i]
		where := fmt.Sprintf("export %q", e.Name)
		if names[e.Name] {
			c.add(RuleExport, where, "exported twice")
		}
		names[e.Name] = true
		if reservedExports[e.Name] {
			c.add(RuleExport, where, "name reserved by the IC")
			continue
		}
		if e.Kind != wasm.ExternFunc {
			continue // the IC only interprets function exports
		}
		if !strings.HasPrefix(e.Name, "canister_") {
			for _, p := range placeholderPrefixes {
				if strings.HasPrefix(e.Name, p) {
					c.add(RulePlaceholder, where, "Go placeholder export the IC never calls (post-link with icwasm link)")
				}
			}
			if e.Name == "_start" {
				c.add(RulePlaceholder, where, "WASI command entry point the IC never calls (build with -buildmode=c-shared and post-link with icwasm link)")
			}
			continue
		}
		method, isMethod := "", false
		for _, p := range methodPrefixes {
			if strings.HasPrefix(e.Name, p) {
				method, isMethod = e.Name[len(p):], true
			}
		}
		if !isMethod && !systemExports[e.Name] {
			c.add(RuleExport, where, "unknown canister_ export (names are canister_init, canister_query <name>, ...)")
			continue
		}
		if ft, ok := m.FuncTypeOf(e.Index); !ok {
			c.add(RuleExportType, where, "function index %d out of range", e.Index)
		} else if len(ft.Params) != 0 || len(ft.Results) != 0 {
			c.add(RuleExportType, where, "type %v, must be () -> ()", ft)
		}
		if isMethod {
			methodCount++
			methodBytes += len(method)
			if first, dup := methods[method]; dup {
				c.add(RuleDuplicateMethod, where, "method %q already exported as %q", method, first)
			} else {
				methods[method] = e.Name
			}
		}
	}
	if methodCount > MaxExportedMethods {
		c.add(RuleLimit, "export section", "%d exported methods, at most %d allowed", methodCount, MaxExportedMethods)
	}
	if methodBytes > MaxMethodNamesSize {
		c.add(RuleLimit, "export section", "exported method names total %d bytes, at most %d allowed", methodBytes, MaxMethodNamesSize)
	}
}

func checkLimits(c *collector, m *wasm.Module) {
	if n := len(m.Funcs); n > MaxFunctions {
		c.add(RuleLimit, "function section", "%d functions, at most %d allowed", n, MaxFunctions)
	}
	if n := len(m.Globals) + m.NumImported(wasm.ExternGlobal); n > MaxGlobals {
		c.add(RuleLimit, "global section", "%d globals, at most %d allowed", n, MaxGlobals)
	}
	for i := range m.Globals {
		switch t := m.Globals[i].Type.Type; t {
		case wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128:
		default:
			c.add(RuleLimit, fmt.Sprintf("global %d", i), "globals of type %v are not supported", t)
		}
	}
	if n := len(m.Tables) + m.NumImported(wasm.ExternTable); n > MaxTables {
		c.add(RuleLimit, "table section", "%d tables, at most %d allowed", n, MaxTables)
	}
	for i := range m.Tables {
		if min := m.Tables[i].Limits.Min; min > MaxTableSize {
			c.add(RuleLimit, fmt.Sprintf("table %d", i), "%d initial elements, at most %d allowed", min, MaxTableSize)
		}
	}
	if n := codeSectionSize(m); n > MaxCodeSectionSize {
		c.add(RuleLimit, "code section", "%d bytes, at most %d allowed", n, MaxCodeSectionSize)
	}
}

// codeSectionSize is the size of the code section payload as Encode writes it.
func codeSectionSize(m *wasm.Module) int {
	n := wasm.ULEB128Len(uint64(len(m.Code)))
	for i := range m.Code {
		cd := &m.Code[i]
		body := wasm.ULEB128Len(uint64(len(cd.Locals))) + len(cd.Body)
		for _, l := range cd.Locals {
			body += wasm.ULEB128Len(uint64(l.Count)) + 1
		}
		n += wasm.ULEB128Len(uint64(body)) + body
	}
	return n
}

// checkCustoms applies the replica's rules: sections named "icp:..." must be
// "icp:public <name>" or "icp:private <name>", their <name>s unique, at most
// MaxCustomSections of them and MaxCustomSectionSize bytes together (names and
// contents). Other custom sections ("name", "producers") are ignored by the
// IC; they are reported under RuleForeignSection, which RejectedByIC excludes.
func checkCustoms(c *collector, m *wasm.Module) {
	total, count := 0, 0
	seen := make(map[string]bool)
	for i := range m.Customs {
		cs := &m.Customs[i]
		where := fmt.Sprintf("custom section %q", cs.Name)
		if !strings.HasPrefix(cs.Name, "icp:") {
			c.add(RuleForeignSection, where, `ignored by the IC: only "icp:public <name>" and "icp:private <name>" sections are kept (icwasm link drops the others)`)
			continue
		}
		name, ok := strings.CutPrefix(cs.Name, "icp:public ")
		if !ok {
			name, ok = strings.CutPrefix(cs.Name, "icp:private ")
		}
		if !ok {
			c.add(RuleCustomSection, where, `icp: sections must be named "icp:public <name>" or "icp:private <name>"`)
			continue
		}
		if seen[name] {
			c.add(RuleCustomSection, where, "name %q used by another icp: section", name)
		}
		seen[name] = true
		count++
		total += len(name) + len(cs.Data)
	}
	if count > MaxCustomSections {
		c.add(RuleCustomSection, "module", "%d icp: custom sections, at most %d allowed", count, MaxCustomSections)
	}
	if total > MaxCustomSectionSize {
		c.add(RuleCustomSection, "module", "icp: custom sections total %d bytes, at most %d allowed", total, MaxCustomSectionSize)
	}
}

func checkMemory(c *collector, m *wasm.Module) {
	check := func(where string, l wasm.Limits) {
		if l.Is64 {
			c.add(RuleMemory, where, "64-bit memory: the module must be wasm32")
		}
		if l.Shared {
			c.add(RuleMemory, where, "shared memory: the IC disables threads")
		}
	}
	for i := range m.Memories {
		check(fmt.Sprintf("memory %d", i), m.Memories[i].Limits)
	}
	for i := range m.Imports {
		if m.Imports[i].Kind == wasm.ExternMemory {
			check(importWhere(&m.Imports[i]), m.Imports[i].Memory.Limits)
		}
	}
	for i := range m.Data {
		d := &m.Data[i]
		if d.Mode != wasm.SegmentActive {
			continue
		}
		if _, ok := wasm.EvalConstI32(d.Offset); !ok {
			c.add(RuleDataOffset, fmt.Sprintf("data segment %d", i), "offset must be a constant i32.const expression")
		}
	}
}

// forbidden reports the table instructions the IC rejects.
func forbidden(op wasm.Op) bool {
	switch op {
	case wasm.OpTableGrow, wasm.OpTableSet, wasm.OpTableFill, wasm.OpTableCopy, wasm.OpTableInit:
		return true
	}
	return false
}

// checkCode walks every function body once: instruction counts, forbidden
// instructions and the calls needed for the start-function rule.
func checkCode(c *collector, m *wasm.Module) {
	nImp := uint32(m.NumImportedFuncs())
	var calls [][]uint32 // direct call targets per defined function, only with a start function
	if m.Start != nil {
		calls = make([][]uint32, len(m.Code))
	}
	r := wasm.NewInstrReader(nil)
	var in wasm.Instr
	for i := range m.Code {
		fi := nImp + uint32(i)
		r.Reset(m.Code[i].Body)
		n := 0
		for !r.Done() {
			if err := r.Next(&in); err != nil {
				c.add(RuleDecode, fmt.Sprintf("function %d", fi), "%v", err)
				break
			}
			n++
			if forbidden(in.Op) {
				c.add(RuleInstruction, fmt.Sprintf("function %d at body offset 0x%x", fi, in.Start), "%v is not allowed on the IC", in.Op)
			} else if in.Op.Prefix() == 0xFE {
				c.add(RuleInstruction, fmt.Sprintf("function %d at body offset 0x%x", fi, in.Start), "%v: the IC disables threads", in.Op)
			}
			if calls != nil && (in.Op == wasm.OpCall || in.Op == wasm.OpReturnCall) {
				calls[i] = append(calls[i], in.Index)
			}
		}
		if n > MaxInstructions {
			c.add(RuleLimit, fmt.Sprintf("function %d", fi), "%d instructions, at most %d allowed", n, MaxInstructions)
		}
	}
	if m.Start != nil {
		checkStart(c, m, calls, nImp)
	}
}

// checkStart reports ic0 imports reachable by direct calls from the start
// function that the System API forbids there (only "* s" functions).
func checkStart(c *collector, m *wasm.Module, calls [][]uint32, nImp uint32) {
	imports := make([]*wasm.Import, 0, nImp)
	for i := range m.Imports {
		if m.Imports[i].Kind == wasm.ExternFunc {
			imports = append(imports, &m.Imports[i])
		}
	}
	start := *m.Start
	seen := map[uint32]bool{start: true}
	queue := []uint32{start}
	reported := map[uint32]bool{}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if f < nImp {
			im := imports[f]
			if reported[f] {
				continue
			}
			reported[f] = true
			if fn, ok := ic0api.Lookup(im.Name); im.Module == "ic0" && ok && !fn.InStart {
				c.add(RuleStart, fmt.Sprintf("start function %d", start), "reaches ic0.%s, which the start function may not call", im.Name)
			}
			continue
		}
		d := int(f - nImp)
		if d >= len(calls) {
			continue
		}
		for _, g := range calls[d] {
			if !seen[g] {
				seen[g] = true
				queue = append(queue, g)
			}
		}
	}
}
