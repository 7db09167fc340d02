package wasm

import (
	"errors"

	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
)

// ErrLEB128 reports a malformed, truncated or too long LEB128 number.
var ErrLEB128 = errors.New("malformed LEB128 number")

// AppendULEB128 appends the canonical unsigned LEB128 encoding of v to b.
func AppendULEB128(b []byte, v uint64) []byte { return leb128.AppendUnsigned(b, v) }

// AppendSLEB128 appends the canonical signed LEB128 encoding of v to b.
func AppendSLEB128(b []byte, v int64) []byte { return leb128.AppendSigned(b, v) }

// AppendULEB128Padded appends v as an unsigned LEB128 number of exactly width
// bytes (padded with continuation bytes), as linkers do to patch sizes later.
// It panics if v does not fit in width bytes.
func AppendULEB128Padded(b []byte, v uint64, width int) []byte {
	if width < ULEB128Len(v) {
		panic("wasm: AppendULEB128Padded: width too small")
	}
	for i := 0; i < width-1; i++ {
		b = append(b, byte(v&0x7f)|0x80)
		v >>= 7
	}
	return append(b, byte(v&0x7f))
}

// ULEB128Len is the length in bytes of the canonical unsigned LEB128 encoding of v.
func ULEB128Len(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// The readers below are strict, as the binary format requires (unlike
// cdk/leb128's, which serve Candid): a number of N bits takes at most
// ceil(N/7) bytes, and the unused high bits of that last byte must be zero
// (unsigned) or copies of the sign bit (signed).

// ReadULEB128 decodes an unsigned LEB128 number of at most bits bits (32 or
// 64) from the start of b and returns it with the number of bytes read.
func ReadULEB128(b []byte, bits int) (uint64, int, error) {
	// Fast path: one byte.
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	v, n, err := readLEB128(b, bits)
	if err != nil {
		return 0, 0, err
	}
	if unused, _ := lastByteBits(b, n, bits); unused != 0 {
		return 0, 0, ErrLEB128
	}
	return v, n, nil
}

// ReadSLEB128 decodes a signed LEB128 number of at most bits bits (32, 33 or
// 64) from the start of b and returns it with the number of bytes read.
func ReadSLEB128(b []byte, bits int) (int64, int, error) {
	v, n, err := readLEB128(b, bits)
	if err != nil {
		return 0, 0, err
	}
	if unused, signExt := lastByteBits(b, n, bits); unused != signExt {
		return 0, 0, ErrLEB128
	}
	// Sign-extend from the last group's sign bit.
	if shift := 7 * uint(n); shift < 64 && b[n-1]&0x40 != 0 {
		v |= ^uint64(0) << shift
	}
	return int64(v), n, nil
}

// readLEB128 assembles the 7-bit groups of a LEB128 number that takes n <=
// ceil(bits/7) bytes at the start of b, without checking the high bits.
func readLEB128(b []byte, bits int) (v uint64, n int, err error) {
	maxLen := (bits + 6) / 7
	for i, c := range b {
		if i == maxLen {
			break
		}
		v |= uint64(c&0x7f) << (7 * uint(i))
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrLEB128
}

// lastByteBits returns the bits of the last of a number's n bytes that lie
// above its width of bits bits, and the value they must have in a signed
// number: copies of its sign bit. A number shorter than ceil(bits/7) bytes
// has no such bits.
func lastByteBits(b []byte, n, bits int) (unused, signExt byte) {
	rem := uint(bits - 7*(n-1)) // bits the last byte carries, 1..7 when it is the last possible one
	if rem >= 7 {
		return 0, 0
	}
	c := b[n-1]
	if c>>(rem-1)&1 != 0 {
		signExt = 0x7f >> rem
	}
	return c >> rem, signExt
}
