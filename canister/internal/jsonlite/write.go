package jsonlite

import (
	"strconv"
	"unicode/utf8"
)

// FieldMatch reports whether encoding/json would decode the member key into a struct field
// named name, when no other field of the struct has a name that matches too: an exact match,
// else a case-insensitive one with its folding (ASCII letters, and the Kelvin sign and long
// s, which fold to K and S). name must be ASCII.
func FieldMatch(key, name string) bool {
	if key == name {
		return true
	}
	j := 0
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			i++
		} else {
			r, size := utf8.DecodeRuneInString(key[i:])
			i += size
			switch r {
			case '\u212a': // KELVIN SIGN
				c = 'K'
			case '\u017f': // LATIN SMALL LETTER LONG S
				c = 'S'
			default:
				return false // folds to a non-ASCII rune: no ASCII name matches
			}
		}
		if j >= len(name) || upper(c) != upper(name[j]) {
			return false
		}
		j++
	}
	return j == len(name)
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// AppendString appends s as a JSON string exactly as json.Marshal writes it: HTML-safe
// (<, > and & as \u003c, \u003e, \u0026), U+2028 and U+2029 escaped, control characters as
// \b \f \n \r \t or \u00XX, and each invalid UTF-8 byte as \ufffd.
func AppendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendInt appends n as json.Marshal writes an integer.
func AppendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// AppendUint appends n as json.Marshal writes an unsigned integer.
func AppendUint(b []byte, n uint64) []byte { return strconv.AppendUint(b, n, 10) }
