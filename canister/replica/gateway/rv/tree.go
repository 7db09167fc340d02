package rv

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/fxamacker/cbor/v2"
)

// maxTreeDepth bounds the nesting of a decoded hash tree. Honest trees are a
// few dozen levels deep at most; the bound keeps hostile input from costing
// unbounded stack.
const maxTreeDepth = 512

// selfDescribeTag is the CBOR tag 55799 prefix the IC puts in front of
// certificates and trees.
var selfDescribeTag = []byte{0xd9, 0xd9, 0xf7}

// cborDecoder accepts the nesting depth of real hash trees (the library
// default of 32 is too small for deep trees) and nothing exotic.
var cborDecoder = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  maxTreeDepth + 8,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 10,
	}.DecMode()
	if err != nil {
		panic(err) // static options; cannot fail
	}
	return dm
}()

// unmarshalCBOR decodes data (optionally prefixed by the self-describe tag).
func unmarshalCBOR(data []byte, v any) error {
	return cborDecoder.Unmarshal(bytes.TrimPrefix(data, selfDescribeTag), v)
}

// DecodeTree decodes a CBOR-encoded hash tree as defined in the IC interface
// specification. Unlike agent-go's hashtree.Deserialize it never panics on
// malformed input.
func DecodeTree(data []byte) (hashtree.Node, error) {
	var raw any
	if err := unmarshalCBOR(data, &raw); err != nil {
		return nil, fmt.Errorf("decode hash tree: %w", err)
	}
	return treeFromCBOR(raw, 0)
}

func treeFromCBOR(v any, depth int) (hashtree.Node, error) {
	if depth > maxTreeDepth {
		return nil, errors.New("hash tree too deep")
	}
	s, ok := v.([]any)
	if !ok || len(s) == 0 {
		return nil, fmt.Errorf("hash tree node is not a non-empty array: %T", v)
	}
	tag, ok := s[0].(uint64)
	if !ok {
		return nil, fmt.Errorf("hash tree node tag is %T", s[0])
	}
	want := map[uint64]int{0: 1, 1: 3, 2: 3, 3: 2, 4: 2}[tag]
	if want == 0 {
		return nil, fmt.Errorf("unknown hash tree node tag %d", tag)
	}
	if len(s) != want {
		return nil, fmt.Errorf("hash tree node %d has %d elements, want %d", tag, len(s), want)
	}
	switch tag {
	case 0:
		return hashtree.Empty{}, nil
	case 1:
		l, err := treeFromCBOR(s[1], depth+1)
		if err != nil {
			return nil, err
		}
		r, err := treeFromCBOR(s[2], depth+1)
		if err != nil {
			return nil, err
		}
		return hashtree.Fork{LeftTree: l, RightTree: r}, nil
	case 2:
		label, ok := s[1].([]byte)
		if !ok {
			return nil, fmt.Errorf("hash tree label is %T", s[1])
		}
		sub, err := treeFromCBOR(s[2], depth+1)
		if err != nil {
			return nil, err
		}
		return hashtree.Labeled{Label: label, Tree: sub}, nil
	case 3:
		leaf, ok := s[1].([]byte)
		if !ok {
			return nil, fmt.Errorf("hash tree leaf is %T", s[1])
		}
		return hashtree.Leaf(leaf), nil
	default: // 4
		h, ok := s[1].([]byte)
		if !ok || len(h) != 32 {
			return nil, errors.New("pruned hash tree node is not 32 bytes")
		}
		return hashtree.Pruned(h), nil
	}
}

// LookupResult classifies a hash tree lookup as in the spec's lookup
// algorithm.
type LookupResult int

const (
	// Absent: the tree proves the path does not exist.
	Absent LookupResult = iota
	// Unknown: the path may exist behind a pruned node.
	Unknown
	// Found: the path exists.
	Found
)

func (r LookupResult) String() string {
	switch r {
	case Absent:
		return "absent"
	case Unknown:
		return "unknown"
	default:
		return "found"
	}
}

// LookupSubtree follows path through the labeled nodes of n and reports the
// subtree at its end.
func LookupSubtree(n hashtree.Node, path ...[]byte) (hashtree.Node, LookupResult) {
	for _, label := range path {
		var res LookupResult
		n, res = findLabel(label, flattenForks(n, nil))
		if res != Found {
			return nil, res
		}
	}
	return n, Found
}

// flattenForks lists the non-fork, non-empty children of a fork tree in order.
func flattenForks(n hashtree.Node, acc []hashtree.Node) []hashtree.Node {
	switch n := n.(type) {
	case hashtree.Empty:
		return acc
	case hashtree.Fork:
		return flattenForks(n.RightTree, flattenForks(n.LeftTree, acc))
	default:
		return append(acc, n)
	}
}

// findLabel implements the spec's find_label: a label is absent only when
// labeled neighbours prove it, unknown when a pruned (or otherwise
// non-labeled) node could hide it.
func findLabel(l []byte, nodes []hashtree.Node) (hashtree.Node, LookupResult) {
	if len(nodes) == 0 {
		return nil, Absent
	}
	labelOf := func(i int) ([]byte, bool) {
		if i < 0 || i >= len(nodes) {
			return nil, false
		}
		ln, ok := nodes[i].(hashtree.Labeled)
		return ln.Label, ok
	}
	for _, n := range nodes {
		if ln, ok := n.(hashtree.Labeled); ok && bytes.Equal(ln.Label, l) {
			return ln.Tree, Found
		}
	}
	// Before the first labeled node?
	if first, ok := labelOf(0); ok && bytes.Compare(l, first) < 0 {
		return nil, Absent
	}
	// After the last labeled node?
	if last, ok := labelOf(len(nodes) - 1); ok && bytes.Compare(last, l) < 0 {
		return nil, Absent
	}
	// Between two adjacent labeled nodes?
	for i := 0; i+1 < len(nodes); i++ {
		a, okA := labelOf(i)
		b, okB := labelOf(i + 1)
		if okA && okB && bytes.Compare(a, l) < 0 && bytes.Compare(l, b) < 0 {
			return nil, Absent
		}
	}
	return nil, Unknown
}

// LookupValue returns the leaf at path, or the lookup result that prevented
// finding one.
func LookupValue(n hashtree.Node, path ...[]byte) ([]byte, LookupResult) {
	sub, res := LookupSubtree(n, path...)
	if res != Found {
		return nil, res
	}
	switch sub := sub.(type) {
	case hashtree.Leaf:
		return sub, Found
	case hashtree.Pruned:
		return nil, Unknown
	default:
		return nil, Absent
	}
}
