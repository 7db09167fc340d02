package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Op is an opcode. Single-byte opcodes are their byte value; prefixed opcodes
// are prefix<<16 | sub-opcode, e.g. 0xFC000B for memory.fill and 0xFD0113
// for the last relaxed SIMD opcode (SIMD sub-opcodes exceed one byte, so a
// shift by 8 would collide).
type Op uint32

// Prefix is the prefix byte of a prefixed opcode (0xFC, 0xFD, 0xFE), or 0.
func (op Op) Prefix() byte { return byte(op >> 16) }

// String is the opcode's text-format name ("i32.const", "memory.copy").
func (op Op) String() string {
	if info := lookupOp(op); info != nil {
		return info.name
	}
	if op.Prefix() != 0 {
		return fmt.Sprintf("op(0x%02X 0x%X)", op.Prefix(), uint32(op&0xffff))
	}
	return fmt.Sprintf("op(0x%02X)", uint32(op))
}

// Known reports whether op is an opcode this package can decode.
func (op Op) Known() bool { return lookupOp(op) != nil }

// immKind says which immediates follow an opcode.
type immKind uint8

const (
	immNone         immKind = iota
	immBlockType            // block type (s33)
	immLabel                // label index
	immBrTable              // vec(label) label
	immFunc                 // function index
	immCallIndirect         // type index, table index
	immSelectT              // vec(valtype)
	immLocal                // local index
	immGlobal               // global index
	immTable                // table index
	immMemArg               // align, [memory,] offset
	immMemory               // memory index
	immI32                  // s32
	immI64                  // s64
	immF32                  // 4 bytes
	immF64                  // 8 bytes
	immRefType              // reference type byte
	immMemoryInit           // data index, memory index
	immData                 // data index
	immMemoryCopy           // memory index, memory index
	immTableInit            // element index, table index
	immElem                 // element index
	immTableCopy            // table index, table index
	immV128                 // 16 bytes
	immShuffle              // 16 lane indices
	immLane                 // lane index byte
	immMemArgLane           // memarg, lane index byte
	immFence                // one zero byte
)

type opInfo struct {
	op   Op
	name string
	imm  immKind
}

// opIndex maps opcodes to opList entries; built once, never modified.
type opIndex struct {
	single [256]*opInfo
	fc     [32]*opInfo
	fd     [0x114]*opInfo
	fe     [0x4f]*opInfo
}

var ops = func() *opIndex {
	x := &opIndex{}
	for i := range opList {
		info := &opList[i]
		sub := uint32(info.op & 0xffff)
		switch info.op.Prefix() {
		case 0:
			x.single[sub] = info
		case 0xFC:
			x.fc[sub] = info
		case 0xFD:
			x.fd[sub] = info
		case 0xFE:
			x.fe[sub] = info
		}
	}
	return x
}()

func lookupOp(op Op) *opInfo {
	sub := uint32(op & 0xffff)
	if op>>24 != 0 {
		return nil
	}
	switch op.Prefix() {
	case 0:
		if sub < 256 {
			return ops.single[sub]
		}
	case 0xFC:
		if sub < uint32(len(ops.fc)) {
			return ops.fc[sub]
		}
	case 0xFD:
		if sub < uint32(len(ops.fd)) {
			return ops.fd[sub]
		}
	case 0xFE:
		if sub < uint32(len(ops.fe)) {
			return ops.fe[sub]
		}
	}
	return nil
}

// BlockType is the type of a block, loop or if: BlockEmpty, a value type
// (the negative s33 encoding of its byte) or a non-negative type index.
type BlockType int64

// BlockEmpty is the block type of a block without results (0x40).
const BlockEmpty BlockType = -64

// BlockOf returns the block type with the single result t.
func BlockOf(t ValType) BlockType { return BlockType(int64(t) - 0x80) }

// BlockFuncType returns the block type referring to type index idx.
func BlockFuncType(idx uint32) BlockType { return BlockType(idx) }

// ValType returns the single result type of b, if b is one.
func (b BlockType) ValType() (ValType, bool) {
	if b < 0 && b != BlockEmpty {
		return ValType(b + 0x80), true
	}
	return 0, false
}

// TypeIndex returns the type index of b, if b refers to a function type.
func (b BlockType) TypeIndex() (uint32, bool) {
	if b >= 0 {
		return uint32(b), true
	}
	return 0, false
}

// MemArg is the memory immediate of loads, stores and atomics.
type MemArg struct {
	Align  uint32 // log2 of the alignment
	Offset uint64 // added to the address operand
	Memory uint32 // memory index (multi-memory), 0 otherwise
}

// Instr is one decoded instruction. Which immediate fields are set depends on
// Op; the others keep stale values from earlier instructions.
type Instr struct {
	Op Op // the opcode
	// Start and End delimit the instruction (opcode and immediates) in the
	// code given to the reader: code[Start:End] copies it verbatim.
	Start, End int

	// BlockType is set for block, loop and if.
	BlockType BlockType
	// Index is the first index immediate: label (br, br_if, and the default
	// label of br_table), function (call, return_call, ref.func), type
	// (call_indirect), local, global, table (table.get/set/grow/size/fill),
	// memory (memory.size/grow/fill, destination of memory.copy), data
	// (memory.init, data.drop), element (table.init, elem.drop), destination
	// table of table.copy.
	Index uint32
	// Index2 is the second index immediate: the table of call_indirect, the
	// memory of memory.init, the source memory of memory.copy, the table of
	// table.init, the source table of table.copy.
	Index2 uint32
	// Labels are the br_table targets without the default (valid until the
	// next call of Next).
	Labels []uint32
	// MemArg is set for loads, stores, atomics and SIMD memory instructions.
	MemArg MemArg
	// Int is the value of i32.const (sign-extended) and i64.const.
	Int int64
	// Float is the bit pattern of f32.const (low 32 bits) and f64.const.
	Float uint64
	// V128 is the constant of v128.const or the lanes of i8x16.shuffle.
	V128 [16]byte
	// Lane is the lane index of extract/replace_lane and load/store_lane.
	Lane byte
	// Types are the operand types of select t* (valid until the next Next),
	// or the single type of ref.null.
	Types []ValType
}

// I32 returns the value of an i32.const.
func (in *Instr) I32() int32 { return int32(in.Int) }

// InstrReader decodes the instructions of a function body or constant
// expression one at a time.
type InstrReader struct {
	code   []byte
	pos    int
	labels []uint32
	types  []ValType
}

// NewInstrReader returns a reader over code, typically Code.Body.
func NewInstrReader(code []byte) *InstrReader { return &InstrReader{code: code} }

// Reset makes r read code from the start, reusing its buffers.
func (r *InstrReader) Reset(code []byte) {
	r.code, r.pos = code, 0
}

// Offset is the position of the next instruction in the code.
func (r *InstrReader) Offset() int { return r.pos }

// Done reports whether all of the code has been read.
func (r *InstrReader) Done() bool { return r.pos >= len(r.code) }

// ErrUnknownOpcode reports an opcode this package does not decode.
var ErrUnknownOpcode = errors.New("unknown opcode")

// InstrError is a failure to decode the instruction at Offset.
type InstrError struct {
	Offset int   // position of the instruction's first byte in the code
	Err    error // what is wrong
}

// Error formats the error with the offset in the code.
func (e *InstrError) Error() string {
	return fmt.Sprintf("instruction at code offset 0x%x: %v", e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *InstrError) Unwrap() error { return e.Err }

// Next decodes the next instruction into in, or returns an *InstrError
// (reading past the end of the code is an error too: loop while !Done()).
// On error the reader does not advance.
func (r *InstrReader) Next(in *Instr) error {
	start := r.pos
	if err := r.next(in); err != nil {
		r.pos = start
		return &InstrError{Offset: start, Err: err}
	}
	in.Start, in.End = start, r.pos
	return nil
}

func (r *InstrReader) u32() (uint32, error) {
	v, n, err := ReadULEB128(r.code[r.pos:], 32)
	r.pos += n
	return uint32(v), err
}

func (r *InstrReader) s64(bits int) (int64, error) {
	v, n, err := ReadSLEB128(r.code[r.pos:], bits)
	r.pos += n
	return v, err
}

// vecLen reads the length of an immediate vector and checks it against the
// code left, as every element takes at least a byte; tooLong formats the
// error with the length.
func (r *InstrReader) vecLen(tooLong string) (uint32, error) {
	n, err := r.u32()
	if err == nil && int(n) > len(r.code)-r.pos {
		err = fmt.Errorf(tooLong, n)
	}
	return n, err
}

func (r *InstrReader) fixed(n int) ([]byte, error) {
	if len(r.code)-r.pos < n {
		return nil, errUnexpectedEnd
	}
	b := r.code[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *InstrReader) memArg(m *MemArg) error {
	a, err := r.u32()
	if err != nil {
		return err
	}
	m.Memory = 0
	if a&0x40 != 0 { // multi-memory: a memory index follows
		a &^= 0x40
		if m.Memory, err = r.u32(); err != nil {
			return err
		}
	}
	m.Align = a
	off, n, err := ReadULEB128(r.code[r.pos:], 64)
	r.pos += n
	m.Offset = off
	return err
}

func (r *InstrReader) next(in *Instr) error {
	if r.pos >= len(r.code) {
		return errUnexpectedEnd
	}
	b := r.code[r.pos]
	r.pos++
	var info *opInfo
	switch b {
	case 0xFC, 0xFD, 0xFE:
		sub, err := r.u32()
		if err != nil {
			return err
		}
		op := Op(uint32(b)<<16 | sub)
		if sub > 0xffff {
			return fmt.Errorf("%w 0x%02X %d", ErrUnknownOpcode, b, sub)
		}
		if info = lookupOp(op); info == nil {
			return fmt.Errorf("%w %v", ErrUnknownOpcode, op)
		}
	default:
		if info = ops.single[b]; info == nil {
			return fmt.Errorf("%w 0x%02X", ErrUnknownOpcode, b)
		}
	}
	in.Op = info.op
	var err error
	switch info.imm {
	case immNone:
	case immBlockType:
		var v int64
		v, err = r.s64(33)
		if err == nil && v < 0 && v != int64(BlockEmpty) {
			if t := ValType(v + 0x80); !t.valid() {
				err = fmt.Errorf("invalid block type 0x%02X", byte(t))
			}
		}
		in.BlockType = BlockType(v)
	case immLabel, immFunc, immLocal, immGlobal, immTable, immMemory, immData, immElem:
		in.Index, err = r.u32()
	case immCallIndirect, immMemoryInit, immMemoryCopy, immTableInit, immTableCopy:
		if in.Index, err = r.u32(); err == nil {
			in.Index2, err = r.u32()
		}
	case immBrTable:
		var n uint32
		if n, err = r.vecLen("br_table with %d labels exceeds the code"); err != nil {
			break
		}
		r.labels = r.labels[:0]
		for i := uint32(0); i < n && err == nil; i++ {
			var l uint32
			l, err = r.u32()
			r.labels = append(r.labels, l)
		}
		in.Labels = r.labels
		if err == nil {
			in.Index, err = r.u32()
		}
	case immSelectT:
		var n uint32
		if n, err = r.vecLen("select with %d types exceeds the code"); err != nil {
			break
		}
		r.types = r.types[:0]
		for i := uint32(0); i < n; i++ {
			t := ValType(r.code[r.pos])
			if !t.valid() {
				return fmt.Errorf("invalid value type 0x%02X", byte(t))
			}
			r.pos++
			r.types = append(r.types, t)
		}
		in.Types = r.types
	case immRefType:
		var bs []byte
		if bs, err = r.fixed(1); err == nil {
			t := ValType(bs[0])
			if t != FuncRef && t != ExternRef {
				return fmt.Errorf("invalid reference type 0x%02X", bs[0])
			}
			r.types = append(r.types[:0], t)
			in.Types = r.types
		}
	case immMemArg:
		err = r.memArg(&in.MemArg)
	case immMemArgLane:
		if err = r.memArg(&in.MemArg); err == nil {
			var bs []byte
			if bs, err = r.fixed(1); err == nil {
				in.Lane = bs[0]
			}
		}
	case immI32:
		in.Int, err = r.s64(32)
	case immI64:
		in.Int, err = r.s64(64)
	case immF32:
		var bs []byte
		if bs, err = r.fixed(4); err == nil {
			in.Float = uint64(binary.LittleEndian.Uint32(bs))
		}
	case immF64:
		var bs []byte
		if bs, err = r.fixed(8); err == nil {
			in.Float = binary.LittleEndian.Uint64(bs)
		}
	case immV128, immShuffle:
		var bs []byte
		if bs, err = r.fixed(16); err == nil {
			copy(in.V128[:], bs)
		}
	case immLane:
		var bs []byte
		if bs, err = r.fixed(1); err == nil {
			in.Lane = bs[0]
		}
	case immFence:
		var bs []byte
		if bs, err = r.fixed(1); err == nil && bs[0] != 0 {
			err = fmt.Errorf("atomic.fence flags 0x%02X, want 0", bs[0])
		}
	}
	return err
}
