package candid

import (
	"errors"
	"math"
	"reflect"
	"strings"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// field is one Go struct field as a Candid record field or variant arm.
type field struct {
	id    uint32
	name  string
	index int          // Go field index
	typ   reflect.Type // Go type; for variant arms the pointed-to type
}

// structInfo is the Candid view of a Go struct type.
type structInfo struct {
	variant bool
	fields  []field // sorted by id
}

// parseTag splits an `ic:"name,opt,..."` tag.
func parseTag(f reflect.StructField) (name string, variant, tuple bool) {
	tag, ok := f.Tag.Lookup("ic")
	parts := strings.Split(tag, ",")
	name = parts[0]
	for _, o := range parts[1:] {
		switch o {
		case "variant":
			variant = true
		case "tuple":
			tuple = true
		}
	}
	if !ok || name == "" {
		// agent-go lower-cases the first letter. Only ASCII is handled here, which keeps
		// the unicode tables out of the module (exported Go names almost always start
		// with an ASCII letter).
		name = f.Name
		if c := name[0]; c >= 'A' && c <= 'Z' {
			name = string(c+'a'-'A') + name[1:]
		}
	}
	return name, variant, tuple
}

// fieldID is the Candid id of a field name: a decimal name is the number itself.
func fieldID(name string) uint32 {
	if n, ok := decimal32(name); ok {
		return n
	}
	return Hash(name)
}

// decimal32 is strconv.ParseUint(s, 10, 32) without strconv's error values, whose messages
// (quoting, Unicode tables) would otherwise be linked into every canister.
func decimal32(s string) (uint32, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + uint64(c-'0'); n > math.MaxUint32 {
			return 0, false
		}
	}
	return uint32(n), true
}

// structInfoOf computes the Candid view of struct type t.
func structInfoOf(t reflect.Type) (*structInfo, error) {
	info := &structInfo{}
	tuple := false
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("ic") == "-" {
			continue
		}
		name, v, tu := parseTag(f)
		info.variant = info.variant || v
		tuple = tuple || tu
		info.fields = append(info.fields, field{name: name, index: i, typ: f.Type})
	}
	for i := range info.fields {
		f := &info.fields[i]
		if tuple {
			f.id = uint32(i)
		} else {
			f.id = fieldID(f.name)
		}
		if info.variant {
			if f.typ.Kind() != reflect.Pointer {
				return nil, errors.New("candid: variant " + t.String() + ": arm " + f.name +
					" must be a pointer")
			}
			f.typ = f.typ.Elem()
		}
	}
	// Sort by id, stably (so that duplicates below are named in field order). Insertion
	// sort: structs have few fields, and slices.SortStableFunc would link about 9 KB of
	// generic merge code into every canister.
	fs := info.fields
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].id < fs[j-1].id; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
	for i := 1; i < len(info.fields); i++ {
		if info.fields[i].id == info.fields[i-1].id {
			return nil, errors.New("candid: " + t.String() + ": fields " + info.fields[i-1].name +
				" and " + info.fields[i].name + " have the same id " + errfmt.Int(info.fields[i].id))
		}
	}
	return info, nil
}

// cache memoizes struct views for one Marshal or Unmarshal call. It is not package-level so
// that the package keeps no mutable global state.
type cache map[reflect.Type]*structInfo

func (c cache) info(t reflect.Type) (*structInfo, error) {
	if s, ok := c[t]; ok {
		return s, nil
	}
	s, err := structInfoOf(t)
	if err != nil {
		return nil, err
	}
	c[t] = s
	return s, nil
}
