package candid

import (
	"errors"
	"math"
	"reflect"

	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// decoder reads one message into Go values.
type decoder struct {
	r     wire.Reader // not embedded: promoted methods would add a method table to every canister
	cache cache
}

// Unmarshal decodes a Candid message into the values ptrs point to. It applies Candid
// subtyping: extra arguments are skipped; missing ones must be opt, null or reserved and
// are set to their zero value.
func Unmarshal(data []byte, ptrs ...any) error {
	d := &decoder{cache: cache{}}
	if err := d.r.Reset(data); err != nil {
		return errfmt.Wrap("candid: ", err, "")
	}
	args := d.r.Args
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
		if err := d.r.Skip(args[i]); err != nil {
			return errfmt.Wrap("candid: argument "+errfmt.Int(i)+": ", err, "")
		}
	}
	if n := len(data) - d.r.Pos; n != 0 { // not d.r.Done(): a smaller module
		return errfmt.Wrap("candid: ", wire.ErrTrailing, " ("+errfmt.Int(n)+")")
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

func findGoField(fs []field, id uint32) (field, bool) {
	for _, f := range fs {
		if f.id == id {
			return f, true
		}
	}
	return field{}, false
}

// Values.

// mismatch reports a received type that does not fit the Go type.
func (d *decoder) mismatch(ref int64, t reflect.Type) error {
	return coercion("cannot decode " + d.r.TypeName(ref) + " into Go " + t.String())
}

// decode reads a value of received type ref into v (settable).
func (d *decoder) decode(ref int64, v reflect.Value) error {
	if err := d.r.Enter(); err != nil {
		return err
	}
	defer d.r.Leave()
	t := v.Type()
	if t == typeReserved {
		return d.r.Skip(ref)
	}
	op := d.r.Kind(ref)
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
		n, err := d.r.Unsigned()
		if err != nil {
			return errfmt.Wrap("nat: ", err, "")
		}
		v.SetUint(n)
		return nil
	case typeInt:
		switch op {
		case opcode.Int:
			n, err := d.r.Signed()
			if err != nil {
				return errfmt.Wrap("int: ", err, "")
			}
			v.SetInt(n)
		case opcode.Nat:
			n, err := d.r.Unsigned()
			if err != nil || n > math.MaxInt64 {
				return errfmt.Wrap("nat as int: ", cmpErr(err, leb128.ErrOverflow), "")
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
		p, err := d.r.Principal()
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
		b, err := d.r.Byte()
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
		s, err := d.r.Text()
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Slice, reflect.Array:
		if op != opcode.Vec {
			return d.mismatch(ref, t)
		}
		return d.decodeVec(d.r.Table[ref].Elem, v)
	case reflect.Struct:
		if t.Implements(typeFuncSig) {
			if op != opcode.Func {
				return d.mismatch(ref, t)
			}
			p, m, err := d.r.Func()
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(Func{Service: p, Method: m}).Convert(t))
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
			return d.decodeVariant(ref, info, v)
		}
		if op != opcode.Record {
			return d.mismatch(ref, t)
		}
		return d.decodeRecord(d.r.Table[ref].Fields, info, v)
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
		elem, present, err := d.r.Opt(ref)
		if err != nil || !present {
			v.SetZero()
			return err
		}
		return d.some(elem, v)
	}
	if nullable(elem) {
		// A plain value at opt t where null <: t: the spec gives null, not some.
		v.SetZero()
		return d.r.Skip(ref)
	}
	return d.some(ref, v)
}

// some decodes a value of type ref as the element of opt v, or sets v to null (after
// checking the value is well-formed) when the value does not coerce.
func (d *decoder) some(ref int64, v reflect.Value) error {
	start := d.r.Pos
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
	d.r.Pos = start
	v.SetZero()
	return d.r.Skip(ref)
}

// decodeFixed reads a fixed-width number of exactly v's Candid type.
func (d *decoder) decodeFixed(ref, op int64, v reflect.Value) error {
	t := v.Type()
	want := fixedOp(t.Kind())
	if op != want {
		return d.mismatch(ref, t)
	}
	w := wire.FixedWidth(op)
	b, err := d.r.Bytes(uint64(w))
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
	n, err := d.r.Count()
	if err != nil {
		return err
	}
	t := v.Type()
	if t.Kind() == reflect.Array {
		if n != t.Len() {
			return coercion("vec of " + errfmt.Int(n) + " elements into Go " + t.String())
		}
	} else if t.Elem().Kind() == reflect.Uint8 && d.r.Kind(elem) == opcode.Nat8 {
		b, err := d.r.Bytes(uint64(n))
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
func (d *decoder) decodeRecord(received []wire.Field, info *structInfo, v reflect.Value) error {
	v.SetZero()
	for _, w := range received {
		f, ok := findGoField(info.fields, w.ID)
		if !ok {
			if err := d.r.Skip(w.Ref); err != nil {
				return err
			}
			continue
		}
		if err := d.decode(w.Ref, v.Field(f.index)); err != nil {
			return errfmt.Wrap("field "+f.name+": ", err, "")
		}
	}
	for _, f := range info.fields {
		if _, ok := (wire.Type{Fields: received}).Field(f.id); !ok && !optional(f.typ) {
			return coercion("missing field " + f.name + " of Go " + v.Type().String())
		}
	}
	return nil
}

// decodeVariant decodes the received arm into variant struct v.
func (d *decoder) decodeVariant(ref int64, info *structInfo, v reflect.Value) error {
	w, err := d.r.Variant(ref)
	if err != nil {
		return err
	}
	f, ok := findGoField(info.fields, w.ID)
	if !ok {
		return coercion("variant arm " + errfmt.Int(w.ID) + " unknown to Go " + v.Type().String())
	}
	v.SetZero()
	nv := reflect.New(f.typ)
	if err := d.decode(w.Ref, nv.Elem()); err != nil {
		return errfmt.Wrap("arm "+f.name+": ", err, "")
	}
	v.Field(f.index).Set(nv)
	return nil
}

// fixedOps are the Candid opcodes of Go's fixed-width number kinds (0: not one).
var fixedOps = [...]int64{
	reflect.Uint8: opcode.Nat8, reflect.Uint16: opcode.Nat16, reflect.Uint32: opcode.Nat32,
	reflect.Uint: opcode.Nat64, reflect.Uint64: opcode.Nat64,
	reflect.Int8: opcode.Int8, reflect.Int16: opcode.Int16, reflect.Int32: opcode.Int32,
	reflect.Int: opcode.Int64, reflect.Int64: opcode.Int64,
	reflect.Float32: opcode.Float32, reflect.Float64: opcode.Float64,
}

// fixedOp is the Candid opcode of a Go fixed-width number kind.
func fixedOp(k reflect.Kind) int64 {
	if int(k) < len(fixedOps) {
		return fixedOps[k]
	}
	return 0
}
