package server

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// loadKeys reads the subnet (BLS) and node (Ed25519) key seeds from dir, creating them on
// first start, so the root key agents fetch stays the same across restarts.
func loadKeys(dir string) (*certify.SubnetKey, *certify.NodeKey, error) {
	subnetSeed, err := seed(filepath.Join(dir, "subnet.seed"))
	if err != nil {
		return nil, nil, err
	}
	nodeSeed, err := seed(filepath.Join(dir, "node.seed"))
	if err != nil {
		return nil, nil, err
	}
	sk, err := certify.NewSubnetKey(subnetSeed)
	if err != nil {
		return nil, nil, fmt.Errorf("replica: subnet key: %w", err)
	}
	return sk, certify.NewNodeKey(nodeSeed), nil
}

func seed(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("replica: %s: want 32 bytes, found %d", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("replica: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	if err := writeFileAtomic(path, func(w *bufio.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	return b, nil
}
