// Package candid encodes and decodes the Candid binary format (the IDL of Internet Computer
// messages) by reflection over Go values, with the conventions of agent-go's candid package
// so that the same Go types work on both sides:
//
//	Go                              Candid
//	bool                            bool
//	uint8, uint16, uint32           nat8, nat16, nat32
//	uint, uint64                    nat64
//	int8, int16, int32              int8, int16, int32
//	int, int64                      int64
//	float32, float64                float32, float64
//	string                          text
//	Nat, Int                        nat, int (limited to 64 bits)
//	Null, Reserved, Empty           null, reserved, empty
//	principal.Principal             principal
//	[]byte                          blob (vec nat8)
//	[]T, [N]T                       vec T
//	*T                              opt T
//	struct                          record (field name: `ic:"name"` tag, else the Go name
//	                                with a lower-case first letter; "-" skips a field;
//	                                a decimal name such as "0" is that field id)
//	struct with `ic:"name,variant"` variant; every field is a pointer (an arm), exactly one
//	                                is non-nil; *Null is an arm without data
//	QueryFunc[A, R], UpdateFunc[A, R] func (A) -> (R) [query]
//
// It exists because agent-go's package adds about 2.2 MB to a Wasm module (0.56 MB gzip: a
// CBOR codec, a PEG parser for Candid text, math/big); this one has no dependency beyond
// reflect.
//
// Decoding follows the coercion rules of the Candid spec, value by value as the reference
// implementation does: extra record fields, variant arms and arguments are ignored, missing
// opt and reserved fields and arguments decode as null, a value of type T decodes into
// opt T, a value that does not coerce under an opt decodes as null, nat decodes into int.
// It passes the applicable vectors of the Candid conformance suite (spec_test.go). The
// decoder bounds nesting depth and the number of values (the suite's space bombs) so that
// no input can make it run away.
//
// Not supported: func and service references are accepted whatever their signature (no
// subtype check on reference types); opaque references; the future-type encoding; Go maps
// and interfaces; nat and int values beyond 64 bits (they are skipped when not decoded).
package candid
