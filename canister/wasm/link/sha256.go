package link

import "github.com/gocanister/stripe-ic/canister/wasm"

// sha256K are the SHA-256 round constants (FIPS 180-4, 4.2.2).
var sha256K = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// sha256BlockBody is the code of icwasm.sha256_block(state, block i32): the SHA-256
// compression function (FIPS 180-4, 6.2.2) of the 64 bytes at block into the eight
// little-endian uint32 words at state, unrolled with i32 locals. Go compiles the same
// function into code that keeps its values in i64 registers and memory, at about 9,000
// instructions a block; this is about 5,000, and a canister certifying HTTP responses
// hashes tens of blocks per message.
func sha256BlockBody() ([]wasm.Local, *wasm.Expr) {
	const (
		state, block = 0, 1
		vars         = 2  // a..h: locals 2..9
		ws           = 10 // w[0..15]: locals 10..25
		t1           = 26
	)
	e := new(wasm.Expr)
	w := func(i int) uint32 { return ws + uint32(i&15) }
	rotr := func(local uint32, n int32) { e.LocalGet(local).I32Const(n).Op(wasm.OpI32Rotr) }
	for j := range 8 {
		e.LocalGet(state).Mem(wasm.OpI32Load, wasm.MemArg{Align: 2, Offset: uint64(4 * j)}).LocalSet(vars + uint32(j))
	}
	// The message words are big-endian.
	for i := range 16 {
		e.LocalGet(block).Mem(wasm.OpI32Load, wasm.MemArg{Offset: uint64(4 * i)}).LocalSet(w(i))
		e.LocalGet(w(i)).I32Const(24).Op(wasm.OpI32Shl)
		e.LocalGet(w(i)).I32Const(0xff00).Op(wasm.OpI32And).I32Const(8).Op(wasm.OpI32Shl).Op(wasm.OpI32Or)
		e.LocalGet(w(i)).I32Const(8).Op(wasm.OpI32ShrU).I32Const(0xff00).Op(wasm.OpI32And).Op(wasm.OpI32Or)
		e.LocalGet(w(i)).I32Const(24).Op(wasm.OpI32ShrU).Op(wasm.OpI32Or)
		e.LocalSet(w(i))
	}
	for i := range 64 {
		// The eight working variables rotate names instead of values.
		v := func(j int) uint32 { return vars + uint32(((j-i)%8+8)%8) }
		a, b, c, d, ev, f, g, h := v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7)
		if i >= 16 {
			// w[i] = w[i-16] + s0(w[i-15]) + w[i-7] + s1(w[i-2])
			e.LocalGet(w(i))
			rotr(w(i-15), 7)
			rotr(w(i-15), 18)
			e.Op(wasm.OpI32Xor)
			e.LocalGet(w(i - 15)).I32Const(3).Op(wasm.OpI32ShrU).Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
			e.LocalGet(w(i - 7)).Op(wasm.OpI32Add)
			rotr(w(i-2), 17)
			rotr(w(i-2), 19)
			e.Op(wasm.OpI32Xor)
			e.LocalGet(w(i - 2)).I32Const(10).Op(wasm.OpI32ShrU).Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
			e.LocalSet(w(i))
		}
		// t1 = h + S1(e) + ch(e, f, g) + k[i] + w[i]; d += t1
		e.LocalGet(h)
		rotr(ev, 6)
		rotr(ev, 11)
		e.Op(wasm.OpI32Xor)
		rotr(ev, 25)
		e.Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		e.LocalGet(g).LocalGet(ev).LocalGet(f).LocalGet(g).Op(wasm.OpI32Xor).Op(wasm.OpI32And).Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		e.I32Const(int32(sha256K[i])).Op(wasm.OpI32Add)
		e.LocalGet(w(i)).Op(wasm.OpI32Add)
		e.LocalTee(t1).LocalGet(d).Op(wasm.OpI32Add).LocalSet(d)
		// h = t1 + S0(a) + maj(a, b, c)
		e.LocalGet(t1)
		rotr(a, 2)
		rotr(a, 13)
		e.Op(wasm.OpI32Xor)
		rotr(a, 22)
		e.Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		e.LocalGet(a).LocalGet(b).Op(wasm.OpI32And)
		e.LocalGet(c).LocalGet(a).LocalGet(b).Op(wasm.OpI32Or).Op(wasm.OpI32And).Op(wasm.OpI32Or).Op(wasm.OpI32Add)
		e.LocalSet(h)
	}
	for j := range 8 {
		e.LocalGet(state)
		e.LocalGet(state).Mem(wasm.OpI32Load, wasm.MemArg{Align: 2, Offset: uint64(4 * j)})
		e.LocalGet(vars + uint32(j)).Op(wasm.OpI32Add)
		e.Mem(wasm.OpI32Store, wasm.MemArg{Align: 2, Offset: uint64(4 * j)})
	}
	return []wasm.Local{{Count: 25, Type: wasm.I32}}, e
}
