package link

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// TestSHA256Block links a module that imports icwasm.sha256_block and icwasm.sha256_sum
// and runs them on the padded messages of random inputs of up to six blocks: the state
// sha256_block leaves, and the digest sha256_sum writes, are the SHA-256 of crypto/sha256.
func TestSHA256Block(t *testing.T) {
	// update hash: memory 0..31 the state, 32 the length, 64.. the padded message, both
	// written by the test. update sum: the digest of the same message, written at 0.
	src := `(module
  (import "icwasm" "sha256_block" (func $block (param i32 i32)))
  (import "icwasm" "sha256_sum" (func $sum (param i32 i32 i32)))
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
    (call $reply))
  (func (export "update.sum")
    (call $sum (i32.const 0) (i32.const 64) (i32.shr_u (i32.load (i32.const 32)) (i32.const 6)))
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
	if !found || !slices.Contains(rep.Replaced, "icwasm.sha256_sum") {
		t.Fatalf("replaced %v, want icwasm.sha256_block and icwasm.sha256_sum", rep.Replaced)
	}
	c := instantiate(t, out)
	c.mustCall("canister_init")
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 400 {
		msg := make([]byte, r.IntN(6*64-8))
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
		if got := []byte(c.mustCall("canister_update sum")); hex.EncodeToString(got) != hex.EncodeToString(want[:]) {
			t.Fatalf("sha256_sum of message %d (%s bytes): %x, want %x", i, strconv.Itoa(len(msg)), got, want)
		}
	}
}

// TestSHA256Instructions counts the instructions of the linker's SHA-256 code as the IC
// does (one each: the code has no calls), so a change that makes a block dearer shows.
func TestSHA256Instructions(t *testing.T) {
	count := func(e *wasm.Expr) (all, inLoop int) {
		r := wasm.NewInstrReader(e.Bytes())
		depth := 0
		var in wasm.Instr
		for !r.Done() {
			if err := r.Next(&in); err != nil {
				t.Fatal(err)
			}
			switch in.Op {
			case wasm.OpLoop:
				depth++
			case wasm.OpEnd:
				depth--
			}
			if in.Op != wasm.OpLoop && in.Op != wasm.OpEnd { // cost nothing on the IC
				all++
				if depth > 0 {
					inLoop++
				}
			}
		}
		return all, inLoop
	}
	_, block := sha256BlockBody()
	blockInstr, _ := count(block)
	_, sum := sha256SumBody()
	sumInstr, perBlock := count(sum)
	t.Logf("sha256_block: %d instructions; sha256_sum: %d per block, %d once", blockInstr, perBlock, sumInstr-perBlock)
	if blockInstr > 4_950 || perBlock > 4_900 || sumInstr-perBlock > 200 {
		t.Errorf("sha256_block %d instructions, sha256_sum %d per block and %d once; want at most 4,950, 4,900 and 200",
			blockInstr, perBlock, sumInstr-perBlock)
	}
}
