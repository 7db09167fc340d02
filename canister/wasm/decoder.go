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
		r := &reader{buf: b[pos : pos+int(size) : pos+int(size)], base: pos, section: id.String()}
		pos += int(size)
		// The width of a padded size is kept so that Encode can reproduce it.
		w := uint8(0)
		if width != ULEB128Len(size) {
			w = uint8(width)
		}
		if id == SectionCustom {
			if err := m.decodeCustomSection(r, last, w); err != nil {
				return nil, err
			}
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
		if err := sectionCodecs[id].decode(m, r); err != nil {
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

// reader decodes primitive values from a section payload. base is the file
// offset of buf[0], for error messages.
type reader struct {
	buf     []byte
	pos     int
	base    int
	section string
}

func (r *reader) fail(format string, args ...any) error {
	return r.wrap(fmt.Errorf(format, args...))
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

// uleb reads an unsigned LEB128 number of at most bits bits.
func (r *reader) uleb(bits int) (uint64, error) {
	v, n, err := ReadULEB128(r.buf[r.pos:], bits)
	if err != nil {
		return 0, r.wrap(err)
	}
	r.pos += n
	return v, nil
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

// u32Ptr reads the single index of a start or data count section.
func (r *reader) u32Ptr() (*uint32, error) {
	v, err := r.u32()
	if err != nil {
		return nil, err
	}
	return &v, nil
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

// readVec reads a vector whose elements take at least minSize bytes each,
// decoding element i into *v with item.
func readVec[T any](r *reader, minSize int, item func(r *reader, i int, v *T) error) ([]T, error) {
	n, err := r.count(minSize)
	if err != nil {
		return nil, err
	}
	vs := make([]T, n)
	for i := range vs {
		if err := item(r, i, &vs[i]); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// decodeU32 is the item decoder of index vectors.
func decodeU32(r *reader, _ int, v *uint32) (err error) {
	*v, err = r.u32()
	return err
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

// decodeValType is the item decoder of value type vectors.
func decodeValType(r *reader, _ int, t *ValType) (err error) {
	*t, err = r.valType()
	return err
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
