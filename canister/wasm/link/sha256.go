package link

import (
	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/wasm"
)

// The SHA-256 code the linker puts in place of the icwasm sha256 imports (ABI.md). Go's
// code generator keeps its values in i64 registers and memory, so its compression
// function costs about 9,000 instructions a block, and each call into a hash costs a few
// hundred more; this code keeps the state and the message schedule in i32 locals (4,827
// instructions a block, see TestSHA256Instructions). A canister certifying HTTP responses
// hashes tens of blocks per message.
//
// Every instruction counts one on the IC (local.get included), so the rounds are laid out
// to need few: the working variables rotate names instead of values, each message word is
// computed (loaded and byte-swapped, or expanded) where its round first adds it and kept
// with local.tee, and Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)) reuses the previous round's
// a ^ b (which is this round's b ^ c).

// sha256Code emits one function's code; its locals are numbered from the function's
// parameters on.
type sha256Code struct {
	e    *wasm.Expr
	vars uint32 // a..h
	ws   uint32 // w[0..15]
	t1   uint32
	x    uint32 // a ^ b of the last two rounds (x, x+1)
}

// newSHA256Code lays out the locals after params parameters; extra more i32 locals follow
// the ones the rounds use, from the returned index on.
func newSHA256Code(params uint32) (*sha256Code, uint32) {
	c := &sha256Code{e: new(wasm.Expr), vars: params, ws: params + 8, t1: params + 24, x: params + 25}
	return c, params + 27
}

func (c *sha256Code) v(j int) uint32 { return c.vars + uint32(j) }
func (c *sha256Code) w(i int) uint32 { return c.ws + uint32(i&15) }

func (c *sha256Code) rotr(local uint32, n int32) {
	c.e.LocalGet(local).I32Const(n).Op(wasm.OpI32Rotr)
}

// bswap byte-swaps the value of local x (big-endian words <-> little-endian memory).
func (c *sha256Code) bswap(x uint32) {
	c.e.I32Const(8).Op(wasm.OpI32Rotl).I32Const(0x00ff00ff).Op(wasm.OpI32And)
	c.e.LocalGet(x).I32Const(8).Op(wasm.OpI32Rotr).I32Const(-0x00ff0100).Op(wasm.OpI32And) // 0xff00ff00
	c.e.Op(wasm.OpI32Or)
}

// rounds compresses the 64-byte block at local blk into the working variables a..h
// (which end up under their own names: 64 rounds rotate them eight times).
func (c *sha256Code) rounds(blk uint32) {
	e := c.e
	k := sha256.RoundConstants()
	// x+1 is the a ^ b before round 0, that is b ^ c of round 0.
	e.LocalGet(c.v(1)).LocalGet(c.v(2)).Op(wasm.OpI32Xor).LocalSet(c.x + 1)
	for i := range 64 {
		v := func(j int) uint32 { return c.v(((j-i)%8 + 8) % 8) }
		a, b, d, ev, f, g, h := v(0), v(1), v(3), v(4), v(5), v(6), v(7)
		// t1 = h + S1(e) + ch(e, f, g) + k[i] + w[i]
		e.LocalGet(h)
		c.rotr(ev, 6)
		c.rotr(ev, 11)
		e.Op(wasm.OpI32Xor)
		c.rotr(ev, 25)
		e.Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		e.LocalGet(g).LocalGet(ev).LocalGet(f).LocalGet(g).Op(wasm.OpI32Xor).Op(wasm.OpI32And).Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		e.I32Const(int32(k[i])).Op(wasm.OpI32Add)
		if i < 16 {
			// The message words are big-endian.
			e.LocalGet(blk).Mem(wasm.OpI32Load, wasm.MemArg{Offset: uint64(4 * i)}).LocalTee(c.w(i))
			c.bswap(c.w(i))
		} else {
			// w[i] = w[i-16] + s0(w[i-15]) + w[i-7] + s1(w[i-2])
			e.LocalGet(c.w(i))
			c.rotr(c.w(i-15), 7)
			c.rotr(c.w(i-15), 18)
			e.Op(wasm.OpI32Xor)
			e.LocalGet(c.w(i - 15)).I32Const(3).Op(wasm.OpI32ShrU).Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
			e.LocalGet(c.w(i - 7)).Op(wasm.OpI32Add)
			c.rotr(c.w(i-2), 17)
			c.rotr(c.w(i-2), 19)
			e.Op(wasm.OpI32Xor)
			e.LocalGet(c.w(i - 2)).I32Const(10).Op(wasm.OpI32ShrU).Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		}
		if i < 62 { // w[i] is needed again by the schedule (w[i+2] at the latest)
			e.LocalTee(c.w(i))
		}
		e.Op(wasm.OpI32Add)
		// d += t1
		e.LocalTee(c.t1).LocalGet(d).Op(wasm.OpI32Add).LocalSet(d)
		// h = t1 + S0(a) + maj(a, b, c)
		e.LocalGet(c.t1)
		c.rotr(a, 2)
		c.rotr(a, 13)
		e.Op(wasm.OpI32Xor)
		c.rotr(a, 22)
		e.Op(wasm.OpI32Xor).Op(wasm.OpI32Add)
		cur, prev := c.x+uint32(i&1), c.x+uint32(1-i&1)
		e.LocalGet(a).LocalGet(b).Op(wasm.OpI32Xor).LocalTee(cur).LocalGet(prev).Op(wasm.OpI32And).LocalGet(b).Op(wasm.OpI32Xor)
		e.Op(wasm.OpI32Add).LocalSet(h)
	}
}

// sha256BlockBody is the code of icwasm.sha256_block(state, block i32): the SHA-256
// compression function (FIPS 180-4, 6.2.2) of the 64 bytes at block into the eight
// little-endian uint32 words at state.
func sha256BlockBody() ([]wasm.Local, *wasm.Expr) {
	const state, block = 0, 1
	c, n := newSHA256Code(2)
	e := c.e
	for j := range 8 {
		e.LocalGet(state).Mem(wasm.OpI32Load, wasm.MemArg{Align: 2, Offset: uint64(4 * j)}).LocalSet(c.v(j))
	}
	c.rounds(block)
	for j := range 8 {
		e.LocalGet(state)
		e.LocalGet(state).Mem(wasm.OpI32Load, wasm.MemArg{Align: 2, Offset: uint64(4 * j)})
		e.LocalGet(c.v(j)).Op(wasm.OpI32Add)
		e.Mem(wasm.OpI32Store, wasm.MemArg{Align: 2, Offset: uint64(4 * j)})
	}
	return []wasm.Local{{Count: n - 2, Type: wasm.I32}}, e
}

// sha256SumBody is the code of icwasm.sha256_sum(out, padded, blocks i32): the SHA-256
// digest of a message that the caller padded (FIPS 180-4, 5.1.1) into blocks (>= 1)
// 64-byte blocks at padded, written big-endian at out. A hash tree hashes its nodes this
// way: one call per hash, the state never in memory.
func sha256SumBody() ([]wasm.Local, *wasm.Expr) {
	const out, padded, blocks = 0, 1, 2
	c, saved := newSHA256Code(3) // saved: the state before the block, 8 locals
	e := c.e
	iv := sha256.InitialState()
	for j := range 8 {
		e.I32Const(int32(iv[j])).LocalTee(c.v(j)).LocalSet(saved + uint32(j))
	}
	e.Loop(wasm.BlockEmpty)
	c.rounds(padded)
	for j := range 8 {
		e.LocalGet(c.v(j)).LocalGet(saved + uint32(j)).Op(wasm.OpI32Add).LocalTee(c.v(j)).LocalSet(saved + uint32(j))
	}
	e.LocalGet(padded).I32Const(64).Op(wasm.OpI32Add).LocalSet(padded)
	e.LocalGet(blocks).I32Const(1).Op(wasm.OpI32Sub).LocalTee(blocks).BrIf(0)
	e.End()
	for j := range 8 {
		e.LocalGet(out).LocalGet(c.v(j))
		c.bswap(c.v(j))
		e.Mem(wasm.OpI32Store, wasm.MemArg{Offset: uint64(4 * j)})
	}
	return []wasm.Local{{Count: saved + 8 - 3, Type: wasm.I32}}, e
}
