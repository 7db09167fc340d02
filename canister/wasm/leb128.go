package wasm

import "errors"

// ErrLEB128 reports a malformed, truncated or too long LEB128 number.
var ErrLEB128 = errors.New("malformed LEB128 number")

// AppendULEB128 appends the canonical unsigned LEB128 encoding of v to b.
func AppendULEB128(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

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

// AppendSLEB128 appends the canonical signed LEB128 encoding of v to b.
func AppendSLEB128(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
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

// ReadULEB128 decodes an unsigned LEB128 number of at most bits bits (32 or
// 64) from the start of b and returns it with the number of bytes read.
func ReadULEB128(b []byte, bits int) (uint64, int, error) {
	// Fast path: one byte.
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	maxLen := (bits + 6) / 7
	var v uint64
	var shift uint
	for i := 0; i < len(b); i++ {
		if i >= maxLen {
			return 0, 0, ErrLEB128
		}
		c := b[i]
		if i == maxLen-1 {
			// The last byte may only carry the bits that are left.
			rem := uint(bits) - shift
			if c&0x80 != 0 || (rem < 7 && c>>rem != 0) {
				return 0, 0, ErrLEB128
			}
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
		shift += 7
	}
	return 0, 0, ErrLEB128
}

// ReadSLEB128 decodes a signed LEB128 number of at most bits bits (32, 33 or
// 64) from the start of b and returns it with the number of bytes read.
func ReadSLEB128(b []byte, bits int) (int64, int, error) {
	maxLen := (bits + 6) / 7
	var v int64
	var shift uint
	for i := 0; i < len(b); i++ {
		if i >= maxLen {
			return 0, 0, ErrLEB128
		}
		c := b[i]
		if i == maxLen-1 {
			// The unused high bits of the last byte must all equal the sign bit.
			rem := uint(bits) - shift // bits still to fill, 1..7
			if c&0x80 != 0 {
				return 0, 0, ErrLEB128
			}
			if rem < 7 {
				sign := (c >> (rem - 1)) & 1
				upper := (c & 0x7f) >> rem // bits rem..6 must repeat the sign bit
				want := byte(0)
				if sign == 1 {
					want = byte(0x7f) >> rem
				}
				if upper != want {
					return 0, 0, ErrLEB128
				}
			}
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrLEB128
}
