package certify

import (
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Certificate is a hash tree with a BLS signature on its root hash and, for subnets other
// than the root subnet, a delegation from the root subnet.
type Certificate struct {
	Tree       Node
	Signature  []byte
	Delegation *Delegation
}

// Delegation links a subnet's key to the root key: Certificate is an encoded certificate of
// the root subnet revealing /subnet/<SubnetID>/public_key and the subnet's canister ranges.
type Delegation struct {
	SubnetID    []byte
	Certificate []byte
}

// Marshal returns the CBOR encoding of the certificate: the self-describing tag 55799 and
// the map {tree, signature, delegation?}.
func (c *Certificate) Marshal() []byte {
	n := uint64(2)
	if c.Delegation != nil {
		n = 3
	}
	b := append([]byte(nil), selfDescribeTag...)
	b = appendHead(b, majorMap, n)
	b = appendText(b, "tree")
	b = AppendTree(b, c.Tree)
	b = appendText(b, "signature")
	b = appendBytes(b, c.Signature)
	if c.Delegation != nil {
		b = appendText(b, "delegation")
		b = appendHead(b, majorMap, 2)
		b = appendText(b, "subnet_id")
		b = appendBytes(b, c.Delegation.SubnetID)
		b = appendText(b, "certificate")
		b = appendBytes(b, c.Delegation.Certificate)
	}
	return b
}

// ParseCertificate decodes a CBOR-encoded certificate. It does not verify the signature.
func ParseCertificate(data []byte) (*Certificate, error) {
	var raw struct {
		Tree       cbor.RawMessage `cbor:"tree"`
		Signature  []byte          `cbor:"signature"`
		Delegation *struct {
			SubnetID    []byte `cbor:"subnet_id"`
			Certificate []byte `cbor:"certificate"`
		} `cbor:"delegation"`
	}
	if err := cbor.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode certificate: %w", err)
	}
	tree, err := UnmarshalTree(raw.Tree)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	c := &Certificate{Tree: tree, Signature: raw.Signature}
	if raw.Delegation != nil {
		c.Delegation = &Delegation{SubnetID: raw.Delegation.SubnetID, Certificate: raw.Delegation.Certificate}
	}
	return c, nil
}

// Nat encodes a natural number of the state tree: unsigned LEB128.
func Nat(n uint64) []byte { return AppendNat(nil, n) }

// AppendNat appends the unsigned LEB128 encoding of n.
func AppendNat(b []byte, n uint64) []byte {
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

// PrincipalList encodes the value of /canister/<id>/controllers: tag 55799 and an array of
// principals as byte strings.
func PrincipalList(ps [][]byte) []byte {
	b := append([]byte(nil), selfDescribeTag...)
	b = appendHead(b, majorArray, uint64(len(ps)))
	for _, p := range ps {
		b = appendBytes(b, p)
	}
	return b
}

// CanisterRange is a closed interval of canister ids, compared as byte strings.
type CanisterRange struct {
	From, To []byte
}

// CanisterRanges encodes a list of canister ranges as /subnet/<id>/canister_ranges and the
// shards under /canister_ranges/<id>/ hold it: tag 55799 and [[from, to], ...].
func CanisterRanges(rs []CanisterRange) []byte {
	b := append([]byte(nil), selfDescribeTag...)
	b = appendHead(b, majorArray, uint64(len(rs)))
	for _, r := range rs {
		b = appendHead(b, majorArray, 2)
		b = appendBytes(b, r.From)
		b = appendBytes(b, r.To)
	}
	return b
}

// DataCertificate returns the encoded certificate a canister reads with
// ic0.data_certificate_copy in a query: a tree revealing /time and
// /canister/<canisterID>/certified_data, signed by k. The HTTP gateway verifies such
// certificates (IC-Certificate header) against the root key.
func (k *SubnetKey) DataCertificate(canisterID, certifiedData []byte, now time.Time) ([]byte, error) {
	var t Tree
	if err := t.Set([][]byte{[]byte("time")}, Nat(uint64(now.UnixNano()))); err != nil {
		return nil, err
	}
	path := [][]byte{[]byte("canister"), canisterID, []byte("certified_data")}
	if err := t.Set(path, certifiedData); err != nil {
		return nil, err
	}
	c, err := k.Certify(t.HashTree())
	if err != nil {
		return nil, fmt.Errorf("data certificate: %w", err)
	}
	return c.Marshal(), nil
}
