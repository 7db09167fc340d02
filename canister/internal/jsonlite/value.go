package jsonlite

import (
	"unicode/utf8"
)

// Kind is the type of a JSON value.
type Kind byte

// The kinds of JSON values. KindInvalid is the zero Value's.
const (
	KindInvalid Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// Value is one validated JSON value, without surrounding whitespace. The zero Value is
// KindInvalid; every other Value comes from Parse or from a Value's members or elements.
type Value struct{ raw []byte }

// Raw returns the value's bytes as they appear in the document (like json.RawMessage).
func (v Value) Raw() []byte { return v.raw }

// Kind reports the value's type.
func (v Value) Kind() Kind {
	if len(v.raw) == 0 {
		return KindInvalid
	}
	switch v.raw[0] {
	case 'n':
		return KindNull
	case 't', 'f':
		return KindBool
	case '"':
		return KindString
	case '[':
		return KindArray
	case '{':
		return KindObject
	}
	return KindNumber
}

// Members calls fn for each member of an object in document order, with the decoded key,
// and stops at the first error fn returns. Duplicate keys are all reported. It does nothing
// for other kinds.
func (v Value) Members(fn func(key string, val Value) error) error {
	if v.Kind() != KindObject {
		return nil
	}
	d := v.raw
	i := skipSpace(d, 1)
	if d[i] == '}' {
		return nil
	}
	for {
		end := valueEnd(d, i)
		key := unquote(d[i:end])
		i = skipSpace(d, end)
		i = skipSpace(d, i+1) // ':'
		end = valueEnd(d, i)
		if err := fn(key, Value{raw: d[i:end]}); err != nil {
			return err
		}
		i = skipSpace(d, end)
		if d[i] == '}' {
			return nil
		}
		i = skipSpace(d, i+1) // ','
	}
}

// Elements calls fn for each element of an array in order and stops at the first error fn
// returns. It does nothing for other kinds.
func (v Value) Elements(fn func(val Value) error) error {
	if v.Kind() != KindArray {
		return nil
	}
	d := v.raw
	i := skipSpace(d, 1)
	if d[i] == ']' {
		return nil
	}
	for {
		end := valueEnd(d, i)
		if err := fn(Value{raw: d[i:end]}); err != nil {
			return err
		}
		i = skipSpace(d, end)
		if d[i] == ']' {
			return nil
		}
		i = skipSpace(d, i+1)
	}
}

// Str returns a string value decoded as encoding/json decodes it; ok is false for other
// kinds.
func (v Value) Str() (s string, ok bool) {
	if v.Kind() != KindString {
		return "", false
	}
	return unquote(v.raw), true
}

// KindBool returns a boolean value; ok is false for other kinds.
func (v Value) Bool() (b, ok bool) {
	if v.Kind() != KindBool {
		return false, false
	}
	return v.raw[0] == 't', true
}

// IsNull reports whether the value is null.
func (v Value) IsNull() bool { return v.Kind() == KindNull }

// Int64 returns a number that encoding/json would store in an int64 field: an integer
// literal (no fraction, no exponent) within range. ok is false otherwise.
func (v Value) Int64() (n int64, ok bool) {
	if v.Kind() != KindNumber {
		return 0, false
	}
	d := v.raw
	neg := d[0] == '-'
	if neg {
		d = d[1:]
	}
	u, ok := parseDigits(d)
	switch {
	case !ok:
		return 0, false
	case neg && u <= 1<<63:
		return -int64(u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

// Uint64 returns a number that encoding/json would store in a uint64 field: a non-negative
// integer literal within range ("-0" included: strconv.ParseUint refuses any sign).
func (v Value) Uint64() (n uint64, ok bool) {
	if v.Kind() != KindNumber || v.raw[0] == '-' {
		return 0, false
	}
	return parseDigits(v.raw)
}

// parseDigits parses a non-empty run of decimal digits that fits in a uint64.
func parseDigits(d []byte) (uint64, bool) {
	if len(d) == 0 {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (1<<64-1)/10 {
			return 0, false
		}
		u *= 10
		if u+uint64(c-'0') < u {
			return 0, false
		}
		u += uint64(c - '0')
	}
	return u, true
}

// valueEnd returns the index just past the validated value that starts at d[i]. Nested
// containers are skipped by counting brackets outside strings: no recursion.
func valueEnd(d []byte, i int) int {
	switch d[i] {
	case '"':
		for i++; ; i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch d[i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			case '"':
				i = valueEnd(d, i) - 1
			}
		}
	case 't', 'n':
		return i + 4
	case 'f':
		return i + 5
	}
	for i < len(d) {
		switch c := d[i]; {
		case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// unquote decodes a validated string literal as encoding/json's unquoteBytes does: every
// escape, surrogate pairs joined, a lone surrogate and each invalid UTF-8 byte as U+FFFD.
func unquote(q []byte) string {
	s := q[1 : len(q)-1]
	plain := true
	for _, c := range s {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(s)
	}
	b := make([]byte, 0, len(s))
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch e := s[r+1]; e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				r += 6
				if 0xd800 <= rr && rr < 0xe000 {
					if rr < 0xdc00 {
						if lo := getu4(s[r:]); 0xdc00 <= lo && lo < 0xe000 {
							b = utf8.AppendRune(b, 0x10000+(rr-0xd800)<<10+(lo-0xdc00))
							r += 6
							continue
						}
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // '"', '\\', '/'
				b = append(b, e)
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return string(b)
}

// getu4 decodes the \uXXXX escape at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		h := hexVal(c)
		if h < 0 {
			return -1
		}
		r = r<<4 | rune(h)
	}
	return r
}
