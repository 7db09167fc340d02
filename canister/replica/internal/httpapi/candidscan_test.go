package httpapi

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
)

func TestFieldHash(t *testing.T) {
	for _, name := range []string{"canister_id", "target_canister", "", "a", "wasm_module"} {
		if got, want := wire.Hash(name), uint32(idl.Hash(name).Uint64()); got != want {
			t.Errorf("%q: id %d, want %d", name, got, want)
		}
	}
}

// Management arguments encoded by agent-go, with fields of many types around the principal.
func TestCandidRecordPrincipal(t *testing.T) {
	blob := idl.NewVectorType(idl.Nat8Type())
	prin := new(idl.PrincipalType)
	rec := func(fields map[string]idl.Type) *idl.RecordType { return idl.NewRecordType(fields) }
	mode := idl.NewVariantType(map[string]idl.Type{
		"install": new(idl.NullType),
		"upgrade": idl.NewOptionalType(rec(map[string]idl.Type{"skip_pre_upgrade": idl.NewOptionalType(new(idl.BoolType))})),
	})
	tests := []struct {
		name   string
		typ    idl.Type
		value  any
		method string
		want   []byte // nil: no effective canister id
	}{
		{"canister_id only", rec(map[string]idl.Type{"canister_id": prin}),
			map[string]any{"canister_id": testCanister}, "start_canister", testCanister.Raw},
		{"install_code",
			rec(map[string]idl.Type{"mode": mode, "canister_id": prin, "wasm_module": blob, "arg": blob,
				"sender_canister_version": idl.NewOptionalType(idl.Nat64Type())}),
			map[string]any{
				"mode":                    idl.Variant{Name: "upgrade", Value: map[string]any{"skip_pre_upgrade": true}},
				"canister_id":             testCanister,
				"wasm_module":             []byte("\x00asm\x01\x00\x00\x00"),
				"arg":                     []byte("DIDL\x00\x00"),
				"sender_canister_version": uint64(7),
			}, "install_code", testCanister.Raw},
		{"settings",
			rec(map[string]idl.Type{"canister_id": prin, "settings": rec(map[string]idl.Type{
				"controllers":        idl.NewOptionalType(idl.NewVectorType(prin)),
				"compute_allocation": idl.NewOptionalType(new(idl.NatType)),
				"memory_allocation":  idl.NewOptionalType(new(idl.NatType)),
				"freezing_threshold": idl.NewOptionalType(new(idl.NatType)),
			})}),
			map[string]any{"canister_id": testCanister, "settings": map[string]any{
				"controllers":        []any{principal.MustDecode("aaaaa-aa"), testCanister},
				"compute_allocation": idl.NewNat(uint(5)),
				"memory_allocation":  nil,
				"freezing_threshold": idl.NewNat(uint(100)),
			}}, "update_settings", testCanister.Raw},
		{"many scalars before the principal",
			rec(map[string]idl.Type{"a": new(idl.IntType), "b": idl.Float64Type(), "c": new(idl.TextType),
				"d": idl.NewVectorType(idl.Nat16Type()), "e": idl.Int32Type(), "f": new(idl.BoolType),
				"g": new(idl.NullType), "canister_id": prin}),
			map[string]any{"a": idl.NewInt(-5), "b": 3.5, "c": "text", "d": []any{uint16(1), uint16(2)},
				"e": int32(9), "f": true, "g": nil, "canister_id": testCanister}, "x", testCanister.Raw},
		{"install_chunked_code",
			rec(map[string]idl.Type{"target_canister": prin, "canister_id": prin,
				"chunk_hashes_list": idl.NewVectorType(rec(map[string]idl.Type{"hash": blob})), "mode": mode}),
			map[string]any{"target_canister": testCanister, "canister_id": emptyCanister,
				"chunk_hashes_list": []any{map[string]any{"hash": []byte{1, 2}}},
				"mode":              idl.Variant{Name: "install", Value: nil}},
			"install_chunked_code", testCanister.Raw},
		{"canister_id of another type", rec(map[string]idl.Type{"canister_id": new(idl.TextType)}),
			map[string]any{"canister_id": "rrkah-fqaaa-aaaaa-aaaaq-cai"}, "start_canister", nil},
		{"no canister_id", rec(map[string]idl.Type{"amount": new(idl.NatType)}),
			map[string]any{"amount": idl.NewNat(uint(5))}, "deposit", nil},
		{"not a record", new(idl.TextType), "hello", "x", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arg, err := candid.Encode([]idl.Type{tc.typ}, []any{tc.value})
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			got, ok := EffectiveCanisterID([]byte{}, tc.method, arg)
			if ok != (tc.want != nil) || !bytes.Equal(got, tc.want) {
				t.Errorf("got %x %v, want %x", got, ok, tc.want)
			}
		})
	}
	if _, ok := EffectiveCanisterID([]byte{}, "raw_rand", []byte("DIDL\x00\x00")); ok {
		t.Error("no arguments: routed")
	}
}

// Hostile arguments fail quickly instead of allocating or looping on claimed lengths.
func TestCandidRecordPrincipalHostile(t *testing.T) {
	tests := map[string]string{
		"huge vec of null":     "4449444c026d7f6c01000001" + "01" + "ffffffffffffffff7f",
		"huge text":            "4449444c016c0100710100" + "ffffffffffffffff01",
		"huge principal":       "4449444c016c01006801" + "00" + "01ffffffff0f",
		"recursive record":     "4449444c016c01000001" + "00",
		"huge type table":      "4449444cffffffffff01",
		"type index too large": "4449444c016c01000501" + "00",
		"truncated":            "4449444c016c",
		"no magic":             "00000000",
		"unknown opcode":       "4449444c01" + "60" + "0100",
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			arg, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if p, found, err := candidRecordPrincipal(arg, fieldCanisterID); err == nil && found {
				t.Errorf("found %x", p)
			}
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Errorf("took %v", d)
			}
		})
	}
}

// FuzzEffectiveCanisterID: no panics, no unbounded work, and a found principal is a
// principal.
func FuzzEffectiveCanisterID(f *testing.F) {
	for _, s := range seedCandid(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg []byte) {
		p, ok := EffectiveCanisterID([]byte{}, "install_chunked_code", arg)
		if ok && len(p) > 29 {
			t.Fatalf("principal of %d bytes", len(p))
		}
	})
}

// seedCandid are management call arguments for the fuzzer to start from.
func seedCandid(t testing.TB) [][]byte {
	t.Helper()
	rec, err := candidRecordWithCanisterID(testCanister)
	if err != nil {
		t.Fatal(err)
	}
	blob := idl.NewVectorType(idl.Nat8Type())
	typ := idl.NewRecordType(map[string]idl.Type{
		"target_canister": new(idl.PrincipalType),
		"arg":             blob,
		"mode":            idl.NewVariantType(map[string]idl.Type{"install": new(idl.NullType)}),
		"hashes":          idl.NewVectorType(idl.NewOptionalType(new(idl.TextType))),
	})
	install, err := candid.Encode([]idl.Type{typ}, []any{map[string]any{
		"target_canister": testCanister, "arg": []byte{1, 2},
		"mode": idl.Variant{Name: "install"}, "hashes": []any{"x", nil},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{rec, install, []byte("DIDL\x00\x00")}
}
