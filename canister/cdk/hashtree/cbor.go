package hashtree

import (
	"errors"
	"strconv"
)

// The CBOR encoding of hash trees (interface specification, "Encoding of certificates"):
//
//	[0]                Empty
//	[1, left, right]   Fork
//	[2, label, tree]   Labeled (label a byte string)
//	[3, value]         Leaf (value a byte string)
//	[4, hash]          Pruned (hash a 32-byte string)

// CBOR major types.
const (
	majorUint  = 0
	majorBytes = 2
	majorArray = 4
	majorTag   = 6
	majorOther = 7
)

// selfDescribe is the CBOR tag 55799 ("self-described CBOR") the IC puts in front of its
// CBOR documents; Decode accepts it in front of any node.
const selfDescribe = 55799

// nodeTags maps a node's tag to its number of array elements.
var nodeTags = [...]int{0: 1, 1: 3, 2: 3, 3: 2, 4: 2}

// Encode returns the CBOR encoding of n (without the self-describe tag).
func Encode(n Node) []byte { return AppendEncoded(nil, n) }

// AppendEncoded appends the CBOR encoding of n to b, in the shortest form CBOR allows.
func AppendEncoded(b []byte, n Node) []byte {
	switch n := n.(type) {
	case Empty:
		return append(b, majorArray<<5|1, 0)
	case Fork:
		b = append(b, majorArray<<5|3, 1)
		b = AppendEncoded(b, n.Left)
		return AppendEncoded(b, n.Right)
	case Labeled:
		b = append(b, majorArray<<5|3, 2)
		b = appendBytes(b, n.Label)
		return AppendEncoded(b, n.Tree)
	case Leaf:
		b = append(b, majorArray<<5|2, 3)
		return appendBytes(b, n)
	case Pruned:
		b = append(b, majorArray<<5|2, 4)
		return appendBytes(b, n[:])
	}
	panic("hashtree: unknown node type")
}

func appendBytes(b, v []byte) []byte {
	return append(appendHead(b, majorBytes, uint64(len(v))), v...)
}

// appendHead appends a CBOR initial byte with its argument in the shortest form.
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return append(b, m|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(b, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(b, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// MaxDepth bounds the nesting Decode accepts: a balanced tree over the whole principal space
// stays far below it, and it keeps hostile input from exhausting the stack.
const MaxDepth = 1024

// ErrDecode is the error Decode wraps.
var ErrDecode = errors.New("decode hash tree")

// Decode decodes a CBOR-encoded hash tree. It accepts definite and indefinite lengths and the
// self-describe tag 55799 in front of any node, and rejects everything else that is not a
// tree, trailing bytes included. It never panics.
func Decode(data []byte) (Node, error) {
	d := decoder{data: data}
	n, err := d.node(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.data) {
		return nil, d.fail(strconv.Itoa(len(d.data)-d.pos) + " trailing bytes")
	}
	return n, nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) fail(msg string) error {
	return wrap(ErrDecode, msg+" at offset "+strconv.Itoa(d.pos))
}

// indefinite marks a head with indefinite length (additional information 31).
const indefinite = ^uint64(0)

// head reads an initial byte and its argument; for an indefinite length it returns
// indefinite.
func (d *decoder) head() (major byte, arg uint64, err error) {
	if d.pos >= len(d.data) {
		return 0, 0, d.fail("unexpected end of input")
	}
	c := d.data[d.pos]
	d.pos++
	major, info := c>>5, c&31
	var size int
	switch {
	case info < 24:
		return major, uint64(info), nil
	case info == 24:
		size = 1
	case info == 25:
		size = 2
	case info == 26:
		size = 4
	case info == 27:
		size = 8
	case info == 31 && major != majorUint && major != majorTag:
		return major, indefinite, nil
	default:
		d.pos--
		return 0, 0, d.fail("malformed CBOR initial byte")
	}
	if len(d.data)-d.pos < size {
		return 0, 0, d.fail("unexpected end of input")
	}
	for _, b := range d.data[d.pos : d.pos+size] {
		arg = arg<<8 | uint64(b)
	}
	d.pos += size
	return major, arg, nil
}

// isBreak consumes the "break" byte that ends an indefinite-length item, if it is next.
func (d *decoder) isBreak() bool {
	if d.pos < len(d.data) && d.data[d.pos] == majorOther<<5|31 {
		d.pos++
		return true
	}
	return false
}

func (d *decoder) node(depth int) (Node, error) {
	if depth > MaxDepth {
		return nil, d.fail("tree nested deeper than " + strconv.Itoa(MaxDepth))
	}
	major, arg, err := d.head()
	for err == nil && major == majorTag && arg == selfDescribe {
		major, arg, err = d.head()
	}
	if err != nil {
		return nil, err
	}
	if major != majorArray {
		return nil, d.fail("node is not an array")
	}
	if arg == 0 {
		return nil, d.fail("node is an empty array")
	}
	tm, tag, err := d.head()
	if err != nil {
		return nil, err
	}
	if tm != majorUint || tag >= uint64(len(nodeTags)) {
		return nil, d.fail("node tag is not 0 to 4")
	}
	want := nodeTags[tag]
	if arg != indefinite && arg != uint64(want) {
		return nil, d.fail("node " + strconv.FormatUint(tag, 10) + " has " + strconv.FormatUint(arg, 10) +
			" elements, want " + strconv.Itoa(want))
	}
	var n Node
	switch tag {
	case 0:
		n = Empty{}
	case 1:
		l, err := d.node(depth + 1)
		if err != nil {
			return nil, err
		}
		r, err := d.node(depth + 1)
		if err != nil {
			return nil, err
		}
		n = Fork{Left: l, Right: r}
	case 2:
		label, err := d.bytes()
		if err != nil {
			return nil, err
		}
		t, err := d.node(depth + 1)
		if err != nil {
			return nil, err
		}
		n = Labeled{Label: label, Tree: t}
	case 3:
		v, err := d.bytes()
		if err != nil {
			return nil, err
		}
		n = Leaf(v)
	case 4:
		h, err := d.bytes()
		if err != nil {
			return nil, err
		}
		if len(h) != 32 {
			return nil, d.fail("pruned hash has " + strconv.Itoa(len(h)) + " bytes, want 32")
		}
		n = Pruned(h)
	}
	if arg == indefinite && !d.isBreak() {
		return nil, d.fail("node " + strconv.FormatUint(tag, 10) + " has more than " + strconv.Itoa(want) + " elements")
	}
	return n, nil
}

// bytes reads a byte string, definite or as indefinite-length chunks. The result is never
// nil, so an empty label or leaf stays distinguishable from a missing one.
func (d *decoder) bytes() ([]byte, error) {
	major, arg, err := d.head()
	if err != nil {
		return nil, err
	}
	if major != majorBytes {
		return nil, d.fail("expected a byte string")
	}
	if arg != indefinite {
		return d.chunk(arg)
	}
	out := []byte{}
	for !d.isBreak() {
		major, arg, err := d.head()
		if err != nil {
			return nil, err
		}
		if major != majorBytes || arg == indefinite {
			return nil, d.fail("indefinite byte string has a chunk that is not a definite byte string")
		}
		c, err := d.chunk(arg)
		if err != nil {
			return nil, err
		}
		out = append(out, c...)
	}
	return out, nil
}

func (d *decoder) chunk(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, d.fail("byte string longer than the input")
	}
	b := make([]byte, n)
	copy(b, d.data[d.pos:])
	d.pos += int(n)
	return b, nil
}
