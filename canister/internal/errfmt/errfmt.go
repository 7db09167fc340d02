// Package errfmt builds a canister's error messages (the CDK's, the payments domain's)
// without package fmt: importing fmt links
// os, io/fs, syscall, internal/poll and fmt's printer into the module, about 170 KB gzip of
// a Go wasip1 canister that never prints. The helpers give the results fmt.Errorf and
// fmt.Sprintf would for the verbs those use: Wrap and WrapAll stand for %w, Int for %d,
// Hex for %x on bytes, Hex32 for %08x, HexSharp for %#x, IntPad for %0Nd, Prefix for %.Ns;
// strconv.Quote is %q, a value's String or Error method is %s and %v.
package errfmt

import "strconv"

// Wrap returns the error fmt.Errorf(prefix+"%w"+suffix, err) would: its message is prefix,
// err's message and suffix, and errors.Is, errors.As and errors.Unwrap see err through it.
// A nil err reads as fmt writes it, "%!w(<nil>)".
func Wrap(prefix string, err error, suffix string) error {
	text := "%!w(<nil>)"
	if err != nil {
		text = err.Error()
	}
	return &wrapError{msg: prefix + text + suffix, err: err}
}

type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// WrapAll returns an error with message msg that wraps every one of errs, as fmt.Errorf
// with several %w verbs does (Unwrap() []error). The caller writes their messages into msg.
func WrapAll(msg string, errs ...error) error {
	return &wrapErrors{msg: msg, errs: errs}
}

type wrapErrors struct {
	msg  string
	errs []error
}

func (e *wrapErrors) Error() string   { return e.msg }
func (e *wrapErrors) Unwrap() []error { return e.errs }

// Integer is any integer type, including named ones.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Int formats v in decimal, as %d does.
func Int[T Integer](v T) string {
	if v < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(uint64(v), 10)
}

const hexDigits = "0123456789abcdef"

// Hex formats b as lowercase hexadecimal, two digits a byte, as %x does ("" for none).
func Hex(b []byte) string {
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = hexDigits[c>>4], hexDigits[c&0xf]
	}
	return string(out)
}

// HexDigit is the value of one hexadecimal digit of either case, the inverse of Hex's
// digits (and what encoding/hex and URL percent-decoding accept).
func HexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Hex32 formats v as eight lowercase hexadecimal digits, as %08x does.
func Hex32(v uint32) string {
	var out [8]byte
	for i := 7; i >= 0; i-- {
		out[i] = hexDigits[v&0xf]
		v >>= 4
	}
	return string(out[:])
}

// HexSharp formats v as %#x does: "0x" and lowercase hexadecimal digits without padding.
func HexSharp[T Integer](v T) string {
	if v < 0 {
		return "-0x" + strconv.FormatUint(uint64(-int64(v)), 16)
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// IntPad formats v in decimal with leading zeros to width characters, as %0<width>d does.
func IntPad[T Integer](v T, width int) string {
	digits, sign := Int(v), ""
	if v < 0 {
		digits, sign = digits[1:], "-"
	}
	for len(sign)+len(digits) < width {
		digits = "0" + digits
	}
	return sign + digits
}

// Prefix returns the first n characters of s, as %.<n>s does: a byte that is not valid
// UTF-8 counts as one character.
func Prefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
