package engine

import (
	"bytes"
	"testing"
)

// FuzzDecodeCanisterState feeds arbitrary bytes to the state decoder, which reads files a
// replica saved: it must fail cleanly, and what it accepts must encode again.
func FuzzDecodeCanisterState(f *testing.F) {
	var buf bytes.Buffer
	s := &CanisterState{Format: stateFormat, ID: []byte{1}, Memory: []byte("mem"), Globals: []uint64{1, 2}, Stable: []byte{9}}
	if err := s.Encode(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeCanisterState(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := s.Encode(&out); err != nil {
			t.Fatal(err)
		}
		again, err := DecodeCanisterState(&out)
		if err != nil || !bytes.Equal(again.Memory, s.Memory) || !bytes.Equal(again.ID, s.ID) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
