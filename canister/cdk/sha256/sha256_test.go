package sha256

import (
	stdsha "crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// FIPS 180-4 examples plus lengths around the padding boundaries (55, 56, 63, 64 bytes).
func TestVectors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	}
	for _, tt := range tests {
		got := sumGeneric([]byte(tt.in))
		if hex.EncodeToString(got[:]) != tt.want {
			t.Errorf("sha256(%q) = %x, want %s", tt.in, got, tt.want)
		}
	}
}

// The Wasm implementation agrees with crypto/sha256 on every length up to a few blocks, in
// one write and in random pieces, and Sum leaves the computation running.
func TestAgreesWithStandardLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 700)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for n := 0; n <= len(data); n++ {
		want := stdsha.Sum256(data[:n])
		if got := sumGeneric(data[:n]); got != want {
			t.Fatalf("length %d: %x, want %x", n, got, want)
		}
		d := newGeneric()
		for rest := data[:n]; len(rest) > 0; {
			c := 1 + r.IntN(min(len(rest), 130))
			d.Write(rest[:c])
			rest = rest[c:]
			if len(rest) > 0 && r.IntN(4) == 0 {
				d.Sum(nil) // must not disturb the running state
			}
		}
		if got := d.Sum(nil); string(got) != string(want[:]) {
			t.Fatalf("length %d in pieces: %x, want %x", n, got, want)
		}
	}
	d := newGeneric()
	d.Write([]byte("x"))
	d.Reset()
	if got, want := d.Sum(nil), stdsha.Sum256(nil); string(got) != string(want[:]) {
		t.Error("Reset does not restart the computation")
	}
}

func TestExportedMatchesStandardLibrary(t *testing.T) {
	in := []byte("ic-hashtree-leaf")
	h := New()
	h.Write(in)
	if want := stdsha.Sum256(in); Sum256(in) != want || string(h.Sum(nil)) != string(want[:]) {
		t.Error("Sum256/New disagree with crypto/sha256")
	}
}

func BenchmarkGeneric(b *testing.B) {
	data := make([]byte, 1024)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sumGeneric(data)
	}
}

func TestSumPadded(t *testing.T) {
	for n := 0; n < 200; n++ {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i * 7)
		}
		if got, want := SumPadded(Pad(append([]byte{}, msg...), n)), stdsha.Sum256(msg); got != want {
			t.Fatalf("length %d: %x, want %x", n, got, want)
		}
		var to [Size]byte
		if SumPaddedTo(&to, Pad(append([]byte{}, msg...), n)); to != stdsha.Sum256(msg) {
			t.Fatalf("SumPaddedTo, length %d: %x", n, to)
		}
	}
}
