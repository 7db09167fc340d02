package candid

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"

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
		annotation: wire.AnnQuery,
	}
}

func (UpdateFunc[A, R]) candidSignature() signature {
	return signature{
		args:    []reflect.Type{reflect.TypeFor[A]()},
		results: []reflect.Type{reflect.TypeFor[R]()},
	}
}

func (Func) candidSignature() signature { return signature{} }

// Hash is the Candid field id of a field name: sum of utf8(name)[i] * 223^(k-i), mod 2^32.
func Hash(name string) uint32 { return wire.Hash(name) }

// Special Go types that are not mapped by their kind.
var (
	typeNull      = reflect.TypeFor[Null]()
	typeReserved  = reflect.TypeFor[Reserved]()
	typeEmpty     = reflect.TypeFor[Empty]()
	typeNat       = reflect.TypeFor[Nat]()
	typeInt       = reflect.TypeFor[Int]()
	typePrincipal = reflect.TypeFor[principal.Principal]()
	typeFuncSig   = reflect.TypeFor[funcSigner]()
)
