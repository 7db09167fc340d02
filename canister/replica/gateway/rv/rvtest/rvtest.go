// Package rvtest builds what a replica and a canister would produce for
// response verification: BLS-signed certificates from a throw-away root key,
// well-formed hash trees and IC-Certificate headers. It exists for tests of
// the gateway and of canisters' HTTP certification.
package rvtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/bls"
	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/principal"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/fxamacker/cbor/v2"
)

// Signer plays the IC's root of trust: it signs state trees with a fresh BLS
// key whose DER public key is RootKey.
type Signer struct {
	sk  *bls.SecretKey
	der []byte
}

// NewSigner creates a signer with a random key.
func NewSigner() (*Signer, error) {
	sk := bls.NewSecretKeyByCSPRNG()
	if sk == nil {
		return nil, errors.New("generate BLS secret key")
	}
	return signerFromKey(sk)
}

func signerFromKey(sk *bls.SecretKey) (*Signer, error) {
	pk := bls12381.G2Affine(*sk.PublicKey())
	raw := pk.Bytes()
	der, err := certification.PublicBLSKeyToDER(raw[:])
	if err != nil {
		return nil, fmt.Errorf("encode BLS public key: %w", err)
	}
	return &Signer{sk: sk, der: der}, nil
}

// NewDeterministicSigner derives the key from seed, for tests whose inputs
// (fuzz corpora) must stay valid across runs. Never use it for real keys.
func NewDeterministicSigner(seed []byte) (*Signer, error) {
	h := sha256.Sum256(seed)
	var e fr.Element
	e.SetBytes(h[:])
	return signerFromKey((*bls.SecretKey)(&e))
}

// RootKey is the DER-encoded public key.
func (s *Signer) RootKey() []byte { return slices.Clone(s.der) }

// SignTree returns the CBOR certificate {tree, signature} over a state tree.
func (s *Signer) SignTree(root hashtree.Node) ([]byte, error) {
	digest := root.Reconstruct()
	msg := append(hashtree.DomainSeparator("ic-state-root"), digest[:]...)
	sig, err := s.sk.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("sign state root: %w", err)
	}
	g1 := bls12381.G1Affine(*sig)
	sigBytes := g1.Bytes()
	tree, err := hashtree.Serialize(root)
	if err != nil {
		return nil, fmt.Errorf("serialize state tree: %w", err)
	}
	return cbor.Marshal(map[string]any{
		"tree":      cbor.RawMessage(tree),
		"signature": sigBytes[:],
	})
}

// Delegation is the certificate by which the root key delegates to a
// subnet key for a range of canisters (legacy /subnet/<id>/canister_ranges
// layout).
func (s *Signer) Delegation(subnet *Signer, subnetID principal.Principal, from, to principal.Principal, at time.Time) ([]byte, error) {
	ranges, err := cbor.Marshal([][][]byte{{from.Raw, to.Raw}})
	if err != nil {
		return nil, fmt.Errorf("encode canister ranges: %w", err)
	}
	root, err := Build(
		Entry{Path: Labels("subnet", string(subnetID.Raw), "canister_ranges"), Value: ranges},
		Entry{Path: Labels("subnet", string(subnetID.Raw), "public_key"), Value: subnet.der},
		Entry{Path: Labels("time"), Value: LEB128(uint64(at.UnixNano()))},
	)
	if err != nil {
		return nil, err
	}
	return s.SignTree(root)
}

// SignTreeDelegated signs a state tree with this (subnet) key and attaches
// the delegation from the root key.
func (s *Signer) SignTreeDelegated(root hashtree.Node, subnetID principal.Principal, delegation []byte) ([]byte, error) {
	plain, err := s.SignTree(root)
	if err != nil {
		return nil, err
	}
	var cert map[string]cbor.RawMessage
	if err := cbor.Unmarshal(plain, &cert); err != nil {
		return nil, fmt.Errorf("re-read certificate: %w", err)
	}
	d, err := cbor.Marshal(map[string][]byte{"subnet_id": subnetID.Raw, "certificate": delegation})
	if err != nil {
		return nil, fmt.Errorf("encode delegation: %w", err)
	}
	cert["delegation"] = d
	return cbor.Marshal(cert)
}

// StateTree is the state tree a replica certifies for a canister: its
// certified data and the time.
func StateTree(canister principal.Principal, certifiedData []byte, at time.Time) hashtree.Node {
	root, err := Build(
		Entry{Path: Labels("canister", string(canister.Raw), "certified_data"), Value: certifiedData},
		Entry{Path: Labels("time"), Value: LEB128(uint64(at.UnixNano()))},
	)
	if err != nil {
		panic(err) // the two paths are fixed and distinct
	}
	return root
}

// DataCertificate signs the state tree of StateTree: what
// ic0.data_certificate_copy hands a canister during a query.
func (s *Signer) DataCertificate(canister principal.Principal, certifiedData []byte, at time.Time) ([]byte, error) {
	return s.SignTree(StateTree(canister, certifiedData, at))
}

// LEB128 encodes n as unsigned LEB128.
func LEB128(n uint64) []byte {
	var b []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// Entry is a leaf of a tree under construction.
type Entry struct {
	Path  [][]byte
	Value []byte
}

// Labels turns strings into tree labels.
func Labels(segs ...string) [][]byte {
	out := make([][]byte, len(segs))
	for i, s := range segs {
		out[i] = []byte(s)
	}
	return out
}

// Build makes a well-formed hash tree holding the entries: children sorted
// by label, siblings joined by a balanced fork tree.
func Build(entries ...Entry) (hashtree.Node, error) {
	if len(entries) == 0 {
		return hashtree.Empty{}, nil
	}
	for _, e := range entries {
		if len(e.Path) == 0 {
			if len(entries) != 1 {
				return nil, errors.New("a leaf conflicts with other entries on the same path")
			}
			return hashtree.Leaf(e.Value), nil
		}
	}
	groups := map[string][]Entry{}
	for _, e := range entries {
		k := string(e.Path[0])
		groups[k] = append(groups[k], Entry{Path: e.Path[1:], Value: e.Value})
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) })
	nodes := make([]hashtree.Node, len(keys))
	for i, k := range keys {
		sub, err := Build(groups[k]...)
		if err != nil {
			return nil, err
		}
		nodes[i] = hashtree.Labeled{Label: []byte(k), Tree: sub}
	}
	return forks(nodes), nil
}

func forks(nodes []hashtree.Node) hashtree.Node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	mid := len(nodes) / 2
	return hashtree.Fork{LeftTree: forks(nodes[:mid]), RightTree: forks(nodes[mid:])}
}

// EncodeTree serializes a hash tree to CBOR.
func EncodeTree(n hashtree.Node) []byte {
	b, err := hashtree.Serialize(n)
	if err != nil {
		panic(err) // Serialize only fails on unknown node types
	}
	return b
}

// CertificateHeaderV2 formats an IC-Certificate header for version 2.
func CertificateHeaderV2(cert, tree []byte, exprPath []string) string {
	path, err := cbor.Marshal(exprPath)
	if err != nil {
		panic(err) // a string slice always encodes
	}
	return fmt.Sprintf("certificate=:%s:, tree=:%s:, expr_path=:%s:, version=2", b64(cert), b64(tree), b64(path))
}

// CertificateHeaderV1 formats a legacy IC-Certificate header.
func CertificateHeaderV1(cert, tree []byte) string {
	return fmt.Sprintf("certificate=:%s:, tree=:%s:", b64(cert), b64(tree))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// SkipExpression is the IC-CertificateExpression of the skip case.
const SkipExpression = "default_certification(ValidationArgs{no_certification:Empty{}})"

// SkipEntry is the single entry of the skip-certification tree:
// http_expr/<*>/sha256(SkipExpression) -> empty leaf. Its tree's root hash is
// the certified data a canister sets to be served on the certified domain.
func SkipEntry() Entry {
	h := sha256.Sum256([]byte(SkipExpression))
	return Entry{Path: Labels("http_expr", "<*>", string(h[:])), Value: []byte{}}
}

// CertificationEntry is the tree entry certifying a response under an
// expression path: <exprPath>/<sha256(expr)>/<request hash or "">/<response
// hash> -> empty leaf. reqHash is nil for response-only certification.
func CertificationEntry(exprPath []string, expr string, reqHash []byte, respHash [32]byte) Entry {
	h := sha256.Sum256([]byte(expr))
	path := append(Labels(exprPath...), h[:], reqHash, respHash[:])
	if reqHash == nil {
		path[len(exprPath)+1] = []byte{}
	}
	return Entry{Path: path, Value: []byte{}}
}
