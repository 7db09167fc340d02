// Package jsonlite is a small, reflection-free JSON reader and writer for canisters.
//
// encoding/json costs a canister far more than the few structs it decodes: its reflection
// driven codec, fmt, and the time parsing and formatting that MarshalJSON/UnmarshalJSON
// methods drag in. Measured on stripe_backend (make canister): with encoding/json the module
// was 5,800,063 bytes, 1,349,199 gzip; with jsonlite 5,403,105 and 1,242,560 (-397 KB,
// -107 KB gzip, 130 fewer functions). Decoding Stripe's webhook envelope, a Checkout Session,
// an error body and the stored configuration needs none of it.
//
// jsonlite keeps encoding/json's observable behaviour where a caller can see it, because the
// code it replaces answered with encoding/json's results and texts:
//
//   - Parse accepts exactly what json.Valid accepts (RFC 8259, invalid UTF-8 inside strings
//     allowed, nesting up to MaxDepth) and its SyntaxError carries encoding/json's message.
//   - Strings decode as encoding/json decodes them: every escape, \u surrogate pairs, a lone
//     or broken surrogate and each invalid UTF-8 byte as U+FFFD.
//   - Int64/Uint64 accept what encoding/json accepts for integer fields: an integer literal
//     in range, no fraction, no exponent.
//   - FieldMatch is encoding/json's key to field matching (exact, else case-insensitive with
//     its Unicode folding); duplicate keys are left to the caller, who sees every member in
//     order (encoding/json: the last one wins).
//   - AppendString writes a string exactly as json.Marshal does (HTML-safe escaping of <, >
//     and &, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd).
//
// A document is validated once, without recursion (an explicit stack of at most MaxDepth
// bytes); a Value can only be obtained from Parse or from a validated parent, so its methods
// never meet invalid input, and walking it costs time linear in its size per level decoded.
package jsonlite

// MaxDepth is the deepest nesting of arrays and objects Parse accepts: encoding/json's
// limit, so that a document it accepted is still accepted. The validator keeps one byte per
// level and does not recurse, so the limit bounds memory, not the call stack.
const MaxDepth = 10000

// SyntaxError is a document that is not valid JSON. Its message is encoding/json's.
type SyntaxError struct {
	msg    string
	Offset int64 // bytes read before the error
}

func (e *SyntaxError) Error() string { return e.msg }

// Valid reports whether data is one valid JSON value, as json.Valid does.
func Valid(data []byte) bool { return check(data) == nil }

// Parse validates data as one JSON value and returns it without surrounding whitespace.
func Parse(data []byte) (Value, error) {
	if err := check(data); err != nil {
		return Value{}, err
	}
	i := skipSpace(data, 0)
	return Value{raw: data[i:valueEnd(data, i)]}, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// errAt is encoding/json's "invalid character" error for byte c.
func errAt(c byte, context string, off int) error {
	return &SyntaxError{msg: "invalid character " + quoteChar(c) + " " + context, Offset: int64(off)}
}

// check is encoding/json's scanner written as a loop: the same language, the same first
// error and the same messages. At the end of input it behaves like the scanner, which is
// fed a space there: a number, literal or escape cut short reports ' ', anything else
// "unexpected end of JSON input".
func check(data []byte) error {
	var stack []byte // '{' or '[' per open container
	i := 0
	n := len(data)
	eof := func() error {
		return &SyntaxError{msg: "unexpected end of JSON input", Offset: int64(n)}
	}
	// at returns data[i], or the space the scanner is fed at the end.
	at := func(i int) byte {
		if i < n {
			return data[i]
		}
		return ' '
	}
	// scanKey scans an object key at data[i] (which must begin a string) and its colon.
	var err error
	scanKey := func(i int) int {
		if i >= n {
			err = eof()
			return i
		}
		if data[i] != '"' {
			err = errAt(data[i], "looking for beginning of object key string", i+1)
			return i
		}
		if i, err = scanString(data, i); err != nil {
			return i
		}
		i = skipSpace(data, i)
		if i >= n {
			err = eof()
			return i
		}
		if data[i] != ':' {
			err = errAt(data[i], "after object key", i+1)
			return i
		}
		return i + 1
	}
value:
	i = skipSpace(data, i)
	if i >= n {
		return eof()
	}
	switch c := data[i]; {
	case c == '{' || c == '[':
		if len(stack) >= MaxDepth {
			return errAt(c, "exceeded max depth", i+1)
		}
		stack = append(stack, c)
		i = skipSpace(data, i+1)
		if i >= n {
			return eof()
		}
		if c == '[' {
			if data[i] == ']' {
				stack = stack[:len(stack)-1]
				i++
				goto end
			}
			goto value
		}
		if data[i] == '}' {
			stack = stack[:len(stack)-1]
			i++
			goto end
		}
		if i = scanKey(i); err != nil {
			return err
		}
		goto value
	case c == '"':
		if i, err = scanString(data, i); err != nil {
			return err
		}
	case c == '-' || '0' <= c && c <= '9':
		if i, err = scanNumber(data, i); err != nil {
			return err
		}
	case c == 't' || c == 'f' || c == 'n':
		lit := "true"
		if c == 'f' {
			lit = "false"
		} else if c == 'n' {
			lit = "null"
		}
		for k := 1; k < len(lit); k++ {
			if b := at(i + k); b != lit[k] {
				return errAt(b, "in literal "+lit+" (expecting "+quoteChar(lit[k])+")", i+k+1)
			}
		}
		i += len(lit)
	default:
		return errAt(c, "looking for beginning of value", i+1)
	}
end:
	i = skipSpace(data, i)
	if len(stack) == 0 {
		if i < n {
			return errAt(data[i], "after top-level value", i+1)
		}
		return nil
	}
	if i >= n {
		return eof()
	}
	c := data[i]
	if stack[len(stack)-1] == '{' {
		switch c {
		case ',':
			if i = scanKey(skipSpace(data, i+1)); err != nil {
				return err
			}
			goto value
		case '}':
			stack = stack[:len(stack)-1]
			i++
			goto end
		}
		return errAt(c, "after object key:value pair", i+1)
	}
	switch c {
	case ',':
		i++
		goto value
	case ']':
		stack = stack[:len(stack)-1]
		i++
		goto end
	}
	return errAt(c, "after array element", i+1)
}

// scanString scans the string starting at data[i] == '"' and returns the index after it.
func scanString(data []byte, i int) (int, error) {
	n := len(data)
	for i++; i < n; i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return i, errAt(c, "in string literal", i+1)
		case c == '\\':
			i++
			if i >= n {
				return i, errAt(' ', "in string escape code", n+1)
			}
			switch data[i] {
			case 'b', 'f', 'n', 'r', 't', '\\', '/', '"':
			case 'u':
				for k := 1; k <= 4; k++ {
					b := byte(' ')
					if i+k < n {
						b = data[i+k]
					}
					if hexVal(b) < 0 {
						return i, errAt(b, "in \\u hexadecimal character escape", i+k+1)
					}
				}
				i += 4
			default:
				return i, errAt(data[i], "in string escape code", i+1)
			}
		}
	}
	return n, &SyntaxError{msg: "unexpected end of JSON input", Offset: int64(n)}
}

// scanNumber scans the number starting at data[i] and returns the index after it. The byte
// that ends it is left to the caller; only a malformed number is an error here.
func scanNumber(data []byte, i int) (int, error) {
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return ' '
	}
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	if data[i] == '-' {
		i++
		if c := at(i); !digit(c) {
			return i, errAt(c, "in numeric literal", i+1)
		}
	}
	if at(i) == '0' {
		i++
	} else {
		for digit(at(i)) {
			i++
		}
	}
	if at(i) == '.' {
		i++
		if c := at(i); !digit(c) {
			return i, errAt(c, "after decimal point in numeric literal", i+1)
		}
		for digit(at(i)) {
			i++
		}
	}
	if c := at(i); c == 'e' || c == 'E' {
		i++
		if c := at(i); c == '+' || c == '-' {
			i++
		}
		if c := at(i); !digit(c) {
			return i, errAt(c, "in exponent of numeric literal", i+1)
		}
		for digit(at(i)) {
			i++
		}
	}
	return i, nil
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// quoteChar is encoding/json's quoteChar: c as a Go character literal (strconv.Quote of
// the rune U+00xx) between single quotes, without strconv's Unicode tables.
func quoteChar(c byte) string {
	const hexDigits = "0123456789abcdef"
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	case '\\':
		return `'\\'`
	case '\a':
		return `'\a'`
	case '\b':
		return `'\b'`
	case '\f':
		return `'\f'`
	case '\n':
		return `'\n'`
	case '\r':
		return `'\r'`
	case '\t':
		return `'\t'`
	case '\v':
		return `'\v'`
	}
	switch {
	case c < 0x20 || c == 0x7f:
		return `'\x` + string(hexDigits[c>>4]) + string(hexDigits[c&0xf]) + `'`
	case c < 0x7f:
		return "'" + string(rune(c)) + "'"
	case c <= 0xa0 || c == 0xad: // C1 controls, no-break space, soft hyphen: not printable
		return `'\u00` + string(hexDigits[c>>4]) + string(hexDigits[c&0xf]) + `'`
	}
	return "'" + string(rune(c)) + "'"
}
