// Package instrument rewrites an Internet Computer canister module so that the local replica
// can meter and roll back its executions, the way the IC's replica instruments modules before
// running them.
//
// What Instrument adds to a module:
//
//   - Instruction metering. A new mutable i64 global, exported as CounterExport, holds the
//     number of instructions the execution may still use. At the start of every basic block
//     (function entry, after block/loop/if/else/end, after every branch, call and return) the
//     block's cost is subtracted. At function entry and at every loop header the counter is
//     checked: if it dropped below zero the code executes `unreachable`; the host, seeing a trap
//     with a negative counter, reports the IC's "exceeded the instruction limit" error. Checking
//     only at entries and loop headers bounds the overshoot by one straight-line path, exactly
//     as on the IC, and keeps the hot path at four instructions per block.
//   - Bulk memory charges. memory.fill, memory.copy and memory.init additionally cost one
//     instruction per byte: each is replaced by a call to a generated helper that takes the
//     same operands, charges the size (trapping when the counter is exhausted), records the
//     written pages and performs the operation.
//   - Dirty-page tracking, for cheap rollbacks. A mutable i64 global exported as DirtyExport is
//     a bitmask over the 64 KiB pages of memory 0: every store sets bit (page mod 64) and the
//     next bit (it may cross into the next page) before writing, bulk operations set the bits
//     of their destination range. Page p can only have
//     changed if bit p%64 is set, so the host restores (or commits) only those pages instead of
//     the whole memory; the aliasing keeps the mask in one global and makes the check two
//     shifts and an or per store. Disabled (Result.DirtyTracking false) for 64-bit memories.
//   - Snapshot access. Every mutable global is exported as GlobalExportPrefix+<index> (wazero
//     only exposes exported globals; v128 globals get a getter and a setter function instead,
//     since wazero's global API carries 64 bits), memory 0 is exported as MemoryExport when the module does
//     not export it already, so the host can snapshot and restore all of the canister's state.
//   - A callback trampoline, CallbackExport (env i32, fun i32), that call_indirect's table 0
//     with (param i32): the host runs reply/reject/cleanup callbacks given as table indices.
//   - The start function is removed from the start section and exported as StartExport, so the
//     host runs it as its own execution (System API context "s") and can instantiate the module
//     again for a rollback without re-running it.
//
// Cost model: every instruction costs 1, except calls (5), indirect calls (10) and memory.grow
// (300), roughly like the IC's instruction_to_cost; bulk memory adds one per byte. The injected
// code itself is not charged.
package instrument

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// Names of the exports Instrument adds. They start with "__ic_", which IC modules cannot use
// for method exports (those start with "canister_").
const (
	CounterExport      = "__ic_instructions"
	StartExport        = "__ic_start"
	CallbackExport     = "__ic_callback"
	MemoryExport       = "__ic_memory"
	DirtyExport        = "__ic_dirty_pages"
	GlobalExportPrefix = "__ic_global_"
)

// Costs of instructions that are more expensive than 1.
const (
	costDefault      = 1
	costCall         = 5
	costCallIndirect = 10
	costMemoryGrow   = 300
)

// Global describes one mutable global exported for snapshots. A v128 global is not exported
// (wazero's global API only carries 64 bits) but read and written through two generated
// functions: Export () -> (i64 low, i64 high) and Setter (i64 low, i64 high) -> ().
type Global struct {
	Export string
	Type   wasm.ValType
	Setter string // v128 only
}

// Result is an instrumented module and what the host needs to know about it.
type Result struct {
	// Module is the instrumented binary.
	Module []byte
	// Globals are the module's mutable globals (not the counter), in index order.
	Globals []Global
	// HasStart tells whether the module had a start function (now exported as StartExport).
	HasStart bool
	// HasCallback tells whether CallbackExport exists (the module has a table 0).
	HasCallback bool
	// Memory is the export name of memory 0, "" if the module has no memory.
	Memory string
	// Functions is the number of function bodies instrumented.
	Functions int
	// DirtyTracking tells whether DirtyExport exists (see the package documentation).
	DirtyTracking bool
}

// Instrument decodes raw (an uncompressed module), instruments it and encodes the result.
func Instrument(raw []byte) (*Result, error) {
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("instrument: %w", err)
	}
	return Module(m)
}

// Module instruments a decoded module in place and encodes it.
func Module(m *wasm.Module) (*Result, error) {
	res := &Result{}
	exported := map[string]bool{}
	for _, e := range m.Exports {
		exported[e.Name] = true
		if e.Kind == wasm.ExternMemory && e.Index == 0 && res.Memory == "" {
			res.Memory = e.Name
		}
	}
	for _, name := range []string{CounterExport, StartExport, CallbackExport, MemoryExport} {
		if exported[name] {
			return nil, fmt.Errorf("instrument: module already exports reserved name %q", name)
		}
	}

	// Snapshot exports of the mutable globals.
	importedGlobals := uint32(m.NumImported(wasm.ExternGlobal))
	for i, imp := range m.Imports {
		if imp.Kind == wasm.ExternGlobal && imp.Global.Mutable {
			return nil, fmt.Errorf("instrument: import %d (%s.%s) is a mutable global", i, imp.Module, imp.Name)
		}
	}
	var v128Globals []int // positions in res.Globals, accessors made below
	for i, g := range m.Globals {
		if !g.Type.Mutable {
			continue
		}
		idx := importedGlobals + uint32(i)
		name := GlobalExportPrefix + strconv.FormatUint(uint64(idx), 10)
		if g.Type.Type == wasm.V128 {
			v128Globals = append(v128Globals, len(res.Globals))
			res.Globals = append(res.Globals, Global{Export: name, Type: wasm.V128, Setter: name + "_set"})
			continue
		}
		m.Exports = append(m.Exports, wasm.Export{Name: name, Kind: wasm.ExternGlobal, Index: idx})
		res.Globals = append(res.Globals, Global{Export: name, Type: g.Type.Type})
	}

	// The instruction counter and the dirty-page mask.
	counter := importedGlobals + uint32(len(m.Globals))
	m.Globals = append(m.Globals, wasm.Global{
		Type: wasm.GlobalType{Type: wasm.I64, Mutable: true},
		Init: wasm.ConstI64(0),
	})
	m.Exports = append(m.Exports, wasm.Export{Name: CounterExport, Kind: wasm.ExternGlobal, Index: counter})

	hasMemory, mem64 := false, false
	for _, imp := range m.Imports {
		if imp.Kind == wasm.ExternMemory {
			hasMemory, mem64 = true, mem64 || imp.Memory.Limits.Is64
		}
	}
	for _, mem := range m.Memories {
		hasMemory, mem64 = true, mem64 || mem.Limits.Is64
	}
	in := &instrumenter{m: m, counter: counter, inits: map[uint32]uint32{}}
	if hasMemory && !mem64 {
		in.dirty = importedGlobals + uint32(len(m.Globals))
		in.tracking = true
		m.Globals = append(m.Globals, wasm.Global{
			Type: wasm.GlobalType{Type: wasm.I64, Mutable: true},
			Init: wasm.ConstI64(0),
		})
		m.Exports = append(m.Exports, wasm.Export{Name: DirtyExport, Kind: wasm.ExternGlobal, Index: in.dirty})
		res.DirtyTracking = true
	}

	// Memory export.
	if res.Memory == "" && hasMemory {
		m.Exports = append(m.Exports, wasm.Export{Name: MemoryExport, Kind: wasm.ExternMemory, Index: 0})
		res.Memory = MemoryExport
	}

	// Start function.
	if m.Start != nil {
		m.Exports = append(m.Exports, wasm.Export{Name: StartExport, Kind: wasm.ExternFunc, Index: *m.Start})
		m.Start = nil
		res.HasStart = true
	}

	if len(m.Code) != len(m.Funcs) {
		return nil, fmt.Errorf("instrument: %d function bodies for %d functions", len(m.Code), len(m.Funcs))
	}
	// Helper functions are appended after the existing ones, so no index changes. Their
	// bodies are generated after the module's functions (memory.init helpers are made on
	// demand).
	in.next = uint32(m.NumImportedFuncs() + len(m.Funcs))
	defined := len(m.Code)
	if len(m.Tables) > 0 || m.NumImported(wasm.ExternTable) > 0 {
		i32 := []wasm.ValType{wasm.I32}
		cbType := m.TypeIndex(wasm.FuncType{Params: i32})
		body := new(wasm.Expr).LocalGet(0).LocalGet(1).CallIndirect(cbType, 0).End()
		idx := in.addFunc(wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}}, nil, body.Bytes())
		m.Exports = append(m.Exports, wasm.Export{Name: CallbackExport, Kind: wasm.ExternFunc, Index: idx})
		res.HasCallback = true
	}
	for _, gi := range v128Globals {
		g := res.Globals[gi]
		idx, _ := strconv.ParseUint(strings.TrimPrefix(g.Export, GlobalExportPrefix), 10, 32)
		i64x2 := []wasm.ValType{wasm.I64, wasm.I64}
		get := new(wasm.Expr).GlobalGet(uint32(idx)).Op(wasm.OpI64x2ExtractLane).Raw([]byte{0}).
			GlobalGet(uint32(idx)).Op(wasm.OpI64x2ExtractLane).Raw([]byte{1}).End()
		set := new(wasm.Expr).GlobalGet(uint32(idx)).LocalGet(0).Op(wasm.OpI64x2ReplaceLane).Raw([]byte{0}).
			LocalGet(1).Op(wasm.OpI64x2ReplaceLane).Raw([]byte{1}).GlobalSet(uint32(idx)).End()
		m.Exports = append(m.Exports,
			wasm.Export{Name: g.Export, Kind: wasm.ExternFunc, Index: in.addFunc(wasm.FuncType{Results: i64x2}, nil, get.Bytes())},
			wasm.Export{Name: g.Setter, Kind: wasm.ExternFunc, Index: in.addFunc(wasm.FuncType{Params: i64x2}, nil, set.Bytes())})
	}
	if hasMemory && !mem64 {
		in.fill = in.bulkHelper(new(wasm.Expr).MemoryFill(0).Bytes())
		in.copy = in.bulkHelper(new(wasm.Expr).MemoryCopy(0, 0).Bytes())
		in.bulk = true
	}

	for i := 0; i < defined; i++ {
		typ := m.Types[m.Funcs[i]]
		if err := in.function(&m.Code[i], len(typ.Params)); err != nil {
			return nil, fmt.Errorf("instrument: function %d: %w", m.NumImportedFuncs()+i, err)
		}
	}
	res.Functions = defined

	m.Canonicalize()
	res.Module = m.Encode()
	return res, nil
}

// instrumenter holds the indices instrumentation refers to.
type instrumenter struct {
	m        *wasm.Module
	counter  uint32 // global
	dirty    uint32 // global, valid when tracking
	tracking bool
	bulk     bool   // memory 0 is 32-bit: bulk operations go through helpers
	fill     uint32 // helper functions
	copy     uint32
	inits    map[uint32]uint32 // data segment -> memory.init helper
	next     uint32            // index of the next helper function
}

// addFunc appends a function and returns its index.
func (in *instrumenter) addFunc(t wasm.FuncType, locals []wasm.Local, body []byte) uint32 {
	in.m.Funcs = append(in.m.Funcs, in.m.TypeIndex(t))
	in.m.Code = append(in.m.Code, wasm.Code{Locals: locals, Body: body})
	in.next++
	return in.next - 1
}

// bulkHelper makes the helper replacing a bulk memory instruction op (encoded with its
// immediates): (dst, src/value, size i32) -> (), which charges size instructions, marks the
// destination pages dirty and performs op.
func (in *instrumenter) bulkHelper(op []byte) uint32 {
	const d, x, n, p, last = 0, 1, 2, 3, 4
	e := new(wasm.Expr).
		GlobalGet(in.counter).LocalGet(n).Op(wasm.OpI64ExtendI32U).Op(wasm.OpI64Sub).GlobalSet(in.counter).
		GlobalGet(in.counter).I64Const(0).Op(wasm.OpI64LtS).If(wasm.BlockEmpty).Unreachable().End()
	if in.tracking {
		e.LocalGet(n).If(wasm.BlockEmpty).
			LocalGet(d).I32Const(16).Op(wasm.OpI32ShrU).LocalSet(p).
			LocalGet(d).Op(wasm.OpI64ExtendI32U).LocalGet(n).Op(wasm.OpI64ExtendI32U).Op(wasm.OpI64Add).
			I64Const(1).Op(wasm.OpI64Sub).I64Const(16).Op(wasm.OpI64ShrU).Op(wasm.OpI32WrapI64).LocalSet(last).
			LocalGet(last).LocalGet(p).Op(wasm.OpI32Sub).I32Const(63).Op(wasm.OpI32GeU).
			If(wasm.BlockEmpty).
			I64Const(-1).GlobalSet(in.dirty).
			Else().
			Loop(wasm.BlockEmpty).
			I64Const(1).LocalGet(p).Op(wasm.OpI64ExtendI32U).Op(wasm.OpI64Shl).
			GlobalGet(in.dirty).Op(wasm.OpI64Or).GlobalSet(in.dirty).
			LocalGet(p).I32Const(1).Op(wasm.OpI32Add).LocalTee(p).LocalGet(last).Op(wasm.OpI32LeU).BrIf(0).
			End().
			End().
			End()
	}
	e.LocalGet(d).LocalGet(x).LocalGet(n).Raw(op).End()
	i32 := wasm.I32
	return in.addFunc(wasm.FuncType{Params: []wasm.ValType{i32, i32, i32}},
		[]wasm.Local{{Count: 2, Type: i32}}, e.Bytes())
}

// initHelper returns the memory.init helper of data segment seg.
func (in *instrumenter) initHelper(seg uint32) uint32 {
	if idx, ok := in.inits[seg]; ok {
		return idx
	}
	op := wasm.AppendOp(nil, wasm.OpMemoryInit)
	op = wasm.AppendULEB128(op, uint64(seg))
	op = wasm.AppendULEB128(op, 0)
	idx := in.bulkHelper(op)
	in.inits[seg] = idx
	return idx
}

// storeType is the type of the value a store instruction writes, ok false for non-stores.
func storeType(op wasm.Op) (wasm.ValType, bool) {
	switch op {
	case wasm.OpI32Store, wasm.OpI32Store8, wasm.OpI32Store16:
		return wasm.I32, true
	case wasm.OpI64Store, wasm.OpI64Store8, wasm.OpI64Store16, wasm.OpI64Store32:
		return wasm.I64, true
	case wasm.OpF32Store:
		return wasm.F32, true
	case wasm.OpF64Store:
		return wasm.F64, true
	case wasm.OpV128Store, wasm.OpV128Store8Lane, wasm.OpV128Store16Lane, wasm.OpV128Store32Lane, wasm.OpV128Store64Lane:
		return wasm.V128, true
	}
	return 0, false
}

// scratch locals added to a function that has stores: the address and one per value type.
var scratchTypes = []wasm.ValType{wasm.I32, wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128}

func scratchIndex(base uint32, t wasm.ValType) uint32 {
	switch t {
	case wasm.I32:
		return base + 1
	case wasm.I64:
		return base + 2
	case wasm.F32:
		return base + 3
	case wasm.F64:
		return base + 4
	}
	return base + 5
}

// function rewrites one function body. The body is cut into segments, each ending with a
// control instruction (or the final end); a segment's cost is charged by code injected at its
// start. Segments starting a function or a loop body also check the counter.
func (in *instrumenter) function(fc *wasm.Code, params int) error {
	code := fc.Body
	base := uint32(params)
	for _, l := range fc.Locals {
		base += l.Count
	}
	usedScratch := false
	out := make([]byte, 0, len(code)+len(code)/2+32)
	r := wasm.NewInstrReader(code)
	var ins wasm.Instr

	segStart := 0 // offset in code of the current segment
	cost := int64(0)
	check := true // the first segment is the function entry
	// Rewritten instructions of the current segment: replacement code for code[start:end].
	type patch struct {
		start, end int
		with       []byte
	}
	var patches []patch

	flush := func(end int) {
		out = appendCharge(out, in.counter, cost, check)
		pos := segStart
		for _, p := range patches {
			out = append(out, code[pos:p.start]...)
			out = append(out, p.with...)
			pos = p.end
		}
		out = append(out, code[pos:end]...)
		segStart, cost, check, patches = end, 0, false, patches[:0]
	}

	for !r.Done() {
		if err := r.Next(&ins); err != nil {
			return err
		}
		switch ins.Op {
		case wasm.OpCall, wasm.OpReturnCall:
			cost += costCall
		case wasm.OpCallIndirect, wasm.OpReturnCallIndirect:
			cost += costCallIndirect
		case wasm.OpMemoryGrow:
			cost += costMemoryGrow
		default:
			cost += costDefault
		}
		if in.bulk {
			helper, isBulk := uint32(0), true
			switch {
			case ins.Op == wasm.OpMemoryFill && ins.Index == 0:
				helper = in.fill
			case ins.Op == wasm.OpMemoryCopy && ins.Index == 0 && ins.Index2 == 0:
				helper = in.copy
			case ins.Op == wasm.OpMemoryInit && ins.Index2 == 0:
				helper = in.initHelper(ins.Index)
			default:
				isBulk = false
			}
			if isBulk {
				with := wasm.AppendOp(nil, wasm.OpCall)
				patches = append(patches, patch{ins.Start, ins.End, wasm.AppendULEB128(with, uint64(helper))})
			}
		}
		if in.tracking {
			if t, ok := storeType(ins.Op); ok && ins.MemArg.Memory == 0 {
				usedScratch = true
				patches = append(patches, patch{ins.Start, ins.End, in.trackedStore(code[ins.Start:ins.End], base, t, ins.MemArg.Offset)})
			} else if ins.Op.Prefix() == 0xFE {
				// Atomics (threads proposal): conservatively mark every page.
				with := new(wasm.Expr).I64Const(-1).GlobalSet(in.dirty).Raw(code[ins.Start:ins.End]).Bytes()
				patches = append(patches, patch{ins.Start, ins.End, with})
			}
		}
		switch ins.Op {
		case wasm.OpLoop:
			flush(ins.End)
			check = true
		case wasm.OpBlock, wasm.OpIf, wasm.OpElse, wasm.OpEnd, wasm.OpBr, wasm.OpBrIf, wasm.OpBrTable,
			wasm.OpReturn, wasm.OpUnreachable, wasm.OpCall, wasm.OpCallIndirect,
			wasm.OpReturnCall, wasm.OpReturnCallIndirect:
			flush(ins.End)
		}
	}
	if segStart != len(code) {
		// Only a malformed body (not ending with end) gets here; keep its tail unchanged.
		flush(len(code))
	}
	fc.Body = out
	if usedScratch {
		locals := append([]wasm.Local(nil), fc.Locals...)
		for _, t := range scratchTypes {
			locals = append(locals, wasm.Local{Count: 1, Type: t})
		}
		fc.Locals = locals
	}
	return nil
}

// trackedStore returns store (an instruction writing a value of type t at address+offset)
// preceded by code setting the dirty bit of the page it writes. Scratch locals start at base.
func (in *instrumenter) trackedStore(store []byte, base uint32, t wasm.ValType, offset uint64) []byte {
	addr, val := base, scratchIndex(base, t)
	// rotl(3, page) sets the bits of the page and of the next one: a store of up to 16
	// bytes may cross into it.
	e := new(wasm.Expr).LocalSet(val).LocalSet(addr).
		I64Const(3).LocalGet(addr)
	if offset != 0 {
		e.I32Const(int32(uint32(offset))).Op(wasm.OpI32Add)
	}
	e.I32Const(16).Op(wasm.OpI32ShrU).Op(wasm.OpI64ExtendI32U).Op(wasm.OpI64Rotl).
		GlobalGet(in.dirty).Op(wasm.OpI64Or).GlobalSet(in.dirty).
		LocalGet(addr).LocalGet(val).Raw(store)
	return e.Bytes()
}

// appendCharge appends "counter -= cost" and, when check is set, "if counter < 0: unreachable".
func appendCharge(out []byte, counter uint32, cost int64, check bool) []byte {
	if cost > 0 {
		out = appendGlobalOp(out, wasm.OpGlobalGet, counter)
		out = wasm.AppendOp(out, wasm.OpI64Const)
		out = wasm.AppendSLEB128(out, cost)
		out = wasm.AppendOp(out, wasm.OpI64Sub)
		out = appendGlobalOp(out, wasm.OpGlobalSet, counter)
	}
	if check {
		out = appendGlobalOp(out, wasm.OpGlobalGet, counter)
		out = wasm.AppendOp(out, wasm.OpI64Const)
		out = wasm.AppendSLEB128(out, 0)
		out = wasm.AppendOp(out, wasm.OpI64LtS)
		out = wasm.AppendOp(out, wasm.OpIf)
		out = append(out, 0x40)
		out = wasm.AppendOp(out, wasm.OpUnreachable)
		out = wasm.AppendOp(out, wasm.OpEnd)
	}
	return out
}

func appendGlobalOp(out []byte, op wasm.Op, idx uint32) []byte {
	out = wasm.AppendOp(out, op)
	return wasm.AppendULEB128(out, uint64(idx))
}
