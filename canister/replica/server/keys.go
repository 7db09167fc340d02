package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
	"github.com/gocanister/stripe-ic/canister/replica/network"
)

// appSeedLabel derives the application subnet's keys from the stored seeds.
const appSeedLabel = "\x00application subnet"

// loadTopology reads the subnet (BLS) and node (Ed25519) key seeds from dir, creating them on
// first start, and builds the local network from them (package network): the root subnet,
// whose key is the root key agents fetch, and the application subnet, whose keys derive from
// the same seeds. The keys - the root key above all - stay the same across restarts.
func loadTopology(dir string) (*certify.Topology, error) {
	subnetSeed, err := seed(filepath.Join(dir, "subnet.seed"))
	if err != nil {
		return nil, err
	}
	nodeSeed, err := seed(filepath.Join(dir, "node.seed"))
	if err != nil {
		return nil, err
	}
	rootKey, err := certify.NewSubnetKey(subnetSeed)
	if err != nil {
		return nil, fmt.Errorf("replica: root subnet key: %w", err)
	}
	appKey, err := certify.NewSubnetKey(append(bytes.Clone(subnetSeed), appSeedLabel...))
	if err != nil {
		return nil, fmt.Errorf("replica: application subnet key: %w", err)
	}
	root := certify.NewSubnet(certify.KindSystem, rootKey,
		[]*certify.NodeKey{certify.NewNodeKey(nodeSeed)}, certifyRanges(network.RootRanges()))
	app := certify.NewSubnet(certify.KindApplication, appKey,
		[]*certify.NodeKey{certify.NewNodeKey(append(bytes.Clone(nodeSeed), appSeedLabel...))}, certifyRanges(network.AppRanges()))
	topo, err := certify.NewTopology(time.Now, root, app)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	return topo, nil
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

// certifyRanges are rs as the state tree encodes them.
func certifyRanges(rs []network.Range) []certify.CanisterRange {
	out := make([]certify.CanisterRange, len(rs))
	for i, r := range rs {
		out[i] = certify.CanisterRange{From: r.From.Raw, To: r.To.Raw}
	}
	return out
}
