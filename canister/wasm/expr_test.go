package wasm

import (
	"errors"
	"testing"
)

// TestExprReadBack builds instructions with Expr and decodes them again.
func TestExprReadBack(t *testing.T) {
	e := new(Expr)
	e.Block(BlockEmpty).Loop(BlockOf(I64)).If(BlockFuncType(300)).Else().End().End().End()
	e.Br(1).BrIf(2).BrTable([]uint32{0, 1, 5}, 7).Call(70000).ReturnCall(3).CallIndirect(9, 1)
	e.LocalGet(1).LocalSet(2).LocalTee(130).GlobalGet(4).GlobalSet(5)
	e.I32Const(-1 << 31).I64Const(1<<63 - 1).F32Const(1.5).F64Const(-2.25)
	e.Mem(OpI64Load32U, MemArg{Align: 2, Offset: 1 << 33}).Mem(OpI32Store, MemArg{Align: 2, Memory: 3})
	e.MemorySize().MemoryGrow().MemoryCopy(0, 1).MemoryFill(0).RefFunc(12).RefNull(ExternRef)
	e.Op(OpI32x4Add).Op(OpI64TruncSatF64U).Drop().Unreachable().Return().End()

	type check func(in *Instr) bool
	want := []struct {
		op Op
		ok check
	}{
		{OpBlock, func(in *Instr) bool { return in.BlockType == BlockEmpty }},
		{OpLoop, func(in *Instr) bool { v, ok := in.BlockType.ValType(); return ok && v == I64 }},
		{OpIf, func(in *Instr) bool { i, ok := in.BlockType.TypeIndex(); return ok && i == 300 }},
		{OpElse, nil}, {OpEnd, nil}, {OpEnd, nil}, {OpEnd, nil},
		{OpBr, func(in *Instr) bool { return in.Index == 1 }},
		{OpBrIf, func(in *Instr) bool { return in.Index == 2 }},
		{OpBrTable, func(in *Instr) bool { return len(in.Labels) == 3 && in.Labels[2] == 5 && in.Index == 7 }},
		{OpCall, func(in *Instr) bool { return in.Index == 70000 }},
		{OpReturnCall, func(in *Instr) bool { return in.Index == 3 }},
		{OpCallIndirect, func(in *Instr) bool { return in.Index == 9 && in.Index2 == 1 }},
		{OpLocalGet, func(in *Instr) bool { return in.Index == 1 }},
		{OpLocalSet, func(in *Instr) bool { return in.Index == 2 }},
		{OpLocalTee, func(in *Instr) bool { return in.Index == 130 }},
		{OpGlobalGet, func(in *Instr) bool { return in.Index == 4 }},
		{OpGlobalSet, func(in *Instr) bool { return in.Index == 5 }},
		{OpI32Const, func(in *Instr) bool { return in.I32() == -1<<31 }},
		{OpI64Const, func(in *Instr) bool { return in.Int == 1<<63-1 }},
		{OpF32Const, func(in *Instr) bool { return in.Float == 0x3fc00000 }},
		{OpF64Const, func(in *Instr) bool { return in.Float == 0xc002000000000000 }},
		{OpI64Load32U, func(in *Instr) bool { return in.MemArg == MemArg{Align: 2, Offset: 1 << 33} }},
		{OpI32Store, func(in *Instr) bool { return in.MemArg == MemArg{Align: 2, Memory: 3} }},
		{OpMemorySize, func(in *Instr) bool { return in.Index == 0 }},
		{OpMemoryGrow, nil},
		{OpMemoryCopy, func(in *Instr) bool { return in.Index == 0 && in.Index2 == 1 }},
		{OpMemoryFill, nil},
		{OpRefFunc, func(in *Instr) bool { return in.Index == 12 }},
		{OpRefNull, func(in *Instr) bool { return len(in.Types) == 1 && in.Types[0] == ExternRef }},
		{OpI32x4Add, nil}, {OpI64TruncSatF64U, nil}, {OpDrop, nil}, {OpUnreachable, nil}, {OpReturn, nil}, {OpEnd, nil},
	}
	r := NewInstrReader(e.Bytes())
	var in Instr
	prevEnd := 0
	for i, w := range want {
		if err := r.Next(&in); err != nil {
			t.Fatalf("instruction %d: %v", i, err)
		}
		if in.Op != w.op || (w.ok != nil && !w.ok(&in)) {
			t.Errorf("instruction %d = %v %+v, want %v", i, in.Op, in, w.op)
		}
		if in.Start != prevEnd {
			t.Errorf("instruction %d starts at %d, previous ended at %d", i, in.Start, prevEnd)
		}
		prevEnd = in.End
	}
	if !r.Done() {
		t.Error("bytes left over")
	}
}

func TestInstrErrors(t *testing.T) {
	tests := []struct {
		name   string
		code   []byte
		offset int
		is     error
	}{
		{"unknown opcode", []byte{0x01, 0xff}, 1, ErrUnknownOpcode},
		{"unknown prefixed", []byte{0xfc, 0x40}, 0, ErrUnknownOpcode},
		{"reserved SIMD", []byte{0xfd, 0x9a, 0x01}, 0, ErrUnknownOpcode},
		{"truncated LEB", []byte{0x20, 0x80}, 0, ErrLEB128},
		{"truncated const", []byte{0x44, 0, 0}, 0, errUnexpectedEnd},
		{"bad block type", []byte{0x02, 0x60}, 0, nil},
		{"bad ref type", []byte{0xd0, 0x7f}, 0, nil},
		{"fence flags", []byte{0xfe, 0x03, 0x01}, 0, nil},
		{"past the end", nil, 0, errUnexpectedEnd},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewInstrReader(tc.code)
			var in Instr
			var err error
			for err == nil {
				err = r.Next(&in)
			}
			var ie *InstrError
			if !errors.As(err, &ie) || ie.Offset != tc.offset {
				t.Fatalf("err = %v, want *InstrError at %d", err, tc.offset)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if r.Offset() != tc.offset {
				t.Errorf("reader advanced to %d after the error", r.Offset())
			}
		})
	}
}

func TestEvalConstI32(t *testing.T) {
	tests := []struct {
		expr []byte
		v    int32
		ok   bool
	}{
		{ConstI32(4096), 4096, true},
		{ConstI32(-1), -1, true},
		{ConstI64(1), 0, false},
		{[]byte{byte(OpGlobalGet), 0, byte(OpEnd)}, 0, false},
		{append(ConstI32(1)[:2], byte(OpI32Const), 1, byte(OpEnd)), 0, false}, // two instructions
	}
	for i, tc := range tests {
		v, ok := EvalConstI32(tc.expr)
		if v != tc.v || ok != tc.ok {
			t.Errorf("case %d (% x): got %d %v, want %d %v", i, tc.expr, v, ok, tc.v, tc.ok)
		}
	}
}
