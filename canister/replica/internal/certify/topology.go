package certify

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
)

// Subnet kinds, the values of /subnet/<id>/type.
const (
	KindSystem      = "system"
	KindApplication = "application"
)

// Subnet is one subnet of a network: its threshold key, the keys of its nodes (which sign
// query responses) and the canister ids it hosts.
type Subnet struct {
	ID     []byte // the subnet's principal
	Kind   string // KindSystem or KindApplication
	Key    *SubnetKey
	Nodes  []*NodeKey
	Ranges []CanisterRange
}

// NewSubnet returns a subnet whose id is the self-authenticating principal of its public
// key, as the IC derives subnet ids from a subnet's initial threshold key.
func NewSubnet(kind string, key *SubnetKey, nodes []*NodeKey, ranges []CanisterRange) *Subnet {
	return &Subnet{ID: SelfAuthenticating(key.PublicKeyDER()), Kind: kind, Key: key, Nodes: nodes, Ranges: ranges}
}

// Hosts reports whether canister lies in one of the subnet's ranges.
func (s *Subnet) Hosts(canister []byte) bool { return InRanges(s.Ranges, canister) }

// DelegationMaxAge is how long a delegation certificate is reused before it is signed again
// with a fresh /time. Agents accept delegations much older than this (agent-js: 30 days), so
// reuse only saves signatures.
const DelegationMaxAge = time.Hour

// Topology is a network of subnets as the IC and its local networks (dfx, PocketIC) have it:
// a root subnet whose key is the network's root key and whose certificates carry no
// delegation, and further subnets whose certificates carry a delegation - a certificate of
// the root subnet revealing the subnet's public key and canister ranges. Agents verify a
// certificate for a canister by checking that the delegation's ranges cover the canister.
type Topology struct {
	root    *Subnet
	subnets []*Subnet // root first
	now     func() time.Time

	mu          sync.Mutex
	delegations map[string]cachedDelegation // by subnet id
}

type cachedDelegation struct {
	d  *Delegation
	at time.Time
}

// NewTopology returns the topology of root and the other subnets. Subnet ids must be
// distinct and canister ranges must not overlap. now is the clock of certified /time
// (time.Now when nil).
func NewTopology(now func() time.Time, root *Subnet, others ...*Subnet) (*Topology, error) {
	if root == nil {
		return nil, errors.New("topology: no root subnet")
	}
	if now == nil {
		now = time.Now
	}
	all := append([]*Subnet{root}, others...)
	for i, a := range all {
		if a.Key == nil || len(a.Nodes) == 0 || len(a.Ranges) == 0 {
			return nil, fmt.Errorf("topology: subnet %d needs a key, nodes and canister ranges", i)
		}
		for _, b := range all[:i] {
			if bytes.Equal(a.ID, b.ID) {
				return nil, fmt.Errorf("topology: subnet id %x appears twice", a.ID)
			}
			for _, ra := range a.Ranges {
				for _, rb := range b.Ranges {
					if bytes.Compare(ra.From, rb.To) <= 0 && bytes.Compare(rb.From, ra.To) <= 0 {
						return nil, errors.New("topology: canister ranges of two subnets overlap")
					}
				}
			}
		}
	}
	return &Topology{root: root, subnets: all, now: now, delegations: map[string]cachedDelegation{}}, nil
}

// Root returns the root subnet.
func (t *Topology) Root() *Subnet { return t.root }

// Subnets returns every subnet, the root first.
func (t *Topology) Subnets() []*Subnet { return t.subnets }

// RootKey returns the DER root key agents verify certificates with.
func (t *Topology) RootKey() []byte { return t.root.Key.PublicKeyDER() }

// Subnet returns the subnet with the given id, or nil.
func (t *Topology) Subnet(id []byte) *Subnet {
	for _, s := range t.subnets {
		if bytes.Equal(s.ID, id) {
			return s
		}
	}
	return nil
}

// SubnetOf returns the subnet hosting canister, or nil.
func (t *Topology) SubnetOf(canister []byte) *Subnet {
	for _, s := range t.subnets {
		if s.Hosts(canister) {
			return s
		}
	}
	return nil
}

// Entry is one value of a subnet's state tree.
type Entry = hashtree.Entry

var (
	lblSubnet    = []byte("subnet")
	lblRanges    = []byte("canister_ranges")
	lblPublicKey = []byte("public_key")
	lblType      = []byte("type")
	lblNode      = []byte("node")
)

// StateEntries are what subnet s's state tree holds about the network: /subnet/<s> with its
// public key, type, canister ranges and node keys, and its ranges under
// /canister_ranges/<s>/<shard>. The root subnet, which knows every subnet, also holds the
// public key, type and ranges of the others.
func (t *Topology) StateEntries(s *Subnet) []Entry {
	out := subnetEntries(s, true)
	if s == t.root {
		for _, o := range t.subnets[1:] {
			out = append(out, subnetEntries(o, false)...)
		}
	}
	return out
}

func subnetEntries(s *Subnet, nodes bool) []Entry {
	ranges := CanisterRanges(s.Ranges)
	out := []Entry{
		{Path: [][]byte{lblSubnet, s.ID, lblPublicKey}, Value: s.Key.PublicKeyDER()},
		{Path: [][]byte{lblSubnet, s.ID, lblType}, Value: []byte(s.Kind)},
		{Path: [][]byte{lblSubnet, s.ID, lblRanges}, Value: ranges},
		// One shard holding every range, labelled (as shards are) with its first canister id.
		{Path: [][]byte{lblRanges, s.ID, s.Ranges[0].From}, Value: ranges},
	}
	if nodes {
		for _, n := range s.Nodes {
			out = append(out, Entry{Path: [][]byte{lblSubnet, s.ID, lblNode, n.ID(), lblPublicKey}, Value: n.PublicKeyDER()})
		}
	}
	return out
}

// Delegation returns the delegation of subnet s's certificates (nil for the root subnet): a
// root-signed certificate revealing /time, /subnet/<s>/public_key and s's canister ranges in
// both layouts agents read (/subnet/<s>/canister_ranges and /canister_ranges/<s>/...).
func (t *Topology) Delegation(s *Subnet) (*Delegation, error) {
	if s == t.root {
		return nil, nil
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.delegations[string(s.ID)]; ok && now.Sub(c.at) < DelegationMaxAge && !now.Before(c.at) {
		return c.d, nil
	}
	entries := append(subnetEntries(s, false),
		Entry{Path: [][]byte{[]byte("time")}, Value: leb128.AppendUnsigned(nil, uint64(now.UnixNano()))})
	tree, err := hashtree.Build(entries...)
	if err != nil {
		return nil, fmt.Errorf("delegation of subnet %x: %w", s.ID, err)
	}
	reveal := [][][]byte{
		{[]byte("time")},
		{lblSubnet, s.ID, lblPublicKey},
		{lblSubnet, s.ID, lblRanges},
		{lblRanges, s.ID},
	}
	cert, err := t.root.Key.Certify(hashtree.Prune(tree, reveal...))
	if err != nil {
		return nil, fmt.Errorf("delegation of subnet %x: %w", s.ID, err)
	}
	d := &Delegation{SubnetID: bytes.Clone(s.ID), Certificate: cert.Marshal()}
	t.delegations[string(s.ID)] = cachedDelegation{d: d, at: now}
	return d, nil
}

// Certify signs tree with subnet s's key and attaches s's delegation.
func (t *Topology) Certify(s *Subnet, tree hashtree.Node) (*Certificate, error) {
	c, err := s.Key.Certify(tree)
	if err != nil {
		return nil, err
	}
	if c.Delegation, err = t.Delegation(s); err != nil {
		return nil, err
	}
	return c, nil
}

// DataCertificate returns the encoded certificate a canister reads with
// ic0.data_certificate_copy in a query: /time and /canister/<canister>/certified_data,
// signed by the subnet hosting the canister, with its delegation. It fails for a canister no
// subnet hosts.
func (t *Topology) DataCertificate(canister, certifiedData []byte, now time.Time) ([]byte, error) {
	s := t.SubnetOf(canister)
	if s == nil {
		return nil, fmt.Errorf("data certificate: no subnet hosts canister %x", canister)
	}
	tree, err := hashtree.Build(
		Entry{Path: [][]byte{[]byte("time")}, Value: leb128.AppendUnsigned(nil, uint64(now.UnixNano()))},
		Entry{Path: [][]byte{[]byte("canister"), canister, []byte("certified_data")}, Value: certifiedData},
	)
	if err != nil {
		return nil, fmt.Errorf("data certificate: %w", err)
	}
	c, err := t.Certify(s, tree)
	if err != nil {
		return nil, fmt.Errorf("data certificate: %w", err)
	}
	return c.Marshal(), nil
}
