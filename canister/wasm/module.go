package wasm

import (
	"fmt"
	"slices"
)

// ValType is a value type byte: a number, vector or reference type.
type ValType byte

// Value types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

// valTypeNames are the text-format names of the value types, indexed by
// type byte; an empty name marks an unsupported type.
var valTypeNames = [...]string{
	I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
	FuncRef: "funcref", ExternRef: "externref",
}

// String is the type's text-format name.
func (t ValType) String() string {
	if t.valid() {
		return valTypeNames[t]
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(t))
}

func (t ValType) valid() bool { return int(t) < len(valTypeNames) && valTypeNames[t] != "" }

// FuncType is a function signature.
type FuncType struct {
	Params  []ValType // parameter types in order
	Results []ValType // result types in order (several with multi-value)
}

// Equal reports whether t and u have the same parameters and results.
func (t FuncType) Equal(u FuncType) bool {
	return slices.Equal(t.Params, u.Params) && slices.Equal(t.Results, u.Results)
}

// String formats t in the text format, e.g. "(func (param i32 i32) (result i64))".
func (t FuncType) String() string {
	return "(func" + valTypeList("param", t.Params) + valTypeList("result", t.Results) + ")"
}

// valTypeList formats " (keyword t1 t2 …)", or nothing when ts is empty.
func valTypeList(keyword string, ts []ValType) string {
	if len(ts) == 0 {
		return ""
	}
	s := " (" + keyword
	for _, t := range ts {
		s += " " + t.String()
	}
	return s + ")"
}

// ExternKind is the kind of an import or export.
type ExternKind byte

// Import and export kinds.
const (
	ExternFunc   ExternKind = 0
	ExternTable  ExternKind = 1
	ExternMemory ExternKind = 2
	ExternGlobal ExternKind = 3
)

var externKindNames = [...]string{
	ExternFunc: "func", ExternTable: "table", ExternMemory: "memory", ExternGlobal: "global",
}

// String is the kind's text-format keyword.
func (k ExternKind) String() string {
	if int(k) < len(externKindNames) {
		return externKindNames[k]
	}
	return fmt.Sprintf("externkind(%d)", byte(k))
}

// Limits bounds the size of a table or memory.
type Limits struct {
	Min    uint64 // initial size in pages (memory) or elements (table)
	Max    uint64 // meaningful only when HasMax
	HasMax bool   // whether a maximum is declared
	Shared bool   // threads proposal: shared memory
	Is64   bool   // memory64 / table64: 64-bit index type
}

// Table declares a table.
type Table struct {
	Type   ValType // element reference type
	Limits Limits  // size in elements
}

// Memory declares a linear memory.
type Memory struct {
	Limits Limits // size in 64 KiB pages
}

// GlobalType is the type of a global.
type GlobalType struct {
	Type    ValType // value type
	Mutable bool    // whether global.set may change it
}

// Global declares a global with its initializer.
type Global struct {
	Type GlobalType // type and mutability
	// Init is the constant initializer expression including its final end (0x0b).
	Init []byte
}

// Import is one entry of the import section. Which of the typed fields is
// meaningful depends on Kind.
type Import struct {
	Module string     // module name, e.g. "ic0"
	Name   string     // field name, e.g. "msg_reply"
	Kind   ExternKind // what is imported; selects the field below
	Func   uint32     // type index, for ExternFunc
	Table  Table      // for ExternTable
	Memory Memory     // for ExternMemory
	Global GlobalType // for ExternGlobal
}

// Export is one entry of the export section.
type Export struct {
	Name  string     // export name, unique in the module
	Kind  ExternKind // what is exported
	Index uint32     // index in the space of Kind (imports first)
}

// SegmentMode tells whether an element or data segment is applied at
// instantiation (active), on demand (passive) or only declares references.
type SegmentMode byte

// Segment modes.
const (
	SegmentActive      SegmentMode = 0
	SegmentPassive     SegmentMode = 1
	SegmentDeclarative SegmentMode = 2 // element segments only
)

// Element is an element segment. Exactly one of Funcs (function-index form)
// and Exprs (expression form) is used, chosen by UsesExprs.
type Element struct {
	Mode  SegmentMode // active, passive or declarative
	Table uint32      // active segments only
	// Offset is the constant offset expression including its end (active only).
	Offset []byte
	// Type is the element reference type (FuncRef for the index form).
	Type ValType
	// UsesExprs selects the expression form (encodings 4-7).
	UsesExprs bool
	// Funcs are the function indices of the index form.
	Funcs []uint32
	// Exprs are the element initializer expressions, each including its end.
	Exprs [][]byte
	// ExplicitTable keeps an active segment of table 0 in the explicit-table
	// encoding (2 or 6) the producer chose; other tables always use it.
	ExplicitTable bool
}

// Len is the number of entries of the segment.
func (e *Element) Len() int {
	if e.UsesExprs {
		return len(e.Exprs)
	}
	return len(e.Funcs)
}

// Local is a run of Count locals of one type in a function body.
type Local struct {
	Count uint32  // number of locals in the run
	Type  ValType // their type
}

// Code is a function body.
type Code struct {
	Locals []Local // local declarations after the parameters
	// Body is the instruction sequence including the final end (0x0b).
	Body []byte
}

// Data is a data segment.
type Data struct {
	Mode   SegmentMode // SegmentActive or SegmentPassive
	Memory uint32      // active only
	// Offset is the constant offset expression including its end (active only).
	Offset []byte
	Init   []byte // the bytes the segment holds
	// ExplicitMemory keeps an active segment of memory 0 in encoding 2.
	ExplicitMemory bool
}

// Custom is a custom section. After records where it appeared: the id of the
// nearest preceding non-custom section, or SectionCustom if it came before all
// of them. Encode writes it at that place again.
type Custom struct {
	Name  string    // section name, e.g. "name" or "icp:public candid:service"
	Data  []byte    // contents after the name
	After SectionID // position: the preceding non-custom section

	sizeWidth uint8 // width of the section size LEB128 in the input, 0 = canonical
}

// Module is a decoded WebAssembly module. Byte slices alias the buffer given
// to Decode: copy them before modifying that buffer.
type Module struct {
	Types     []FuncType // type section
	Imports   []Import   // import section; imports come first in each index space
	Funcs     []uint32   // type index of each function defined in the module
	Tables    []Table    // tables defined in the module
	Memories  []Memory   // memories defined in the module
	Globals   []Global   // globals defined in the module
	Exports   []Export   // export section
	Start     *uint32    // start function index, nil if none
	Elements  []Element  // element segments
	DataCount *uint32    // data count section, nil if absent
	Code      []Code     // one body per entry of Funcs
	Data      []Data     // data segments
	Customs   []Custom   // custom sections in input order

	// present and sizeWidth remember which sections the input had (even when
	// empty) and the width of their size LEB128s, so Encode reproduces padded
	// sizes. Zero values mean "absent unless non-empty" and "canonical".
	present   [numSectionIDs]bool
	sizeWidth [numSectionIDs]uint8
}

// Canonicalize forgets the input's encoding choices (padded section sizes,
// empty sections) so Encode produces the canonical, smallest form.
func (m *Module) Canonicalize() {
	m.present = [numSectionIDs]bool{}
	m.sizeWidth = [numSectionIDs]uint8{}
	for i := range m.Customs {
		m.Customs[i].sizeWidth = 0
	}
}

// NumImportedFuncs counts the function imports, which come first in the
// function index space.
func (m *Module) NumImportedFuncs() int { return m.NumImported(ExternFunc) }

// NumImported counts the imports of the given kind.
func (m *Module) NumImported(k ExternKind) int {
	n := 0
	for i := range m.Imports {
		if m.Imports[i].Kind == k {
			n++
		}
	}
	return n
}

// FuncTypeOf returns the type of function idx (imports first, then defined
// functions) or false if idx or its type index is out of range.
func (m *Module) FuncTypeOf(idx uint32) (FuncType, bool) {
	var ti uint32
	n := uint32(0)
	found := false
	for i := range m.Imports {
		if m.Imports[i].Kind != ExternFunc {
			continue
		}
		if n == idx {
			ti, found = m.Imports[i].Func, true
			break
		}
		n++
	}
	if !found {
		d := idx - n
		if idx < n || int(d) >= len(m.Funcs) {
			return FuncType{}, false
		}
		ti = m.Funcs[d]
	}
	if int(ti) >= len(m.Types) {
		return FuncType{}, false
	}
	return m.Types[ti], true
}

// TypeIndex returns the index of a type equal to t, appending t to the type
// section if there is none.
func (m *Module) TypeIndex(t FuncType) uint32 {
	for i := range m.Types {
		if m.Types[i].Equal(t) {
			return uint32(i)
		}
	}
	m.Types = append(m.Types, t)
	return uint32(len(m.Types) - 1)
}

// CustomSection returns the first custom section with the given name, or nil.
func (m *Module) CustomSection(name string) *Custom {
	for i := range m.Customs {
		if m.Customs[i].Name == name {
			return &m.Customs[i]
		}
	}
	return nil
}
