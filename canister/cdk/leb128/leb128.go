// Package leb128 is the LEB128 variable-length integer encoding as the IC uses it outside Wasm:
// in Candid (nat, int, lengths, type indices) and in the representation-independent hash of
// requests. Readers accept redundant groups, as those formats do not require the shortest
// encoding; the Wasm binary format, which does, has its own strict reader in canister/wasm.
package leb128

import "errors"

// Errors of the readers.
var (
	ErrOverflow  = errors.New("LEB128 number does not fit 64 bits")
	ErrTruncated = errors.New("unexpected end of data")
)

// AppendUnsigned appends v as unsigned LEB128.
func AppendUnsigned(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendSigned appends v as signed LEB128.
func AppendSigned(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// ReadUnsigned reads an unsigned LEB128 number from the start of b, returning it and the bytes
// used. Redundant zero groups are accepted; bits beyond the 64th are an error.
func ReadUnsigned(b []byte) (uint64, int, error) {
	var v uint64
	for i, c := range b {
		g := uint64(c & 0x7f)
		switch {
		case i < 9:
			v |= g << (7 * i)
		case i == 9 && g <= 1:
			v |= g << 63
		case g != 0:
			return 0, 0, ErrOverflow
		}
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrTruncated
}

// ReadSigned reads a signed LEB128 number from the start of b. Redundant sign-extension groups
// are accepted; a value outside int64 is an error.
func ReadSigned(b []byte) (int64, int, error) {
	var v int64
	for i, c := range b {
		g := int64(c & 0x7f)
		switch {
		case i < 9:
			v |= g << (7 * i)
			if c < 0x80 && g&0x40 != 0 {
				v |= -1 << (7 * (i + 1))
			}
		case i == 9 && (g == 0 || g == 0x7f):
			// Bit 63 and the sign: the group must be all zeros or all ones.
			if g == 0x7f {
				v |= -1 << 63
			}
		case i > 9 && (v >= 0 && g == 0 || v < 0 && g == 0x7f):
			// Redundant sign extension.
		default:
			return 0, 0, ErrOverflow
		}
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrTruncated
}

// Skip returns the length of the LEB128 number at the start of b without decoding it.
func Skip(b []byte) (int, error) {
	for i, c := range b {
		if c < 0x80 {
			return i + 1, nil
		}
	}
	return 0, ErrTruncated
}
