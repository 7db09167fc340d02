package wasm

import (
	"encoding/binary"
	"math"
)

// Expr builds a sequence of instructions in the binary format. The zero
// value is empty and ready to use; every method appends and returns e so
// calls chain: new(Expr).LocalGet(0).I32Const(1).Op(OpI32Add).End().
type Expr struct {
	b []byte
}

// Bytes returns the encoded instructions (aliasing e's buffer).
func (e *Expr) Bytes() []byte { return e.b }

// Len is the number of bytes written so far.
func (e *Expr) Len() int { return len(e.b) }

// Reset empties e, keeping its buffer.
func (e *Expr) Reset() { e.b = e.b[:0] }

// AppendOp appends the encoding of opcode op (its prefix and LEB128
// sub-opcode for prefixed opcodes) to b.
func AppendOp(b []byte, op Op) []byte {
	if p := op.Prefix(); p != 0 {
		b = append(b, p)
		return AppendULEB128(b, uint64(op&0xffff))
	}
	return append(b, byte(op))
}

// Op appends an opcode without immediates (or whose immediates the caller
// appends with Raw/U32).
func (e *Expr) Op(op Op) *Expr { e.b = AppendOp(e.b, op); return e }

// Raw appends bytes verbatim, e.g. an untouched instruction's span.
func (e *Expr) Raw(b []byte) *Expr { e.b = append(e.b, b...); return e }

// U32 appends an unsigned LEB128 immediate.
func (e *Expr) U32(v uint32) *Expr { e.b = AppendULEB128(e.b, uint64(v)); return e }

func (e *Expr) opU32(op Op, v uint32) *Expr { return e.Op(op).U32(v) }

// Block opens a block of type bt.
func (e *Expr) Block(bt BlockType) *Expr { return e.Op(OpBlock).blockType(bt) }

// Loop opens a loop of type bt.
func (e *Expr) Loop(bt BlockType) *Expr { return e.Op(OpLoop).blockType(bt) }

// If opens an if of type bt.
func (e *Expr) If(bt BlockType) *Expr { return e.Op(OpIf).blockType(bt) }

func (e *Expr) blockType(bt BlockType) *Expr { return e.s64(int64(bt)) }

// s64 appends a signed LEB128 immediate.
func (e *Expr) s64(v int64) *Expr { e.b = AppendSLEB128(e.b, v); return e }

// Else appends else.
func (e *Expr) Else() *Expr { return e.Op(OpElse) }

// End appends end.
func (e *Expr) End() *Expr { return e.Op(OpEnd) }

// Unreachable appends unreachable.
func (e *Expr) Unreachable() *Expr { return e.Op(OpUnreachable) }

// Return appends return.
func (e *Expr) Return() *Expr { return e.Op(OpReturn) }

// Drop appends drop.
func (e *Expr) Drop() *Expr { return e.Op(OpDrop) }

// Br appends br to label depth l.
func (e *Expr) Br(l uint32) *Expr { return e.opU32(OpBr, l) }

// BrIf appends br_if to label depth l.
func (e *Expr) BrIf(l uint32) *Expr { return e.opU32(OpBrIf, l) }

// BrTable appends br_table with the given targets and default.
func (e *Expr) BrTable(labels []uint32, def uint32) *Expr {
	e.opU32(OpBrTable, uint32(len(labels)))
	for _, l := range labels {
		e.U32(l)
	}
	return e.U32(def)
}

// Call appends call of function f.
func (e *Expr) Call(f uint32) *Expr { return e.opU32(OpCall, f) }

// ReturnCall appends return_call of function f.
func (e *Expr) ReturnCall(f uint32) *Expr { return e.opU32(OpReturnCall, f) }

// CallIndirect appends call_indirect with type index typ through table.
func (e *Expr) CallIndirect(typ, table uint32) *Expr { return e.opU32(OpCallIndirect, typ).U32(table) }

// LocalGet appends local.get.
func (e *Expr) LocalGet(i uint32) *Expr { return e.opU32(OpLocalGet, i) }

// LocalSet appends local.set.
func (e *Expr) LocalSet(i uint32) *Expr { return e.opU32(OpLocalSet, i) }

// LocalTee appends local.tee.
func (e *Expr) LocalTee(i uint32) *Expr { return e.opU32(OpLocalTee, i) }

// GlobalGet appends global.get.
func (e *Expr) GlobalGet(i uint32) *Expr { return e.opU32(OpGlobalGet, i) }

// GlobalSet appends global.set.
func (e *Expr) GlobalSet(i uint32) *Expr { return e.opU32(OpGlobalSet, i) }

// I32Const appends i32.const v.
func (e *Expr) I32Const(v int32) *Expr { return e.Op(OpI32Const).s64(int64(v)) }

// I64Const appends i64.const v.
func (e *Expr) I64Const(v int64) *Expr { return e.Op(OpI64Const).s64(v) }

// F32Const appends f32.const v.
func (e *Expr) F32Const(v float32) *Expr {
	e.Op(OpF32Const)
	e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
	return e
}

// F64Const appends f64.const v.
func (e *Expr) F64Const(v float64) *Expr {
	e.Op(OpF64Const)
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
	return e
}

// Mem appends a load, store or atomic op with the memory immediate (memory 0
// unless m.Memory is set). align is log2 of the alignment.
func (e *Expr) Mem(op Op, m MemArg) *Expr {
	e.Op(op)
	if m.Memory != 0 {
		e.U32(m.Align | 0x40).U32(m.Memory)
	} else {
		e.U32(m.Align)
	}
	e.b = AppendULEB128(e.b, m.Offset)
	return e
}

// MemorySize appends memory.size of memory 0.
func (e *Expr) MemorySize() *Expr { return e.opU32(OpMemorySize, 0) }

// MemoryGrow appends memory.grow of memory 0.
func (e *Expr) MemoryGrow() *Expr { return e.opU32(OpMemoryGrow, 0) }

// MemoryCopy appends memory.copy between memories dst and src.
func (e *Expr) MemoryCopy(dst, src uint32) *Expr { return e.opU32(OpMemoryCopy, dst).U32(src) }

// MemoryFill appends memory.fill of memory mem.
func (e *Expr) MemoryFill(mem uint32) *Expr { return e.opU32(OpMemoryFill, mem) }

// RefFunc appends ref.func f.
func (e *Expr) RefFunc(f uint32) *Expr { return e.opU32(OpRefFunc, f) }

// RefNull appends ref.null of reference type t.
func (e *Expr) RefNull(t ValType) *Expr { return e.Op(OpRefNull).Raw([]byte{byte(t)}) }

// ConstI32 returns the constant expression "i32.const v end", as used for
// segment offsets and global initializers.
func ConstI32(v int32) []byte { return new(Expr).I32Const(v).End().Bytes() }

// ConstI64 returns the constant expression "i64.const v end".
func ConstI64(v int64) []byte { return new(Expr).I64Const(v).End().Bytes() }

// EvalConstI32 evaluates a constant expression of the form "i32.const v end"
// and reports whether it has that form.
func EvalConstI32(expr []byte) (int32, bool) {
	if len(expr) < 3 || expr[0] != byte(OpI32Const) || expr[len(expr)-1] != byte(OpEnd) {
		return 0, false
	}
	v, n, err := ReadSLEB128(expr[1:], 32)
	if err != nil || n != len(expr)-2 {
		return 0, false
	}
	return int32(v), true
}
