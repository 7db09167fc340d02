package hashtree

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
)

// LookupResult is the outcome of a lookup, as lookup_path of the specification defines it.
// The zero value is none of them.
type LookupResult int

const (
	// Found means the path leads to a value (Lookup) or a subtree (LookupSubtree).
	Found LookupResult = iota + 1
	// Absent means the tree proves that the path does not exist.
	Absent
	// Unknown means the path may exist in a pruned part of the tree.
	Unknown
	// Error means the path exists but leads to an inner node, not a value.
	Error
)

func (r LookupResult) String() string {
	switch r {
	case Found:
		return "found"
	case Absent:
		return "absent"
	case Unknown:
		return "unknown"
	case Error:
		return "error"
	}
	return "LookupResult(" + strconv.Itoa(int(r)) + ")"
}

// Lookup is lookup_path of the specification: the value at path, or why there is none. The
// value is returned only with Found.
//
//	lookup_path([], Empty)        = Absent
//	lookup_path([], Leaf v)       = Found v
//	lookup_path([], Pruned _)     = Unknown
//	lookup_path([], Labeled _ _)  = Error
//	lookup_path([], Fork _ _)     = Error
//	lookup_path(l::ls, tree)      = find_label(l, flatten_forks(tree)), then lookup_path(ls, subtree)
func Lookup(n Node, path ...[]byte) ([]byte, LookupResult) {
	n, res := LookupSubtree(n, path...)
	if res != Found {
		return nil, res
	}
	switch n := n.(type) {
	case Leaf:
		return n, Found
	case Empty:
		return nil, Absent
	case Pruned:
		return nil, Unknown
	default:
		return nil, Error
	}
}

// LookupSubtree follows path as lookup_path does and returns the subtree at its end (Found),
// or Absent or Unknown as find_label decided on the way.
func LookupSubtree(n Node, path ...[]byte) (Node, LookupResult) {
	for _, label := range path {
		var res LookupResult
		if n, res = findLabel(label, Forest(n)); res != Found {
			return nil, res
		}
	}
	return n, Found
}

// Forest is flatten_forks of the specification: the nodes of n's top level, left to right,
// with Forks opened and Empty dropped.
func Forest(n Node) []Node { return appendForest(nil, n) }

func appendForest(acc []Node, n Node) []Node {
	switch n := n.(type) {
	case Empty:
		return acc
	case Fork:
		return appendForest(appendForest(acc, n.Left), n.Right)
	default:
		return append(acc, n)
	}
}

// findLabel is find_label of the specification; its rules are tried in order:
//
//	find_label(l, _ · Labeled l1 t · _)                | l == l1     = Found t
//	find_label(l, _ · Labeled l1 _ · Labeled l2 _ · _) | l1 < l < l2 = Absent
//	find_label(l,                    Labeled l2 _ · _) |      l < l2 = Absent
//	find_label(l, _ · Labeled l1 _ )                   | l1 < l      = Absent
//	find_label(l, [Leaf _])                                          = Absent
//	find_label(l, [])                                                = Absent
//	find_label(l, _)                                                 = Unknown
//
// On well-formed trees (labels increasing) this is the usual search; on others it still
// answers exactly as the rules do.
func findLabel(l []byte, forest []Node) (Node, LookupResult) {
	for _, t := range forest {
		if lt, ok := t.(Labeled); ok && bytes.Equal(lt.Label, l) {
			return lt.Tree, Found
		}
	}
	if len(forest) == 0 {
		return nil, Absent
	}
	for i := 0; i+1 < len(forest); i++ {
		a, okA := forest[i].(Labeled)
		b, okB := forest[i+1].(Labeled)
		if okA && okB && bytes.Compare(a.Label, l) < 0 && bytes.Compare(l, b.Label) < 0 {
			return nil, Absent
		}
	}
	if first, ok := forest[0].(Labeled); ok && bytes.Compare(l, first.Label) < 0 {
		return nil, Absent
	}
	if last, ok := forest[len(forest)-1].(Labeled); ok && bytes.Compare(last.Label, l) < 0 {
		return nil, Absent
	}
	if _, ok := forest[0].(Leaf); ok && len(forest) == 1 {
		return nil, Absent
	}
	return nil, Unknown
}

// Entry is a value and its path: an input of Build and an output of Leaves.
type Entry struct {
	Path  [][]byte
	Value []byte
}

// Leaves returns every value the tree reveals with its path, in tree order: for a subtree
// found at prefix, the spec's lookup*(prefix) are the values of Leaves(subtree).
func Leaves(n Node) []Entry { return appendLeaves(nil, n, nil) }

func appendLeaves(acc []Entry, n Node, path [][]byte) []Entry {
	switch n := n.(type) {
	case Leaf:
		return append(acc, Entry{Path: slices.Clone(path), Value: n})
	case Labeled:
		return appendLeaves(acc, n.Tree, append(path[:len(path):len(path)], n.Label))
	case Fork:
		return appendLeaves(appendLeaves(acc, n.Left, path), n.Right, path)
	default: // Empty, Pruned
		return acc
	}
}

// ErrMalformed reports a tree that is not well formed.
var ErrMalformed = errors.New("malformed hash tree")

// WellFormed checks well_formed of the specification: within each forest, labels strictly
// increase and no leaf stands among them. The IC only produces well-formed trees, and the
// lookup rules assume them.
func WellFormed(n Node) error {
	if _, ok := n.(Leaf); ok {
		return nil
	}
	var prev []byte
	hasPrev := false
	for _, t := range Forest(n) {
		switch t := t.(type) {
		case Leaf:
			return wrap(ErrMalformed, "leaf inside a forest")
		case Labeled:
			if hasPrev && bytes.Compare(prev, t.Label) >= 0 {
				return wrap(ErrMalformed, "labels "+FormatLabel(prev)+" and "+FormatLabel(t.Label)+" out of order")
			}
			prev, hasPrev = t.Label, true
			if err := WellFormed(t.Tree); err != nil {
				return err
			}
		}
	}
	return nil
}

// wrapped is an error with a message in front of a sentinel, as fmt.Errorf("%w: ...") makes.
type wrapped struct {
	err error
	msg string
}

func (e *wrapped) Error() string { return e.err.Error() + ": " + e.msg }
func (e *wrapped) Unwrap() error { return e.err }

func wrap(err error, msg string) error { return &wrapped{err, msg} }

// FormatPath prints a path for messages: /a/b, labels as FormatLabel prints them.
func FormatPath(path [][]byte) string {
	if len(path) == 0 {
		return "/"
	}
	s := ""
	for _, l := range path {
		s += "/" + FormatLabel(l)
	}
	return s
}

// FormatLabel prints a label that is printable ASCII as text and any other as 0x and hex.
func FormatLabel(l []byte) string {
	for _, c := range l {
		if c < 0x20 || c > 0x7e {
			const digits = "0123456789abcdef"
			b := make([]byte, 2, 2+2*len(l))
			b[0], b[1] = '0', 'x'
			for _, c := range l {
				b = append(b, digits[c>>4], digits[c&15])
			}
			return string(b)
		}
	}
	return string(l)
}
