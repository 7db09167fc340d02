package candid_test

import (
	"reflect"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
)

// Vectors of the Candid conformance suite's construct.test.did (dfinity/candid), restated as
// Go targets: no module this one requires ships that file (prim.test.did runs from agent-go's
// copy, conformance_test.go). ok=false cases must fail to decode; want,
// when set, is the decoded first argument.

type specList struct {
	Head candid.Int `ic:"head"`
	Tail *specList  `ic:"tail"`
}

type rec1Int struct {
	F candid.Int `ic:"1"`
}

type rec1OptInt struct {
	F *candid.Int `ic:"1"`
}

type rec1Reserved struct {
	F candid.Reserved `ic:"1"`
}

type rec2Int struct {
	F candid.Int `ic:"2"`
}

type rec2OptInt struct {
	F *candid.Int `ic:"2"`
}

type recIntBool struct {
	A candid.Int `ic:"0"`
	B bool       `ic:"1"`
}

type recBoolInt struct {
	A bool       `ic:"0"`
	B candid.Int `ic:"1"`
}

type rec1Bool struct {
	F bool `ic:"1"`
}

type recFooBar struct {
	Foo candid.Int `ic:"foo"`
	Bar bool       `ic:"bar"`
}

type recSnowman struct {
	F candid.Null `ic:"☃"`
}

type recInt struct {
	A candid.Int `ic:"0"`
}

type nest4 struct {
	A struct {
		A struct {
			A struct{} `ic:"0"`
		} `ic:"0"`
	} `ic:"0"`
}

type recFooOptBool struct {
	Foo *bool `ic:"foo"`
}

type recFooReserved struct {
	Foo candid.Reserved `ic:"foo"`
}

type var0 struct {
	A *candid.Null `ic:"0,variant"`
}

type var0Int struct {
	A *candid.Int `ic:"0,variant"`
}

type var0Int1Int struct {
	A *candid.Int `ic:"0,variant"`
	B *candid.Int `ic:"1,variant"`
}

type var01 struct {
	A *candid.Null `ic:"0,variant"`
	B *candid.Null `ic:"1,variant"`
}

type var012 struct {
	A *candid.Null `ic:"0,variant"`
	B *candid.Null `ic:"1,variant"`
	C *candid.Null `ic:"2,variant"`
}

type var1 struct {
	B *candid.Null `ic:"1,variant"`
}

type var0Null1Int struct {
	A *candid.Null `ic:"0,variant"`
	B *candid.Int  `ic:"1,variant"`
}

type varMaxInt struct {
	A *candid.Null `ic:"0,variant"`
	B *candid.Null `ic:"1,variant"`
	C *candid.Null `ic:"4294967295,variant"`
}

type varFooBar struct {
	Foo *candid.Null `ic:"Foo,variant"`
	Bar *candid.Null `ic:"Bar,variant"`
}

type varResult struct {
	Ok  *string `ic:"Ok,variant"`
	Err *string `ic:"Err,variant"`
}

type varOkEmpty struct {
	Ok  *string       `ic:"ok,variant"`
	Err *candid.Empty `ic:"err,variant"`
}

type varBig struct {
	Foo *candid.Null `ic:"Foo,variant"`
	Bar *recBoolInt  `ic:"Bar,variant"`
	Baz *struct {
		A candid.Int `ic:"a"`
		B candid.Nat `ic:"b"`
	} `ic:"Baz,variant"`
}

func specCases() []struct {
	name string
	data string
	into []any
	ok   bool
	want any
} {
	type tc = struct {
		name string
		data string
		into []any
		ok   bool
		want any
	}
	none := []any{}
	one := func(p any) []any { return []any{p} }
	return []tc{
		// prim.test runs from its file (conformance_test.go), except this assertion, which
		// agent-go's copy has commented out.
		{"text unicode", "DIDL\x00\x01\x71\x03\xe2\x98\x83", one(new(string)), true, "☃"},

		// construct.test: type table
		{"unused type", "DIDL\x01\x6e\x6f\x00", none, true, nil},
		{"repeated types", "DIDL\x02\x6e\x6f\x6e\x6f\x00", none, true, nil},
		{"recursive type", "DIDL\x01\x6e\x00\x00", none, true, nil},
		{"type too short", "DIDL\x01\x6e\x00", none, false, nil},
		{"vacuous type", "DIDL\x01\x00\x00", none, false, nil},
		{"vacuous type 2", "DIDL\x02\x6e\x01\x00\x00", none, false, nil},
		{"table entry out of range", "DIDL\x01\x6e\x01\x00", none, false, nil},
		{"arg entry out of range", "DIDL\x00\x01\x00", none, false, nil},
		{"arg too short", "DIDL\x00\x03\x7f\x7f", none, false, nil},
		{"arg too long", "DIDL\x00\x02\x7f\x7f\x7f", none, false, nil},
		{"non-primitive in arg list", "DIDL\x00\x01\x6e\x7f\x00", none, false, nil},
		{"primitive type in the table", "DIDL\x01\x7f\x00", none, false, nil},
		{"principal in the table", "DIDL\x01\x68\x00", none, false, nil},
		{"table entry in the table", "DIDL\x02\x6d\x7f\x00\x00", none, false, nil},
		{"table too long", "DIDL\x01\x6e\x6f\x6e\x6f\x00", none, false, nil},

		// opt
		{"opt null", "DIDL\x01\x6e\x7c\x01\x00\x00", one(new(*candid.Int)), true, (*candid.Int)(nil)},
		{"opt type out of range", "DIDL\x01\x6e\x02\x01\x00\x00", one(new(*candid.Int)), false, nil},
		{"opt 42", "DIDL\x01\x6e\x7c\x01\x00\x01\x2a", one(new(*candid.Int)), true, ptr(candid.Int(42))},
		{"opt flag out of range", "DIDL\x01\x6e\x7c\x01\x00\x02\x2a", one(new(*candid.Int)), false, nil},
		{"opt too short", "DIDL\x01\x6e\x7c\x01\x00\x01", one(new(*candid.Int)), false, nil},
		{"opt too long", "DIDL\x01\x6e\x7c\x01\x00\x00\x2a", one(new(*candid.Int)), false, nil},
		{"opt nested", "DIDL\x02\x6e\x01\x6e\x7c\x01\x00\x01\x01\x2a", one(new(**candid.Int)), true, ptr(ptr(candid.Int(42)))},
		{"opt non-recursive type", "DIDL\x01\x6e\x00\x01\x00\x01\x01\x00", one(new(***candid.Empty)), true, ptr(ptr((*candid.Empty)(nil)))},
		{"opt extra arg", "DIDL\x00\x00", one(new(*bool)), true, (*bool)(nil)},
		{"opt false", "DIDL\x01\x6e\x7e\x01\x00\x01\x00", one(new(*bool)), true, ptr(false)},
		{"opt invalid bool", "DIDL\x01\x6e\x7e\x01\x00\x01\x02", one(new(*bool)), false, nil},
		{"opt opt null", "DIDL\x02\x6e\x01\x6e\x7e\x01\x00\x01\x00", one(new(**bool)), true, ptr((*bool)(nil))},
		{"bool at opt bool", "DIDL\x00\x01\x7e\x01", one(new(*bool)), true, ptr(true)},
		{"invalid bool at opt bool", "DIDL\x00\x01\x7e\x02", one(new(*bool)), false, nil},
		{"null : opt null at opt opt null", "DIDL\x01\x6e\x7f\x01\x00\x00", one(new(**candid.Null)), true, (**candid.Null)(nil)},
		{"true at opt opt bool", "DIDL\x00\x01\x7e\x01", one(new(**bool)), true, (**bool)(nil)},
		{"reserved at opt nat", "DIDL\x00\x01\x70", one(new(*candid.Nat)), true, (*candid.Nat)(nil)},
		{"opt true at opt nat", "DIDL\x01\x6e\x7e\x01\x00\x01\x01", one(new(*candid.Nat)), true, (*candid.Nat)(nil)},
		{"opt invalid bool at opt nat", "DIDL\x01\x6e\x7e\x01\x00\x01\x02", one(new(*candid.Nat)), false, nil},
		{"opt opt true at opt nat", "DIDL\x02\x6e\x01\x6e\x7e\x01\x00\x01\x01\x01", one(new(*candid.Nat)), true, (*candid.Nat)(nil)},
		{"opt opt true at opt opt nat", "DIDL\x02\x6e\x01\x6e\x7e\x01\x00\x01\x01\x01", one(new(**candid.Nat)), true, ptr((*candid.Nat)(nil))},
		{"coercion error under variant", "DIDL\x02\x6e\x01\x6b\x01\x00\x7e\x01\x00\x01\x00\x01", one(new(*var0Int)), true, (*var0Int)(nil)},

		// vec
		{"vec empty", "DIDL\x01\x6d\x7c\x01\x00\x00", one(new([]candid.Int)), true, []candid.Int(nil)},
		{"vec non subtype empty", "DIDL\x01\x6d\x7c\x01\x00\x00", one(new([]int8)), true, []int8(nil)},
		{"vec", "DIDL\x01\x6d\x7c\x01\x00\x02\x01\x02", one(new([]candid.Int)), true, []candid.Int{1, 2}},
		{"vec blob", "DIDL\x01\x6d\x7b\x01\x00\x02\x01\x02", one(new([]byte)), true, []byte{1, 2}},
		{"vec space bomb", "DIDL\x01\x6d\x7f\x01\x00\xe8\x07", one(new([]candid.Null)), true, make([]candid.Null, 1000)},
		{"vec too short", "DIDL\x01\x6d\x7c\x01\x00\x02\x01", one(new([]candid.Int)), false, nil},
		{"vec too long", "DIDL\x01\x6d\x7c\x01\x00\x01\x01\x02", one(new([]candid.Int)), false, nil},
		{"vec of records", "DIDL\x02\x6d\x01\x6c\x00\x01\x00\x05", one(new([]struct{})), true, make([]struct{}, 5)},

		// record
		{"record empty", "DIDL\x01\x6c\x00\x01\x00", one(new(struct{})), true, struct{}{}},
		{"record int", "DIDL\x01\x6c\x01\x01\x7c\x01\x00\x2a", one(new(rec1Int)), true, rec1Int{42}},
		{"record opt", "DIDL\x01\x6c\x01\x01\x7c\x01\x00\x2a", one(new(rec1OptInt)), true, rec1OptInt{ptr(candid.Int(42))}},
		{"record reserved", "DIDL\x01\x6c\x01\x01\x7c\x01\x00\x2a", one(new(rec1Reserved)), true, rec1Reserved{}},
		{"record ignore fields", "DIDL\x01\x6c\x01\x01\x7c\x01\x00\x2a", one(new(struct{})), true, struct{}{}},
		{"record missing field", "DIDL\x01\x6c\x01\x01\x7c\x01\x00\x2a", one(new(rec2Int)), false, nil},
		{"record missing opt field", "DIDL\x01\x6c\x01\x01\x7c\x01\x00\x2a", one(new(rec2OptInt)), true, rec2OptInt{}},
		{"record tuple", "DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x01\x00\x2a\x01", one(new(recIntBool)), true, recIntBool{42, true}},
		{"record ignore tuple field", "DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x01\x00\x2a\x01", one(new(rec1Bool)), true, rec1Bool{true}},
		{"record type mismatch", "DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x01\x00\x2a\x01", one(new(recBoolInt)), false, nil},
		{"record duplicate fields", "DIDL\x01\x6c\x02\x00\x7c\x00\x7e\x01\x00\x2a\x01", one(new(recIntBool)), false, nil},
		{"record unsorted", "DIDL\x01\x6c\x02\x01\x7c\x00\x7e\x01\x00\x2a\x01", one(new(recIntBool)), false, nil},
		{"record named fields", "DIDL\x01\x6c\x02\xd3\xe3\xaa\x02\x7e\x86\x8e\xb7\x02\x7c\x01\x00\x01\x2a", one(new(recFooBar)), true, recFooBar{42, true}},
		{"record unicode field", "DIDL\x01\x6c\x01\xcd\x84\xb0\x05\x7f\x01\x00", one(new(recSnowman)), true, recSnowman{}},
		{"record field hash over u32", "DIDL\x01\x6c\x01\x80\xe4\x97\xd0\x12\x7c\x01\x00\x2a", one(new(struct{})), false, nil},
		{"record nested", "DIDL\x04\x6c\x01\x00\x01\x6c\x01\x00\x02\x6c\x01\x00\x03\x6c\x00\x01\x00", one(new(nest4)), true, nest4{}},
		{"record empty recursion", "DIDL\x01\x6c\x01\x00\x00\x01\x00", one(new(candid.Reserved)), false, nil},
		{"vec of empty records", "DIDL\x02\x6d\x01\x6c\x01\x00\x01\x01\x00\x01", one(new(candid.Reserved)), false, nil},
		{"record value too short", "DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x01\x00\x2a", one(new(recInt)), false, nil},
		{"record value too long", "DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x01\x00\x2a\x01\x00", one(new(recInt)), false, nil},
		{"record type too short", "DIDL\x01\x6c\x02\x00\x7c\x01\x01\x00\x2a\x01", one(new(struct{})), false, nil},
		{"record type too long", "DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x02\x7e\x01\x00\x2a\x01\x00", one(new(struct{})), false, nil},
		{"record type out of range", "DIDL\x01\x6c\x02\x00\x01\x01\x7e\x01\x00\x00\x00", one(new(struct{})), false, nil},
		{"missing optional field", "DIDL\x01\x6c\x00\x01\x00", one(new(recFooOptBool)), true, recFooOptBool{}},
		{"missing reserved field", "DIDL\x01\x6c\x00\x01\x00", one(new(recFooReserved)), true, recFooReserved{}},

		// variant
		{"variant no empty value", "DIDL\x01\x6b\x00\x01\x00", one(new(var0)), false, nil},
		{"variant numbered field", "DIDL\x01\x6b\x01\x00\x7f\x01\x00\x00", one(new(var0)), true, var0{A: &candid.Null{}}},
		{"variant type mismatch", "DIDL\x01\x6b\x01\x00\x7f\x01\x00\x00\x2a", one(new(var0Int)), false, nil},
		{"variant mismatch in unused tag", "DIDL\x01\x6b\x02\x00\x7f\x01\x7c\x01\x00\x01\x2a", one(new(var0Int1Int)), true, var0Int1Int{B: ptr(candid.Int(42))}},
		{"variant ignore field", "DIDL\x01\x6b\x01\x00\x7f\x01\x00\x00", one(new(var01)), true, var01{A: &candid.Null{}}},
		{"variant {0;1} <: variant {0}", "DIDL\x01\x6b\x02\x00\x7f\x01\x7f\x01\x00\x00", one(new(var0)), true, var0{A: &candid.Null{}}},
		{"variant {0;1} <: opt variant {0}", "DIDL\x01\x6b\x02\x00\x7f\x01\x7f\x01\x00\x00", one(new(*var0)), true, &var0{A: &candid.Null{}}},
		{"variant change index", "DIDL\x01\x6b\x02\x00\x7f\x01\x7f\x01\x00\x01", one(new(var012)), true, var012{B: &candid.Null{}}},
		{"variant missing field", "DIDL\x01\x6b\x01\x00\x7f\x01\x00\x00", one(new(var1)), false, nil},
		{"variant index out of range", "DIDL\x01\x6b\x01\x00\x7f\x01\x00\x01", one(new(var0)), false, nil},
		{"variant duplicate fields", "DIDL\x01\x6b\x02\x00\x7f\x00\x7f\x01\x00\x00", one(new(var0)), false, nil},
		{"variant unsorted", "DIDL\x01\x6b\x02\x01\x7f\x00\x7f\x01\x00\x00", one(new(var01)), false, nil},
		{"variant max id", "DIDL\x01\x6b\x03\x00\x7f\x01\x7f\xff\xff\xff\xff\x0f\x7f\x01\x00\x00", one(new(varMaxInt)), true, varMaxInt{A: &candid.Null{}}},
		{"variant unsorted max id", "DIDL\x01\x6b\x03\x00\x7f\xff\xff\xff\xff\x0f\x7f\x01\x7f\x01\x00\x00", one(new(varMaxInt)), false, nil},
		{"variant enum", "DIDL\x01\x6b\x02\xb3\xd3\xc9\x01\x7f\xe6\xfd\xd5\x01\x7f\x01\x00\x00", one(new(varFooBar)), true, varFooBar{Bar: &candid.Null{}}},
		{"variant result", "DIDL\x01\x6b\x02\xbc\x8a\x01\x71\xc5\xfe\xd2\x01\x71\x01\x00\x00\x04good", one(new(varResult)), true, varResult{Ok: ptr("good")}},
		{"variant with empty", "DIDL\x01\x6b\x02\x9c\xc2\x01\x71\xe5\x8e\xb4\x02\x6f\x01\x00\x00\x04good", one(new(varOkEmpty)), true, varOkEmpty{Ok: ptr("good")}},
		{"variant record arm", "DIDL\x03\x6b\x03\xb3\xd3\xc9\x01\x01\xbb\xd3\xc9\x01\x02\xe6\xfd\xd5\x01\x7f\x6c\x02\x00\x7e\x01\x7c\x6c\x02\x61\x7c\x62\x7d\x01\x00\x00\x01\x2a",
			one(new(varBig)), true, varBig{Bar: &recBoolInt{true, 42}}},
		{"variant empty recursion", "DIDL\x01\x6b\x01\x00\x00\x01\x00" + string(make([]byte, 13)), one(new(candid.Reserved)), false, nil},
		{"variant value too short", "DIDL\x01\x6b\x02\x00\x7f\x01\x7c\x01\x00\x01", one(new(var0Null1Int)), false, nil},
		{"variant value too long", "DIDL\x01\x6b\x02\x00\x7f\x01\x7c\x01\x00\x01\x2a\x00", one(new(var0Null1Int)), false, nil},
		{"variant type too short", "DIDL\x01\x6b\x02\x00\x7f\x01\x00\x00", one(new(var01)), false, nil},

		// list
		{"empty list", "DIDL\x02\x6e\x01\x6c\x02\xa0\xd2\xac\xa8\x04\x7c\x90\xed\xda\xe7\x04\x00\x01\x00\x00", one(new(*specList)), true, (*specList)(nil)},
		{"list", "DIDL\x02\x6e\x01\x6c\x02\xa0\xd2\xac\xa8\x04\x7c\x90\xed\xda\xe7\x04\x00\x01\x00\x01\x01\x01\x02\x01\x03\x01\x04\x00",
			one(new(*specList)), true, &specList{1, &specList{2, &specList{3, &specList{4, nil}}}}},
		{"list reordered table", "DIDL\x02\x6c\x02\xa0\xd2\xac\xa8\x04\x7c\x90\xed\xda\xe7\x04\x01\x6e\x00\x01\x01\x01\x01\x01\x02\x00",
			one(new(*specList)), true, &specList{1, &specList{2, nil}}},
	}
}

func TestSpecVectors(t *testing.T) {
	for _, tt := range specCases() {
		t.Run(tt.name, func(t *testing.T) {
			err := candid.Unmarshal([]byte(tt.data), tt.into...)
			if tt.ok != (err == nil) {
				t.Fatalf("Unmarshal(%x) error = %v, want ok=%v", tt.data, err, tt.ok)
			}
			if tt.ok && tt.want != nil {
				if got := reflect.ValueOf(tt.into[0]).Elem().Interface(); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %#v, want %#v", got, tt.want)
				}
			}
		})
	}
}
