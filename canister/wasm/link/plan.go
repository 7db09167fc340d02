package link

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/ic0api"
)

// Trap messages fixed by ABI.md.
const (
	MsgNotInitialized = "Go runtime not initialized: canister_init or canister_post_upgrade has not run"
	MsgPollOneoff     = "all goroutines are asleep (poll_oneoff): a canister cannot block"
	MsgProcExit       = "Go program exited (proc_exit)"
)

// Import modules handled by the linker.
const (
	moduleWASI   = "wasi_snapshot_preview1"
	moduleIcwasm = "icwasm"
	moduleIC0    = "ic0"
)

// entryKind says how an IC export reaches its Go function.
type entryKind int

const (
	entryWrapped     entryKind = iota // traps unless the runtime started, then calls
	entryInit                         // canister_init: _initialize, mark started, call
	entryPostUpgrade                  // canister_post_upgrade: same as init
)

// entry is one IC export to emit.
type entry struct {
	icName string
	kind   entryKind
	target int64 // function index (old, then new after renumbering), -1 if none
}

// replacement is an in-module function standing in for a removed import.
type replacement struct {
	module, name string
	typ          uint32 // type index
	callback     string // for icwasm callback.<name>
}

// linker holds the state of one Link run.
type linker struct {
	m    *wasm.Module
	opts Options
	rep  *Report

	entries    []entry
	callbacks  []Callback // Func holds the old index until renumbering
	initialize uint32     // _initialize, old then new index
	memExports []wasm.Export

	// Import plan: newImports replaces m.Imports; importMap maps each old
	// function import to its new function index.
	newImports []wasm.Import
	importMap  []uint32
	repls      []replacement
	ic0        map[string]uint32 // ic0 imports by name, new indices
	// Indices of the functions the linker appends.
	replBase   uint32 // first replacement function
	trapFuncs  map[string]uint32
	trapOrder  []string
	tableBase  uint32 // first table-0 slot of the callbacks
	startedIdx uint32 // global: 1 once _initialize ran
	rngIdx     uint32 // global: SplitMix64 state
	sleepsIdx  uint32 // global: short sleeps answered in this execution

	// oldNames are the input's function names (Options.KeepNames), names
	// the output's; both nil when names are dropped.
	oldNames, names map[uint32]string
}

// placeholder prefixes of ABI.md and their IC export prefixes.
var methodPrefixes = []struct{ placeholder, ic string }{
	{"query.", "canister_query "},
	{"update.", "canister_update "},
	{"composite_query.", "canister_composite_query "},
}

var systemHooks = map[string]string{
	"system.init":               "canister_init",
	"system.pre_upgrade":        "canister_pre_upgrade",
	"system.post_upgrade":       "canister_post_upgrade",
	"system.inspect_message":    "canister_inspect_message",
	"system.heartbeat":          "canister_heartbeat",
	"system.global_timer":       "canister_global_timer",
	"system.on_low_wasm_memory": "canister_on_low_wasm_memory",
}

var (
	typeVoid     = wasm.FuncType{}
	typeCallback = wasm.FuncType{Params: []wasm.ValType{wasm.I32}}
)

func (l *linker) checkType(name string, idx uint32, want wasm.FuncType) error {
	got, ok := l.m.FuncTypeOf(idx)
	if !ok {
		return fmt.Errorf("export %q: function index %d out of range", name, idx)
	}
	if !got.Equal(want) {
		return fmt.Errorf("export %q has type %v, the ABI requires %v", name, got, want)
	}
	return nil
}

// planExports classifies the exports of the Go module.
func (l *linker) planExports() error {
	m := l.m
	var init, postUpgrade int64 = -1, -1
	haveInit := false
	methods := map[string]string{}
	for _, e := range m.Exports {
		name := e.Name
		if e.Kind != wasm.ExternFunc {
			if e.Kind == wasm.ExternMemory && name == "memory" {
				l.memExports = append(l.memExports, e)
			} else {
				l.rep.Dropped = append(l.rep.Dropped, name)
			}
			continue
		}
		if name == "_initialize" {
			l.initialize, haveInit = e.Index, true
			l.rep.Dropped = append(l.rep.Dropped, name)
			continue
		}
		if strings.HasPrefix(name, "canister_") {
			return fmt.Errorf("export %q: the canister_ prefix is reserved; export a placeholder (query.<name>, ...) instead", name)
		}
		if ic, ok := systemHooks[name]; ok {
			if err := l.checkType(name, e.Index, typeVoid); err != nil {
				return err
			}
			l.rep.Renamed[name] = ic
			switch name {
			case "system.init":
				init = int64(e.Index)
			case "system.post_upgrade":
				postUpgrade = int64(e.Index)
			default:
				l.entries = append(l.entries, entry{icName: ic, kind: entryWrapped, target: int64(e.Index)})
			}
			continue
		}
		if cb, ok := strings.CutPrefix(name, "callback."); ok {
			if cb == "" {
				return fmt.Errorf("export %q: empty callback name", name)
			}
			if err := l.checkType(name, e.Index, typeCallback); err != nil {
				return err
			}
			l.callbacks = append(l.callbacks, Callback{Name: cb, Func: e.Index})
			continue
		}
		matched := false
		for _, p := range methodPrefixes {
			method, ok := strings.CutPrefix(name, p.placeholder)
			if !ok {
				continue
			}
			matched = true
			if method == "" {
				return fmt.Errorf("export %q: empty method name", name)
			}
			if err := l.checkType(name, e.Index, typeVoid); err != nil {
				return err
			}
			if prev, dup := methods[method]; dup {
				return fmt.Errorf("export %q: method %q already exported as %q", name, method, prev)
			}
			methods[method] = name
			l.rep.Renamed[name] = p.ic + method
			l.entries = append(l.entries, entry{icName: p.ic + method, kind: entryWrapped, target: int64(e.Index)})
		}
		if matched {
			continue
		}
		if prefix, _, ok := strings.Cut(name, "."); ok {
			return fmt.Errorf("export %q: unknown placeholder prefix %q (want query., update., composite_query., system.<hook> or callback.)", name, prefix+".")
		}
		l.rep.Dropped = append(l.rep.Dropped, name)
	}
	if !haveInit {
		return errors.New("the module has no _initialize export: build with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared")
	}
	if err := l.checkType("_initialize", l.initialize, typeVoid); err != nil {
		return err
	}
	l.entries = append(l.entries,
		entry{icName: "canister_init", kind: entryInit, target: init},
		entry{icName: "canister_post_upgrade", kind: entryPostUpgrade, target: postUpgrade})
	// Emit exports in a fixed order (system hooks and methods by name).
	sort.SliceStable(l.entries, func(i, j int) bool { return l.entries[i].icName < l.entries[j].icName })
	return nil
}

// wasiTypes are the signatures of the WASI functions with a specific
// replacement (wasi_snapshot_preview1 on wasm32).
var wasiTypes = map[string]wasm.FuncType{
	"args_sizes_get":    {Params: []wasm.ValType{wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"environ_sizes_get": {Params: []wasm.ValType{wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"args_get":          {Params: []wasm.ValType{wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"environ_get":       {Params: []wasm.ValType{wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"clock_time_get":    {Params: []wasm.ValType{wasm.I32, wasm.I64, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"random_get":        {Params: []wasm.ValType{wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"fd_write":          {Params: []wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"sched_yield":       {Results: []wasm.ValType{wasm.I32}},
	"poll_oneoff":       {Params: []wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
	"proc_exit":         {Params: []wasm.ValType{wasm.I32}},
	"fd_prestat_get":    {Params: []wasm.ValType{wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}},
}

// ic0Needed lists the ic0 functions the replacement code calls.
func (l *linker) ic0Needed() []string {
	need := map[string]bool{"trap": true}
	for _, im := range l.m.Imports {
		if im.Kind == wasm.ExternFunc && im.Module == moduleWASI {
			switch im.Name {
			case "clock_time_get":
				need["time"] = true
			case "fd_write":
				need["debug_print"] = true
			}
		}
	}
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// planImports decides the new import list and the replacement functions and
// reserves the linker's globals, trap helpers and table slots.
func (l *linker) planImports() error {
	m := l.m
	l.ic0 = map[string]uint32{}
	replByKey := map[string]uint32{}
	callbackSet := map[string]bool{}
	for _, cb := range l.callbacks {
		callbackSet[cb.Name] = true
	}
	type pending struct {
		oldFunc uint32
		repl    int // -1: kept import
		kept    uint32
	}
	var funcs []pending
	var nFunc uint32
	for i := range m.Imports {
		im := m.Imports[i]
		where := fmt.Sprintf("import %s.%s", im.Module, im.Name)
		if im.Kind != wasm.ExternFunc {
			if (im.Kind == wasm.ExternMemory && im.Module == "env" && im.Name == "memory") ||
				(im.Kind == wasm.ExternTable && im.Module == "env" && im.Name == "table") {
				l.newImports = append(l.newImports, im)
				continue
			}
			return fmt.Errorf("%s: %s imports are not supported", where, im.Kind)
		}
		if int(im.Func) >= len(m.Types) {
			return fmt.Errorf("%s: type index %d out of range", where, im.Func)
		}
		typ := m.Types[im.Func]
		p := pending{oldFunc: nFunc, repl: -1}
		nFunc++
		switch im.Module {
		case moduleIC0:
			spec, ok := ic0api.Lookup(im.Name)
			if !ok {
				return fmt.Errorf("%s: not a System API function (check the //go:wasmimport ic0 %s declaration)", where, im.Name)
			}
			if !typ.Equal(spec.Type) {
				return fmt.Errorf("%s: the Go //go:wasmimport declaration has type %v, the System API requires %v", where, typ, spec.Type)
			}
			if idx, dup := l.ic0[im.Name]; dup {
				p.kept = idx
			} else {
				p.kept = uint32(countFuncs(l.newImports))
				l.ic0[im.Name] = p.kept
				l.newImports = append(l.newImports, im)
			}
		case moduleWASI:
			if want, ok := wasiTypes[im.Name]; ok && !typ.Equal(want) {
				return fmt.Errorf("%s: type %v, expected %v", where, typ, want)
			}
			if _, ok := wasiTypes[im.Name]; !ok && (len(typ.Results) != 1 || typ.Results[0] != wasm.I32) {
				return fmt.Errorf("%s: type %v does not return an errno, cannot stub it", where, typ)
			}
			p.repl = l.addRepl(replByKey, replacement{module: im.Module, name: im.Name, typ: im.Func})
		case moduleIcwasm:
			if cb, ok := strings.CutPrefix(im.Name, "callback."); ok {
				if !typ.Equal(wasm.FuncType{Results: []wasm.ValType{wasm.I32}}) {
					return fmt.Errorf("%s: type %v, the ABI requires func() uint32", where, typ)
				}
				if !callbackSet[cb] {
					return fmt.Errorf("%s: no export callback.%s with type func(env uint32)", where, cb)
				}
				p.repl = l.addRepl(replByKey, replacement{module: im.Module, name: im.Name, typ: im.Func, callback: cb})
			} else if im.Name == "sha256_block" {
				if !typ.Equal(wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}}) {
					return fmt.Errorf("%s: type %v, the ABI requires func(state, block unsafe.Pointer)", where, typ)
				}
				p.repl = l.addRepl(replByKey, replacement{module: im.Module, name: im.Name, typ: im.Func})
			} else if im.Name == "sha256_sum" {
				if !typ.Equal(wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32, wasm.I32}}) {
					return fmt.Errorf("%s: type %v, the ABI requires func(out, padded unsafe.Pointer, blocks uint32)", where, typ)
				}
				p.repl = l.addRepl(replByKey, replacement{module: im.Module, name: im.Name, typ: im.Func})
			} else if im.Name == "random_seed" {
				if !typ.Equal(wasm.FuncType{Params: []wasm.ValType{wasm.I64}}) {
					return fmt.Errorf("%s: type %v, the ABI requires func(seed uint64)", where, typ)
				}
				p.repl = l.addRepl(replByKey, replacement{module: im.Module, name: im.Name, typ: im.Func})
			} else {
				return fmt.Errorf("%s: unknown icwasm import (want callback.<name>, random_seed, sha256_block or sha256_sum)", where)
			}
		default:
			return fmt.Errorf("%s: unsupported import module %q (only ic0, %s and %s)", where, im.Module, moduleWASI, moduleIcwasm)
		}
		funcs = append(funcs, p)
	}
	if len(m.Memories) == 0 && m.NumImported(wasm.ExternMemory) == 0 {
		return errors.New("the module has no memory (the replacement code and trap messages need one)")
	}
	// ic0 functions the replacement code needs, imported after the kept ones.
	for _, name := range l.ic0Needed() {
		if _, ok := l.ic0[name]; ok {
			continue
		}
		spec, _ := ic0api.Lookup(name)
		l.ic0[name] = uint32(countFuncs(l.newImports))
		l.newImports = append(l.newImports, wasm.Import{Module: moduleIC0, Name: name, Kind: wasm.ExternFunc, Func: m.TypeIndex(spec.Type)})
	}
	k := uint32(countFuncs(l.newImports))
	l.replBase = k + uint32(len(m.Funcs))
	l.importMap = make([]uint32, len(funcs))
	for i, p := range funcs {
		if p.repl >= 0 {
			l.importMap[i] = l.replBase + uint32(p.repl)
		} else {
			l.importMap[i] = p.kept
		}
	}
	for _, r := range l.repls {
		l.rep.Replaced = append(l.rep.Replaced, r.module+"."+r.name)
	}
	// Trap helpers follow the replacements.
	l.trapFuncs = map[string]uint32{}
	msgs := []string{MsgNotInitialized}
	for _, r := range l.repls {
		switch {
		case r.module == moduleWASI && r.name == "poll_oneoff":
			msgs = append(msgs, MsgPollOneoff)
		case r.module == moduleWASI && r.name == "proc_exit":
			msgs = append(msgs, MsgProcExit)
		}
	}
	for i, msg := range msgs {
		l.trapFuncs[msg] = l.replBase + uint32(len(l.repls)+i)
		l.trapOrder = append(l.trapOrder, msg)
	}
	// Globals of the linker.
	nGlob := uint32(m.NumImported(wasm.ExternGlobal) + len(m.Globals))
	l.startedIdx, l.rngIdx, l.sleepsIdx = nGlob, nGlob+1, nGlob+2
	m.Globals = append(m.Globals,
		wasm.Global{Type: wasm.GlobalType{Type: wasm.I32, Mutable: true}, Init: wasm.ConstI32(0)},
		wasm.Global{Type: wasm.GlobalType{Type: wasm.I64, Mutable: true}, Init: wasm.ConstI64(0)},
		wasm.Global{Type: wasm.GlobalType{Type: wasm.I32, Mutable: true}, Init: wasm.ConstI32(0)})
	return l.planTable()
}

func (l *linker) addRepl(byKey map[string]uint32, r replacement) int {
	key := r.module + "\x00" + r.name
	if i, ok := byKey[key]; ok && l.repls[i].typ == r.typ {
		return int(i)
	}
	byKey[key] = uint32(len(l.repls))
	l.repls = append(l.repls, r)
	return len(l.repls) - 1
}

func countFuncs(ims []wasm.Import) int {
	n := 0
	for i := range ims {
		if ims[i].Kind == wasm.ExternFunc {
			n++
		}
	}
	return n
}

// planTable picks the table-0 slots of the callbacks: after the declared
// size and after every active segment of table 0.
func (l *linker) planTable() error {
	if len(l.callbacks) == 0 {
		return nil
	}
	m := l.m
	if m.NumImported(wasm.ExternTable) > 0 {
		return errors.New("table 0 is imported; cannot append callbacks")
	}
	if len(m.Tables) == 0 {
		m.Tables = append(m.Tables, wasm.Table{Type: wasm.FuncRef})
	}
	if m.Tables[0].Type != wasm.FuncRef {
		return errors.New("table 0 is not a funcref table")
	}
	base := m.Tables[0].Limits.Min
	for i := range m.Elements {
		e := &m.Elements[i]
		if e.Mode != wasm.SegmentActive || e.Table != 0 {
			continue
		}
		off, ok := wasm.EvalConstI32(e.Offset)
		if !ok {
			return fmt.Errorf("element segment %d of table 0 has a non-constant offset", i)
		}
		if end := uint64(uint32(off)) + uint64(e.Len()); end > base {
			base = end
		}
	}
	if base+uint64(len(l.callbacks)) > 1<<32-1 {
		return errors.New("table 0 too large")
	}
	l.tableBase = uint32(base)
	for i := range l.callbacks {
		l.callbacks[i].TableIndex = l.tableBase + uint32(i)
	}
	return nil
}
