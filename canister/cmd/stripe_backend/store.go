package main

import "bytes"

// region is a key-prefixed view of the stable-memory store, so payments, the configuration
// and the page's files share one B-tree without their keys ever meeting.
type region struct {
	s      kv
	prefix []byte
}

// kv is what region needs of the store (stablestore.Store).
type kv interface {
	Get(key []byte) ([]byte, bool)
	Set(key, value []byte)
	Delete(key []byte)
	Ascend(from []byte, fn func(key, value []byte) bool)
}

func (r region) key(k []byte) []byte {
	out := make([]byte, 0, len(r.prefix)+len(k))
	return append(append(out, r.prefix...), k...)
}

func (r region) Get(k []byte) ([]byte, bool) { return r.s.Get(r.key(k)) }
func (r region) Set(k, v []byte)             { r.s.Set(r.key(k), v) }
func (r region) Delete(k []byte)             { r.s.Delete(r.key(k)) }

func (r region) Ascend(from []byte, fn func(k, v []byte) bool) {
	r.s.Ascend(r.key(from), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, r.prefix) {
			return false
		}
		return fn(k[len(r.prefix):], v)
	})
}

// Len counts the region's entries (payments only asks for diagnostics).
func (r region) Len() int {
	n := 0
	r.Ascend(nil, func(k, v []byte) bool { n++; return true })
	return n
}
