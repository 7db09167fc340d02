package certify

import (
	"fmt"
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// CBOR major types used by hash trees and certificates.
const (
	majorUint  = 0 << 5
	majorBytes = 2 << 5
	majorText  = 3 << 5
	majorArray = 4 << 5
	majorMap   = 5 << 5
	majorTag   = 6 << 5
)

// selfDescribeTag is the CBOR tag 55799 the IC puts in front of its CBOR documents.
var selfDescribeTag = []byte{0xd9, 0xd9, 0xf7}

// appendHead appends a CBOR initial byte with its argument in the shortest form.
func appendHead(b []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, major|byte(n))
	case n <= 0xff:
		return append(b, major|24, byte(n))
	case n <= 0xffff:
		return append(b, major|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(b, major|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(b, major|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func appendBytes(b []byte, v []byte) []byte {
	return append(appendHead(b, majorBytes, uint64(len(v))), v...)
}

func appendText(b []byte, s string) []byte {
	return append(appendHead(b, majorText, uint64(len(s))), s...)
}

// AppendTree appends the CBOR encoding of a hash tree:
// [0] / [1, l, r] / [2, label, t] / [3, value] / [4, hash].
func AppendTree(b []byte, n Node) []byte {
	switch n := n.(type) {
	case Empty:
		return append(b, majorArray|1, 0)
	case Fork:
		b = append(b, majorArray|3, 1)
		b = AppendTree(b, n.Left)
		return AppendTree(b, n.Right)
	case Labeled:
		b = append(b, majorArray|3, 2)
		b = appendBytes(b, n.Label)
		return AppendTree(b, n.Tree)
	case Leaf:
		b = append(b, majorArray|2, 3)
		return appendBytes(b, n)
	case Pruned:
		b = append(b, majorArray|2, 4)
		return appendBytes(b, n[:])
	}
	panic(fmt.Sprintf("certify: unknown hash tree node %T", n))
}

// MarshalTree returns the CBOR encoding of a hash tree.
func MarshalTree(n Node) []byte { return AppendTree(nil, n) }

// maxTreeDepth bounds the nesting accepted when decoding: a balanced tree over the whole
// principal space stays far below it, and it keeps hostile input from exhausting the stack.
const maxTreeDepth = 1024

var treeDecMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  maxTreeDepth,
		MaxArrayElements: 16, // the smallest limit the decoder allows; nodes have at most 3
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// UnmarshalTree decodes a CBOR-encoded hash tree (a leading tag 55799 is accepted).
func UnmarshalTree(data []byte) (Node, error) {
	var v any
	if err := treeDecMode.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode hash tree: %w", err)
	}
	return treeFromValue(v)
}

func treeFromValue(v any) (Node, error) {
	if t, ok := v.(cbor.Tag); ok && t.Number == 55799 {
		v = t.Content
	}
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, fmt.Errorf("hash tree node: want a non-empty array, got %T", v)
	}
	tag, ok := a[0].(uint64)
	if !ok {
		return nil, fmt.Errorf("hash tree node: tag is %T, not an unsigned integer", a[0])
	}
	want := map[uint64]int{0: 1, 1: 3, 2: 3, 3: 2, 4: 2}[tag]
	if want == 0 {
		return nil, fmt.Errorf("hash tree node: unknown tag %d", tag)
	}
	if len(a) != want {
		return nil, fmt.Errorf("hash tree node %d: %d elements, want %d", tag, len(a), want)
	}
	switch tag {
	case 0:
		return Empty{}, nil
	case 1:
		l, err := treeFromValue(a[1])
		if err != nil {
			return nil, err
		}
		r, err := treeFromValue(a[2])
		if err != nil {
			return nil, err
		}
		return Fork{Left: l, Right: r}, nil
	case 2:
		label, ok := a[1].([]byte)
		if !ok {
			return nil, fmt.Errorf("labeled node: label is %T, not bytes", a[1])
		}
		t, err := treeFromValue(a[2])
		if err != nil {
			return nil, err
		}
		return Labeled{Label: label, Tree: t}, nil
	case 3:
		value, ok := a[1].([]byte)
		if !ok {
			return nil, fmt.Errorf("leaf node: value is %T, not bytes", a[1])
		}
		return Leaf(value), nil
	default:
		h, ok := a[1].([]byte)
		if !ok || len(h) != 32 {
			return nil, fmt.Errorf("pruned node: want 32 bytes")
		}
		var p Pruned
		copy(p[:], h)
		return p, nil
	}
}
