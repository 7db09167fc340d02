// Package reprhash is the representation-independent hash of the IC interface specification
// ("Request ids"), defined once for its two users: request ids (the replica's HTTP interface)
// and the request and response hashes of HTTP response certification (the gateway, and
// canisters that certify responses).
//
// A map hashes to H(concat(sort(H(key) · H(value)))) over its fields; blobs hash as they are,
// text as UTF-8, naturals as unsigned LEB128, integers as signed LEB128 and arrays as the
// concatenation of their elements' hashes. Fields are given with their values already
// hashed, so callers can nest maps and arrays. The package imports neither fmt nor os.
package reprhash

import (
	"bytes"
	"hash"
	"slices"

	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
)

// Hash is a SHA-256 digest.
type Hash = [32]byte

// Field is one key of a map with the hash of its value.
type Field struct {
	Key   string
	Value Hash
}

// Map returns the hash of a map. A key given more than once contributes one row each, as
// response verification's header hashes require; request ids never repeat keys.
func Map(fields []Field) Hash {
	rows := make([][64]byte, len(fields))
	for i, f := range fields {
		k := sha256.Sum256([]byte(f.Key))
		copy(rows[i][:32], k[:])
		copy(rows[i][32:], f.Value[:])
	}
	slices.SortFunc(rows, func(a, b [64]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	for i := range rows {
		h.Write(rows[i][:])
	}
	return sum(h)
}

// Blob returns the hash of a blob: SHA-256 of its bytes.
func Blob(b []byte) Hash { return sha256.Sum256(b) }

// Text returns the hash of a text: SHA-256 of its UTF-8 bytes.
func Text(s string) Hash { return sha256.Sum256([]byte(s)) }

// Nat returns the hash of a natural number: SHA-256 of its unsigned LEB128 encoding.
func Nat(n uint64) Hash { return sha256.Sum256(leb128.AppendUnsigned(nil, n)) }

// Int returns the hash of an integer: SHA-256 of its signed LEB128 encoding.
func Int(n int64) Hash { return sha256.Sum256(leb128.AppendSigned(nil, n)) }

// Array returns the hash of an array from its elements' hashes.
func Array(elems []Hash) Hash {
	h := sha256.New()
	for i := range elems {
		h.Write(elems[i][:])
	}
	return sum(h)
}

// sum returns h's digest as a Hash.
func sum(h hash.Hash) Hash {
	var out Hash
	h.Sum(out[:0])
	return out
}
