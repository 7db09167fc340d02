package jsonlite

import "strings"

// Field binds an object member to a Go variable, for Unmarshal, Decode and AppendObject. A
// struct is described by a list of Fields in declaration order, with the same names and the
// same Go type names (for error messages) that encoding/json would use.
type Field struct {
	name   string
	decode func(d *decoder, v Value) error
	encode func(b []byte) []byte
}

// UnmarshalTypeError is a value of the wrong type for its destination; its message is
// encoding/json's UnmarshalTypeError's.
type UnmarshalTypeError struct {
	Value  string // "string", "number", "number 1.5", "array", ...
	Type   string // the Go type, as reflect.Type.String writes it
	Struct string // the innermost struct's type name ("" for an anonymous struct)
	Field  string // the dotted path of JSON names from the top
}

func (e *UnmarshalTypeError) Error() string {
	if e.Struct != "" || e.Field != "" {
		return "json: cannot unmarshal " + e.Value + " into Go struct field " + e.Struct + "." + e.Field + " of type " + e.Type
	}
	return "json: cannot unmarshal " + e.Value + " into Go value of type " + e.Type
}

// decoder is encoding/json's decodeState reduced to what the messages need: the first type
// error (reported after the whole value was decoded) and the field being decoded.
type decoder struct {
	saved  error
	inside bool
	strct  string
	path   []string
}

func (d *decoder) typeError(value, goType string) {
	if d.saved == nil {
		d.saved = d.withContext(&UnmarshalTypeError{Value: value, Type: goType})
	}
}

// withContext is encoding/json's addErrorContext: a type error learns the innermost struct
// and the path of the field being decoded.
func (d *decoder) withContext(err error) error {
	if te, ok := err.(*UnmarshalTypeError); ok && d.inside {
		path := d.path[:len(d.path):len(d.path)]
		if te.Field != "" {
			path = append(path, te.Field)
		}
		te.Struct, te.Field = d.strct, strings.Join(path, ".")
	}
	return err
}

func kindName(v Value) string {
	return [...]string{KindNull: "null", KindBool: "bool", KindNumber: "number", KindString: "string", KindArray: "array", KindObject: "object"}[v.Kind()]
}

// Unmarshal decodes data as json.Unmarshal decodes it into a struct of type goType (e.g.
// "payments.SessionObject") described by fields: first the whole document is validated,
// then members are applied in order (the last of duplicate keys wins, nested structs are
// merged, null leaves a non-pointer field alone), a type error is remembered and reported
// after the rest is decoded, and an error returned by a Custom field stops decoding.
func Unmarshal(data []byte, goType string, fields []Field) error {
	v, err := Parse(data)
	if err != nil {
		return err
	}
	return Decode(v, goType, fields)
}

// Decode is Unmarshal of an already parsed value.
func Decode(v Value, goType string, fields []Field) error {
	var d decoder
	if err := d.object(v, goType, fields); err != nil {
		return d.withContext(err)
	}
	return d.saved
}

// structName is reflect's Type.Name of goType: "" for an anonymous struct.
func structName(goType string) string {
	if strings.HasPrefix(goType, "struct ") {
		return ""
	}
	return goType[strings.LastIndexByte(goType, '.')+1:]
}

// isObject reports whether v is an object; any other value but null is a type error for
// goType, which decoding records and goes on past, as encoding/json does.
func (d *decoder) isObject(v Value, goType string) bool {
	switch v.Kind() {
	case KindObject:
		return true
	case KindNull:
	default:
		d.typeError(kindName(v), goType)
	}
	return false
}

func (d *decoder) object(v Value, goType string, fields []Field) error {
	if !d.isObject(v, goType) {
		return nil
	}
	return d.members(v, goType, fields)
}

// members decodes the members of object v into fields.
func (d *decoder) members(v Value, goType string, fields []Field) error {
	return v.Members(func(key string, m Value) error {
		f := match(fields, key)
		if f == nil {
			return nil
		}
		inside, strct, n := d.inside, d.strct, len(d.path)
		d.inside, d.strct, d.path = true, structName(goType), append(d.path, f.name)
		if err := f.decode(d, m); err != nil {
			return err // the context stays for withContext, as in encoding/json
		}
		d.inside, d.strct, d.path = inside, strct, d.path[:n]
		return nil
	})
}

// match finds the field for key as encoding/json does: an exact name first, else the first
// field whose name matches case-insensitively.
func match(fields []Field, key string) *Field {
	for i := range fields {
		if fields[i].name == key {
			return &fields[i]
		}
	}
	for i := range fields {
		if FieldMatch(key, fields[i].name) {
			return &fields[i]
		}
	}
	return nil
}

// AppendObject appends the fields as json.Marshal writes the struct they describe. Every
// field must have an encoder (Custom and ObjectPtr fields have none).
func AppendObject(b []byte, fields []Field) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, f.name)
		b = append(b, ':')
		b = f.encode(b)
	}
	return append(b, '}')
}

// String binds a string field.
func String(name string, p *string) Field {
	return Field{name, func(d *decoder, v Value) error {
		decodeString(d, v, p)
		return nil
	}, func(b []byte) []byte { return AppendString(b, *p) }}
}

func decodeString(d *decoder, v Value, p *string) {
	switch v.Kind() {
	case KindString:
		*p, _ = v.Str()
	case KindNull:
	default:
		d.typeError(kindName(v), "string")
	}
}

// StringPtr binds a *string field: null is nil.
func StringPtr(name string, p **string) Field {
	return Field{name, func(d *decoder, v Value) error {
		switch v.Kind() {
		case KindString:
			s, _ := v.Str()
			*p = &s
		case KindNull:
			*p = nil
		default:
			d.typeError(kindName(v), "string")
		}
		return nil
	}, func(b []byte) []byte {
		if *p == nil {
			return append(b, "null"...)
		}
		return AppendString(b, **p)
	}}
}

// Strings binds a []string field: null is nil, and an array reuses the slice's elements
// as encoding/json does (a null element keeps what was there).
func Strings(name string, p *[]string) Field {
	return Field{name, func(d *decoder, v Value) error {
		switch v.Kind() {
		case KindNull:
			*p = nil
		case KindArray:
			s, i := *p, 0
			_ = v.Elements(func(e Value) error {
				if i >= cap(s) {
					s = append(s, "")
				} else if i >= len(s) {
					s = s[:i+1]
				}
				decodeString(d, e, &s[i])
				i++
				return nil
			})
			if i < len(s) {
				s = s[:i]
			}
			if i == 0 {
				s = []string{}
			}
			*p = s
		default:
			d.typeError(kindName(v), "[]string")
		}
		return nil
	}, func(b []byte) []byte {
		if *p == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range *p {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, s)
		}
		return append(b, ']')
	}}
}

// Int binds a signed integer field of Go type goType (e.g. "int64", "time.Duration").
func Int[T ~int | ~int64](name, goType string, p *T) Field {
	return number(name, goType, p, Value.Int64, func(b []byte) []byte { return AppendInt(b, int64(*p)) })
}

// number binds an integer field read with parse, as encoding/json decodes one: a number
// that parse refuses (a fraction, an exponent, out of range) is a type error, null leaves
// the field as it is.
func number[T, N ~int | ~int64 | ~uint64](name, goType string, p *T, parse func(Value) (N, bool), enc func([]byte) []byte) Field {
	return Field{name, func(d *decoder, v Value) error {
		switch v.Kind() {
		case KindNumber:
			n, ok := parse(v)
			if !ok {
				d.typeError("number "+string(v.raw), goType)
				break
			}
			*p = T(n)
		case KindNull:
		default:
			d.typeError(kindName(v), goType)
		}
		return nil
	}, enc}
}

// IntPtr binds a *int64 field: null is nil.
func IntPtr(name string, p **int64) Field {
	return Field{name, func(d *decoder, v Value) error {
		if v.Kind() == KindNull {
			*p = nil
			return nil
		}
		n := new(int64)
		*p = n // encoding/json allocates before it decodes
		return Int(name, "int64", n).decode(d, v)
	}, func(b []byte) []byte {
		if *p == nil {
			return append(b, "null"...)
		}
		return AppendInt(b, **p)
	}}
}

// Uint binds an unsigned integer field of Go type goType.
func Uint[T ~uint64](name, goType string, p *T) Field {
	return number(name, goType, p, Value.Uint64, func(b []byte) []byte { return AppendUint(b, uint64(*p)) })
}

// Bool binds a bool field.
func Bool(name string, p *bool) Field {
	return Field{name, func(d *decoder, v Value) error {
		switch v.Kind() {
		case KindBool:
			*p, _ = v.Bool()
		case KindNull:
		default:
			d.typeError(kindName(v), "bool")
		}
		return nil
	}, func(b []byte) []byte {
		if *p {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	}}
}

// Raw binds a json.RawMessage field: it keeps a copy of the value's bytes, null included.
func Raw(name string, p *[]byte) Field {
	return Field{name, func(d *decoder, v Value) error {
		*p = append((*p)[:0], v.raw...)
		return nil
	}, func(b []byte) []byte { return append(b, *p...) }}
}

// Object binds a nested struct field of Go type goType, described by fields: an object is
// merged into it, null leaves it alone.
func Object(name, goType string, fields []Field) Field {
	return Field{name, func(d *decoder, v Value) error {
		return d.object(v, goType, fields)
	}, func(b []byte) []byte { return AppendObject(b, fields) }}
}

// ObjectPtr binds a pointer to a struct of Go type goType: null is nil, an object is
// merged into the struct (allocated if nil). fields describes a given struct.
func ObjectPtr[T any](name, goType string, p **T, fields func(*T) []Field) Field {
	return Field{name: name, decode: func(d *decoder, v Value) error {
		if v.Kind() == KindNull {
			*p = nil
			return nil
		}
		if !d.isObject(v, goType) {
			return nil
		}
		if *p == nil {
			*p = new(T)
		}
		return d.members(v, goType, fields(*p))
	}}
}

// Custom binds a field decoded by fn, like a type with an UnmarshalJSON method: fn sees
// every value, null included, and an error it returns stops decoding and is returned (a
// *UnmarshalTypeError learns the field's path first, as in encoding/json).
func Custom(name string, fn func(v Value) error) Field {
	return Field{name: name, decode: func(d *decoder, v Value) error { return fn(v) }}
}
