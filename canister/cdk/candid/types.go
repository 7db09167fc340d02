package candid

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"

	"reflect"

	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Null is the Candid null type (and a variant arm without data, as *Null).
type Null struct{}

// Reserved is the Candid reserved type: it accepts any value and discards it.
type Reserved struct{}

// Empty is the Candid empty type, which has no values.
type Empty struct{}

// Nat is the Candid nat type. Values that do not fit 64 bits fail to decode.
type Nat uint64

// Int is the Candid int type. Values that do not fit 64 bits fail to decode.
type Int int64

// Func is a Candid func value: a public method of a canister. As a field type on its own it
// encodes as `func () -> ()`; use QueryFunc or UpdateFunc to give it a signature.
type Func struct {
	Service principal.Principal
	Method  string
}

// QueryFunc is a func value of type `func (A) -> (R) query`, e.g. an HTTP streaming callback
// or an HTTPS outcall transform.
type QueryFunc[A, R any] Func

// UpdateFunc is a func value of type `func (A) -> (R)`.
type UpdateFunc[A, R any] Func

// funcSigner is implemented by func types that know their Candid signature.
type funcSigner interface {
	candidSignature() signature
}

// signature is a Candid func type: argument and result types and an annotation.
type signature struct {
	args, results []reflect.Type
	annotation    byte // 0 none, 1 query, 2 oneway, 3 composite_query
}

func (QueryFunc[A, R]) candidSignature() signature {
	return signature{
		args:       []reflect.Type{reflect.TypeFor[A]()},
		results:    []reflect.Type{reflect.TypeFor[R]()},
		annotation: annQuery,
	}
}

func (UpdateFunc[A, R]) candidSignature() signature {
	return signature{
		args:    []reflect.Type{reflect.TypeFor[A]()},
		results: []reflect.Type{reflect.TypeFor[R]()},
	}
}

func (Func) candidSignature() signature { return signature{} }

// Func annotations.
const (
	annQuery          = 1
	annOneway         = 2
	annCompositeQuery = 3
)

// isPrimitive reports whether op is a primitive type opcode (usable as a type reference).
func isPrimitive(op int64) bool {
	return op >= opcode.Empty && op <= opcode.Null || op == opcode.Principal
}

// fixedWidth is the byte width of fixed-size primitive values (0 for the others).
func fixedWidth(op int64) int {
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

// opName names a type opcode in error messages.
func opName(op int64) string {
	if op <= -1 && op >= -int64(len(opNames)) {
		return opNames[-op-1]
	}
	return "type"
}

// Hash is the Candid field id of a field name: sum of utf8(name)[i] * 223^(k-i), mod 2^32.
func Hash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h*223 + uint32(name[i])
	}
	return h
}

// Special Go types that are not mapped by their kind.
var (
	typeNull      = reflect.TypeFor[Null]()
	typeReserved  = reflect.TypeFor[Reserved]()
	typeEmpty     = reflect.TypeFor[Empty]()
	typeNat       = reflect.TypeFor[Nat]()
	typeInt       = reflect.TypeFor[Int]()
	typePrincipal = reflect.TypeFor[principal.Principal]()
	typeBytes     = reflect.TypeFor[[]byte]()
	typeFuncSig   = reflect.TypeFor[funcSigner]()
)
