// Package rvtest builds what a replica and a canister would produce for
// response verification: signed certificates from a throw-away root key,
// hash trees and IC-Certificate headers. It exists for tests of the gateway
// and of canisters' HTTP certification. Trees are cdk/hashtree's and
// certificates replica/certify's, the implementations the replica runs.
package rvtest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// Signer plays the IC's root of trust (or a subnet's key): it signs state
// trees with a BLS key whose DER public key is RootKey.
type Signer struct {
	key *certify.SubnetKey
}

// NewSigner creates a signer with a random key.
func NewSigner() (*Signer, error) {
	k, err := certify.GenerateSubnetKey()
	if err != nil {
		return nil, err
	}
	return &Signer{k}, nil
}

// NewDeterministicSigner derives the key from seed, for tests whose inputs
// (fuzz corpora) must stay valid across runs. Never use it for real keys.
func NewDeterministicSigner(seed []byte) (*Signer, error) {
	k, err := certify.NewSubnetKey(seed)
	if err != nil {
		return nil, err
	}
	return &Signer{k}, nil
}

// RootKey is the DER-encoded public key.
func (s *Signer) RootKey() []byte { return append([]byte(nil), s.key.PublicKeyDER()...) }

// SignTree returns the CBOR certificate {tree, signature} over a state tree.
func (s *Signer) SignTree(root hashtree.Node) ([]byte, error) {
	c, err := s.key.Certify(root)
	if err != nil {
		return nil, err
	}
	return c.Marshal(), nil
}

// Delegation is the certificate by which the root key delegates to a
// subnet key for a range of canisters (legacy /subnet/<id>/canister_ranges
// layout).
func (s *Signer) Delegation(subnet *Signer, subnetID principal.Principal, from, to principal.Principal, at time.Time) ([]byte, error) {
	root, err := hashtree.Build(
		hashtree.Entry{Path: Labels("subnet", string(subnetID.Raw), "canister_ranges"), Value: certify.CanisterRanges([]certify.CanisterRange{{From: from.Raw, To: to.Raw}})},
		hashtree.Entry{Path: Labels("subnet", string(subnetID.Raw), "public_key"), Value: subnet.key.PublicKeyDER()},
		hashtree.Entry{Path: Labels("time"), Value: leb128.AppendUnsigned(nil, uint64(at.UnixNano()))},
	)
	if err != nil {
		return nil, err
	}
	return s.SignTree(root)
}

// SignTreeDelegated signs a state tree with this (subnet) key and attaches
// the delegation from the root key.
func (s *Signer) SignTreeDelegated(root hashtree.Node, subnetID principal.Principal, delegation []byte) ([]byte, error) {
	c, err := s.key.Certify(root)
	if err != nil {
		return nil, err
	}
	c.Delegation = &certify.Delegation{SubnetID: subnetID.Raw, Certificate: delegation}
	return c.Marshal(), nil
}

// StateTree is the state tree a replica certifies for a canister: its
// certified data and the time.
func StateTree(canister principal.Principal, certifiedData []byte, at time.Time) hashtree.Node {
	root, err := hashtree.Build(
		hashtree.Entry{Path: Labels("canister", string(canister.Raw), "certified_data"), Value: certifiedData},
		hashtree.Entry{Path: Labels("time"), Value: leb128.AppendUnsigned(nil, uint64(at.UnixNano()))},
	)
	if err != nil {
		panic(err) // the two paths are fixed and distinct
	}
	return root
}

// DataCertificate signs the state tree of StateTree: what
// ic0.data_certificate_copy hands a canister during a query.
func (s *Signer) DataCertificate(canister principal.Principal, certifiedData []byte, at time.Time) ([]byte, error) {
	return s.key.DataCertificate(canister.Raw, certifiedData, at)
}

// Labels turns strings into tree labels.
func Labels(segs ...string) [][]byte {
	out := make([][]byte, len(segs))
	for i, s := range segs {
		out[i] = []byte(s)
	}
	return out
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

// SkipEntry is the single entry of the skip-certification tree:
// http_expr/<*>/sha256(protocol.SkipCertificationExpression) -> empty leaf.
// Its tree's root hash is the certified data a canister sets to be served on
// the certified domain.
func SkipEntry() hashtree.Entry {
	h := sha256.Sum256([]byte(protocol.SkipCertificationExpression))
	return hashtree.Entry{Path: Labels("http_expr", "<*>", string(h[:])), Value: []byte{}}
}

// CertificationEntry is the tree entry certifying a response under an
// expression path: <exprPath>/<sha256(expr)>/<request hash or "">/<response
// hash> -> empty leaf. reqHash is nil for response-only certification.
func CertificationEntry(exprPath []string, expr string, reqHash []byte, respHash [32]byte) hashtree.Entry {
	h := sha256.Sum256([]byte(expr))
	path := append(Labels(exprPath...), h[:], reqHash, respHash[:])
	if reqHash == nil {
		path[len(exprPath)+1] = []byte{}
	}
	return hashtree.Entry{Path: path, Value: []byte{}}
}
