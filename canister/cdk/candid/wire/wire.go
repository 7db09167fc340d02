// Package wire reads the Candid binary format below the level of Go values: the header (magic,
// type table, argument types), values of any received type (read, skipped, or cut out as raw
// bytes), and record fields by name. It is the one Candid wire reader of the project: the
// CDK's reflection codec (cdk/candid) decodes through it, and the replica uses it where Go
// types cannot describe a message (a streaming token whose type the canister chooses, the
// principal inside any management canister argument).
//
// Every reader is bounded: lengths are checked against the input, nesting depth is limited,
// and every value read or skipped costs one unit of a budget proportional to the message
// size, so that no input (the conformance suite's space bombs, hostile gateway replies) makes
// it allocate or loop without limit. Like the CDK, it links neither fmt nor os.
package wire

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Magic starts every Candid message.
const Magic = "DIDL"

// Limits that keep hostile input from exhausting the stack or the instruction budget.
const (
	// MaxDepth bounds the nesting of values being read or skipped.
	MaxDepth = 128
	// Every value read or skipped costs one unit; a message gets minBudget plus
	// budgetPerByte per byte, which bounds zero-width values (vec null, empty records).
	minBudget     = 1 << 16
	budgetPerByte = 4
)

// Errors of malformed input (wrapped with context); truncated input and numbers beyond 64
// bits are leb128.ErrTruncated and leb128.ErrOverflow.
var (
	ErrMagic     = errors.New("not a Candid message (no DIDL magic)")
	ErrTooDeep   = errors.New("values nested too deeply")
	ErrTooLarge  = errors.New("too many values")
	ErrTrailing  = errors.New("trailing bytes after the last value")
	ErrTypeTable = errors.New("invalid type table")
)

// Func annotations.
const (
	AnnQuery          = 1
	AnnOneway         = 2
	AnnCompositeQuery = 3
)

// Hash is the Candid field id of a field name: sum of utf8(name)[i] * 223^(k-i), mod 2^32.
func Hash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h*223 + uint32(name[i])
	}
	return h
}

// Field is a record field or variant arm of a received type.
type Field struct {
	ID  uint32
	Ref int64 // its type
}

// Type is one entry of a received type table (or, from Reader.Type, a primitive type).
type Type struct {
	Op     int64
	Elem   int64   // opt, vec
	Fields []Field // record, variant: sorted by id
}

// Field returns the field or arm with id, by binary search.
func (t Type) Field(id uint32) (Field, bool) {
	fs := t.Fields
	lo, hi := 0, len(fs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case fs[m].ID == id:
			return fs[m], true
		case fs[m].ID < id:
			lo = m + 1
		default:
			hi = m
		}
	}
	return Field{}, false
}

// IsPrimitive reports whether op is a primitive type opcode (usable as a type reference).
func IsPrimitive(op int64) bool {
	return op >= opcode.Empty && op <= opcode.Null || op == opcode.Principal
}

// FixedWidth is the byte width of fixed-size primitive values (0 for the others).
func FixedWidth(op int64) int {
	switch op {
	case opcode.Bool, opcode.Nat8, opcode.Int8:
		return 1
	case opcode.Nat16, opcode.Int16:
		return 2
	case opcode.Nat32, opcode.Int32, opcode.Float32:
		return 4
	case opcode.Nat64, opcode.Int64, opcode.Float64:
		return 8
	}
	return 0
}

// opNames are the names of opcodes -1 to -24, for error messages.
var opNames = [...]string{"null", "bool", "nat", "int", "nat8", "nat16", "nat32", "nat64",
	"int8", "int16", "int32", "int64", "float32", "float64", "text", "reserved", "empty",
	"opt", "vec", "record", "variant", "func", "service", "principal"}

// OpName names a type opcode in error messages.
func OpName(op int64) string {
	if op <= -1 && op >= -int64(len(opNames)) {
		return opNames[-op-1]
	}
	return "type"
}

// Reader reads one message: NewReader reads the header, then the values are read in order
// from Pos.
type Reader struct {
	Data  []byte
	Pos   int
	Table []Type
	Args  []int64 // the argument types
	// tableEnd is where the type table ends: Data[len(Magic):tableEnd] is the encoded table.
	tableEnd int
	depth    int
	budget   int
}

// NewReader reads the header of message data: the magic, the type table and the argument
// types, checking every type reference. The reader is then at the first value.
func NewReader(data []byte) (*Reader, error) {
	r := &Reader{}
	return r, r.Reset(data)
}

// Reset makes r read message data, as NewReader does.
func (r *Reader) Reset(data []byte) error {
	// Field by field: assigning a Reader literal would link its type descriptor, and with it
	// the names and types of all its methods, into every canister.
	r.Data, r.Pos, r.Table, r.Args, r.tableEnd = data, 0, nil, nil, 0
	r.depth, r.budget = 0, minBudget+budgetPerByte*len(data)
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		return ErrMagic
	}
	r.Pos = len(Magic)
	n, err := r.Unsigned()
	if err != nil {
		return errfmt.WrapAll(ErrTypeTable.Error()+": "+err.Error(), ErrTypeTable, err)
	}
	if n > uint64(len(data)-r.Pos) {
		return errfmt.Wrap("", ErrTypeTable, ": "+errfmt.Int(n)+" entries")
	}
	r.Table = make([]Type, n)
	var refs []int64 // every reference, checked once the table size is known
	for i := range r.Table {
		t, rs, err := r.entry(refs)
		if err != nil {
			return errfmt.WrapAll(ErrTypeTable.Error()+": entry "+errfmt.Int(i)+": "+
				err.Error(), ErrTypeTable, err)
		}
		r.Table[i], refs = t, rs
	}
	r.tableEnd = r.Pos
	nargs, err := r.Unsigned()
	if err != nil {
		return errfmt.Wrap("argument types: ", err, "")
	}
	if nargs > uint64(len(data)-r.Pos) {
		return errors.New("argument types: " + errfmt.Int(nargs) + " arguments")
	}
	r.Args = make([]int64, nargs)
	for i := range r.Args {
		if r.Args[i], err = r.Signed(); err != nil {
			return errfmt.Wrap("argument types: ", err, "")
		}
		refs = append(refs, r.Args[i])
	}
	for _, ref := range refs {
		if !IsPrimitive(ref) && (ref < 0 || ref >= int64(len(r.Table))) {
			return errfmt.Wrap("", ErrTypeTable, ": bad type reference "+errfmt.Int(ref))
		}
	}
	return nil
}

// entry reads one type table entry, appending the references it holds to refs.
func (r *Reader) entry(refs []int64) (Type, []int64, error) {
	op, err := r.Signed()
	if err != nil {
		return Type{}, nil, err
	}
	t := Type{Op: op}
	switch op {
	case opcode.Opt, opcode.Vec:
		if t.Elem, err = r.Signed(); err != nil {
			return t, nil, err
		}
		refs = append(refs, t.Elem)
	case opcode.Record, opcode.Variant:
		n, err := r.Unsigned()
		if err != nil {
			return t, nil, err
		}
		if n > uint64(len(r.Data)-r.Pos) {
			return t, nil, errors.New(errfmt.Int(n) + " fields")
		}
		t.Fields = make([]Field, n)
		for i := range t.Fields {
			id, err := r.Unsigned()
			if err != nil {
				return t, nil, err
			}
			if id > math.MaxUint32 || i > 0 && uint32(id) <= t.Fields[i-1].ID {
				return t, nil, errors.New("field id " + errfmt.Int(id) + " out of order or too large")
			}
			ref, err := r.Signed()
			if err != nil {
				return t, nil, err
			}
			t.Fields[i] = Field{ID: uint32(id), Ref: ref}
			refs = append(refs, ref)
		}
	case opcode.Func:
		for range 2 { // arguments, results
			n, err := r.Unsigned()
			if err != nil {
				return t, nil, err
			}
			if n > uint64(len(r.Data)-r.Pos) {
				return t, nil, errors.New("func with " + errfmt.Int(n) + " types")
			}
			for range n {
				ref, err := r.Signed()
				if err != nil {
					return t, nil, err
				}
				refs = append(refs, ref)
			}
		}
		n, err := r.Unsigned()
		if err != nil {
			return t, nil, err
		}
		anns, err := r.Bytes(n)
		if err != nil {
			return t, nil, err
		}
		for _, a := range anns {
			if a < AnnQuery || a > AnnCompositeQuery {
				return t, nil, errors.New("func annotation " + errfmt.Int(a))
			}
		}
	case opcode.Service:
		n, err := r.Unsigned()
		if err != nil {
			return t, nil, err
		}
		if n > uint64(len(r.Data)-r.Pos) {
			return t, nil, errors.New("service with " + errfmt.Int(n) + " methods")
		}
		prev := ""
		for i := range n {
			name, err := r.Text()
			if err != nil {
				return t, nil, err
			}
			if i > 0 && name <= prev {
				return t, nil, errors.New("service method " + strconv.Quote(name) + " out of order")
			}
			prev = name
			ref, err := r.Signed()
			if err != nil {
				return t, nil, err
			}
			refs = append(refs, ref)
		}
	default:
		return t, nil, errors.New("unknown type opcode " + errfmt.Int(op))
	}
	return t, refs, nil
}

// Kind is the opcode of a type reference.
func (r *Reader) Kind(ref int64) int64 {
	if ref < 0 {
		return ref
	}
	return r.Table[ref].Op
}

// Type resolves a type reference: a table entry, or a Type holding just a primitive opcode.
func (r *Reader) Type(ref int64) Type {
	if ref < 0 {
		return Type{Op: ref}
	}
	return r.Table[ref]
}

// TypeName names a received type in errors (a few levels deep: types may be recursive).
func (r *Reader) TypeName(ref int64) string {
	name := ""
	for range 4 {
		op := r.Kind(ref)
		name += OpName(op)
		if op != opcode.Opt && op != opcode.Vec {
			return name
		}
		name += " "
		ref = r.Table[ref].Elem
	}
	return name + "..."
}

// Enter accounts for one value and one nesting level; Leave undoes the nesting.
func (r *Reader) Enter() error {
	r.depth++
	r.budget--
	if r.depth > MaxDepth {
		return ErrTooDeep
	}
	if r.budget < 0 {
		return ErrTooLarge
	}
	return nil
}

// Leave ends a level entered with Enter.
func (r *Reader) Leave() { r.depth-- }

// Byte reads one byte.
func (r *Reader) Byte() (byte, error) {
	if r.Pos >= len(r.Data) {
		return 0, leb128.ErrTruncated
	}
	r.Pos++
	return r.Data[r.Pos-1], nil
}

// Bytes reads n bytes (not copied).
func (r *Reader) Bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.Data)-r.Pos) {
		return nil, leb128.ErrTruncated
	}
	b := r.Data[r.Pos : r.Pos+int(n)]
	r.Pos += int(n)
	return b, nil
}

// Unsigned reads an unsigned LEB128 number of at most 64 bits.
func (r *Reader) Unsigned() (uint64, error) {
	v, n, err := leb128.ReadUnsigned(r.Data[r.Pos:])
	r.Pos += n
	return v, err
}

// Signed reads a signed LEB128 number of at most 64 bits.
func (r *Reader) Signed() (int64, error) {
	v, n, err := leb128.ReadSigned(r.Data[r.Pos:])
	r.Pos += n
	return v, err
}

// Count reads a length and checks it against what the rest of the message can hold.
func (r *Reader) Count() (int, error) {
	n, err := r.Unsigned()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(r.Data)-r.Pos)+uint64(r.budget) {
		return 0, ErrTooLarge
	}
	return int(n), nil
}

// Text reads a text value.
func (r *Reader) Text() (string, error) {
	n, err := r.Unsigned()
	if err != nil {
		return "", err
	}
	b, err := r.Bytes(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errors.New("text is not valid UTF-8")
	}
	return string(b), nil
}

// Principal reads a principal value (a reference with id).
func (r *Reader) Principal() (principal.Principal, error) {
	flag, err := r.Byte()
	if err != nil {
		return principal.Principal{}, err
	}
	if flag != 1 {
		return principal.Principal{}, errors.New("opaque principal reference (flag " + errfmt.Int(flag) + ")")
	}
	n, err := r.Unsigned()
	if err != nil {
		return principal.Principal{}, err
	}
	if n > principal.MaxLength {
		return principal.Principal{}, errors.New("principal of " + errfmt.Int(n) + " bytes")
	}
	b, err := r.Bytes(n)
	if err != nil {
		return principal.Principal{}, err
	}
	return principal.FromBytes(b), nil
}

// Func reads a func value: a public reference (service principal and method name).
func (r *Reader) Func() (principal.Principal, string, error) {
	flag, err := r.Byte()
	if err != nil {
		return principal.Principal{}, "", err
	}
	if flag != 1 {
		return principal.Principal{}, "", errors.New("opaque func reference (flag " + errfmt.Int(flag) + ")")
	}
	p, err := r.Principal()
	if err != nil {
		return principal.Principal{}, "", err
	}
	m, err := r.Text()
	if err != nil {
		return principal.Principal{}, "", err
	}
	return p, m, nil
}

// Skip reads past a value of received type ref, checking it is well-formed.
func (r *Reader) Skip(ref int64) error {
	if err := r.Enter(); err != nil {
		return err
	}
	defer r.Leave()
	op := r.Kind(ref)
	if w := FixedWidth(op); w > 0 {
		b, err := r.Bytes(uint64(w))
		if err == nil && op == opcode.Bool && b[0] > 1 {
			return errors.New("bool value " + errfmt.Int(b[0]))
		}
		return err
	}
	switch op {
	case opcode.Null, opcode.Reserved:
		return nil
	case opcode.Empty:
		return errors.New("a value of type empty")
	case opcode.Nat, opcode.Int:
		// nat and int values are unbounded: skip any length.
		n, err := leb128.Skip(r.Data[r.Pos:])
		r.Pos += n
		return err
	case opcode.Text:
		_, err := r.Text()
		return err
	case opcode.Principal, opcode.Service:
		_, err := r.Principal()
		return err
	case opcode.Opt:
		elem, present, err := r.Opt(ref)
		if err != nil || !present {
			return err
		}
		return r.Skip(elem)
	case opcode.Vec:
		n, err := r.Count()
		if err != nil {
			return err
		}
		elem := r.Table[ref].Elem
		if w := FixedWidth(r.Kind(elem)); w > 0 && r.Kind(elem) != opcode.Bool {
			_, err := r.Bytes(uint64(n) * uint64(w))
			return err
		}
		for i := 0; i < n; i++ {
			if err := r.Skip(elem); err != nil {
				return err
			}
		}
		return nil
	case opcode.Record:
		for _, f := range r.Table[ref].Fields {
			if err := r.Skip(f.Ref); err != nil {
				return err
			}
		}
		return nil
	case opcode.Variant:
		arm, err := r.Variant(ref)
		if err != nil {
			return err
		}
		return r.Skip(arm.Ref)
	case opcode.Func:
		_, _, err := r.Func()
		return err
	}
	return errors.New("cannot skip type opcode " + errfmt.Int(op))
}

// Readers for code that walks a message by field name instead of decoding it into Go types:
// the gateway hands a streaming token back to the canister exactly as received (decoding it
// and encoding it again would lose the field names, of which only hashes are on the wire),
// and the HTTP interface routes a management call by the principal in its argument.

// Raw reads past a value of type ref and returns its bytes.
func (r *Reader) Raw(ref int64) ([]byte, error) {
	start := r.Pos
	if err := r.Skip(ref); err != nil {
		return nil, err
	}
	return r.Data[start:r.Pos], nil
}

// Message builds a message of one value of type ref (its bytes from Raw) with this message's
// type table, which holds every type the value refers to.
func (r *Reader) Message(ref int64, value []byte) []byte {
	out := append([]byte(Magic), r.Data[len(Magic):r.tableEnd]...)
	out = leb128.AppendSigned(leb128.AppendUnsigned(out, 1), ref)
	return append(out, value...)
}

// SeekField moves r from the start of a record value of type ref to the value of its field
// name, skipping the fields before it, and returns the field's type. found is false, and r
// has not moved, when ref is not a record or has no such field.
func (r *Reader) SeekField(ref int64, name string) (field int64, found bool, err error) {
	t := r.Type(ref)
	id := Hash(name)
	if _, ok := t.Field(id); t.Op != opcode.Record || !ok {
		return 0, false, nil
	}
	for _, f := range t.Fields {
		if f.ID == id {
			return f.Ref, true, nil
		}
		if err := r.Skip(f.Ref); err != nil {
			return 0, false, err
		}
	}
	return 0, false, nil // not reached: the field is in t.Fields
}

// Opt reads the flag of an opt value of type ref (an opt type: check with Kind), returning
// the element type and whether a value follows.
func (r *Reader) Opt(ref int64) (elem int64, present bool, err error) {
	flag, err := r.Byte()
	switch {
	case err != nil:
		return 0, false, err
	case flag > 1:
		return 0, false, errors.New("opt flag " + errfmt.Int(flag))
	}
	return r.Table[ref].Elem, flag == 1, nil
}

// Variant reads the index of a variant value of type ref (a variant type: check with Kind)
// and returns the arm it selects.
func (r *Reader) Variant(ref int64) (Field, error) {
	idx, err := r.Unsigned()
	if err != nil {
		return Field{}, err
	}
	fs := r.Table[ref].Fields
	if idx >= uint64(len(fs)) {
		return Field{}, errors.New("variant index " + errfmt.Int(idx) + " of " + errfmt.Int(len(fs)))
	}
	return fs[idx], nil
}
