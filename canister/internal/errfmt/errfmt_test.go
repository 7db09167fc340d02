package errfmt

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"testing"
)

// The helpers must give exactly what fmt gives for the same verbs.
func TestMatchesFmt(t *testing.T) {
	tests := []struct {
		name     string
		got, fmt string
	}{
		{"int zero", Int(0), fmt.Sprintf("%d", 0)},
		{"int negative", Int(-42), fmt.Sprintf("%d", -42)},
		{"int8 min", Int(int8(math.MinInt8)), fmt.Sprintf("%d", int8(math.MinInt8))},
		{"int64 min", Int(int64(math.MinInt64)), fmt.Sprintf("%d", int64(math.MinInt64))},
		{"uint64 max", Int(uint64(math.MaxUint64)), fmt.Sprintf("%d", uint64(math.MaxUint64))},
		{"byte", Int(byte(200)), fmt.Sprintf("%d", byte(200))},
		{"named", Int(named(7)), fmt.Sprintf("%d", named(7))},
		{"hex nil", Hex(nil), fmt.Sprintf("%x", []byte(nil))},
		{"hex bytes", Hex([]byte{0, 1, 0xab, 0xff, 0x10}), fmt.Sprintf("%x", []byte{0, 1, 0xab, 0xff, 0x10})},
		{"hex32 zero", Hex32(0), fmt.Sprintf("%08x", uint32(0))},
		{"hex32 small", Hex32(0xabc), fmt.Sprintf("%08x", uint32(0xabc))},
		{"hex32 max", Hex32(math.MaxUint32), fmt.Sprintf("%08x", uint32(math.MaxUint32))},
		{"sharp hex zero", HexSharp(byte(0)), fmt.Sprintf("%#x", byte(0))},
		{"sharp hex", HexSharp(byte(0xf0)), fmt.Sprintf("%#x", byte(0xf0))},
		{"sharp hex negative", HexSharp(-255), fmt.Sprintf("%#x", -255)},
		{"sharp hex int64 min", HexSharp(int64(math.MinInt64)), fmt.Sprintf("%#x", int64(math.MinInt64))},
		{"pad zero", IntPad(0, 4), fmt.Sprintf("%04d", 0)},
		{"pad", IntPad(42, 4), fmt.Sprintf("%04d", 42)},
		{"pad wider", IntPad(123456, 4), fmt.Sprintf("%04d", 123456)},
		{"pad negative", IntPad(-7, 4), fmt.Sprintf("%04d", -7)},
		{"pad negative wide", IntPad(-12345, 4), fmt.Sprintf("%04d", -12345)},
		{"prefix short", Prefix("abc", 20), fmt.Sprintf("%.20s", "abc")},
		{"prefix cut", Prefix("0123456789abcdefghijXYZ", 20), fmt.Sprintf("%.20s", "0123456789abcdefghijXYZ")},
		{"prefix runes", Prefix("ééééé", 3), fmt.Sprintf("%.3s", "ééééé")},
		{"prefix invalid utf8", Prefix("\xff\xfe\xfdabc", 2), fmt.Sprintf("%.2s", []byte("\xff\xfe\xfdabc"))},
		{"prefix zero", Prefix("abc", 0), fmt.Sprintf("%.0s", "abc")},
		{"wrap prefix", Wrap("reading: ", io.EOF, "").Error(), fmt.Errorf("reading: %w", io.EOF).Error()},
		{"wrap suffix", Wrap("", io.EOF, ": at 3").Error(), fmt.Errorf("%w: at 3", io.EOF).Error()},
		{"wrap both", Wrap("a ", io.EOF, " b").Error(), fmt.Errorf("a %w b", io.EOF).Error()},
		{"wrap nil", Wrap("a: ", nil, "").Error(), fmt.Errorf("a: %w", nil).Error()},
		{"wrap all", WrapAll(io.EOF.Error()+": "+errX.Error(), io.EOF, errX).Error(),
			fmt.Errorf("%w: %w", io.EOF, errX).Error()},
	}
	for _, tt := range tests {
		if tt.got != tt.fmt {
			t.Errorf("%s: got %q, fmt gives %q", tt.name, tt.got, tt.fmt)
		}
	}
}

type named int16

var errX = errors.New("x")

func TestUnwrap(t *testing.T) {
	w := Wrap("p: ", io.EOF, "")
	if errors.Unwrap(w) != io.EOF || !errors.Is(w, io.EOF) {
		t.Errorf("Wrap does not unwrap to its error: %v", errors.Unwrap(w))
	}
	outer := Wrap("outer: ", w, "")
	if !errors.Is(outer, io.EOF) {
		t.Error("a wrapped Wrap loses the inner error")
	}
	all := WrapAll("both", io.EOF, errX)
	if !errors.Is(all, io.EOF) || !errors.Is(all, errX) || errors.Is(all, io.ErrUnexpectedEOF) {
		t.Error("WrapAll does not wrap exactly its errors")
	}
	var pe *pathErr
	if !errors.As(Wrap("", &pathErr{}, ""), &pe) {
		t.Error("errors.As does not see through Wrap")
	}
}

type pathErr struct{}

func (*pathErr) Error() string { return "path" }

// TestHexDigit holds HexDigit to strconv's reading of every byte as a base-16 digit.
func TestHexDigit(t *testing.T) {
	for c := 0; c < 256; c++ {
		want, err := strconv.ParseUint(string([]byte{byte(c)}), 16, 8)
		got, ok := HexDigit(byte(c))
		if ok != (err == nil) || (ok && uint64(got) != want) {
			t.Errorf("HexDigit(%q) = %d, %v; strconv: %d, %v", byte(c), got, ok, want, err)
		}
	}
}
