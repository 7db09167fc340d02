package sha256

// HMAC returns HMAC-SHA256 (RFC 2104) of the concatenated parts under key. It is here rather
// than crypto/hmac because crypto/hmac brings the FIPS 140 module (and with it os, AES and a
// DRBG) into a canister; Stripe's webhook signatures are the one use.
func HMAC(key []byte, parts ...[]byte) [Size]byte {
	if len(key) > blockSize {
		k := Sum256(key)
		key = k[:]
	}
	var ipad, opad [blockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	inner := New()
	inner.Write(ipad[:])
	for _, p := range parts {
		inner.Write(p)
	}
	var sum [Size]byte
	inner.Sum(sum[:0])
	outer := New()
	outer.Write(opad[:])
	outer.Write(sum[:])
	outer.Sum(sum[:0])
	return sum
}
