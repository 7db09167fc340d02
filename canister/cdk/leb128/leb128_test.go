package leb128

import (
	"encoding/hex"
	"errors"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 624485, math.MaxUint32, math.MaxUint64} {
		b := AppendUnsigned(nil, v)
		got, n, err := ReadUnsigned(b)
		if err != nil || got != v || n != len(b) {
			t.Errorf("unsigned %d: got %d, %d bytes of %d, %v", v, got, n, len(b), err)
		}
		if k, err := Skip(b); err != nil || k != len(b) {
			t.Errorf("Skip %d: %d, %v", v, k, err)
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, -123456, math.MaxInt64, math.MinInt64} {
		b := AppendSigned(nil, v)
		got, n, err := ReadSigned(b)
		if err != nil || got != v || n != len(b) {
			t.Errorf("signed %d: got %d, %d bytes of %d, %v", v, got, n, len(b), err)
		}
	}
}

func TestKnownEncodings(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		u    uint64
	}{
		{"spec example", []byte{0xe5, 0x8e, 0x26}, 624485},
		{"redundant zero group", []byte{0x80, 0x00}, 0},
	}
	for _, tc := range tests {
		got, n, err := ReadUnsigned(tc.b)
		if err != nil || got != tc.u || n != len(tc.b) {
			t.Errorf("%s: got %d, %d, %v", tc.name, got, n, err)
		}
	}
	if v, _, err := ReadSigned([]byte{0xc0, 0xbb, 0x78}); err != nil || v != -123456 {
		t.Errorf("signed spec example: %d, %v", v, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"unterminated", []byte{0x80, 0x80}, ErrTruncated},
		{"65 bits", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, ErrOverflow},
	}
	for _, tc := range tests {
		if _, _, err := ReadUnsigned(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: ReadUnsigned error %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, _, err := ReadSigned([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}); !errors.Is(err, ErrOverflow) {
		t.Errorf("signed overflow: %v", err)
	}
}

// The bytes of naturals in the state tree (moved here from replica/internal/certify, whose Nat was
// a copy of AppendUnsigned).
func TestAppendUnsignedBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "00"}, {127, "7f"}, {128, "8001"}, {624485, "e58e26"},
		{1 << 63, "80808080808080808001"},
	}
	for _, tc := range tests {
		if got := hex.EncodeToString(AppendUnsigned(nil, tc.n)); got != tc.want {
			t.Errorf("AppendUnsigned(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}
