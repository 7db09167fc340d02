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

// magic starts every Candid message.
const magic = wire.Magic

// Marshal encodes args as a Candid argument sequence. A nil argument encodes as null.
func Marshal(args ...any) ([]byte, error) {
	e := &encoder{
		cache:      cache{},
		refs:       map[reflect.Type]int64{},
		dedup:      map[string]int64{},
		inProgress: map[reflect.Type]int64{},
	}
	refs := make([]int64, len(args))
	for i, a := range args {
		if a == nil {
			refs[i] = opcode.Null
			continue
		}
		r, err := e.typeRef(reflect.TypeOf(a))
		if err != nil {
			return nil, errfmt.Wrap("candid: argument "+errfmt.Int(i)+": ", err, "")
		}
		refs[i] = r
	}
	out := append([]byte(magic), leb128.AppendUnsigned(nil, uint64(len(e.entries)))...)
	for _, t := range e.entries {
		out = append(out, t...)
	}
	out = leb128.AppendUnsigned(out, uint64(len(args)))
	for _, r := range refs {
		out = leb128.AppendSigned(out, r)
	}
	for i, a := range args {
		if a == nil {
			continue
		}
		var err error
		if out, err = e.value(out, reflect.ValueOf(a)); err != nil {
			return nil, errfmt.Wrap("candid: argument "+errfmt.Int(i)+": ", err, "")
		}
	}
	return out, nil
}

// encoder builds the type table of one message. Entries are added after their
// components (post-order) and identical entries are shared, as agent-go does, so that both
// produce the same bytes for the same Go types.
type encoder struct {
	cache      cache
	entries    [][]byte
	refs       map[reflect.Type]int64 // finished Go types
	dedup      map[string]int64       // entry bytes -> index
	inProgress map[reflect.Type]int64 // struct types being defined: -1, or a reserved index
}

// add appends a type table entry (or finds an identical one) and returns its index.
func (e *encoder) add(entry []byte) int64 {
	if i, ok := e.dedup[string(entry)]; ok {
		return i
	}
	i := int64(len(e.entries))
	e.entries = append(e.entries, entry)
	e.dedup[string(entry)] = i
	return i
}

// typeRef returns the type reference (primitive opcode or table index) of Go type t.
func (e *encoder) typeRef(t reflect.Type) (int64, error) {
	switch t {
	case typeNull:
		return opcode.Null, nil
	case typeReserved:
		return opcode.Reserved, nil
	case typeEmpty:
		return opcode.Empty, nil
	case typeNat:
		return opcode.Nat, nil
	case typeInt:
		return opcode.Int, nil
	case typePrincipal:
		return opcode.Principal, nil
	}
	if r, ok := e.refs[t]; ok {
		return r, nil
	}
	if t.Kind() == reflect.Struct {
		if idx, ok := e.inProgress[t]; ok {
			// A recursive type: give it its index now and fill the entry in later.
			if idx < 0 {
				idx = int64(len(e.entries))
				e.entries = append(e.entries, nil)
				e.inProgress[t] = idx
			}
			return idx, nil
		}
	}
	var r int64
	switch t.Kind() {
	case reflect.Bool:
		return opcode.Bool, nil
	case reflect.Uint8:
		return opcode.Nat8, nil
	case reflect.Uint16:
		return opcode.Nat16, nil
	case reflect.Uint32:
		return opcode.Nat32, nil
	case reflect.Uint, reflect.Uint64:
		return opcode.Nat64, nil
	case reflect.Int8:
		return opcode.Int8, nil
	case reflect.Int16:
		return opcode.Int16, nil
	case reflect.Int32:
		return opcode.Int32, nil
	case reflect.Int, reflect.Int64:
		return opcode.Int64, nil
	case reflect.Float32:
		return opcode.Float32, nil
	case reflect.Float64:
		return opcode.Float64, nil
	case reflect.String:
		return opcode.Text, nil
	case reflect.Slice, reflect.Array, reflect.Pointer:
		if _, ok := e.inProgress[t]; ok {
			return 0, errors.New("unsupported recursive type " + t.String() +
				" (recursion must go through a struct)")
		}
		e.inProgress[t] = -1
		elem, err := e.typeRef(t.Elem())
		delete(e.inProgress, t)
		if err != nil {
			return 0, err
		}
		op := int64(opcode.Vec)
		if t.Kind() == reflect.Pointer {
			op = opcode.Opt
		}
		r = e.add(leb128.AppendSigned(leb128.AppendSigned(nil, op), elem))
	case reflect.Struct:
		var err error
		if r, err = e.structRef(t); err != nil {
			return 0, err
		}
	default:
		return 0, errors.New("unsupported Go type " + t.String())
	}
	e.refs[t] = r
	return r, nil
}

// structRef defines a record, variant or func type for struct type t.
func (e *encoder) structRef(t reflect.Type) (int64, error) {
	e.inProgress[t] = -1
	var entry []byte
	var err error
	if t.Implements(typeFuncSig) {
		entry, err = e.funcEntry(reflect.Zero(t).Interface().(funcSigner).candidSignature())
	} else {
		entry, err = e.recordEntry(t)
	}
	idx := e.inProgress[t]
	delete(e.inProgress, t)
	if err != nil {
		return 0, err
	}
	if idx >= 0 {
		e.entries[idx] = entry
		return idx, nil
	}
	return e.add(entry), nil
}

func (e *encoder) recordEntry(t reflect.Type) ([]byte, error) {
	info, err := e.cache.info(t)
	if err != nil {
		return nil, err
	}
	refs := make([]int64, len(info.fields))
	for i, f := range info.fields {
		if refs[i], err = e.typeRef(f.typ); err != nil {
			return nil, errfmt.Wrap(t.String()+"."+f.name+": ", err, "")
		}
	}
	op := int64(opcode.Record)
	if info.variant {
		op = opcode.Variant
	}
	entry := leb128.AppendUnsigned(leb128.AppendSigned(nil, op), uint64(len(info.fields)))
	for i, f := range info.fields {
		entry = leb128.AppendSigned(leb128.AppendUnsigned(entry, uint64(f.id)), refs[i])
	}
	return entry, nil
}

func (e *encoder) funcEntry(sig signature) ([]byte, error) {
	list := func(ts []reflect.Type) ([]int64, error) {
		refs := make([]int64, len(ts))
		for i, t := range ts {
			var err error
			if refs[i], err = e.typeRef(t); err != nil {
				return nil, err
			}
		}
		return refs, nil
	}
	args, err := list(sig.args)
	if err != nil {
		return nil, err
	}
	results, err := list(sig.results)
	if err != nil {
		return nil, err
	}
	entry := leb128.AppendUnsigned(leb128.AppendSigned(nil, opcode.Func), uint64(len(args)))
	for _, r := range args {
		entry = leb128.AppendSigned(entry, r)
	}
	entry = leb128.AppendUnsigned(entry, uint64(len(results)))
	for _, r := range results {
		entry = leb128.AppendSigned(entry, r)
	}
	if sig.annotation == 0 {
		return leb128.AppendUnsigned(entry, 0), nil
	}
	return append(leb128.AppendUnsigned(entry, 1), sig.annotation), nil
}

var errNoArm = errors.New("variant has no arm set")

// value appends the encoding of v.
func (e *encoder) value(b []byte, v reflect.Value) ([]byte, error) {
	t := v.Type()
	switch t {
	case typeNull, typeReserved:
		return b, nil
	case typeEmpty:
		return nil, errors.New("the empty type has no values")
	case typeNat:
		return leb128.AppendUnsigned(b, v.Uint()), nil
	case typeInt:
		return leb128.AppendSigned(b, v.Int()), nil
	case typePrincipal:
		raw := v.Interface().(interface{ Bytes() []byte }).Bytes()
		return append(leb128.AppendUnsigned(append(b, 1), uint64(len(raw))), raw...), nil
	}
	switch t.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return appendLE(b, v.Uint(), intWidth(t.Kind())), nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64:
		return appendLE(b, uint64(v.Int()), intWidth(t.Kind())), nil
	case reflect.Float32:
		return appendLE(b, uint64(math.Float32bits(float32(v.Float()))), 4), nil
	case reflect.Float64:
		return appendLE(b, math.Float64bits(v.Float()), 8), nil
	case reflect.String:
		s := v.String()
		return append(leb128.AppendUnsigned(b, uint64(len(s))), s...), nil
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, 0), nil
		}
		return e.value(append(b, 1), v.Elem())
	case reflect.Slice, reflect.Array:
		n := v.Len()
		b = leb128.AppendUnsigned(b, uint64(n))
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return append(b, v.Bytes()...), nil
		}
		var err error
		for i := 0; i < n; i++ {
			if b, err = e.value(b, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Struct:
		if t.Implements(typeFuncSig) {
			f := v.Convert(reflect.TypeFor[Func]()).Interface().(Func)
			raw := f.Service.Bytes()
			b = append(leb128.AppendUnsigned(append(b, 1, 1), uint64(len(raw))), raw...)
			return append(leb128.AppendUnsigned(b, uint64(len(f.Method))), f.Method...), nil
		}
		info, err := e.cache.info(t)
		if err != nil {
			return nil, err
		}
		if info.variant {
			return e.variantValue(b, v, info)
		}
		for _, f := range info.fields {
			if b, err = e.value(b, v.Field(f.index)); err != nil {
				return nil, errfmt.Wrap(t.String()+"."+f.name+": ", err, "")
			}
		}
		return b, nil
	}
	return nil, errors.New("unsupported Go type " + t.String())
}

func (e *encoder) variantValue(b []byte, v reflect.Value, info *structInfo) ([]byte, error) {
	arm := -1
	for i, f := range info.fields {
		if !v.Field(f.index).IsNil() {
			if arm >= 0 {
				return nil, errors.New("variant " + v.Type().String() + ": arms " +
					info.fields[arm].name + " and " + f.name + " are both set")
			}
			arm = i
		}
	}
	if arm < 0 {
		return nil, errfmt.Wrap(v.Type().String()+": ", errNoArm, "")
	}
	f := info.fields[arm]
	return e.value(leb128.AppendUnsigned(b, uint64(arm)), v.Field(f.index).Elem())
}

// appendLE appends the n low bytes of v, little-endian.
func appendLE(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// intWidth is the Candid byte width of a Go integer kind (int and uint are 64-bit in Candid
// whatever the platform).
func intWidth(k reflect.Kind) int {
	switch k {
	case reflect.Int8, reflect.Uint8:
		return 1
	case reflect.Int16, reflect.Uint16:
		return 2
	case reflect.Int32, reflect.Uint32:
		return 4
	}
	return 8
}
