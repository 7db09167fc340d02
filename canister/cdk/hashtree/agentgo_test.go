package hashtree

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	agent "github.com/aviate-labs/agent-go/certification/hashtree"
)

// Cross-checks against agent-go's certification/hashtree (v0.9.2), the library Go clients
// verify certificates with: the same trees must have the same CBOR bytes and root hashes,
// and lookups must agree - except where agent-go departs from the specification's
// lookup_path, which this package follows (see TestAgentGoDeviations).

// agentLookup maps agent-go's lookup outcome onto LookupResult.
func agentLookup(n agent.Node, path [][]byte) ([]byte, LookupResult) {
	ls := make([]agent.Label, len(path))
	for i, p := range path {
		ls[i] = p
	}
	v, err := agent.Lookup(n, ls...)
	if err == nil {
		return v, Found
	}
	var le agent.LookupError
	if !errors.As(err, &le) {
		return nil, 0
	}
	switch le.Type {
	case agent.LookupResultAbsent:
		return nil, Absent
	case agent.LookupResultUnknown:
		return nil, Unknown
	default:
		return nil, Error
	}
}

// toAgent decodes our encoding with agent-go: the encoding is what the two share.
func toAgent(t *testing.T, n Node) agent.Node {
	t.Helper()
	a, err := agent.Deserialize(Encode(n))
	if err != nil {
		t.Fatalf("agent-go cannot decode %x: %v", Encode(n), err)
	}
	return a
}

// hasEmptyInFork reports whether an Empty node stands inside a Fork, the shape on which
// agent-go's lookup departs from the specification.
func hasEmptyInFork(n Node) bool {
	switch n := n.(type) {
	case Fork:
		_, l := n.Left.(Empty)
		_, r := n.Right.(Empty)
		return l || r || hasEmptyInFork(n.Left) || hasEmptyInFork(n.Right)
	case Labeled:
		return hasEmptyInFork(n.Tree)
	}
	return false
}

// probePaths returns paths of every kind for a tree: each revealed value's path (Found), its
// prefixes (Error), the path extended below the leaf (Absent by find_label(l, [Leaf _])),
// siblings with labels before, between and after the existing ones (Absent or Unknown), and
// the empty path.
func probePaths(n Node) [][][]byte {
	paths := [][][]byte{nil, labels(""), labels("\x00"), labels("\xff\xff")}
	for _, e := range Leaves(n) {
		p := e.Path
		paths = append(paths, p, append(slices.Clone(p), []byte("below")))
		for i := range p {
			paths = append(paths, p[:i])
			for _, alt := range [][]byte{append(slices.Clone(p[i]), 0), p[i][:len(p[i])/2], append([]byte{0}, p[i]...), append(slices.Clone(p[i]), 0xff)} {
				q := slices.Clone(p[:i+1])
				q[i] = alt
				paths = append(paths, q)
			}
		}
	}
	return paths
}

func randomTree(r *rand.Rand) Node {
	tr, vals := randomState(r, 1+r.IntN(25))
	full := tr.HashTree()
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if r.IntN(3) == 0 {
		return full
	}
	return Prune(full, randomPaths(r, keys)...)
}

func TestAgentGoAgrees(t *testing.T) {
	lab := func(l string, n Node) Node { return Labeled{Label: []byte(l), Tree: n} }
	specPruned, err := Decode(mustHex(t, specPrunedCBOR))
	if err != nil {
		t.Fatal(err)
	}
	trees := map[string]Node{
		"spec pruned":          specPruned,
		"leaf":                 Leaf("v"),
		"empty":                Empty{},
		"pruned":               Pruned{1, 2, 3},
		"empty label and leaf": lab("", Leaf{}),
		"pruned gaps":          Fork{Fork{Pruned{1}, lab("b", Leaf("B"))}, Fork{Pruned{2}, lab("d", Fork{lab("e", Leaf("E")), Pruned{3}})}},
		"long values":          lab(strings.Repeat("l", 300), Leaf(strings.Repeat("v", 70000))),
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		trees["random "+string(rune('A'+i/26))+string(rune('a'+i%26))] = randomTree(r)
	}
	var checked int
	for name, n := range trees {
		t.Run(name, func(t *testing.T) {
			if hasEmptyInFork(n) {
				t.Fatal("fixture has an Empty inside a Fork; see TestAgentGoDeviations")
			}
			a := toAgent(t, n)
			if got, want := n.Digest(), a.Reconstruct(); got != want {
				t.Fatalf("root hash %x, agent-go %x", got, want)
			}
			theirs, err := agent.Serialize(a)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(theirs, Encode(n)) {
				t.Fatalf("encoding\n%x\nagent-go\n%x", Encode(n), theirs)
			}
			back, err := Decode(theirs)
			if err != nil || back.Digest() != n.Digest() {
				t.Fatalf("agent-go's encoding decodes to another tree: %v", err)
			}
			for _, p := range probePaths(n) {
				v, res := Lookup(n, p...)
				av, ares := agentLookup(a, p)
				if res != ares || !bytes.Equal(v, av) {
					t.Errorf("%s: Lookup = %v %q, agent-go %v %q", FormatPath(p), res, v, ares, av)
				}
				checked++
			}
		})
	}
	if checked < 2000 {
		t.Errorf("only %d lookups compared", checked)
	}
}

// TestAgentGoDeviations documents where agent-go v0.9.2 departs from the specification.
// agent-go's lookupLabel answers Absent for an Empty node inside a Fork and stops there
// instead of going on to the Fork's other side, although flatten_forks drops Empty. The
// specification's own example tree has such an Empty (under "a"), so agent-go cannot find
// /a/y in it. This package follows the specification.
func TestAgentGoDeviations(t *testing.T) {
	lab := func(l string, n Node) Node { return Labeled{Label: []byte(l), Tree: n} }
	tests := []struct {
		name       string
		tree       Node
		path       string
		spec, agnt LookupResult
	}{
		{"spec example: a/y after Fork(x, Empty)", specTree(), "a/y", Found, Absent},
		{"Empty on the left of a label", Fork{Empty{}, lab("b", Leaf("B"))}, "b", Found, Absent},
		{"Empty then a pruned node", Fork{Fork{Empty{}, Pruned{}}, lab("m", Leaf("M"))}, "c", Unknown, Absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := labels(strings.Split(tt.path, "/")...)
			if _, got := Lookup(tt.tree, path...); got != tt.spec {
				t.Errorf("Lookup = %v, the specification says %v", got, tt.spec)
			}
			a := toAgent(t, tt.tree)
			if a.Reconstruct() != tt.tree.Digest() {
				t.Error("root hashes differ")
			}
			if _, got := agentLookup(a, path); got != tt.agnt {
				t.Errorf("agent-go now answers %v (was %v): re-check this deviation", got, tt.agnt)
			}
		})
	}
	// The rest of the spec example agrees.
	a := toAgent(t, specTree())
	for _, p := range []string{"a/x", "b", "c", "d", "a", "e", "bb", "d/x"} {
		path := labels(strings.Split(p, "/")...)
		_, res := Lookup(specTree(), path...)
		if _, ares := agentLookup(a, path); res != ares {
			t.Errorf("%s: Lookup = %v, agent-go %v", p, res, ares)
		}
	}
}
