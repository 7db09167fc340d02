package reprhash

import (
	"encoding/hex"
	"testing"
)

// The request-id example of the interface specification ("Request ids"): a call to
// hello with argument DIDL\x00\xfd\x2a.
func TestSpecRequestID(t *testing.T) {
	arg, _ := hex.DecodeString("4449444c00fd2a")
	id := Map([]Field{
		{"request_type", Text("call")},
		{"canister_id", Blob([]byte{0, 0, 0, 0, 0, 0, 0x04, 0xd2})},
		{"method_name", Text("hello")},
		{"arg", Blob(arg)},
		{"sender", Blob([]byte{0x04})},
		{"ingress_expiry", Nat(1685570400000000000)},
	})
	const want = "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101"
	if got := hex.EncodeToString(id[:]); got != want {
		t.Errorf("request id %s, want %s", got, want)
	}
}

func TestValues(t *testing.T) {
	hexOf := func(h Hash) string { return hex.EncodeToString(h[:]) }
	tests := []struct {
		name string
		got  Hash
		want string
	}{
		// sha256 of the LEB128 bytes 00, e58e26 and 7f (signed -1), and of nothing.
		{"nat 0", Nat(0), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
		{"nat 624485", Nat(624485), hexOf(Blob([]byte{0xe5, 0x8e, 0x26}))},
		{"int -1", Int(-1), hexOf(Blob([]byte{0x7f}))},
		{"int 63", Int(63), hexOf(Blob([]byte{0x3f}))},
		{"int 64", Int(64), hexOf(Blob([]byte{0xc0, 0x00}))},
		{"text", Text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"empty array", Array(nil), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"array", Array([]Hash{Text("a"), Text("b")}), func() string { a, b := Text("a"), Text("b"); return hexOf(Blob(append(a[:], b[:]...))) }()},
		{"field order does not matter", Map([]Field{{"b", Nat(1)}, {"a", Nat(2)}}), hexOf(Map([]Field{{"a", Nat(2)}, {"b", Nat(1)}}))},
	}
	for _, tt := range tests {
		if got := hexOf(tt.got); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	// Repeated keys each add a row.
	if Map([]Field{{"a", Nat(1)}, {"a", Nat(1)}}) == Map([]Field{{"a", Nat(1)}}) {
		t.Error("a repeated key is collapsed")
	}
}
