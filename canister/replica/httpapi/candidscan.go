package httpapi

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"

	"bytes"
	"errors"
	"fmt"
)

// A minimal Candid reader: just enough to find a principal-typed field of the first
// argument (a record) of a management canister call, for effective canister id routing.
// It validates every length against the remaining input and bounds its work, so hostile
// arguments cannot make it allocate or loop without limit (a full decoder would allocate
// what a length prefix claims).

var errCandid = errors.New("malformed Candid")

// candidType is one entry of the type table.
type candidType struct {
	op     int64
	elem   int64         // opt, vec
	fields []candidField // record, variant
}

type candidField struct {
	id  uint32
	typ int64
}

type candidReader struct {
	b      []byte
	table  []candidType
	budget int // remaining value steps
}

// maxCandidDepth bounds nesting while skipping values (recursive types can nest without
// consuming input).
const maxCandidDepth = 128

// candidFieldID is the id of a record field: the Candid hash of its name.
func candidFieldID(name string) uint32 {
	var h uint32
	for _, c := range []byte(name) {
		h = h*223 + uint32(c)
	}
	return h
}

// candidRecordPrincipal returns the principal in field id of the first argument, which must
// be a record; found is false when there is no such field of type principal.
func candidRecordPrincipal(arg []byte, id uint32) (p []byte, found bool, err error) {
	if !bytes.HasPrefix(arg, []byte("DIDL")) {
		return nil, false, fmt.Errorf("%w: no DIDL magic", errCandid)
	}
	r := &candidReader{b: arg[4:], budget: 4*len(arg) + 1024}
	if err := r.readTable(); err != nil {
		return nil, false, err
	}
	nargs, err := r.uleb()
	if err != nil || nargs == 0 {
		return nil, false, err
	}
	argTypes := make([]int64, 0, min(nargs, uint64(len(r.b))))
	for range nargs {
		t, err := r.typeRef()
		if err != nil {
			return nil, false, err
		}
		argTypes = append(argTypes, t)
	}
	rec, ok := r.resolve(argTypes[0])
	if !ok || rec.op != opcode.Record {
		return nil, false, nil
	}
	for _, f := range rec.fields {
		if f.id == id && f.typ == opcode.Principal {
			p, err := r.principal()
			return p, err == nil, err
		}
		if err := r.skip(f.typ, 0); err != nil {
			return nil, false, err
		}
	}
	return nil, false, nil
}

func (r *candidReader) readTable() error {
	n, err := r.uleb()
	if err != nil {
		return err
	}
	if n > uint64(len(r.b)) { // every entry takes at least one byte
		return fmt.Errorf("%w: type table too long", errCandid)
	}
	r.table = make([]candidType, n)
	for i := range r.table {
		op, err := r.sleb()
		if err != nil {
			return err
		}
		t := candidType{op: op}
		switch op {
		case opcode.Opt, opcode.Vec:
			if t.elem, err = r.typeRef(); err != nil {
				return err
			}
		case opcode.Record, opcode.Variant:
			nf, err := r.uleb()
			if err != nil {
				return err
			}
			if nf > uint64(len(r.b)) {
				return fmt.Errorf("%w: too many fields", errCandid)
			}
			for range nf {
				fid, err := r.uleb()
				if err != nil {
					return err
				}
				if fid > 1<<32-1 {
					return fmt.Errorf("%w: field id out of range", errCandid)
				}
				ft, err := r.typeRef()
				if err != nil {
					return err
				}
				t.fields = append(t.fields, candidField{id: uint32(fid), typ: ft})
			}
		case opcode.Func:
			for range 2 { // argument and result types
				n, err := r.uleb()
				if err != nil {
					return err
				}
				for range n {
					if _, err := r.typeRef(); err != nil {
						return err
					}
				}
			}
			n, err := r.uleb() // annotations, one byte each
			if err != nil {
				return err
			}
			if _, err := r.take(n); err != nil {
				return err
			}
		case opcode.Service:
			n, err := r.uleb()
			if err != nil {
				return err
			}
			for range n {
				l, err := r.uleb()
				if err != nil {
					return err
				}
				if _, err := r.take(l); err != nil {
					return err
				}
				if _, err := r.typeRef(); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%w: unsupported type opcode %d in the type table", errCandid, op)
		}
		r.table[i] = t
	}
	return nil
}

// typeRef reads a type: a primitive opcode or an index into the table.
func (r *candidReader) typeRef() (int64, error) {
	t, err := r.sleb()
	if err != nil {
		return 0, err
	}
	if t >= int64(len(r.table)) || t < opcode.Principal {
		return 0, fmt.Errorf("%w: type %d out of range", errCandid, t)
	}
	return t, nil
}

// resolve follows a table index; primitives resolve to themselves.
func (r *candidReader) resolve(t int64) (candidType, bool) {
	if t < 0 {
		return candidType{op: t}, true
	}
	if t >= int64(len(r.table)) {
		return candidType{}, false
	}
	return r.table[t], true
}

// skip consumes one value of type t.
func (r *candidReader) skip(t int64, depth int) error {
	r.budget--
	if r.budget < 0 || depth > maxCandidDepth {
		return fmt.Errorf("%w: value too complex", errCandid)
	}
	ct, ok := r.resolve(t)
	if !ok {
		return fmt.Errorf("%w: unknown type %d", errCandid, t)
	}
	switch ct.op {
	case opcode.Null, opcode.Reserved:
		return nil
	case opcode.Empty:
		return fmt.Errorf("%w: value of type empty", errCandid)
	case opcode.Bool, opcode.Nat8, opcode.Int8:
		_, err := r.take(1)
		return err
	case opcode.Nat16, opcode.Int16:
		_, err := r.take(2)
		return err
	case opcode.Nat32, opcode.Int32, opcode.Float32:
		_, err := r.take(4)
		return err
	case opcode.Nat64, opcode.Int64, opcode.Float64:
		_, err := r.take(8)
		return err
	case opcode.Nat:
		_, err := r.uleb()
		return err
	case opcode.Int:
		_, err := r.sleb()
		return err
	case opcode.Text:
		n, err := r.uleb()
		if err != nil {
			return err
		}
		_, err = r.take(n)
		return err
	case opcode.Principal:
		_, err := r.principal()
		return err
	case opcode.Opt:
		flag, err := r.take(1)
		if err != nil || flag[0] == 0 {
			return err
		}
		return r.skip(ct.elem, depth+1)
	case opcode.Vec:
		n, err := r.uleb()
		if err != nil {
			return err
		}
		if e, _ := r.resolve(ct.elem); e.op == opcode.Nat8 {
			_, err = r.take(n)
			return err
		}
		for range n {
			if err := r.skip(ct.elem, depth+1); err != nil {
				return err
			}
		}
		return nil
	case opcode.Record:
		for _, f := range ct.fields {
			if err := r.skip(f.typ, depth+1); err != nil {
				return err
			}
		}
		return nil
	case opcode.Variant:
		i, err := r.uleb()
		if err != nil {
			return err
		}
		if i >= uint64(len(ct.fields)) {
			return fmt.Errorf("%w: variant index out of range", errCandid)
		}
		return r.skip(ct.fields[i].typ, depth+1)
	case opcode.Func:
		if err := r.reference(); err != nil {
			return err
		}
		n, err := r.uleb() // method name
		if err != nil {
			return err
		}
		_, err = r.take(n)
		return err
	case opcode.Service:
		return r.reference()
	}
	return fmt.Errorf("%w: unsupported type %d", errCandid, ct.op)
}

// reference reads the "transparent reference" of a func or service value: 1 and a principal.
func (r *candidReader) reference() error {
	flag, err := r.take(1)
	if err != nil {
		return err
	}
	if flag[0] != 1 {
		return fmt.Errorf("%w: opaque reference", errCandid)
	}
	_, err = r.principal()
	return err
}

func (r *candidReader) principal() ([]byte, error) {
	flag, err := r.take(1)
	if err != nil {
		return nil, err
	}
	if flag[0] != 1 {
		return nil, fmt.Errorf("%w: opaque principal", errCandid)
	}
	n, err := r.uleb()
	if err != nil {
		return nil, err
	}
	if n > 29 {
		return nil, fmt.Errorf("%w: principal of %d bytes", errCandid, n)
	}
	return r.take(n)
}

// take consumes n bytes, which must be there.
func (r *candidReader) take(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)) {
		return nil, fmt.Errorf("%w: truncated", errCandid)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out, nil
}

func (r *candidReader) uleb() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if len(r.b) == 0 || shift > 63 {
			return 0, fmt.Errorf("%w: bad LEB128", errCandid)
		}
		c := r.b[0]
		r.b = r.b[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

func (r *candidReader) sleb() (int64, error) {
	var v int64
	for shift := uint(0); ; shift += 7 {
		if len(r.b) == 0 || shift > 63 {
			return 0, fmt.Errorf("%w: bad LEB128", errCandid)
		}
		c := r.b[0]
		r.b = r.b[1:]
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, nil
		}
	}
}
