package wasm

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// featuresFlags enable what testdata/features.wat uses beyond wabt's defaults
// (SIMD, bulk memory, reference types and multi-value are on by default).
// --enable-all would also turn on typed function references, which changes
// the type of ref.func and rejects the MVP-typed module.
var featuresFlags = []string{"--enable-multi-memory", "--enable-threads", "--enable-tail-call", "--enable-relaxed-simd"}

func roundTrip(t *testing.T, name string, in []byte) *Module {
	t.Helper()
	m, err := Decode(in)
	if err != nil {
		t.Fatalf("%s: Decode: %v", name, err)
	}
	out := m.Encode()
	if !bytes.Equal(in, out) {
		i := 0
		for i < len(in) && i < len(out) && in[i] == out[i] {
			i++
		}
		t.Fatalf("%s: Encode differs from input (%d vs %d bytes) first at offset 0x%x", name, len(out), len(in), i)
	}
	// Every function body must decode instruction by instruction to its end.
	var in2 Instr
	r := NewInstrReader(nil)
	for i := range m.Code {
		r.Reset(m.Code[i].Body)
		for !r.Done() {
			if err := r.Next(&in2); err != nil {
				t.Fatalf("%s: function %d: %v", name, i, err)
			}
		}
	}
	return m
}

func TestRoundTripGo(t *testing.T) {
	in := wasmtest.BuildGo(t, "goprog")
	m := roundTrip(t, "goprog", in)
	if len(m.Data) < 1000 {
		t.Errorf("Go module has %d data segments, expected thousands", len(m.Data))
	}
	if m.CustomSection("name") == nil || m.Customs[0].Name != "go:buildid" || m.Customs[0].After != SectionCustom {
		t.Errorf("custom sections not decoded with their positions: %+v", m.Customs)
	}
	// Canonical encoding still decodes to the same module.
	m.Canonicalize()
	c := m.Encode()
	if len(c) >= len(in) {
		t.Errorf("canonical encoding (%d bytes) not smaller than padded input (%d)", len(c), len(in))
	}
	m2, err := Decode(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Code) != len(m.Code) || len(m2.Data) != len(m.Data) || len(m2.Imports) != len(m.Imports) {
		t.Error("canonical re-encoding lost entries")
	}
}

func TestRoundTripFeatures(t *testing.T) {
	// --enable-all changes typing (see featuresFlags), not the encoding:
	// with --no-check it must round-trip too.
	roundTrip(t, "features.wat --enable-all", wasmtest.Wat2Wasm(t, "features.wat", "--enable-all", "--no-check"))
	in := wasmtest.Wat2Wasm(t, "features.wat", featuresFlags...)
	m := roundTrip(t, "features.wat", in)

	wantElem := []struct {
		mode      SegmentMode
		exprs     bool
		explicit  bool
		table     uint32
		typ       ValType
		n         int
		flagsByte byte
	}{
		{SegmentActive, false, false, 0, FuncRef, 2, 0},
		{SegmentPassive, false, false, 0, FuncRef, 1, 1},
		{SegmentActive, false, true, 1, FuncRef, 1, 2}, // $t0 is table 1 after the imported table
		{SegmentDeclarative, false, false, 0, FuncRef, 1, 3},
		{SegmentActive, true, false, 0, FuncRef, 2, 4},
		{SegmentPassive, true, false, 0, ExternRef, 1, 5},
		{SegmentActive, true, true, 2, ExternRef, 1, 6},
		// wabt writes "declare funcref (ref.func $f2)" in the index form.
		{SegmentDeclarative, false, false, 0, FuncRef, 1, 3},
	}
	if len(m.Elements) != len(wantElem) {
		t.Fatalf("%d element segments, want %d", len(m.Elements), len(wantElem))
	}
	for i, w := range wantElem {
		e := &m.Elements[i]
		if e.Mode != w.mode || e.UsesExprs != w.exprs || e.Table != w.table || e.Type != w.typ || e.Len() != w.n {
			t.Errorf("element %d = %+v, want %+v", i, e, w)
		}
		if f := elementFlags(e); f != w.flagsByte {
			t.Errorf("element %d encodes with flags %d, want %d", i, f, w.flagsByte)
		}
	}
	if len(m.Data) != 3 || m.Data[0].Mode != SegmentActive || m.Data[1].Memory != 1 || m.Data[2].Mode != SegmentPassive ||
		string(m.Data[1].Init) != "active1" {
		t.Errorf("data segments: %+v", m.Data)
	}
	if m.Start == nil || *m.Start != 1 || m.DataCount == nil || *m.DataCount != 3 {
		t.Errorf("start/datacount: %v %v", m.Start, m.DataCount)
	}
	if len(m.Memories) != 2 || !m.Memories[0].Limits.HasMax || m.Memories[0].Limits.Max != 2 {
		t.Errorf("memories: %+v", m.Memories)
	}
	if got := m.Types[1]; got.String() != "(func (param i32 i64) (result i64 i32))" {
		t.Errorf("multi-value type = %v", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := wasmtest.Wat2Wasm(t, "features.wat", featuresFlags...)
	m, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	_ = m
	tests := []struct {
		name    string
		in      []byte
		section string
		offset  int
	}{
		{"empty", nil, "header", 0},
		{"bad magic", []byte("\x00asn\x01\x00\x00\x00"), "header", 0},
		{"bad version", []byte("\x00asm\x02\x00\x00\x00"), "header", 4},
		{"truncated section", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01"), "type", 8},
		{"bad type form", []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01\x61\x00\x00"), "type", 11},
		{"bad valtype", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01\x60\x01\x01\x00"), "type", 13},
		{"out of order", []byte("\x00asm\x01\x00\x00\x00\x03\x01\x00\x01\x01\x00"), "type", 11},
		{"unknown section", []byte("\x00asm\x01\x00\x00\x00\x0e\x00"), "section(14)", 8},
		{"leftover", []byte("\x00asm\x01\x00\x00\x00\x01\x02\x00\x00"), "type", 11},
		{"code without end", []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x01"), "code", 0x17},
		{"truncated good module", good[:len(good)-3], "data", 0x29c - 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.in)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error = %v, want *DecodeError", err)
			}
			if de.Section != tc.section {
				t.Errorf("section = %q, want %q (%v)", de.Section, tc.section, err)
			}
			if tc.offset != 0 && de.Offset != tc.offset {
				t.Errorf("offset = 0x%x, want 0x%x (%v)", de.Offset, tc.offset, err)
			}
			if !strings.Contains(err.Error(), tc.section+" section at offset 0x") {
				t.Errorf("message %q does not name section and offset", err)
			}
		})
	}
}

func TestLEB128(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 127, 128, 255, 624485, 1<<32 - 1, 1<<63 + 5, ^uint64(0)} {
		b := AppendULEB128(nil, v)
		if len(b) != ULEB128Len(v) {
			t.Errorf("ULEB128Len(%d) = %d, encoded %d bytes", v, ULEB128Len(v), len(b))
		}
		got, n, err := ReadULEB128(b, 64)
		if err != nil || got != v || n != len(b) {
			t.Errorf("ULEB128 %d: got %d, %d, %v", v, got, n, err)
		}
		p := AppendULEB128Padded(nil, v, 10)
		if got, n, err := ReadULEB128(p, 64); err != nil || got != v || n != 10 {
			t.Errorf("padded ULEB128 %d: got %d, %d, %v", v, got, n, err)
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 31, -1 << 31, 1<<63 - 1, -1 << 63} {
		b := AppendSLEB128(nil, v)
		got, n, err := ReadSLEB128(b, 64)
		if err != nil || got != v || n != len(b) {
			t.Errorf("SLEB128 %d: got %d, %d, %v", v, got, n, err)
		}
	}
	bad := []struct {
		b      []byte
		bits   int
		signed bool
	}{
		{[]byte{0x80}, 32, false},                         // truncated
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x10}, 32, false}, // 33 bits
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x4f}, 32, true},                                // sign bits disagree
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 32, true},                                // -2^35+...: too large negative? high bits 111 but sign 0
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, 64, false}, // bit 64
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, true},  // sign 1, high bits 0
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e}, 64, true},  // sign 0, high bits 1
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x20}, 33, true},                                // block type: sign 0, bit 5 set
	}
	for i, tc := range bad {
		var err error
		if tc.signed {
			_, _, err = ReadSLEB128(tc.b, tc.bits)
		} else {
			_, _, err = ReadULEB128(tc.b, tc.bits)
		}
		if !errors.Is(err, ErrLEB128) {
			t.Errorf("case %d (% x): err = %v, want ErrLEB128", i, tc.b, err)
		}
	}
	// The 32-bit limits themselves are accepted.
	if v, _, err := ReadSLEB128([]byte{0x80, 0x80, 0x80, 0x80, 0x78}, 32); err != nil || v != -1<<31 {
		t.Errorf("min int32: %d %v", v, err)
	}
	if v, _, err := ReadULEB128([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32); err != nil || v != 1<<32-1 {
		t.Errorf("max uint32: %d %v", v, err)
	}
	if v, _, err := ReadULEB128([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 64); err != nil || v != 1<<63 {
		t.Errorf("2^63: %d %v", v, err)
	}
	if v, _, err := ReadSLEB128([]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 33); err != nil || v != -1<<32 {
		t.Errorf("min int33: %d %v", v, err)
	}
}

// TestRoundTripLarge round-trips a 13 MB Go module using stripe-go (net/http,
// TLS, JSON): the size of the real canister.
func TestRoundTripLarge(t *testing.T) {
	in := wasmtest.BuildGo(t, "bigprog")
	m := roundTrip(t, "bigprog", in)
	if len(m.Code) < 5000 {
		t.Errorf("only %d functions", len(m.Code))
	}
}
