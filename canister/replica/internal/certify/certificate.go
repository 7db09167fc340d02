// Package certify is the certification side of the Internet Computer for the local replica:
// BLS-signed certificates over a hash tree's root hash (encoding, decoding, verification with
// delegations), the subnet's root key in the DER form agents expect, the Ed25519 node keys
// that sign query responses, and the CBOR values of the state tree (principal lists, canister
// ranges).
//
// The hash trees themselves are cdk/hashtree's, the one implementation both the replica and
// canisters use. The encodings follow the IC interface specification, section
// "Certification"; the package does not depend on the execution engine.
package certify

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/bls"
	"github.com/fxamacker/cbor/v2"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Certificate is a hash tree with a BLS signature on its root hash and, for subnets other
// than the root subnet, a delegation from the root subnet.
type Certificate struct {
	Tree       hashtree.Node
	Signature  []byte
	Delegation *Delegation
}

// Delegation links a subnet's key to the root key: Certificate is an encoded certificate of
// the root subnet revealing /subnet/<SubnetID>/public_key and the subnet's canister ranges.
type Delegation struct {
	SubnetID    []byte
	Certificate []byte
}

// selfDescribeTag is the CBOR tag 55799 the IC puts in front of its CBOR documents.
var selfDescribeTag = []byte{0xd9, 0xd9, 0xf7}

// certificateCBOR is the CBOR map of a certificate, fields in the order the IC writes them.
type certificateCBOR struct {
	Tree       cbor.RawMessage `cbor:"tree"`
	Signature  []byte          `cbor:"signature"`
	Delegation *delegationCBOR `cbor:"delegation,omitempty"`
}

type delegationCBOR struct {
	SubnetID    []byte `cbor:"subnet_id"`
	Certificate []byte `cbor:"certificate"`
}

// encMode writes nil byte strings and lists as empty ones, never as null.
var encMode = func() cbor.EncMode {
	em, err := cbor.EncOptions{NilContainers: cbor.NilContainerAsEmpty}.EncMode()
	if err != nil {
		panic(err) // static options
	}
	return em
}()

// marshalTagged returns tag 55799 and the CBOR encoding of v (which cannot fail for the
// plain types this package encodes).
func marshalTagged(v any) []byte {
	b, err := encMode.Marshal(v)
	if err != nil {
		panic("certify: encode CBOR: " + err.Error())
	}
	return append(append([]byte(nil), selfDescribeTag...), b...)
}

// Marshal returns the CBOR encoding of the certificate: the self-describing tag 55799 and
// the map {tree, signature, delegation?}.
func (c *Certificate) Marshal() []byte {
	m := certificateCBOR{Tree: hashtree.Encode(c.Tree), Signature: c.Signature}
	if d := c.Delegation; d != nil {
		m.Delegation = &delegationCBOR{SubnetID: d.SubnetID, Certificate: d.Certificate}
	}
	return marshalTagged(m)
}

// decMode accepts the nesting of deep hash trees (a tree arrives as part of the certificate
// document, and the library's default bound of 32 levels is too small for it).
var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  hashtree.MaxDepth + 8,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 10,
	}.DecMode()
	if err != nil {
		panic(err) // static options
	}
	return dm
}()

// ParseCertificate decodes a CBOR-encoded certificate. A delegation's certificate is decoded
// too, and must not carry a delegation itself. The signature is not verified (see Verify).
func ParseCertificate(data []byte) (*Certificate, error) {
	return parseCertificate(data, true)
}

func parseCertificate(data []byte, allowDelegation bool) (*Certificate, error) {
	var raw certificateCBOR
	if err := decMode.Unmarshal(bytes.TrimPrefix(data, selfDescribeTag), &raw); err != nil {
		return nil, fmt.Errorf("decode certificate: %w", err)
	}
	if raw.Tree == nil || raw.Signature == nil {
		return nil, errors.New("certificate lacks tree or signature")
	}
	tree, err := hashtree.Decode(raw.Tree)
	if err != nil {
		return nil, fmt.Errorf("certificate tree: %w", err)
	}
	c := &Certificate{Tree: tree, Signature: raw.Signature}
	if d := raw.Delegation; d != nil {
		if !allowDelegation {
			return nil, errors.New("nested certificate delegations are not allowed")
		}
		if _, err := parseCertificate(d.Certificate, false); err != nil {
			return nil, fmt.Errorf("delegation: %w", err)
		}
		c.Delegation = &Delegation{SubnetID: d.SubnetID, Certificate: d.Certificate}
	}
	return c, nil
}

// Verify checks the certificate as an agent does before trusting it for canisterID: the BLS
// signature over its root hash under rootKey (DER-encoded) or, with a delegation, under the
// subnet key the root subnet's delegation certificate reveals, after checking that
// certificate's signature under rootKey and that the subnet's canister ranges cover
// canisterID (spec "Delegation"; the ranges in either layout, as agent-go reads them).
func (c *Certificate) Verify(rootKey, canisterID []byte) (err error) {
	// agent-go's BLS code panics on some malformed points instead of failing.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed certificate: %v", r)
		}
	}()
	key, err := certification.PublicBLSKeyFromDER(rootKey)
	if err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	if d := c.Delegation; d != nil {
		dc, err := parseCertificate(d.Certificate, false)
		if err != nil {
			return fmt.Errorf("delegation: %w", err)
		}
		if err := dc.verifySignature(key); err != nil {
			return fmt.Errorf("delegation: %w", err)
		}
		ranges, err := DelegatedRanges(dc.Tree, d.SubnetID)
		if err != nil {
			return fmt.Errorf("delegation: %w", err)
		}
		if !InRanges(ranges, canisterID) {
			return fmt.Errorf("canister %s is not in range of subnet %s", principal.FromBytes(canisterID), principal.FromBytes(d.SubnetID))
		}
		der, res := hashtree.Lookup(dc.Tree, []byte("subnet"), d.SubnetID, []byte("public_key"))
		if res != hashtree.Found {
			return fmt.Errorf("delegation: subnet public key is %s", res)
		}
		if key, err = certification.PublicBLSKeyFromDER(der); err != nil {
			return fmt.Errorf("delegation: subnet public key: %w", err)
		}
	}
	return c.verifySignature(key)
}

func (c *Certificate) verifySignature(key *bls.PublicKey) error {
	root := c.Tree.Digest()
	sig, err := bls.SignatureFromBytes(c.Signature)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if !sig.Verify(key, append(append([]byte(nil), stateRootSep...), root[:]...)) {
		return errors.New("signature verification failed")
	}
	return nil
}

// Time returns the certificate's /time.
func (c *Certificate) Time() (time.Time, error) {
	raw, res := hashtree.Lookup(c.Tree, []byte("time"))
	if res != hashtree.Found {
		return time.Time{}, fmt.Errorf("certificate time is %s", res)
	}
	ns, n, err := leb128.ReadUnsigned(raw)
	switch {
	case err != nil:
		return time.Time{}, fmt.Errorf("certificate time: %w", err)
	case n != len(raw):
		return time.Time{}, errors.New("certificate time: trailing bytes after the number")
	case ns > 1<<63-1:
		return time.Time{}, errors.New("certificate time is out of range")
	}
	return time.Unix(0, int64(ns)), nil
}

// PrincipalList encodes the value of /canister/<id>/controllers: tag 55799 and an array of
// principals as byte strings.
func PrincipalList(ps [][]byte) []byte { return marshalTagged(ps) }

// CanisterRange is a closed interval of canister ids, compared as byte strings.
type CanisterRange struct {
	From, To []byte
}

// CanisterRanges encodes a list of canister ranges as /subnet/<id>/canister_ranges and the
// shards under /canister_ranges/<id>/ hold it: tag 55799 and [[from, to], ...].
func CanisterRanges(rs []CanisterRange) []byte {
	pairs := make([][2][]byte, len(rs))
	for i, r := range rs {
		pairs[i] = [2][]byte{r.From, r.To}
	}
	return marshalTagged(pairs)
}

// ParseCanisterRanges decodes what CanisterRanges encodes.
func ParseCanisterRanges(data []byte) ([]CanisterRange, error) {
	var pairs [][][]byte
	if err := decMode.Unmarshal(bytes.TrimPrefix(data, selfDescribeTag), &pairs); err != nil {
		return nil, fmt.Errorf("decode canister ranges: %w", err)
	}
	out := make([]CanisterRange, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("canister range %d has %d ids, want 2", i, len(p))
		}
		out[i] = CanisterRange{From: p[0], To: p[1]}
	}
	return out, nil
}

// DelegatedRanges returns the canister ranges a root-subnet tree assigns to subnetID: the
// union of the shards under /canister_ranges/<subnet> (the current layout) if that subtree is
// there, else /subnet/<subnet>/canister_ranges (the legacy one) - the order agent-js and
// agent-go try them in.
func DelegatedRanges(tree hashtree.Node, subnetID []byte) ([]CanisterRange, error) {
	if shards, res := hashtree.LookupSubtree(tree, []byte("canister_ranges"), subnetID); res == hashtree.Found {
		var out []CanisterRange
		for _, e := range hashtree.Leaves(shards) {
			rs, err := ParseCanisterRanges(e.Value)
			if err != nil {
				return nil, fmt.Errorf("shard %s: %w", hashtree.FormatPath(e.Path), err)
			}
			out = append(out, rs...)
		}
		return out, nil
	}
	raw, res := hashtree.Lookup(tree, []byte("subnet"), subnetID, []byte("canister_ranges"))
	if res != hashtree.Found {
		return nil, fmt.Errorf("canister ranges of subnet %x are %s", subnetID, res)
	}
	return ParseCanisterRanges(raw)
}

// InRanges reports whether id lies in one of the ranges.
func InRanges(rs []CanisterRange, id []byte) bool {
	for _, r := range rs {
		if bytes.Compare(r.From, id) <= 0 && bytes.Compare(id, r.To) <= 0 {
			return true
		}
	}
	return false
}

// DataCertificate returns the encoded certificate a canister reads with
// ic0.data_certificate_copy in a query: a tree revealing /time and
// /canister/<canisterID>/certified_data, signed by k. The HTTP gateway verifies such
// certificates (IC-Certificate header) against the root key.
func (k *SubnetKey) DataCertificate(canisterID, certifiedData []byte, now time.Time) ([]byte, error) {
	tree, err := hashtree.Build(
		hashtree.Entry{Path: [][]byte{[]byte("time")}, Value: leb128.AppendUnsigned(nil, uint64(now.UnixNano()))},
		hashtree.Entry{Path: [][]byte{[]byte("canister"), canisterID, []byte("certified_data")}, Value: certifiedData},
	)
	if err != nil {
		return nil, fmt.Errorf("data certificate: %w", err)
	}
	c, err := k.Certify(tree)
	if err != nil {
		return nil, fmt.Errorf("data certificate: %w", err)
	}
	return c.Marshal(), nil
}
