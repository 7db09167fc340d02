// Package sha256 is SHA-256 (FIPS 180-4) and HMAC-SHA256 for canisters: the CDK's hash trees,
// request hashing and webhook signatures.
//
// The standard library's crypto/sha256 links os (through the FIPS 140 module's GODEBUG
// handling) into wasip1 builds, and the CDK keeps os and fmt out of canisters (see
// cdk/internal/sizeprobe). So a Wasm build uses the small implementation in this package;
// every other build uses crypto/sha256 (with its assembly), and the tests check that the two
// agree.
package sha256

import "encoding/binary"

//go:generate go run gen_block.go

// Size is the length of a digest in bytes.
const Size = 32

const blockSize = 64

// Digest is a running SHA-256 computation. The zero value is not ready: use New.
type Digest struct {
	h   [8]uint32
	buf [blockSize]byte
	nb  int    // bytes in buf
	len uint64 // bytes written in total
}

var initial = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// roundConstants are K of FIPS 180-4, 4.2.2.
var roundConstants = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// InitialState is H(0) of FIPS 180-4, 5.3.3, and RoundConstants is K (4.2.2): for the
// generators of compression code (gen_block.go here, the linker's icwasm.sha256_* code).
func InitialState() [8]uint32 { return initial }

// RoundConstants returns K of FIPS 180-4, 4.2.2 (see InitialState).
func RoundConstants() [64]uint32 { return roundConstants }

// newGeneric returns a fresh computation of this package's implementation.
func newGeneric() *Digest { return &Digest{h: initial} }

// Write adds p to the hashed data; it never fails.
func (d *Digest) Write(p []byte) (int, error) {
	n := len(p)
	d.len += uint64(n)
	if d.nb > 0 {
		c := copy(d.buf[d.nb:], p)
		d.nb += c
		p = p[c:]
		if d.nb < blockSize {
			return n, nil
		}
		d.block(d.buf[:])
		d.nb = 0
	}
	for len(p) >= blockSize {
		d.block(p[:blockSize])
		p = p[blockSize:]
	}
	d.nb = copy(d.buf[:], p)
	return n, nil
}

// Sum appends the digest of the data written so far to b, leaving d unchanged.
func (d *Digest) Sum(b []byte) []byte {
	s := d.sum()
	return append(b, s[:]...)
}

// Reset starts a new computation.
func (d *Digest) Reset() { *d = Digest{h: initial} }

// Size returns Size.
func (d *Digest) Size() int { return Size }

// BlockSize returns the block size, 64 bytes.
func (d *Digest) BlockSize() int { return blockSize }

func (d *Digest) sum() [Size]byte {
	c := *d // padding must not disturb d
	var pad [blockSize + 8]byte
	pad[0] = 0x80
	padLen := blockSize - (int(c.len)+8)%blockSize
	if padLen == 0 {
		padLen = blockSize
	}
	bits := c.len << 3
	for i := range 8 {
		pad[padLen+i] = byte(bits >> (56 - 8*i))
	}
	c.Write(pad[:padLen+8])
	var out [Size]byte
	for i, v := range c.h {
		out[4*i], out[4*i+1], out[4*i+2], out[4*i+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	return out
}

// SumPadded returns the digest of a message that the caller padded (FIPS 180-4, 5.1.1)
// into whole blocks: a hash tree hashes many inputs of one length (a Fork is 81 bytes),
// and can keep the padding in place in a buffer it reuses.
func SumPadded(padded []byte) [Size]byte {
	if len(padded) < blockSize {
		return digest(&initial)
	}
	return sumPadded(padded)
}

// SumPaddedTo is SumPadded writing the digest to out: a hash tree that keeps its hashes
// in place (cdk/stablestore's certified map) saves copying them.
func SumPaddedTo(out *[Size]byte, padded []byte) {
	if len(padded) < blockSize {
		*out = digest(&initial)
		return
	}
	sumPaddedTo(out, padded)
}

// sumPaddedGeneric is SumPadded with this package's compression function.
func sumPaddedGeneric(padded []byte) [Size]byte {
	h := initial
	for len(padded) >= blockSize {
		compress(&h, padded[:blockSize])
		padded = padded[blockSize:]
	}
	return digest(&h)
}

// digest is the state as the big-endian digest.
func digest(h *[8]uint32) [Size]byte {
	var out [Size]byte
	binary.BigEndian.PutUint32(out[0:], h[0])
	binary.BigEndian.PutUint32(out[4:], h[1])
	binary.BigEndian.PutUint32(out[8:], h[2])
	binary.BigEndian.PutUint32(out[12:], h[3])
	binary.BigEndian.PutUint32(out[16:], h[4])
	binary.BigEndian.PutUint32(out[20:], h[5])
	binary.BigEndian.PutUint32(out[24:], h[6])
	binary.BigEndian.PutUint32(out[28:], h[7])
	return out
}

// Pad appends the padding of a message of n bytes to b (b holds the message, or its
// last n mod 64 bytes); with room in b's capacity it writes in place.
func Pad(b []byte, n int) []byte {
	l := len(b)
	total := (l + 9 + blockSize - 1) / blockSize * blockSize
	if cap(b) < total {
		b = append(make([]byte, 0, total), b...)
	}
	b = b[:total]
	b[l] = 0x80
	clear(b[l+1 : total-8])
	binary.BigEndian.PutUint64(b[total-8:], uint64(n)<<3)
	return b
}

// block compresses one block into the running state.
func (d *Digest) block(p []byte) { compress(&d.h, p) }

// sumGeneric is Sum256 of this package's implementation.
func sumGeneric(data []byte) [Size]byte {
	// One pass without a Digest: whole blocks straight from data, then the tail and the
	// padding in one or two blocks on the stack. Hash trees hash many short inputs, where
	// the Digest's buffering and copies would cost as much as a block.
	h := initial
	n := len(data)
	for len(data) >= blockSize {
		compress(&h, data[:blockSize])
		data = data[blockSize:]
	}
	var tail [2 * blockSize]byte
	copy(tail[:], data)
	tail[len(data)] = 0x80
	end := blockSize
	if len(data) >= blockSize-8 {
		end = 2 * blockSize
	}
	bits := uint64(n) << 3
	for i := range 8 {
		tail[end-1-i] = byte(bits >> (8 * i))
	}
	compress(&h, tail[:blockSize])
	if end > blockSize {
		compress(&h, tail[blockSize:])
	}
	return digest(&h)
}
