package wire

import (
	"errors"

	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
)

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
