// Package principal implements Internet Computer principals: the opaque binary identifiers
// of users and canisters, and their textual form (e.g. "aaaaa-aa").
//
// It exists instead of agent-go's principal package because that one pulls CBOR and JSON
// into every canister (about 1.4 MB of Wasm, 0.38 MB gzip). Its base32 and CRC-32 are
// written out here too: encoding/base32, hash/crc32 and strings.ToLower/ToUpper (with the
// Unicode case tables) cost a canister about 10 KB gzip for these 33-byte values.
package principal

import (
	"encoding/binary"
	"errors"
)

// MaxLength is the longest principal the IC accepts, in bytes.
const MaxLength = 29

// Principal is an IC principal. The zero value is the management canister (the empty
// principal, "aaaaa-aa"). Principals are comparable and can be map keys.
type Principal struct {
	raw string
}

// Anonymous is the principal of unauthenticated callers ("2vxsx-fae").
var Anonymous = Principal{raw: "\x04"}

// ManagementCanister is the IC management canister ("aaaaa-aa").
var ManagementCanister = Principal{}

// FromBytes returns the principal with the given binary form. It does not check the length:
// the IC hands canisters only valid principals.
func FromBytes(b []byte) Principal { return Principal{raw: string(b)} }

// Bytes returns the binary form of p (a fresh copy).
func (p Principal) Bytes() []byte { return []byte(p.raw) }

// Len is the length of the binary form of p.
func (p Principal) Len() int { return len(p.raw) }

// IsAnonymous reports whether p is the anonymous principal.
func (p Principal) IsAnonymous() bool { return p == Anonymous }

// alphabet is RFC 4648 base32 in lower case (the IC's textual form).
const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// String returns the textual form: base32 (no padding) of crc32(raw) || raw, in groups of
// five lower-case characters separated by dashes.
func (p Principal) String() string {
	buf := make([]byte, 4+len(p.raw))
	binary.BigEndian.PutUint32(buf, checksum(p.raw))
	copy(buf[4:], p.raw)
	chars := (len(buf)*8 + 4) / 5
	out := make([]byte, 0, chars+(chars-1)/5)
	emit := func(v uint) {
		if n := len(out); n > 0 && n%6 == 5 { // after each group of five
			out = append(out, '-')
		}
		out = append(out, alphabet[v&31])
	}
	var acc uint // the pending bits, lowest; higher bits are stale
	bits := 0
	for _, c := range buf {
		acc = acc<<8 | uint(c)
		for bits += 8; bits >= 5; {
			bits -= 5
			emit(acc >> bits)
		}
	}
	if bits > 0 {
		emit(acc << (5 - bits))
	}
	return string(out)
}

// checksum is the CRC-32 (IEEE) of s, bit by bit: principals are at most 29 bytes.
func checksum(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc ^= uint32(s[i])
		for range 8 {
			crc = crc>>1 ^ 0xedb88320&-(crc&1)
		}
	}
	return ^crc
}

// Errors returned by Parse.
var (
	ErrFormat   = errors.New("principal: malformed text")
	ErrChecksum = errors.New("principal: checksum mismatch")
	ErrTooLong  = errors.New("principal: longer than 29 bytes")
)

// Parse reads the textual form of a principal. It accepts only the canonical form (lower
// case, groups of five), as the IC does.
func Parse(s string) (Principal, error) {
	b := make([]byte, 0, len(s)*5/8)
	var acc uint // the pending bits, lowest
	bits, group, chars := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			if group != 5 {
				return Principal{}, ErrFormat
			}
			group = 0
			continue
		}
		var v byte
		switch {
		case c >= 'a' && c <= 'z':
			v = c - 'a'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		default:
			return Principal{}, ErrFormat
		}
		if group++; group > 5 {
			return Principal{}, ErrFormat
		}
		chars++
		acc = acc<<5 | uint(v)
		if bits += 5; bits >= 8 {
			bits -= 8
			b = append(b, byte(acc>>bits))
		}
	}
	// No encoder ends on 1, 3 or 6 characters past a multiple of 8; encoding/base32, which
	// this replaces, then drops the bytes of that last quantum, and so does Parse to return
	// the same errors (checksum, then non-canonical).
	switch chars % 8 {
	case 3:
		b = b[:len(b)-1]
	case 6:
		b = b[:len(b)-3]
	}
	if group == 0 || len(b) < 4 {
		return Principal{}, ErrFormat
	}
	if len(b)-4 > MaxLength {
		return Principal{}, ErrTooLong
	}
	p := Principal{raw: string(b[4:])}
	if checksum(p.raw) != binary.BigEndian.Uint32(b) {
		return Principal{}, ErrChecksum
	}
	// Reject non-canonical encodings (trailing bits that String would not produce).
	if p.String() != s {
		return Principal{}, ErrFormat
	}
	return p, nil
}

// MustParse is Parse for constants: it panics on error.
func MustParse(s string) Principal {
	p, err := Parse(s)
	if err != nil {
		panic(err.Error() + ": " + s)
	}
	return p
}

// MarshalText implements encoding.TextMarshaler (JSON, logs).
func (p Principal) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Principal) UnmarshalText(b []byte) error {
	q, err := Parse(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
