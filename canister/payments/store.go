package payments

import (
	"bytes"
	"sort"
)

// Bounds a Store implementation can rely on (a stable-memory B-tree with fixed-size slots
// needs them). TestStoreBounds checks them against the largest key and record the package
// can write.
const (
	MaxKeyBytes   = 10 + maxSessionIDLen // "w/" + due time (8 bytes) + session id
	MaxValueBytes = 2560                 // a record (about 2.1 KiB at most); every other value is smaller
)

// Store is an ordered byte key-value map: the shape of a stable-memory B-tree, so the
// canister can keep every record in stable memory and only caches on the heap.
//
// Implementations have no error results on purpose: in a canister a stable-memory failure
// traps, which rolls back the whole message. Values returned by Get and passed to Ascend's
// callback belong to the store and must not be modified or retained; Set copies what it
// is given. Ascend's callback must not modify the store.
type Store interface {
	Get(key []byte) (value []byte, ok bool)
	Set(key, value []byte)
	Delete(key []byte)
	// Ascend calls fn for every entry whose key is >= from, in ascending byte order,
	// until fn returns false.
	Ascend(from []byte, fn func(key, value []byte) bool)
	// Len is the number of entries.
	Len() int
}

// MemStore is an in-memory Store for tests and native use: a sorted list of sorted chunks
// (a two-level B-tree), so inserts stay cheap at millions of entries.
type MemStore struct {
	chunks []*memChunk
	n      int
}

type memChunk struct {
	keys []string
	vals [][]byte
}

// memChunkMax bounds a chunk; a full one is split in two.
const memChunkMax = 512

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

// chunkFor returns the index of the first chunk whose last key is >= key, or the last chunk
// when key is beyond every chunk (where an insert goes). -1 when empty.
func (m *MemStore) chunkFor(key string) int {
	if len(m.chunks) == 0 {
		return -1
	}
	i := sort.Search(len(m.chunks), func(i int) bool {
		c := m.chunks[i]
		return c.keys[len(c.keys)-1] >= key
	})
	if i == len(m.chunks) {
		i--
	}
	return i
}

func (c *memChunk) find(key string) (int, bool) {
	i := sort.SearchStrings(c.keys, key)
	return i, i < len(c.keys) && c.keys[i] == key
}

// Get implements Store.
func (m *MemStore) Get(key []byte) ([]byte, bool) {
	ci := m.chunkFor(string(key))
	if ci < 0 {
		return nil, false
	}
	c := m.chunks[ci]
	i, ok := c.find(string(key))
	if !ok {
		return nil, false
	}
	return c.vals[i], true
}

// Set implements Store.
func (m *MemStore) Set(key, value []byte) {
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	ci := m.chunkFor(string(key))
	if ci < 0 {
		m.chunks = []*memChunk{{keys: []string{string(key)}, vals: [][]byte{v}}}
		m.n = 1
		return
	}
	c := m.chunks[ci]
	i, ok := c.find(string(key))
	if ok {
		c.vals[i] = v
		return
	}
	c.keys = append(c.keys, "")
	copy(c.keys[i+1:], c.keys[i:])
	c.keys[i] = string(key)
	c.vals = append(c.vals, nil)
	copy(c.vals[i+1:], c.vals[i:])
	c.vals[i] = v
	m.n++
	if len(c.keys) > memChunkMax {
		half := len(c.keys) / 2
		right := &memChunk{
			keys: append([]string(nil), c.keys[half:]...),
			vals: append([][]byte(nil), c.vals[half:]...),
		}
		clear(c.keys[half:])
		clear(c.vals[half:])
		c.keys, c.vals = c.keys[:half], c.vals[:half]
		m.chunks = append(m.chunks, nil)
		copy(m.chunks[ci+2:], m.chunks[ci+1:])
		m.chunks[ci+1] = right
	}
}

// Delete implements Store.
func (m *MemStore) Delete(key []byte) {
	ci := m.chunkFor(string(key))
	if ci < 0 {
		return
	}
	c := m.chunks[ci]
	i, ok := c.find(string(key))
	if !ok {
		return
	}
	copy(c.keys[i:], c.keys[i+1:])
	c.keys[len(c.keys)-1] = ""
	c.keys = c.keys[:len(c.keys)-1]
	copy(c.vals[i:], c.vals[i+1:])
	c.vals[len(c.vals)-1] = nil
	c.vals = c.vals[:len(c.vals)-1]
	m.n--
	if len(c.keys) == 0 {
		copy(m.chunks[ci:], m.chunks[ci+1:])
		m.chunks[len(m.chunks)-1] = nil
		m.chunks = m.chunks[:len(m.chunks)-1]
	}
}

// Ascend implements Store.
func (m *MemStore) Ascend(from []byte, fn func(key, value []byte) bool) {
	ci := m.chunkFor(string(from))
	if ci < 0 {
		return
	}
	i, _ := m.chunks[ci].find(string(from))
	for ; ci < len(m.chunks); ci, i = ci+1, 0 {
		c := m.chunks[ci]
		for ; i < len(c.keys); i++ {
			if !fn([]byte(c.keys[i]), c.vals[i]) {
				return
			}
		}
	}
}

// Len implements Store.
func (m *MemStore) Len() int { return m.n }
