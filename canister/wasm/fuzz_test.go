package wasm

import (
	"bytes"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// encodes to a module that decodes again and re-encodes identically, and
// that every function body can be walked without panicking. The seed corpus
// lives in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		var in Instr
		r := NewInstrReader(nil)
		for i := range m.Code {
			r.Reset(m.Code[i].Body)
			for !r.Done() {
				if r.Next(&in) != nil {
					break
				}
				if in.End <= in.Start || in.End > len(m.Code[i].Body) {
					t.Fatalf("bad span %d..%d", in.Start, in.End)
				}
			}
		}
		out := m.Encode()
		if !bytes.Equal(out, b) {
			// Non-canonical input may legitimately change, but the result must
			// be stable.
			m2, err := Decode(out)
			if err != nil {
				t.Fatalf("re-decoding the encoding failed: %v", err)
			}
			if out2 := m2.Encode(); !bytes.Equal(out, out2) {
				t.Fatal("encoding is not stable")
			}
		}
	})
}
