package candid

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"

	"errors"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/gocanister/stripe-ic/canister/cdk/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Limits that keep hostile input from exhausting the stack or the instruction budget.
const (
	maxDepth = 128 // nesting of values being decoded or skipped
	// Every value decoded or skipped costs one unit; a message gets minBudget plus
	// budgetPerByte per byte, which bounds zero-width values (vec null, empty records).
	minBudget     = 1 << 16
	budgetPerByte = 4
)

// Errors of malformed input (wrapped with context).
var (
	ErrMagic     = errors.New("not a Candid message (no DIDL magic)")
	ErrTooDeep   = errors.New("values nested too deeply")
	ErrTooLarge  = errors.New("too many values")
	ErrTrailing  = errors.New("trailing bytes after the last value")
	ErrTypeTable = errors.New("invalid type table")
)

// wireField is a record field or variant arm of a received type.
type wireField struct {
	id  uint32
	ref int64
}

// wireType is one entry of a received type table.
type wireType struct {
	op     int64
	elem   int64       // opt, vec
	fields []wireField // record, variant: sorted by id
}

// decoder reads one message.
type decoder struct {
	data   []byte
	pos    int
	table  []wireType
	cache  cache
	depth  int
	budget int
}

// Unmarshal decodes a Candid message into the values ptrs point to. It applies Candid
// subtyping: extra arguments are skipped; missing ones must be opt, null or reserved and
// are set to their zero value.
func Unmarshal(data []byte, ptrs ...any) error {
	d := &decoder{
		data:   data,
		cache:  cache{},
		budget: minBudget + budgetPerByte*len(data),
	}
	args, err := d.header()
	if err != nil {
		return errfmt.Wrap("candid: ", err, "")
	}
	for i, p := range ptrs {
		v := reflect.ValueOf(p)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return errors.New("candid: argument " + errfmt.Int(i) +
				": need a non-nil pointer, got " + dynamicTypeName(p))
		}
		v = v.Elem()
		if i >= len(args) {
			if !optional(v.Type()) {
				return errors.New("candid: argument " + errfmt.Int(i) + " (" + v.Type().String() +
					") missing: the message has " + errfmt.Int(len(args)))
			}
			v.SetZero()
			continue
		}
		if err := d.decode(args[i], v); err != nil {
			return errfmt.Wrap("candid: argument "+errfmt.Int(i)+": ", err, "")
		}
	}
	for i := len(ptrs); i < len(args); i++ {
		if err := d.skip(args[i]); err != nil {
			return errfmt.Wrap("candid: argument "+errfmt.Int(i)+": ", err, "")
		}
	}
	if d.pos != len(d.data) {
		return errfmt.Wrap("candid: ", ErrTrailing, " ("+errfmt.Int(len(d.data)-d.pos)+")")
	}
	return nil
}

// optional reports whether Go type t accepts an absent value: opt and reserved (the
// supertypes of opt empty, as the spec's record and argument rules require).
func optional(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || t == typeReserved
}

// nullable reports whether Go type t has null as a value (null <: t): such a type inside an
// opt takes a non-opt value as null rather than as some.
func nullable(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || t == typeNull || t == typeReserved
}

// coercionError is a value that does not fit the Go type (as opposed to malformed data).
// Under an opt the value then decodes as null; elsewhere it is an error.
type coercionError struct{ msg string }

func (e *coercionError) Error() string { return e.msg }

func coercion(msg string) error { return &coercionError{msg: msg} }

// dynamicTypeName is the name %T gives v's dynamic type.
func dynamicTypeName(v any) string {
	if v == nil {
		return "<nil>"
	}
	return reflect.TypeOf(v).String()
}

// Low-level readers.

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, errTruncated
	}
	d.pos++
	return d.data[d.pos-1], nil
}

func (d *decoder) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, errTruncated
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *decoder) uleb() (uint64, error) {
	v, n, err := readULEB(d.data[d.pos:])
	d.pos += n
	return v, err
}

func (d *decoder) sleb() (int64, error) {
	v, n, err := readSLEB(d.data[d.pos:])
	d.pos += n
	return v, err
}

// skipLEB skips a (signed or unsigned) LEB128 number of any length (nat and int values are
// unbounded).
func (d *decoder) skipLEB() error {
	for {
		c, err := d.byte()
		if err != nil {
			return err
		}
		if c < 0x80 {
			return nil
		}
	}
}

// count reads a length and checks it against what the rest of the message can hold.
func (d *decoder) count() (int, error) {
	n, err := d.uleb()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.data)-d.pos)+uint64(d.budget) {
		return 0, ErrTooLarge
	}
	return int(n), nil
}

// text reads a text value.
func (d *decoder) text() (string, error) {
	n, err := d.uleb()
	if err != nil {
		return "", err
	}
	b, err := d.bytes(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errors.New("text is not valid UTF-8")
	}
	return string(b), nil
}

// principalValue reads a principal value (a reference with id).
func (d *decoder) principalValue() (principal.Principal, error) {
	flag, err := d.byte()
	if err != nil {
		return principal.Principal{}, err
	}
	if flag != 1 {
		return principal.Principal{}, errors.New("opaque principal reference (flag " + errfmt.Int(flag) + ")")
	}
	n, err := d.uleb()
	if err != nil {
		return principal.Principal{}, err
	}
	if n > principal.MaxLength {
		return principal.Principal{}, errors.New("principal of " + errfmt.Int(n) + " bytes")
	}
	b, err := d.bytes(n)
	if err != nil {
		return principal.Principal{}, err
	}
	return principal.FromBytes(b), nil
}

// Type table.

// header reads the magic, the type table and the argument types.
func (d *decoder) header() ([]int64, error) {
	if len(d.data) < len(magic) || string(d.data[:len(magic)]) != magic {
		return nil, ErrMagic
	}
	d.pos = len(magic)
	n, err := d.uleb()
	if err != nil {
		return nil, errfmt.WrapAll(ErrTypeTable.Error()+": "+err.Error(), ErrTypeTable, err)
	}
	if n > uint64(len(d.data)-d.pos) {
		return nil, errfmt.Wrap("", ErrTypeTable, ": "+errfmt.Int(n)+" entries")
	}
	d.table = make([]wireType, n)
	var refs []int64 // every reference, checked once the table size is known
	for i := range d.table {
		t, r, err := d.entry(refs)
		if err != nil {
			return nil, errfmt.WrapAll(ErrTypeTable.Error()+": entry "+errfmt.Int(i)+": "+
				err.Error(), ErrTypeTable, err)
		}
		d.table[i], refs = t, r
	}
	nargs, err := d.uleb()
	if err != nil {
		return nil, errfmt.Wrap("argument types: ", err, "")
	}
	if nargs > uint64(len(d.data)-d.pos) {
		return nil, errors.New("argument types: " + errfmt.Int(nargs) + " arguments")
	}
	args := make([]int64, nargs)
	for i := range args {
		if args[i], err = d.sleb(); err != nil {
			return nil, errfmt.Wrap("argument types: ", err, "")
		}
		refs = append(refs, args[i])
	}
	for _, r := range refs {
		if !isPrimitive(r) && (r < 0 || r >= int64(len(d.table))) {
			return nil, errfmt.Wrap("", ErrTypeTable, ": bad type reference "+errfmt.Int(r))
		}
	}
	return args, nil
}

// entry reads one type table entry, appending the references it holds to refs.
func (d *decoder) entry(refs []int64) (wireType, []int64, error) {
	op, err := d.sleb()
	if err != nil {
		return wireType{}, nil, err
	}
	t := wireType{op: op}
	switch op {
	case opcode.Opt, opcode.Vec:
		if t.elem, err = d.sleb(); err != nil {
			return t, nil, err
		}
		refs = append(refs, t.elem)
	case opcode.Record, opcode.Variant:
		n, err := d.uleb()
		if err != nil {
			return t, nil, err
		}
		if n > uint64(len(d.data)-d.pos) {
			return t, nil, errors.New(errfmt.Int(n) + " fields")
		}
		t.fields = make([]wireField, n)
		for i := range t.fields {
			id, err := d.uleb()
			if err != nil {
				return t, nil, err
			}
			if id > math.MaxUint32 || i > 0 && uint32(id) <= t.fields[i-1].id {
				return t, nil, errors.New("field id " + errfmt.Int(id) + " out of order or too large")
			}
			ref, err := d.sleb()
			if err != nil {
				return t, nil, err
			}
			t.fields[i] = wireField{id: uint32(id), ref: ref}
			refs = append(refs, ref)
		}
	case opcode.Func:
		for range 2 { // arguments, results
			n, err := d.uleb()
			if err != nil {
				return t, nil, err
			}
			if n > uint64(len(d.data)-d.pos) {
				return t, nil, errors.New("func with " + errfmt.Int(n) + " types")
			}
			for range n {
				ref, err := d.sleb()
				if err != nil {
					return t, nil, err
				}
				refs = append(refs, ref)
			}
		}
		n, err := d.uleb()
		if err != nil {
			return t, nil, err
		}
		anns, err := d.bytes(n)
		if err != nil {
			return t, nil, err
		}
		for _, a := range anns {
			if a < annQuery || a > annCompositeQuery {
				return t, nil, errors.New("func annotation " + errfmt.Int(a))
			}
		}
	case opcode.Service:
		n, err := d.uleb()
		if err != nil {
			return t, nil, err
		}
		if n > uint64(len(d.data)-d.pos) {
			return t, nil, errors.New("service with " + errfmt.Int(n) + " methods")
		}
		prev := ""
		for i := range n {
			name, err := d.text()
			if err != nil {
				return t, nil, err
			}
			if i > 0 && name <= prev {
				return t, nil, errors.New("service method " + strconv.Quote(name) + " out of order")
			}
			prev = name
			ref, err := d.sleb()
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

// kind is the opcode of a type reference.
func (d *decoder) kind(ref int64) int64 {
	if ref < 0 {
		return ref
	}
	return d.table[ref].op
}

// typeName names a received type in errors (a few levels deep: types may be recursive).
func (d *decoder) typeName(ref int64) string {
	name := ""
	for range 4 {
		op := d.kind(ref)
		name += opName(op)
		if op != opcode.Opt && op != opcode.Vec {
			return name
		}
		name += " "
		ref = d.table[ref].elem
	}
	return name + "..."
}

func findField(fs []wireField, id uint32) (wireField, bool) {
	lo, hi := 0, len(fs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case fs[m].id == id:
			return fs[m], true
		case fs[m].id < id:
			lo = m + 1
		default:
			hi = m
		}
	}
	return wireField{}, false
}

func findGoField(fs []field, id uint32) (field, bool) {
	for _, f := range fs {
		if f.id == id {
			return f, true
		}
	}
	return field{}, false
}

// Values.

// enter accounts for one value and one nesting level; leave undoes the nesting.
func (d *decoder) enter() error {
	d.depth++
	d.budget--
	if d.depth > maxDepth {
		return ErrTooDeep
	}
	if d.budget < 0 {
		return ErrTooLarge
	}
	return nil
}

func (d *decoder) leave() { d.depth-- }

// mismatch reports a received type that does not fit the Go type.
func (d *decoder) mismatch(ref int64, t reflect.Type) error {
	return coercion("cannot decode " + d.typeName(ref) + " into Go " + t.String())
}

// decode reads a value of received type ref into v (settable).
func (d *decoder) decode(ref int64, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.leave()
	t := v.Type()
	if t == typeReserved {
		return d.skip(ref)
	}
	op := d.kind(ref)
	if op == opcode.Empty {
		return errors.New("a value of type empty")
	}
	if t.Kind() == reflect.Pointer {
		return d.decodeOpt(ref, op, v)
	}
	switch t {
	case typeNull:
		if op != opcode.Null {
			return d.mismatch(ref, t)
		}
		return nil
	case typeEmpty:
		return d.mismatch(ref, t)
	case typeNat:
		if op != opcode.Nat {
			return d.mismatch(ref, t)
		}
		n, err := d.uleb()
		if err != nil {
			return errfmt.Wrap("nat: ", err, "")
		}
		v.SetUint(n)
		return nil
	case typeInt:
		switch op {
		case opcode.Int:
			n, err := d.sleb()
			if err != nil {
				return errfmt.Wrap("int: ", err, "")
			}
			v.SetInt(n)
		case opcode.Nat:
			n, err := d.uleb()
			if err != nil || n > math.MaxInt64 {
				return errfmt.Wrap("nat as int: ", cmpErr(err, errOverflow), "")
			}
			v.SetInt(int64(n))
		default:
			return d.mismatch(ref, t)
		}
		return nil
	case typePrincipal:
		if op != opcode.Principal {
			return d.mismatch(ref, t)
		}
		p, err := d.principalValue()
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(p))
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		if op != opcode.Bool {
			return d.mismatch(ref, t)
		}
		b, err := d.byte()
		if err != nil {
			return err
		}
		if b > 1 {
			return errors.New("bool value " + errfmt.Int(b))
		}
		v.SetBool(b == 1)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64,
		reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64,
		reflect.Float32, reflect.Float64:
		return d.decodeFixed(ref, op, v)
	case reflect.String:
		if op != opcode.Text {
			return d.mismatch(ref, t)
		}
		s, err := d.text()
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Slice, reflect.Array:
		if op != opcode.Vec {
			return d.mismatch(ref, t)
		}
		return d.decodeVec(d.table[ref].elem, v)
	case reflect.Struct:
		if t.Implements(typeFuncSig) {
			if op != opcode.Func {
				return d.mismatch(ref, t)
			}
			f, err := d.funcValue()
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(f).Convert(t))
			return nil
		}
		info, err := d.cache.info(t)
		if err != nil {
			return err
		}
		if info.variant {
			if op != opcode.Variant {
				return d.mismatch(ref, t)
			}
			return d.decodeVariant(d.table[ref].fields, info, v)
		}
		if op != opcode.Record {
			return d.mismatch(ref, t)
		}
		return d.decodeRecord(d.table[ref].fields, info, v)
	default:
		return errors.New("unsupported Go type " + t.String())
	}
	return nil
}

func cmpErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// decodeOpt decodes into a pointer (opt) following the Candid coercion rules: a value
// that does not coerce to the element type becomes null.
func (d *decoder) decodeOpt(ref, op int64, v reflect.Value) error {
	elem := v.Type().Elem()
	switch op {
	case opcode.Null, opcode.Reserved:
		v.SetZero()
		return nil
	case opcode.Opt:
		flag, err := d.byte()
		switch {
		case err != nil:
			return err
		case flag == 0:
			v.SetZero()
			return nil
		case flag != 1:
			return errors.New("opt flag " + errfmt.Int(flag))
		}
		return d.some(d.table[ref].elem, v)
	}
	if nullable(elem) {
		// A plain value at opt t where null <: t: the spec gives null, not some.
		v.SetZero()
		return d.skip(ref)
	}
	return d.some(ref, v)
}

// some decodes a value of type ref as the element of opt v, or sets v to null (after
// checking the value is well-formed) when the value does not coerce.
func (d *decoder) some(ref int64, v reflect.Value) error {
	start := d.pos
	nv := reflect.New(v.Type().Elem())
	err := d.decode(ref, nv.Elem())
	if err == nil {
		v.Set(nv)
		return nil
	}
	var ce *coercionError
	if !errors.As(err, &ce) {
		return err
	}
	d.pos = start
	v.SetZero()
	return d.skip(ref)
}

// decodeFixed reads a fixed-width number of exactly v's Candid type.
func (d *decoder) decodeFixed(ref, op int64, v reflect.Value) error {
	t := v.Type()
	want := fixedOp(t.Kind())
	if op != want {
		return d.mismatch(ref, t)
	}
	w := fixedWidth(op)
	b, err := d.bytes(uint64(w))
	if err != nil {
		return err
	}
	var u uint64
	for i := w - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		v.SetUint(u)
	case reflect.Int8:
		v.SetInt(int64(int8(u)))
	case reflect.Int16:
		v.SetInt(int64(int16(u)))
	case reflect.Int32:
		v.SetInt(int64(int32(u)))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(u))
	case reflect.Float32:
		v.SetFloat(float64(math.Float32frombits(uint32(u))))
	case reflect.Float64:
		v.SetFloat(math.Float64frombits(u))
	}
	return nil
}

// decodeVec decodes a vec of element type elem into a slice or array.
func (d *decoder) decodeVec(elem int64, v reflect.Value) error {
	n, err := d.count()
	if err != nil {
		return err
	}
	t := v.Type()
	if t.Kind() == reflect.Array {
		if n != t.Len() {
			return coercion("vec of " + errfmt.Int(n) + " elements into Go " + t.String())
		}
	} else if t.Elem().Kind() == reflect.Uint8 && d.kind(elem) == opcode.Nat8 {
		b, err := d.bytes(uint64(n))
		if err != nil {
			return err
		}
		if n == 0 {
			v.SetZero() // Candid has no nil/empty distinction: decode as nil
		} else {
			v.SetBytes(append([]byte{}, b...))
		}
		return nil
	} else if n == 0 {
		v.SetZero()
		return nil
	} else {
		v.Set(reflect.MakeSlice(t, n, n))
	}
	for i := 0; i < n; i++ {
		if err := d.decode(elem, v.Index(i)); err != nil {
			return errfmt.Wrap("element "+errfmt.Int(i)+": ", err, "")
		}
	}
	return nil
}

// decodeRecord decodes the received fields into struct v, skipping the unknown ones.
func (d *decoder) decodeRecord(wire []wireField, info *structInfo, v reflect.Value) error {
	v.SetZero()
	for _, w := range wire {
		f, ok := findGoField(info.fields, w.id)
		if !ok {
			if err := d.skip(w.ref); err != nil {
				return err
			}
			continue
		}
		if err := d.decode(w.ref, v.Field(f.index)); err != nil {
			return errfmt.Wrap("field "+f.name+": ", err, "")
		}
	}
	for _, f := range info.fields {
		if _, ok := findField(wire, f.id); !ok && !optional(f.typ) {
			return coercion("missing field " + f.name + " of Go " + v.Type().String())
		}
	}
	return nil
}

// decodeVariant decodes the received arm into variant struct v.
func (d *decoder) decodeVariant(wire []wireField, info *structInfo, v reflect.Value) error {
	idx, err := d.uleb()
	if err != nil {
		return err
	}
	if idx >= uint64(len(wire)) {
		return errors.New("variant index " + errfmt.Int(idx) + " of " + errfmt.Int(len(wire)))
	}
	w := wire[idx]
	f, ok := findGoField(info.fields, w.id)
	if !ok {
		return coercion("variant arm " + errfmt.Int(w.id) + " unknown to Go " + v.Type().String())
	}
	v.SetZero()
	nv := reflect.New(f.typ)
	if err := d.decode(w.ref, nv.Elem()); err != nil {
		return errfmt.Wrap("arm "+f.name+": ", err, "")
	}
	v.Field(f.index).Set(nv)
	return nil
}

// funcValue reads a func value: a public reference (service principal and method name).
func (d *decoder) funcValue() (Func, error) {
	flag, err := d.byte()
	if err != nil {
		return Func{}, err
	}
	if flag != 1 {
		return Func{}, errors.New("opaque func reference (flag " + errfmt.Int(flag) + ")")
	}
	p, err := d.principalValue()
	if err != nil {
		return Func{}, err
	}
	m, err := d.text()
	if err != nil {
		return Func{}, err
	}
	return Func{Service: p, Method: m}, nil
}

// skip reads past a value of received type ref, checking it is well-formed.
func (d *decoder) skip(ref int64) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.leave()
	op := d.kind(ref)
	if w := fixedWidth(op); w > 0 {
		b, err := d.bytes(uint64(w))
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
		return d.skipLEB()
	case opcode.Text:
		_, err := d.text()
		return err
	case opcode.Principal:
		_, err := d.principalValue()
		return err
	case opcode.Opt:
		flag, err := d.byte()
		switch {
		case err != nil:
			return err
		case flag == 1:
			return d.skip(d.table[ref].elem)
		case flag != 0:
			return errors.New("opt flag " + errfmt.Int(flag))
		}
		return nil
	case opcode.Vec:
		n, err := d.count()
		if err != nil {
			return err
		}
		elem := d.table[ref].elem
		if w := fixedWidth(d.kind(elem)); w > 0 && d.kind(elem) != opcode.Bool {
			_, err := d.bytes(uint64(n) * uint64(w))
			return err
		}
		for i := 0; i < n; i++ {
			if err := d.skip(elem); err != nil {
				return err
			}
		}
		return nil
	case opcode.Record:
		for _, f := range d.table[ref].fields {
			if err := d.skip(f.ref); err != nil {
				return err
			}
		}
		return nil
	case opcode.Variant:
		idx, err := d.uleb()
		if err != nil {
			return err
		}
		fs := d.table[ref].fields
		if idx >= uint64(len(fs)) {
			return errors.New("variant index " + errfmt.Int(idx) + " of " + errfmt.Int(len(fs)))
		}
		return d.skip(fs[idx].ref)
	case opcode.Func:
		_, err := d.funcValue()
		return err
	case opcode.Service:
		_, err := d.principalValue()
		return err
	}
	return errors.New("cannot skip type opcode " + errfmt.Int(op))
}

// fixedOp is the Candid opcode of a Go fixed-width number kind.
func fixedOp(k reflect.Kind) int64 {
	switch k {
	case reflect.Uint8:
		return opcode.Nat8
	case reflect.Uint16:
		return opcode.Nat16
	case reflect.Uint32:
		return opcode.Nat32
	case reflect.Uint, reflect.Uint64:
		return opcode.Nat64
	case reflect.Int8:
		return opcode.Int8
	case reflect.Int16:
		return opcode.Int16
	case reflect.Int32:
		return opcode.Int32
	case reflect.Int, reflect.Int64:
		return opcode.Int64
	case reflect.Float32:
		return opcode.Float32
	case reflect.Float64:
		return opcode.Float64
	}
	return 0
}
