// Package principal implements Internet Computer principals: the opaque binary identifiers
// of users and canisters, and their textual form (e.g. "aaaaa-aa").
//
// It exists instead of agent-go's principal package because that one pulls CBOR and JSON
// into every canister (about 1.4 MB of Wasm, 0.38 MB gzip); this one needs only base32 and
// crc32.
package principal

import (
	"encoding/base32"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
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

// base32 without padding, lower-cased on output (the IC's textual form).
var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// String returns the textual form: base32 of crc32(raw) || raw, in groups of five
// lower-case characters separated by dashes.
func (p Principal) String() string {
	buf := make([]byte, 4+len(p.raw))
	binary.BigEndian.PutUint32(buf, crc32.ChecksumIEEE([]byte(p.raw)))
	copy(buf[4:], p.raw)
	enc := strings.ToLower(encoding.EncodeToString(buf))
	var sb strings.Builder
	sb.Grow(len(enc) + len(enc)/5)
	for i := 0; i < len(enc); i += 5 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(enc[i:min(i+5, len(enc))])
	}
	return sb.String()
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
	groups := strings.Split(s, "-")
	for i, g := range groups {
		last := i == len(groups)-1
		if len(g) == 0 || len(g) > 5 || (!last && len(g) != 5) {
			return Principal{}, ErrFormat
		}
		for j := 0; j < len(g); j++ {
			if c := g[j]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
				return Principal{}, ErrFormat
			}
		}
	}
	b, err := encoding.DecodeString(strings.ToUpper(strings.Join(groups, "")))
	if err != nil || len(b) < 4 {
		return Principal{}, ErrFormat
	}
	if len(b)-4 > MaxLength {
		return Principal{}, ErrTooLong
	}
	p := Principal{raw: string(b[4:])}
	if crc32.ChecksumIEEE(b[4:]) != binary.BigEndian.Uint32(b) {
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
