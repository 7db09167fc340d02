package wasm

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// magic and version are the first eight bytes of every binary module.
const (
	magic   = "\x00asm"
	version = "\x01\x00\x00\x00"
)

// DecodeError is a decoding failure with the section and the file offset
// where it happened.
type DecodeError struct {
	Section string // section name ("code", "custom \"name\"", "header")
	Offset  int    // byte offset in the module
	Err     error  // what is wrong
}

// Error formats the error as "wasm: <section> section at offset 0x…: …".
func (e *DecodeError) Error() string {
	return fmt.Sprintf("wasm: %s section at offset 0x%x: %v", e.Section, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// errUnexpectedEnd reports input that ends inside a construct.
var errUnexpectedEnd = errors.New("unexpected end of data")

// reader decodes primitive values from a section payload. base is the file
// offset of buf[0], for error messages.
type reader struct {
	buf     []byte
	pos     int
	base    int
	section string
}

func (r *reader) fail(format string, args ...any) error {
	return &DecodeError{Section: r.section, Offset: r.base + r.pos, Err: fmt.Errorf(format, args...)}
}

func (r *reader) wrap(err error) error {
	return &DecodeError{Section: r.section, Offset: r.base + r.pos, Err: err}
}

func (r *reader) done() bool { return r.pos >= len(r.buf) }

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.buf) {
		return 0, r.wrap(errUnexpectedEnd)
	}
	b := r.buf[r.pos]
	r.pos++
	return b, nil
}

func (r *reader) u32() (uint32, error) {
	v, n, err := ReadULEB128(r.buf[r.pos:], 32)
	if err != nil {
		return 0, r.wrap(err)
	}
	r.pos += n
	return uint32(v), nil
}

func (r *reader) u64() (uint64, error) {
	v, n, err := ReadULEB128(r.buf[r.pos:], 64)
	if err != nil {
		return 0, r.wrap(err)
	}
	r.pos += n
	return v, nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(r.buf)-r.pos {
		return nil, r.wrap(errUnexpectedEnd)
	}
	b := r.buf[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b, nil
}

// count reads a vector length and checks it against the bytes left, each
// element taking at least minSize bytes, so a hostile length cannot make us
// allocate gigabytes.
func (r *reader) count(minSize int) (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(minSize) > uint64(len(r.buf)-r.pos) {
		return 0, r.fail("vector length %d exceeds the remaining %d bytes", n, len(r.buf)-r.pos)
	}
	return int(n), nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(int(n))
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", r.fail("name is not valid UTF-8")
	}
	return string(b), nil
}

func (r *reader) valType() (ValType, error) {
	b, err := r.byte()
	if err != nil {
		return 0, err
	}
	t := ValType(b)
	if !t.valid() {
		r.pos--
		return 0, r.fail("unsupported value type 0x%02x", b)
	}
	return t, nil
}

func (r *reader) refType() (ValType, error) {
	t, err := r.valType()
	if err != nil {
		return 0, err
	}
	if t != FuncRef && t != ExternRef {
		r.pos--
		return 0, r.fail("%v is not a reference type", t)
	}
	return t, nil
}

func (r *reader) limits() (Limits, error) {
	flags, err := r.byte()
	if err != nil {
		return Limits{}, err
	}
	if flags > 7 {
		r.pos--
		return Limits{}, r.fail("invalid limits flags 0x%02x", flags)
	}
	l := Limits{HasMax: flags&1 != 0, Shared: flags&2 != 0, Is64: flags&4 != 0}
	bits := 32
	if l.Is64 {
		bits = 64
	}
	v, n, err := ReadULEB128(r.buf[r.pos:], bits)
	if err != nil {
		return Limits{}, r.wrap(err)
	}
	r.pos += n
	l.Min = v
	if l.HasMax {
		v, n, err = ReadULEB128(r.buf[r.pos:], bits)
		if err != nil {
			return Limits{}, r.wrap(err)
		}
		r.pos += n
		l.Max = v
	}
	return l, nil
}

func (r *reader) table() (Table, error) {
	t, err := r.refType()
	if err != nil {
		return Table{}, err
	}
	l, err := r.limits()
	return Table{Type: t, Limits: l}, err
}

func (r *reader) globalType() (GlobalType, error) {
	t, err := r.valType()
	if err != nil {
		return GlobalType{}, err
	}
	m, err := r.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if m > 1 {
		r.pos--
		return GlobalType{}, r.fail("invalid global mutability 0x%02x", m)
	}
	return GlobalType{Type: t, Mutable: m == 1}, nil
}

// constExpr returns the raw bytes of a constant expression up to and including
// its end, checking the instructions with the instruction reader.
func (r *reader) constExpr() ([]byte, error) {
	ir := InstrReader{code: r.buf[r.pos:]}
	var in Instr
	depth := 0
	for {
		if err := ir.Next(&in); err != nil {
			return nil, &DecodeError{Section: r.section, Offset: r.base + r.pos + ir.pos, Err: fmt.Errorf("constant expression: %w", err)}
		}
		switch in.Op {
		case OpBlock, OpLoop, OpIf:
			depth++
		case OpEnd:
			if depth == 0 {
				e := r.buf[r.pos : r.pos+ir.pos : r.pos+ir.pos]
				r.pos += ir.pos
				return e, nil
			}
			depth--
		}
	}
}

// Decode parses a binary module. The returned Module aliases b. Function
// bodies are split off but not decoded instruction by instruction (use
// InstrReader), which keeps decoding a 13 MB module at a few milliseconds.
func Decode(b []byte) (*Module, error) {
	if len(b) < 8 || string(b[:4]) != magic {
		return nil, &DecodeError{Section: "header", Offset: 0, Err: errors.New("not a WebAssembly module (bad magic)")}
	}
	if string(b[4:8]) != version {
		return nil, &DecodeError{Section: "header", Offset: 4, Err: fmt.Errorf("unsupported version % x", b[4:8])}
	}
	m := &Module{}
	pos := 8
	last := SectionCustom // last non-custom section seen
	for pos < len(b) {
		start := pos
		id := SectionID(b[pos])
		pos++
		size, n, err := ReadULEB128(b[pos:], 32)
		if err != nil {
			return nil, &DecodeError{Section: id.String(), Offset: pos, Err: fmt.Errorf("section size: %w", err)}
		}
		width := n
		pos += n
		if size > uint64(len(b)-pos) {
			return nil, &DecodeError{Section: id.String(), Offset: start, Err: fmt.Errorf("section size %d exceeds the remaining %d bytes", size, len(b)-pos)}
		}
		payload := b[pos : pos+int(size) : pos+int(size)]
		r := &reader{buf: payload, base: pos, section: id.String()}
		pos += int(size)
		w := uint8(0)
		if width != ULEB128Len(size) {
			w = uint8(width)
		}
		if id == SectionCustom {
			name, err := r.name()
			if err != nil {
				return nil, err
			}
			m.Customs = append(m.Customs, Custom{Name: name, Data: payload[r.pos:], After: last, sizeWidth: w})
			continue
		}
		if int(id) >= numSectionIDs {
			return nil, &DecodeError{Section: id.String(), Offset: start, Err: fmt.Errorf("unknown section id %d", byte(id))}
		}
		if last != SectionCustom && sectionRank[id] <= sectionRank[last] {
			return nil, &DecodeError{Section: id.String(), Offset: start, Err: fmt.Errorf("section out of order or duplicated (after %v)", last)}
		}
		last = id
		m.present[id] = true
		m.sizeWidth[id] = w
		if err := m.decodeSection(id, r); err != nil {
			return nil, err
		}
		if !r.done() {
			return nil, r.fail("%d bytes left over at the end of the section", len(r.buf)-r.pos)
		}
	}
	if len(m.Code) != len(m.Funcs) {
		return nil, &DecodeError{Section: "code", Offset: len(b), Err: fmt.Errorf("%d function bodies for %d declared functions", len(m.Code), len(m.Funcs))}
	}
	if m.DataCount != nil && int(*m.DataCount) != len(m.Data) {
		return nil, &DecodeError{Section: "datacount", Offset: len(b), Err: fmt.Errorf("data count %d but %d data segments", *m.DataCount, len(m.Data))}
	}
	return m, nil
}

func (m *Module) decodeSection(id SectionID, r *reader) error {
	switch id {
	case SectionType:
		n, err := r.count(3)
		if err != nil {
			return err
		}
		m.Types = make([]FuncType, n)
		for i := range m.Types {
			form, err := r.byte()
			if err != nil {
				return err
			}
			if form != 0x60 {
				r.pos--
				return r.fail("type %d: unsupported type form 0x%02x", i, form)
			}
			for _, list := range []*[]ValType{&m.Types[i].Params, &m.Types[i].Results} {
				k, err := r.count(1)
				if err != nil {
					return err
				}
				vs := make([]ValType, k)
				for j := range vs {
					if vs[j], err = r.valType(); err != nil {
						return err
					}
				}
				*list = vs
			}
		}
	case SectionImport:
		n, err := r.count(4)
		if err != nil {
			return err
		}
		m.Imports = make([]Import, n)
		for i := range m.Imports {
			im := &m.Imports[i]
			if im.Module, err = r.name(); err != nil {
				return err
			}
			if im.Name, err = r.name(); err != nil {
				return err
			}
			k, err := r.byte()
			if err != nil {
				return err
			}
			im.Kind = ExternKind(k)
			switch im.Kind {
			case ExternFunc:
				im.Func, err = r.u32()
			case ExternTable:
				im.Table, err = r.table()
			case ExternMemory:
				im.Memory.Limits, err = r.limits()
			case ExternGlobal:
				im.Global, err = r.globalType()
			default:
				r.pos--
				return r.fail("import %d (%s.%s): unsupported kind 0x%02x", i, im.Module, im.Name, k)
			}
			if err != nil {
				return err
			}
		}
	case SectionFunction:
		n, err := r.count(1)
		if err != nil {
			return err
		}
		m.Funcs = make([]uint32, n)
		for i := range m.Funcs {
			if m.Funcs[i], err = r.u32(); err != nil {
				return err
			}
		}
	case SectionTable:
		n, err := r.count(3)
		if err != nil {
			return err
		}
		m.Tables = make([]Table, n)
		for i := range m.Tables {
			if m.Tables[i], err = r.table(); err != nil {
				return err
			}
		}
	case SectionMemory:
		n, err := r.count(2)
		if err != nil {
			return err
		}
		m.Memories = make([]Memory, n)
		for i := range m.Memories {
			if m.Memories[i].Limits, err = r.limits(); err != nil {
				return err
			}
		}
	case SectionGlobal:
		n, err := r.count(3)
		if err != nil {
			return err
		}
		m.Globals = make([]Global, n)
		for i := range m.Globals {
			if m.Globals[i].Type, err = r.globalType(); err != nil {
				return err
			}
			if m.Globals[i].Init, err = r.constExpr(); err != nil {
				return err
			}
		}
	case SectionExport:
		n, err := r.count(3)
		if err != nil {
			return err
		}
		m.Exports = make([]Export, n)
		for i := range m.Exports {
			e := &m.Exports[i]
			if e.Name, err = r.name(); err != nil {
				return err
			}
			k, err := r.byte()
			if err != nil {
				return err
			}
			if k > byte(ExternGlobal) {
				r.pos--
				return r.fail("export %q: unsupported kind 0x%02x", e.Name, k)
			}
			e.Kind = ExternKind(k)
			if e.Index, err = r.u32(); err != nil {
				return err
			}
		}
	case SectionStart:
		v, err := r.u32()
		if err != nil {
			return err
		}
		m.Start = &v
	case SectionElement:
		n, err := r.count(2)
		if err != nil {
			return err
		}
		m.Elements = make([]Element, n)
		for i := range m.Elements {
			if err := r.element(&m.Elements[i]); err != nil {
				return err
			}
		}
	case SectionDataCount:
		v, err := r.u32()
		if err != nil {
			return err
		}
		m.DataCount = &v
	case SectionCode:
		n, err := r.count(2)
		if err != nil {
			return err
		}
		if n != len(m.Funcs) {
			return r.fail("%d function bodies for %d declared functions", n, len(m.Funcs))
		}
		m.Code = make([]Code, n)
		for i := range m.Code {
			size, err := r.u32()
			if err != nil {
				return err
			}
			body, err := r.bytes(int(size))
			if err != nil {
				return err
			}
			fr := &reader{buf: body, base: r.base + r.pos - len(body), section: r.section}
			if err := fr.code(&m.Code[i]); err != nil {
				if de, ok := err.(*DecodeError); ok {
					de.Err = fmt.Errorf("body %d: %w", i, de.Err)
				}
				return err
			}
		}
	case SectionData:
		n, err := r.count(2)
		if err != nil {
			return err
		}
		m.Data = make([]Data, n)
		for i := range m.Data {
			if err := r.data(&m.Data[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *reader) element(e *Element) error {
	flags, err := r.u32()
	if err != nil {
		return err
	}
	if flags > 7 {
		return r.fail("invalid element segment flags %d", flags)
	}
	switch {
	case flags&1 == 0:
		e.Mode = SegmentActive
	case flags&2 == 0:
		e.Mode = SegmentPassive
	default:
		e.Mode = SegmentDeclarative
	}
	e.UsesExprs = flags&4 != 0
	e.Type = FuncRef
	if e.Mode == SegmentActive {
		if flags&2 != 0 {
			e.ExplicitTable = true
			if e.Table, err = r.u32(); err != nil {
				return err
			}
		}
		if e.Offset, err = r.constExpr(); err != nil {
			return err
		}
	}
	// Encodings 0 and 4 have neither element kind nor reference type.
	if flags != 0 && flags != 4 {
		if e.UsesExprs {
			if e.Type, err = r.refType(); err != nil {
				return err
			}
		} else {
			k, err := r.byte()
			if err != nil {
				return err
			}
			if k != 0 {
				r.pos--
				return r.fail("unsupported element kind 0x%02x", k)
			}
		}
	}
	if e.UsesExprs {
		n, err := r.count(2)
		if err != nil {
			return err
		}
		e.Exprs = make([][]byte, n)
		for i := range e.Exprs {
			if e.Exprs[i], err = r.constExpr(); err != nil {
				return err
			}
		}
		return nil
	}
	n, err := r.count(1)
	if err != nil {
		return err
	}
	e.Funcs = make([]uint32, n)
	for i := range e.Funcs {
		if e.Funcs[i], err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) data(d *Data) error {
	flags, err := r.u32()
	if err != nil {
		return err
	}
	switch flags {
	case 0:
		d.Mode = SegmentActive
	case 1:
		d.Mode = SegmentPassive
	case 2:
		d.Mode = SegmentActive
		d.ExplicitMemory = true
		if d.Memory, err = r.u32(); err != nil {
			return err
		}
	default:
		return r.fail("invalid data segment flags %d", flags)
	}
	if d.Mode == SegmentActive {
		if d.Offset, err = r.constExpr(); err != nil {
			return err
		}
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	d.Init, err = r.bytes(int(n))
	return err
}

func (r *reader) code(c *Code) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if n > 0 {
		c.Locals = make([]Local, n)
	}
	var total uint64
	for i := range c.Locals {
		if c.Locals[i].Count, err = r.u32(); err != nil {
			return err
		}
		total += uint64(c.Locals[i].Count)
		if total > 1<<32-1 {
			return r.fail("too many locals (%d)", total)
		}
		if c.Locals[i].Type, err = r.valType(); err != nil {
			return err
		}
	}
	c.Body = r.buf[r.pos:len(r.buf):len(r.buf)]
	if len(c.Body) == 0 || c.Body[len(c.Body)-1] != byte(OpEnd) {
		return r.fail("function body does not end with end (0x0b)")
	}
	r.pos = len(r.buf)
	return nil
}
