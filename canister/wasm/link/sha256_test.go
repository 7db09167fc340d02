package link

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// TestSHA256Block links a module that imports icwasm.sha256_block and runs it on the
// padded one- and two-block messages of random inputs: the state it leaves is the SHA-256
// of crypto/sha256.
func TestSHA256Block(t *testing.T) {
	// update hash: memory 0..31 the state, 32 the length, 64.. the padded message, both
	// written by the test.
	src := `(module
  (import "icwasm" "sha256_block" (func $block (param i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "update.hash") (local $n i32) (local $off i32)
    (i64.store (i32.const 0) (i64.const 0xbb67ae856a09e667))
    (i64.store (i32.const 8) (i64.const 0xa54ff53a3c6ef372))
    (i64.store (i32.const 16) (i64.const 0x9b05688c510e527f))
    (i64.store (i32.const 24) (i64.const 0x5be0cd191f83d9ab))
    (local.set $n (i32.load (i32.const 32)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $off) (local.get $n)))
      (call $block (i32.const 0) (i32.add (i32.const 64) (local.get $off)))
      (local.set $off (i32.add (local.get $off) (i32.const 64)))
      (br $next)))
    (call $append (i32.const 0) (i32.const 32))
    (call $reply)))`
	out, rep, err := Link(wasmtest.Wat(t, src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rep.Replaced {
		found = found || r == "icwasm.sha256_block"
	}
	if !found {
		t.Fatalf("replaced %v, want icwasm.sha256_block", rep.Replaced)
	}
	c := instantiate(t, out)
	c.mustCall("canister_init")
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 200 {
		msg := make([]byte, r.IntN(120))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		padded := append(append([]byte{}, msg...), 0x80)
		for len(padded)%64 != 56 {
			padded = append(padded, 0)
		}
		padded = binary.BigEndian.AppendUint64(padded, uint64(len(msg))*8)
		mem := c.mod.Memory()
		if !mem.Write(64, padded) || !mem.WriteUint32Le(32, uint32(len(padded))) {
			t.Fatal("writing memory")
		}
		got := []byte(c.mustCall("canister_update hash"))
		// The state is eight little-endian words; the digest is them big-endian.
		digest := make([]byte, 0, 32)
		for j := 0; j < 32; j += 4 {
			digest = binary.BigEndian.AppendUint32(digest, binary.LittleEndian.Uint32(got[j:]))
		}
		want := sha256.Sum256(msg)
		if hex.EncodeToString(digest) != hex.EncodeToString(want[:]) {
			t.Fatalf("message %d (%s bytes): %x, want %x", i, strconv.Itoa(len(msg)), digest, want)
		}
	}
}
