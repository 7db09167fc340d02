package jsonlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// syntaxErr is encoding/json's verdict on data: "" when valid, else its message.
func syntaxErr(data []byte) string {
	var v json.RawMessage // no number conversion: only the syntax is judged
	if err := json.Unmarshal(data, &v); err != nil {
		return err.Error()
	}
	return ""
}

var validityCases = []string{
	``, ` `, `{`, `}`, `[`, `]`, `{}`, `[]`, ` [ ] `, `{"a":1}`, `{"a" : 1 , "b":[1,2,{}]}`,
	`{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `[1,]`, `[,1]`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`,
	`"`, `"abc`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\x"`, `"\u12"`, `"\u12x4"`,
	`"\`, "\"a\tb\"", "\"a\x00b\"", "\"\xff\xfe\"", `"\/\b\f\n\r\t"`, `"\'"`,
	`0`, `-0`, `-`, `--1`, `01`, `1.`, `1.5`, `.5`, `1e`, `1e+`, `1E-5`, `1e5x`, `-a`, `1.x`,
	`123456789012345678901234567890`, `+1`, `0x10`, `1 2`, `1 `, "\t\r\n1\n",
	`true`, `tru`, `trux`, `false`, `fals`, `null`, `nul`, `nulll`, `NaN`, `Infinity`,
	`[true,false,null]`, `{"a":{"b":{"c":[[[]]]}}}`, `x`, "\xef\xbb\xbf{}", `'a'`, "\x7f",
	"\x80", "\xa0", "\xad", "\xc3\xa9", `{"a":1}}`, `[1]]`, `{"a":[}`, `["a":1]`,
	`{"a":1,"a":2}`, `"\uD834\uDD1E"`, `"\uDD1E\uD834"`,
}

func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, c := range validityCases {
		checkValidity(t, []byte(c))
	}
	for c := 0; c < 256; c++ { // every byte in every position that reports it
		for _, doc := range []string{"%c", "[%c", `{"a":1%c`, `"\%c"`, `"\u0%c00"`, `1.%c`, `t%c`, `-%c`, `{%c`, `{"a"%c`, `[1%c`} {
			checkValidity(t, []byte(strings.Replace(doc, "%c", string([]byte{byte(c)}), 1)))
		}
	}
}

func checkValidity(t *testing.T, data []byte) {
	t.Helper()
	want := syntaxErr(data)
	_, err := Parse(data)
	got := ""
	if err != nil {
		got = err.Error()
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %T, want *SyntaxError", data, err)
		}
	}
	if got != want {
		t.Errorf("%q: Parse error %q, encoding/json %q", data, got, want)
	}
	if Valid(data) != json.Valid(data) {
		t.Errorf("%q: Valid = %v, json.Valid = %v", data, Valid(data), json.Valid(data))
	}
}

func TestDepth(t *testing.T) {
	for _, depth := range []int{MaxDepth, MaxDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			empty, closeB := "[]", "]"
			if open != "[" {
				empty, closeB = "{}", "}"
			}
			doc := []byte(strings.Repeat(open, depth-1) + empty + strings.Repeat(closeB, depth-1))
			checkValidity(t, doc)
			if _, err := Parse(doc); (err == nil) != (depth <= MaxDepth) {
				t.Errorf("depth %d %s: err = %v", depth, open, err)
			}
		}
	}
}

// TestLinear: a large flat or deep document parses and is walked in time linear in its
// size (a quadratic walk of 1 MiB would take minutes).
func TestLinear(t *testing.T) {
	big := []byte("[" + strings.Repeat(`{"a":"\u00e9x","b":[1,2]},`, 40000) + "0]")
	v, err := Parse(big)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := v.Elements(func(e Value) error {
		n++
		return e.Members(func(string, Value) error { return nil })
	}); err != nil || n != 40001 {
		t.Fatalf("walked %d elements, %v", n, err)
	}
	deep := []byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))
	v, err = Parse(deep)
	if err != nil || len(v.Raw()) != len(deep) {
		t.Fatalf("deep: %v", err)
	}
}

func TestMembersAndElements(t *testing.T) {
	v, err := Parse([]byte(` { "a" : [ 1 , "x" , {"b":null} ] , "a":true, "\u0063": {} , "d":"}" } `))
	if err != nil {
		t.Fatal(err)
	}
	var keys, raws []string
	_ = v.Members(func(k string, m Value) error {
		keys = append(keys, k)
		raws = append(raws, string(m.Raw()))
		return nil
	})
	if want := []string{"a", "a", "c", "d"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if want := []string{`[ 1 , "x" , {"b":null} ]`, `true`, `{}`, `"}"`}; !reflect.DeepEqual(raws, want) {
		t.Errorf("raws %q, want %q", raws, want)
	}
	var kinds []Kind
	_ = v.Members(func(k string, m Value) error {
		return m.Elements(func(e Value) error { kinds = append(kinds, e.Kind()); return nil })
	})
	if want := []Kind{KindNumber, KindString, KindObject}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	stop := errors.New("stop")
	calls := 0
	if err := v.Members(func(string, Value) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("Members did not stop: %v after %d calls", err, calls)
	}
	if (Value{}).Kind() != KindInvalid {
		t.Error("zero Value is not KindInvalid")
	}
}

func TestStr(t *testing.T) {
	for _, q := range []string{`""`, `"abc"`, `"a\"\\\/\b\f\n\r\tz"`, `"\u00e9\u0000"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, "\"\xff\xc3(\xe2\x82\"",
		"\"\xed\xa0\x80\"", `"\uDBFF\uDFFF"`, `"é😀"`} {
		checkStr(t, []byte(q))
	}
	if _, ok := mustParse(t, `1`).Str(); ok {
		t.Error("Str of a number")
	}
}

func checkStr(t *testing.T, q []byte) {
	t.Helper()
	var want string
	if err := json.Unmarshal(q, &want); err != nil {
		return
	}
	v, err := Parse(q)
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	if got, ok := v.Str(); !ok || got != want {
		t.Errorf("%q: Str = %q, %v; encoding/json %q", q, got, ok, want)
	}
}

func TestInt(t *testing.T) {
	for _, n := range []string{`0`, `-0`, `1`, `-1`, `9223372036854775807`, `9223372036854775808`,
		`-9223372036854775808`, `-9223372036854775809`, `18446744073709551615`, `18446744073709551616`,
		`99999999999999999999999`, `1.0`, `1e3`, `1E3`, `-1.5e-3`, `"1"`, `true`, `null`, `[]`, `{}`} {
		checkInt(t, []byte(n))
	}
}

func checkInt(t *testing.T, data []byte) {
	t.Helper()
	v, err := Parse(data)
	if err != nil {
		return
	}
	var i64 int64
	var u64 uint64
	wantI := json.Unmarshal(data, &i64) == nil && v.Kind() == KindNumber // null decodes without error
	wantU := json.Unmarshal(data, &u64) == nil && v.Kind() == KindNumber
	if got, ok := v.Int64(); ok != wantI || ok && got != i64 {
		t.Errorf("%s: Int64 = %d, %v; encoding/json %d, %v", data, got, ok, i64, wantI)
	}
	if got, ok := v.Uint64(); ok != wantU || ok && got != u64 {
		t.Errorf("%s: Uint64 = %d, %v; encoding/json %d, %v", data, got, ok, u64, wantU)
	}
}

func TestBoolNull(t *testing.T) {
	if b, ok := mustParse(t, `true`).Bool(); !b || !ok {
		t.Error("true")
	}
	if b, ok := mustParse(t, `false`).Bool(); b || !ok {
		t.Error("false")
	}
	if _, ok := mustParse(t, `null`).Bool(); ok {
		t.Error("Bool of null")
	}
	if !mustParse(t, `null`).IsNull() || mustParse(t, `0`).IsNull() {
		t.Error("IsNull")
	}
}

func mustParse(t *testing.T, s string) Value {
	t.Helper()
	v, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<a href='x'>&amp;</a>",
		"\u2028\u2029\u2027\u202a", "\xff", "a\xc3", "\xed\xa0\x80", "\uFFFD", "é😀", "\U0010FFFF"} {
		checkAppendString(t, s)
	}
	if got := string(AppendInt([]byte("x"), math.MinInt64)); got != "x-9223372036854775808" {
		t.Errorf("AppendInt: %s", got)
	}
	if got := string(AppendUint(nil, math.MaxUint64)); got != strconv.FormatUint(math.MaxUint64, 10) {
		t.Errorf("AppendUint: %s", got)
	}
}

func checkAppendString(t *testing.T, s string) {
	t.Helper()
	want, _ := json.Marshal(s)
	if got := AppendString([]byte("x"), s); !bytes.Equal(got[1:], want) {
		t.Errorf("%q: AppendString = %s, json.Marshal %s", s, got[1:], want)
	}
}

// TestFieldMatch checks the folding against encoding/json for every rune as a one-letter
// key and for the names the canister decodes.
func TestFieldMatch(t *testing.T) {
	type one struct {
		K string `json:"k"`
		S string `json:"s"`
		X string `json:"_"`
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) || r == '"' || r == '\\' || r < 0x20 {
			continue
		}
		key := string(r)
		doc := []byte(`{` + string(AppendString(nil, key)) + `:"v"}`)
		var o one
		if err := json.Unmarshal(doc, &o); err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]string{"k": o.K, "s": o.S, "_": o.X} {
			if want := got == "v"; FieldMatch(key, name) != want {
				t.Errorf("FieldMatch(%q, %q) = %v, encoding/json %v", key, name, !want, want)
			}
		}
	}
	cases := []struct {
		key, name string
		want      bool
	}{
		{"payment_status", "payment_status", true},
		{"PAYMENT_STATUS", "payment_status", true},
		{"payment_ſtatus", "payment_status", true},
		{"payment_status ", "payment_status", false},
		{"payment", "payment_status", false},
		{"apihost", "APIHost", true},
		{"\u212aey", "key", true},
		{"i\u0307d", "id", false},
	}
	for _, c := range cases {
		if got := FieldMatch(c.key, c.name); got != c.want {
			t.Errorf("FieldMatch(%q, %q) = %v", c.key, c.name, got)
		}
	}
}

func TestQuoteChar(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := "'" + strings.Trim(strconv.Quote(string(rune(c))), `"`) + "'"
		switch c {
		case '\'':
			want = `'\''`
		case '"':
			want = `'"'`
		}
		if got := quoteChar(byte(c)); got != want {
			t.Errorf("quoteChar(%#x) = %s, want %s", c, got, want)
		}
	}
}

// FuzzValid: Parse accepts exactly what encoding/json accepts, with its error message.
func FuzzValid(f *testing.F) {
	for _, c := range validityCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkValidity(t, data)
		if v, err := Parse(data); err == nil {
			walk(t, v, data)
		}
	})
}

// walk checks that every value reached through Members and Elements is what
// json.RawMessage would hold, and that decoding it agrees with encoding/json.
func walk(t *testing.T, v Value, doc []byte) {
	var raw json.RawMessage
	if err := json.Unmarshal(v.Raw(), &raw); err != nil || !bytes.Equal(raw, v.Raw()) {
		t.Fatalf("%q: raw %q is not a whole value (%v)", doc, v.Raw(), err)
	}
	switch v.Kind() {
	case KindObject:
		var m map[string]json.RawMessage
		_ = json.Unmarshal(v.Raw(), &m)
		last := map[string]string{}
		_ = v.Members(func(k string, m Value) error {
			last[k] = string(m.Raw())
			walk(t, m, doc)
			return nil
		})
		if len(last) != len(m) {
			t.Fatalf("%q: %d distinct keys, encoding/json %d", doc, len(last), len(m))
		}
		for k, r := range m {
			if last[k] != string(r) {
				t.Fatalf("%q: key %q last value %q, encoding/json %q", doc, k, last[k], r)
			}
		}
	case KindArray:
		_ = v.Elements(func(e Value) error { walk(t, e, doc); return nil })
	case KindString:
		checkStr(t, v.Raw())
	case KindNumber:
		checkInt(t, v.Raw())
	}
}

// FuzzString: a string literal decodes as encoding/json decodes it, and any Go string is
// written as json.Marshal writes it.
func FuzzString(f *testing.F) {
	for _, s := range []string{`"a"`, `"\ud83d\ude00"`, `"\ud800\u0041"`, "\"\xff\"", `"\u2028<&>"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkStr(t, []byte(s))
		checkStr(t, []byte(`"`+s+`"`))
		checkAppendString(t, s)
	})
}

// FuzzInt: a number decodes into int64/uint64 exactly when encoding/json's would.
func FuzzInt(f *testing.F) {
	for _, s := range []string{"0", "-0", "9223372036854775808", "-9223372036854775809", "1e2", "1.0", "18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkInt(t, []byte(s))
	})
}
