package candid_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzUnmarshal from the seed messages")

// fuzzTargets are the Go types each fuzz input is decoded into.
func fuzzTargets() []func() any {
	return []func() any{
		func() any { return new(candid.Reserved) }, // skips anything: exercises every wire type
		func() any { return new(everything) },
		func() any { return new(node) },
		func() any { return new(result) },
		func() any { return new(*string) },
		func() any { return new([]*principal.Principal) },
		func() any { return new(candid.Int) },
	}
}

// seedMessages are valid messages of many shapes.
func seedMessages(t testing.TB) [][]byte {
	var seeds [][]byte
	add := func(args ...any) {
		b, err := candid.Marshal(args...)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	add(everything{
		B: true, N8: 1, S: "s", Nat: 300, Int: -300, P: principal.Anonymous, Blo: []byte{1},
		Arr: [3]uint16{1, 2, 3}, Vec: []string{"a"}, Opt: &[]principal.Principal{{}},
		OO: ptr(ptr("x")), Var: result{Err: ptr("e")},
		Tre: node{Value: 1, Children: []node{{Value: 2}}, Next: &node{Value: 3}},
	})
	add(node{Value: 1, Children: []node{{Value: 2, Next: &node{}}}})
	add(result{Ok: &node{}})
	add(result{Nil: &candid.Null{}})
	add(ptr("x"))
	add("plain", uint8(1))
	add([]*principal.Principal{nil, ptr(principal.Anonymous)})
	add(candid.Int(-1))
	add(candid.Nat(1 << 40))
	add(candid.QueryFunc[string, bool]{Service: principal.Anonymous, Method: "m"})
	add()
	seeds = append(seeds,
		msg(t, "4449444c 01 69 02 01 61 01 01 62 01 6a 00 00 00 01 00 01 0a 01010101010101010101"),
		msg(t, "4449444c 02 6e 01 6e 71 01 00 01 01 01 78"),
		msg(t, "4449444c 01 6c 01 00 00 01 00"),
		msg(t, "4449444c 01 6d 7f 01 00 ff01"),
	)
	return seeds
}

// TestWriteFuzzSeeds regenerates the committed seed corpus when run with -write-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to regenerate testdata/fuzz/FuzzUnmarshal")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzUnmarshal")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range seedMessages(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzUnmarshal checks that no input panics or runs away, and that whatever decodes
// re-encodes to a message that decodes to the same encoding (a fixed point).
func FuzzUnmarshal(f *testing.F) {
	for _, s := range seedMessages(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range fuzzTargets() {
			v := target()
			if err := candid.Unmarshal(data, v); err != nil {
				continue
			}
			enc1, err := candid.Marshal(reflect.ValueOf(v).Elem().Interface())
			if err != nil {
				t.Fatalf("decoded %T from %x but cannot encode it: %v", v, data, err)
			}
			w := target()
			if err := candid.Unmarshal(enc1, w); err != nil {
				t.Fatalf("re-encoded %T does not decode: %v\ninput %x\nencoded %x", v, err, data, enc1)
			}
			enc2, err := candid.Marshal(reflect.ValueOf(w).Elem().Interface())
			if err != nil || !bytes.Equal(enc1, enc2) {
				t.Fatalf("%T: encoding not stable (%v)\n%x\n%x", v, err, enc1, enc2)
			}
		}
	})
}
