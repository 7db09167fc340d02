package httpcert

import (
	"errors"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// ResponseMap certifies one response per URL below a route, such as GET /checkout/<id>, for
// any number of ids: it keeps, in the store's certified map (stablestore.Merkle), the
// response hash under the last path segment, and its RootHash is the forest a Tree mounts
// at the route (Tree.Mount(ExactPath-less route labels, m)). Put and Remove rehash one
// root-to-leaf path (about 21 Forks at a million entries); Witness reads one.
//
// The value kept per entry is the response hash and the first bytes of the expression hash,
// so that a response certified under another expression (an upgrade changed it) is not
// taken for a current one.
type ResponseMap struct {
	m *stablestore.Merkle
	c *Certification
}

// ErrSegment is returned for a path segment the map cannot hold (longer than
// stablestore.MaxLabelLen).
var ErrSegment = errors.New("httpcert: path segment too long for a certified map")

// NewResponseMap returns the map kept in m, certifying with c (ResponseOnly).
func NewResponseMap(m *stablestore.Merkle, c *Certification) *ResponseMap {
	return &ResponseMap{m: m, c: c}
}

const exprTag = 8 // bytes of the expression hash kept per entry

// entryTree is the subtree under a segment: <$> / expression hash / "" / response hash /
// the empty leaf.
func (r *ResponseMap) entryTree(h [32]byte) hashtree.Node {
	return hashtree.Labeled{Label: []byte(ExactTerminator), Tree: hashtree.Labeled{Label: r.c.ExprHash[:],
		Tree: hashtree.Labeled{Label: []byte{}, Tree: hashtree.Labeled{Label: h[:], Tree: hashtree.Leaf{}}}}}
}

func (r *ResponseMap) entryDigest(h [32]byte) [32]byte {
	d := labeledHash(h[:], emptyLeaf)
	d = labeledHash(nil, d)
	d = labeledHash(r.c.ExprHash[:], d)
	return labeledHash([]byte(ExactTerminator), d)
}

// Put certifies the response with hash h (from c.Prepare) at the route's URL with this
// last segment, replacing what was certified there, and reports whether the map changed:
// calling it again with the same hash reads one path and changes nothing.
func (r *ResponseMap) Put(segment string, h [32]byte) (bool, error) {
	if len(segment) > stablestore.MaxLabelLen {
		return false, ErrSegment
	}
	// On the stack: a certification allocates nothing.
	var label [stablestore.MaxLabelLen]byte
	var value [32 + exprTag]byte
	copy(value[copy(value[:], h[:]):], r.c.ExprHash[:exprTag])
	return r.m.Put(label[:copy(label[:], segment)], value[:], r.entryDigest(h))
}

// Remove withdraws the certification of the URL with this last segment.
func (r *ResponseMap) Remove(segment string) error {
	_, err := r.m.Remove([]byte(segment))
	return err
}

// Certified reports whether the response with hash h is the one certified for segment.
func (r *ResponseMap) Certified(segment string, h [32]byte) bool {
	v, _, ok := r.m.Get([]byte(segment))
	return ok && r.matches(v, h)
}

func (r *ResponseMap) matches(v []byte, h [32]byte) bool {
	return len(v) == 32+exprTag && [32]byte(v[:32]) == h && [exprTag]byte(v[32:]) == [exprTag]byte(r.c.ExprHash[:exprTag])
}

// Len is the number of certified URLs.
func (r *ResponseMap) Len() int { return r.m.Len() }

// RootHash implements Mount.
func (r *ResponseMap) RootHash() [32]byte { return r.m.RootHash() }

// Witness implements Mount: each path's first label is a segment, revealed with its entry
// (or proven absent).
func (r *ResponseMap) Witness(paths [][][]byte) hashtree.Node {
	var out hashtree.Node
	seen := map[string]bool{}
	for _, p := range paths {
		if len(p) == 0 || seen[string(p[0])] {
			continue
		}
		seen[string(p[0])] = true
		w := r.m.Witness(p[0], func(v []byte, sub [32]byte) hashtree.Node {
			if len(v) != 32+exprTag || [exprTag]byte(v[32:]) != [exprTag]byte(r.c.ExprHash[:exprTag]) {
				return nil // certified under another expression: its subtree stays pruned
			}
			return r.entryTree([32]byte(v[:32]))
		})
		if out == nil {
			out = w
		} else {
			out = Merge(out, w)
		}
	}
	if out == nil {
		return hashtree.Pruned(r.RootHash())
	}
	return out
}
