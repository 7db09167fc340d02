package link

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// renumber rewrites every function index of the original module for the new
// import list: kept imports move to their new place, removed imports point at
// their replacements (appended later), defined functions shift down.
func (l *linker) renumber() error {
	m := l.m
	nOldImp := uint32(len(l.importMap))
	k := uint32(countFuncs(l.newImports))
	total := nOldImp + uint32(len(m.Funcs))
	var bad error
	remap := func(old uint32) uint32 {
		if old < nOldImp {
			return l.importMap[old]
		}
		if old >= total && bad == nil {
			bad = fmt.Errorf("function index %d out of range", old)
		}
		return old - nOldImp + k
	}
	for old, name := range l.oldNames {
		if old >= nOldImp && old < total {
			l.setName(remap(old), name)
		}
	}
	var buf []byte
	for i := range m.Code {
		body, err := rewriteBody(buf[:0], m.Code[i].Body, remap)
		if err != nil {
			return fmt.Errorf("function %d: %w", nOldImp+uint32(i), err)
		}
		if bad != nil {
			return fmt.Errorf("function %d: %w", nOldImp+uint32(i), bad)
		}
		// Bodies alias the input; give each rewritten one its own copy.
		m.Code[i].Body = append([]byte(nil), body...)
		buf = body
	}
	for i := range m.Elements {
		e := &m.Elements[i]
		for j, f := range e.Funcs {
			e.Funcs[j] = remap(f)
		}
		for j, x := range e.Exprs {
			nx, err := rewriteBody(nil, x, remap)
			if err != nil {
				return fmt.Errorf("element segment %d: %w", i, err)
			}
			e.Exprs[j] = nx
		}
	}
	for i := range m.Globals {
		nx, err := rewriteBody(nil, m.Globals[i].Init, remap)
		if err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
		m.Globals[i].Init = nx
	}
	if m.Start != nil {
		s := remap(*m.Start)
		m.Start = &s
	}
	for i := range l.entries {
		if l.entries[i].target >= 0 {
			l.entries[i].target = int64(remap(uint32(l.entries[i].target)))
		}
	}
	for i := range l.callbacks {
		l.callbacks[i].Func = remap(l.callbacks[i].Func)
	}
	l.initialize = remap(l.initialize)
	m.Imports = l.newImports
	return bad
}

// rewriteBody appends code to dst with the function indices of call,
// return_call and ref.func passed through remap; all other instructions are
// copied verbatim.
func rewriteBody(dst, code []byte, remap func(uint32) uint32) ([]byte, error) {
	r := wasm.NewInstrReader(code)
	var in wasm.Instr
	copied := 0 // code[:copied] is already in dst
	for !r.Done() {
		if err := r.Next(&in); err != nil {
			return nil, err
		}
		switch in.Op {
		case wasm.OpCall, wasm.OpReturnCall, wasm.OpRefFunc:
			dst = append(dst, code[copied:in.Start]...)
			dst = wasm.AppendOp(dst, in.Op)
			dst = wasm.AppendULEB128(dst, uint64(remap(in.Index)))
			copied = in.End
		}
	}
	return append(dst, code[copied:]...), nil
}

// addFunc appends a defined function and returns its index.
func (l *linker) addFunc(t wasm.FuncType, locals []wasm.Local, body *wasm.Expr) uint32 {
	m := l.m
	idx := uint32(m.NumImportedFuncs() + len(m.Funcs))
	m.Funcs = append(m.Funcs, m.TypeIndex(t))
	m.Code = append(m.Code, wasm.Code{Locals: locals, Body: body.End().Bytes()})
	return idx
}

// buildFunctions appends the replacement functions and trap helpers at the
// indices planImports reserved.
func (l *linker) buildFunctions() error {
	for i, r := range l.repls {
		typ := l.m.Types[r.typ]
		locals, body := l.replacementBody(r)
		got, want := l.addFunc(typ, locals, body), l.replBase+uint32(i)
		if got != want {
			return fmt.Errorf("internal error: replacement %s.%s at %d, planned %d", r.module, r.name, got, want)
		}
		l.setName(got, "icwasm:"+r.module+"."+r.name)
	}
	for _, msg := range l.trapOrder {
		got, want := l.addFunc(typeVoid, nil, l.trapBody(msg)), l.trapFuncs[msg]
		if got != want {
			return fmt.Errorf("internal error: trap helper at %d, planned %d", got, want)
		}
		l.setName(got, "icwasm:trap "+msg)
	}
	return nil
}

// trapBody writes msg at address 0 and calls ic0.trap. Overwriting memory is
// harmless: a trap rolls back every change of the execution.
func (l *linker) trapBody(msg string) *wasm.Expr {
	e := new(wasm.Expr)
	for off := 0; off < len(msg); off += 8 {
		var chunk [8]byte
		copy(chunk[:], msg[off:])
		var v uint64
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(chunk[i])
		}
		e.I32Const(int32(off)).I64Const(int64(v)).Mem(wasm.OpI64Store, wasm.MemArg{})
	}
	return e.I32Const(0).I32Const(int32(len(msg))).Call(l.ic0["trap"]).Unreachable()
}

// SplitMix64 constants (Steele, Lea, Flood 2014).
const (
	splitMixGamma = 0x9E3779B97F4A7C15
	splitMixMul1  = 0xBF58476D1CE4E5B9
	splitMixMul2  = 0x94D049BB133111EB
)

func u64(v uint64) int64 { return int64(v) }

// WASI errno values.
const (
	errnoBADF  = 8
	errnoNOSYS = 52
)

// maxShortSleep is the longest poll_oneoff clock wait (ns) answered without
// trapping: longer than the runtime's own short sleeps, far shorter than a
// timer a program would wait for.
const maxShortSleep = 10_000_000

// maxShortSleeps bounds the short waits answered per execution. Time does not
// pass during an execution, so a scheduler waiting for a 1 ms timer would
// otherwise ask again until the instruction limit; the runtime's fatal-panic
// path sleeps about 7 times.
const maxShortSleeps = 100

// replacementBody is the code standing in for an import (ABI.md tables).
func (l *linker) replacementBody(r replacement) ([]wasm.Local, *wasm.Expr) {
	e := new(wasm.Expr)
	if r.module == moduleIcwasm {
		if r.callback != "" {
			for _, cb := range l.callbacks {
				if cb.Name == r.callback {
					return nil, e.I32Const(int32(cb.TableIndex))
				}
			}
		}
		switch r.name {
		case "sha256_block":
			return sha256BlockBody()
		case "sha256_sum":
			return sha256SumBody()
		}
		// random_seed(seed i64)
		return nil, e.LocalGet(0).GlobalSet(l.rngIdx)
	}
	store32 := wasm.MemArg{Align: 2}
	switch r.name {
	case "args_sizes_get", "environ_sizes_get":
		return nil, e.LocalGet(0).I32Const(0).Mem(wasm.OpI32Store, store32).
			LocalGet(1).I32Const(0).Mem(wasm.OpI32Store, store32).I32Const(0)
	case "args_get", "environ_get", "sched_yield":
		return nil, e.I32Const(0)
	case "clock_time_get":
		return nil, e.LocalGet(2).Call(l.ic0["time"]).Mem(wasm.OpI64Store, wasm.MemArg{Align: 3}).I32Const(0)
	case "poll_oneoff":
		// The runtime also sleeps through poll_oneoff (usleep, e.g. while a
		// fatal panic freezes the world before printing its message). A
		// single relative clock subscription of at most maxShortSleep is
		// answered at once as if the time had passed (at most
		// maxShortSleeps times per execution), so the panic message still
		// reaches debug_print; anything else would block: trap.
		// params in=0 out=1 nsubscriptions=2 nevents=3; subscription:
		// userdata u64 @0, tag u8 @8, clock timeout u64 @24, flags u16 @40;
		// event: userdata u64 @0, error u16 @8, type u8 @10.
		const in, out, nsub, nevents = 0, 1, 2, 3
		e.LocalGet(nsub).I32Const(1).Op(wasm.OpI32Eq)
		e.LocalGet(in).Mem(wasm.OpI32Load8U, wasm.MemArg{Offset: 8}).Op(wasm.OpI32Eqz).Op(wasm.OpI32And)
		e.LocalGet(in).Mem(wasm.OpI32Load16U, wasm.MemArg{Align: 1, Offset: 40}).I32Const(1).Op(wasm.OpI32And).Op(wasm.OpI32Eqz).Op(wasm.OpI32And)
		e.LocalGet(in).Mem(wasm.OpI64Load, wasm.MemArg{Align: 3, Offset: 24}).I64Const(maxShortSleep).Op(wasm.OpI64LeU).Op(wasm.OpI32And)
		e.GlobalGet(l.sleepsIdx).I32Const(maxShortSleeps).Op(wasm.OpI32LtU).Op(wasm.OpI32And)
		e.If(wasm.BlockEmpty)
		e.GlobalGet(l.sleepsIdx).I32Const(1).Op(wasm.OpI32Add).GlobalSet(l.sleepsIdx)
		e.LocalGet(out).LocalGet(in).Mem(wasm.OpI64Load, wasm.MemArg{Align: 3}).Mem(wasm.OpI64Store, wasm.MemArg{Align: 3})
		e.LocalGet(out).I32Const(0).Mem(wasm.OpI32Store16, wasm.MemArg{Align: 1, Offset: 8})
		e.LocalGet(out).I32Const(0).Mem(wasm.OpI32Store8, wasm.MemArg{Offset: 10})
		e.LocalGet(nevents).I32Const(1).Mem(wasm.OpI32Store, store32)
		e.I32Const(0).Return()
		e.End()
		return nil, e.Call(l.trapFuncs[MsgPollOneoff]).Unreachable()
	case "fd_prestat_get":
		// EBADF ends Go's scan for preopened directories (syscall init
		// panics on any other error, ENOSYS included).
		return nil, e.I32Const(errnoBADF)
	case "proc_exit":
		return nil, e.Call(l.trapFuncs[MsgProcExit]).Unreachable()
	case "random_get":
		// params buf=0 len=1; locals p=2 (i32), z=3 (i64)
		const buf, n, p, z = 0, 1, 2, 3
		e.Block(wasm.BlockEmpty).Loop(wasm.BlockEmpty)
		e.LocalGet(p).LocalGet(n).Op(wasm.OpI32GeU).BrIf(1)
		e.LocalGet(p).I32Const(7).Op(wasm.OpI32And).Op(wasm.OpI32Eqz).If(wasm.BlockEmpty)
		e.GlobalGet(l.rngIdx).I64Const(u64(splitMixGamma)).Op(wasm.OpI64Add).GlobalSet(l.rngIdx)
		e.GlobalGet(l.rngIdx).LocalSet(z)
		e.LocalGet(z).LocalGet(z).I64Const(30).Op(wasm.OpI64ShrU).Op(wasm.OpI64Xor).I64Const(u64(splitMixMul1)).Op(wasm.OpI64Mul).LocalSet(z)
		e.LocalGet(z).LocalGet(z).I64Const(27).Op(wasm.OpI64ShrU).Op(wasm.OpI64Xor).I64Const(u64(splitMixMul2)).Op(wasm.OpI64Mul).LocalSet(z)
		e.LocalGet(z).LocalGet(z).I64Const(31).Op(wasm.OpI64ShrU).Op(wasm.OpI64Xor).LocalSet(z)
		e.End()
		e.LocalGet(buf).LocalGet(p).Op(wasm.OpI32Add).LocalGet(z).Mem(wasm.OpI64Store8, wasm.MemArg{})
		e.LocalGet(z).I64Const(8).Op(wasm.OpI64ShrU).LocalSet(z)
		e.LocalGet(p).I32Const(1).Op(wasm.OpI32Add).LocalSet(p)
		e.Br(0).End().End()
		return []wasm.Local{{Count: 1, Type: wasm.I32}, {Count: 1, Type: wasm.I64}}, e.I32Const(0)
	case "fd_write":
		// params fd=0 iovs=1 iovs_len=2 nwritten=3; locals i=4 total=5 len=6
		const iovs, iovsLen, nwritten, i, total, ln = 1, 2, 3, 4, 5, 6
		e.Block(wasm.BlockEmpty).Loop(wasm.BlockEmpty)
		e.LocalGet(i).LocalGet(iovsLen).Op(wasm.OpI32GeU).BrIf(1)
		e.LocalGet(iovs).LocalGet(i).I32Const(3).Op(wasm.OpI32Shl).Op(wasm.OpI32Add).Mem(wasm.OpI32Load, wasm.MemArg{Align: 2, Offset: 4}).LocalSet(ln)
		e.LocalGet(ln).If(wasm.BlockEmpty)
		e.LocalGet(iovs).LocalGet(i).I32Const(3).Op(wasm.OpI32Shl).Op(wasm.OpI32Add).Mem(wasm.OpI32Load, store32)
		e.LocalGet(ln).Call(l.ic0["debug_print"])
		e.End()
		e.LocalGet(total).LocalGet(ln).Op(wasm.OpI32Add).LocalSet(total)
		e.LocalGet(i).I32Const(1).Op(wasm.OpI32Add).LocalSet(i)
		e.Br(0).End().End()
		e.LocalGet(nwritten).LocalGet(total).Mem(wasm.OpI32Store, store32).I32Const(0)
		return []wasm.Local{{Count: 3, Type: wasm.I32}}, e
	}
	return nil, e.I32Const(errnoNOSYS)
}
