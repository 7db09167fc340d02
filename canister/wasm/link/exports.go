package link

import (
	"errors"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// fillTable appends the callbacks to table 0 in a new active segment and
// grows the table's declared size to hold them.
func (l *linker) fillTable() error {
	if len(l.callbacks) == 0 {
		return nil
	}
	m := l.m
	funcs := make([]uint32, len(l.callbacks))
	for i, cb := range l.callbacks {
		funcs[i] = cb.Func
	}
	m.Elements = append(m.Elements, wasm.Element{
		Mode: wasm.SegmentActive, Offset: wasm.ConstI32(int32(l.tableBase)), Type: wasm.FuncRef, Funcs: funcs,
	})
	t := &m.Tables[0].Limits
	end := uint64(l.tableBase) + uint64(len(funcs))
	if t.Min < end {
		t.Min = end
	}
	if t.HasMax && t.Max < t.Min {
		t.Max = t.Min
	}
	l.rep.Callbacks = l.callbacks
	return nil
}

// writeExports emits canister_init, canister_post_upgrade and a guarded
// wrapper per other entry point, replacing the export section.
func (l *linker) writeExports() error {
	m := l.m
	exports := append([]wasm.Export(nil), l.memExports...)
	for _, en := range l.entries {
		// Every execution starts with no short sleeps answered.
		e := new(wasm.Expr).I32Const(0).GlobalSet(l.sleepsIdx)
		switch en.kind {
		case entryInit, entryPostUpgrade:
			e.Call(l.initialize).I32Const(1).GlobalSet(l.startedIdx)
			if en.target >= 0 {
				e.Call(uint32(en.target))
			}
		case entryWrapped:
			if en.target < 0 {
				return errors.New("internal error: wrapped entry without target")
			}
			e.GlobalGet(l.startedIdx).Op(wasm.OpI32Eqz).If(wasm.BlockEmpty).
				Call(l.trapFuncs[MsgNotInitialized]).End().
				Call(uint32(en.target))
		}
		idx := l.addFunc(typeVoid, nil, e)
		l.setName(idx, "icwasm:"+en.icName)
		exports = append(exports, wasm.Export{Name: en.icName, Kind: wasm.ExternFunc, Index: idx})
	}
	m.Exports = exports
	return nil
}
