package candid_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
)

// Space bombs (dfinity/candid test/spacebomb.test.did): valid with infinite resources,
// they must be rejected early, by the decoding budget, whether the values are skipped,
// decoded or tried under an opt.
func TestSpaceBombs(t *testing.T) {
	const (
		vecNull     = "DIDL\x01\x6d\x7f\x01\x00\x80\x94\xeb\xdc\x03"
		vecReserved = "DIDL\x01\x6d\x70\x01\x00\x80\x94\xeb\xdc\x03"
		zeroRecord  = "DIDL\x04\x6c\x03\x01\x7f\x02\x01\x03\x02\x6c\x01\x01\x70\x6c\x00\x6d\x00\x01\x03\x80\x94\xeb\xdc\x03"
		vecVecNull  = "DIDL\x02\x6d\x01\x6d\x7f\x01\x00\x05\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f"
		vecRecord   = "DIDL\x03\x6c\x01\xd6\xfc\xa7\x02\x01\x6d\x02\x6c\x00\x01\x00\x80\xad\xe2\x04"
		vecRecord2  = "DIDL\x02\x6d\x01\x6c\x00\x01\x00\x80\xad\xe2\x04"
		// 2^20 nulls in one value: 20 nested records of two fields.
		exp = "DIDL\x17\x6c\x02\x01\x7f\x02\x7f\x6c\x02\x01\x00\x02\x00\x6c\x02\x00\x01\x01\x01\x6c\x02\x00\x02\x01\x02" +
			"\x6c\x02\x00\x03\x01\x03\x6c\x02\x00\x04\x01\x04\x6c\x02\x00\x05\x01\x05\x6c\x02\x00\x06\x01\x06\x6c\x02\x00\x07\x01\x07" +
			"\x6c\x02\x00\x08\x01\x08\x6c\x02\x00\x09\x01\x09\x6c\x02\x00\x0a\x01\x0a\x6c\x02\x00\x0b\x01\x0b\x6c\x02\x00\x0c\x01\x0c" +
			"\x6c\x02\x00\x0d\x02\x0d\x6c\x02\x00\x0e\x01\x0e\x6c\x02\x00\x0f\x01\x0f\x6c\x02\x00\x10\x01\x10\x6c\x02\x00\x11\x01\x11" +
			"\x6c\x02\x00\x12\x01\x12\x6c\x02\x00\x13\x01\x13\x6e\x14\x6d\x15\x01\x16"
	)
	type zeroSized struct {
		A candid.Null `ic:"1"`
		B struct {
			R candid.Reserved `ic:"1"`
		} `ic:"2"`
		C struct{} `ic:"3"`
	}
	tests := []struct {
		name string
		data string
		into []any
	}{
		{"vec null (extra argument)", vecNull, nil},
		{"vec reserved (extra argument)", vecReserved, nil},
		{"zero-sized record (extra argument)", zeroRecord, nil},
		{"vec vec null (extra argument)", vecVecNull, nil},
		{"vec record {} (extra argument)", vecRecord, nil},
		{"vec opt record with 2^20 null (extra argument)", exp + "\x02\x01\x01", nil},
		{"vec null (not ignored)", vecNull, []any{new([]*candid.Nat)}},
		{"vec reserved (not ignored)", vecReserved, []any{new([]candid.Reserved)}},
		{"zero-sized record (not ignored)", zeroRecord, []any{new([]zeroSized)}},
		{"vec vec null (not ignored)", vecVecNull, []any{new([][]candid.Null)}},
		{"vec record {} (not ignored)", vecRecord2, []any{new([]struct{})}},
		{"vec null (subtyping)", vecNull, []any{new(*candid.Nat)}},
		{"vec reserved (subtyping)", vecReserved, []any{new(*candid.Nat)}},
		{"zero-sized record (subtyping)", zeroRecord, []any{new(*candid.Nat)}},
		{"vec vec null (subtyping)", vecVecNull, []any{new([]*candid.Nat)}},
		{"vec record {} (subtyping)", vecRecord, []any{new(*candid.Nat)}},
		{"vec opt record with 2^20 null (subtyping)", exp + "\x05\x01\x01\x01\x01\x01", []any{new([]*struct{})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := candid.Unmarshal([]byte(tt.data), tt.into...)
			if !errors.Is(err, wire.ErrTooLarge) && !errors.Is(err, wire.ErrTooDeep) {
				t.Fatalf("error = %v, want the decoding budget to stop it", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v to reject", d)
			}
		})
	}
}
