package mgmt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/aviate-labs/agent-go/principal"
)

// ChunkStore keeps the Wasm chunk stores of canisters (upload_chunk, install_chunked_code).
// Implementations must be safe for concurrent use.
type ChunkStore interface {
	Put(canister principal.Principal, hash, chunk []byte) error
	Get(canister principal.Principal, hash []byte) ([]byte, error)
	// List returns the hashes of the canister's chunks, sorted.
	List(canister principal.Principal) ([][]byte, error)
	Clear(canister principal.Principal) error
}

// ErrNoChunk is returned by Get for a hash that is not stored.
var ErrNoChunk = errors.New("chunk not found")

// MemoryChunks is a ChunkStore in memory.
type MemoryChunks struct {
	mu     sync.Mutex
	chunks map[string]map[string][]byte
}

// NewMemoryChunks returns an empty in-memory chunk store.
func NewMemoryChunks() *MemoryChunks {
	return &MemoryChunks{chunks: map[string]map[string][]byte{}}
}

// Put stores a chunk.
func (s *MemoryChunks) Put(c principal.Principal, hash, chunk []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.chunks[string(c.Raw)]
	if m == nil {
		m = map[string][]byte{}
		s.chunks[string(c.Raw)] = m
	}
	m[string(hash)] = bytes.Clone(chunk)
	return nil
}

// Get returns a chunk.
func (s *MemoryChunks) Get(c principal.Principal, hash []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.chunks[string(c.Raw)][string(hash)]
	if !ok {
		return nil, ErrNoChunk
	}
	return b, nil
}

// List returns the sorted hashes of a canister's chunks.
func (s *MemoryChunks) List(c principal.Principal) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]byte
	for h := range s.chunks[string(c.Raw)] {
		out = append(out, []byte(h))
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out, nil
}

// Clear empties a canister's chunk store.
func (s *MemoryChunks) Clear(c principal.Principal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.chunks, string(c.Raw))
	return nil
}

// DirChunks is a ChunkStore in a directory (one subdirectory per canister, one file per
// chunk named by its hash), so chunk stores survive a replica restart like other state.
type DirChunks struct{ Dir string }

func (d DirChunks) dir(c principal.Principal) string { return filepath.Join(d.Dir, c.String()) }

// Put stores a chunk (write to a temporary file, then rename, so a crash leaves no torn chunk).
func (d DirChunks) Put(c principal.Principal, hash, chunk []byte) error {
	dir := d.dir(c)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("chunk store: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("chunk store: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(chunk); err != nil {
		tmp.Close()
		return fmt.Errorf("chunk store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("chunk store: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, hex.EncodeToString(hash))); err != nil {
		return fmt.Errorf("chunk store: %w", err)
	}
	return nil
}

// Get reads a chunk.
func (d DirChunks) Get(c principal.Principal, hash []byte) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.dir(c), hex.EncodeToString(hash)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoChunk
	}
	if err != nil {
		return nil, fmt.Errorf("chunk store: %w", err)
	}
	return b, nil
}

// List returns the sorted hashes of a canister's chunks.
func (d DirChunks) List(c principal.Principal) ([][]byte, error) {
	entries, err := os.ReadDir(d.dir(c))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("chunk store: %w", err)
	}
	var out [][]byte
	for _, e := range entries {
		h, err := hex.DecodeString(e.Name())
		if err != nil || len(h) != 32 {
			continue // temporary or foreign file
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out, nil
}

// Clear removes a canister's chunk store.
func (d DirChunks) Clear(c principal.Principal) error {
	if err := os.RemoveAll(d.dir(c)); err != nil {
		return fmt.Errorf("chunk store: %w", err)
	}
	return nil
}
