package wasm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// wabtNames maps final spec names to the older ones wabt 1.0.32 accepts.
var wabtNames = map[string]string{
	"i16x8.relaxed_dot_i8x16_i7x16_s":     "i16x8.dot_i8x16_i7x16_s",
	"i32x4.relaxed_dot_i8x16_i7x16_add_s": "i32x4.dot_i8x16_i7x16_add_s",
}

// immText is the text-format immediate used for each kind, and the
// immediates the decoder must then report.
func immText(info *opInfo) string {
	switch info.imm {
	case immLabel, immFunc, immLocal, immGlobal, immTable, immData, immElem:
		return " 0"
	case immBrTable:
		return " 0 0"
	case immCallIndirect:
		return " (type 0)"
	case immSelectT:
		return " (result i32)"
	case immMemArg:
		return " offset=3"
	case immMemArgLane:
		return " offset=3 1"
	case immI32:
		return " -5"
	case immI64:
		return " -5"
	case immF32, immF64:
		return " 1.5"
	case immRefType:
		return " func"
	case immMemoryInit:
		return " 0"
	case immTableInit:
		return " 0"
	case immV128:
		return " i32x4 1 2 3 4"
	case immShuffle:
		return " 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"
	case immLane:
		return " 1"
	}
	return ""
}

// TestOpcodeTableAgainstWabt assembles every table entry with wat2wasm and
// checks that the reader decodes the same opcode sequence with the right
// immediate sizes (a wrong size would desynchronise all later instructions).
func TestOpcodeTableAgainstWabt(t *testing.T) {
	var body strings.Builder
	var want []Op
	structural := map[Op]bool{OpBlock: true, OpLoop: true, OpIf: true, OpElse: true, OpEnd: true}
	body.WriteString("    block (result i32)\n    end\n    loop\n    end\n    if\n    nop\n    else\n    nop\n    end\n")
	want = append(want, OpBlock, OpEnd, OpLoop, OpEnd, OpIf, OpNop, OpElse, OpNop, OpEnd)
	for i := range opList {
		info := &opList[i]
		if structural[info.op] {
			continue
		}
		name := info.name
		if n, ok := wabtNames[name]; ok {
			name = n
		}
		fmt.Fprintf(&body, "    %s%s\n", name, immText(info))
		want = append(want, info.op)
	}
	want = append(want, OpEnd)
	wat := "(module\n  (type (func (param i32)))\n  (memory 1 1 shared)\n  (table 1 funcref)\n  (global (mut i32) (i32.const 0))\n" +
		"  (elem declare func 0)\n  (data \"x\")\n  (func (param i32)\n" + body.String() + "  ))\n"
	dir := t.TempDir()
	src := filepath.Join(dir, "allops.wat")
	if err := os.WriteFile(src, []byte(wat), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "allops.wasm")
	if out, err := runTool(wasmtest.Tool(t, "wat2wasm"), "--enable-all", "--no-check", src, "-o", bin); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	m := roundTrip(t, "allops", raw)
	r := NewInstrReader(m.Code[0].Body)
	var in Instr
	for i, w := range want {
		if err := r.Next(&in); err != nil {
			t.Fatalf("instruction %d (want %v): %v", i, w, err)
		}
		if in.Op != w {
			t.Fatalf("instruction %d: decoded %v (0x%X), want %v (0x%X)", i, in.Op, uint32(in.Op), w, uint32(w))
		}
		info := lookupOp(in.Op)
		switch info.imm {
		case immMemArg, immMemArgLane:
			if in.MemArg.Offset != 3 {
				t.Errorf("%v: memarg offset %d, want 3", in.Op, in.MemArg.Offset)
			}
		case immI32, immI64:
			if in.Int != -5 {
				t.Errorf("%v: value %d, want -5", in.Op, in.Int)
			}
		case immShuffle:
			if in.V128[15] != 15 {
				t.Errorf("%v: lanes %v", in.Op, in.V128)
			}
		case immV128:
			if in.V128[4] != 2 {
				t.Errorf("%v: constant %v", in.Op, in.V128)
			}
		}
		if info.imm == immLane || info.imm == immMemArgLane {
			if in.Lane != 1 {
				t.Errorf("%v: lane %d, want 1", in.Op, in.Lane)
			}
		}
	}
	if !r.Done() {
		t.Errorf("%d bytes left after the expected instructions", len(m.Code[0].Body)-r.Offset())
	}
}

func TestOpString(t *testing.T) {
	tests := []struct {
		op   Op
		want string
	}{
		{OpI32Const, "i32.const"},
		{OpMemoryFill, "memory.fill"},
		{OpI32x4RelaxedDotI8x16I7x16AddS, "i32x4.relaxed_dot_i8x16_i7x16_add_s"},
		{OpI64AtomicRmw32CmpxchgU, "i64.atomic.rmw32.cmpxchg_u"},
		{Op(0xFF), "op(0xFF)"},
		{Op(0xFD009A), "op(0xFD 0x9A)"},
	}
	for _, tc := range tests {
		if got := tc.op.String(); got != tc.want {
			t.Errorf("Op(0x%X).String() = %q, want %q", uint32(tc.op), got, tc.want)
		}
	}
}

func runTool(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}
