package certify

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aviate-labs/agent-go/certification/hashtree"
)

// specTree is the example tree of the IC interface specification, section "Certification",
// subsection "Example".
func specTree() Node {
	return Fork{
		Left: Fork{
			Left: Labeled{Label: []byte("a"), Tree: Fork{
				Left: Fork{
					Left:  Labeled{Label: []byte("x"), Tree: Leaf("hello")},
					Right: Empty{},
				},
				Right: Labeled{Label: []byte("y"), Tree: Leaf("world")},
			}},
			Right: Labeled{Label: []byte("b"), Tree: Leaf("good")},
		},
		Right: Fork{
			Left:  Labeled{Label: []byte("c"), Tree: Empty{}},
			Right: Labeled{Label: []byte("d"), Tree: Leaf("morning")},
		},
	}
}

// Values quoted from the specification.
const (
	specTreeCBOR   = "8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c6483024162820344676f6f648301830241638100830241648203476d6f726e696e67"
	specRootHash   = "eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0"
	specPrunedCBOR = "83018301830241618301820458201b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f10f71ce3749f5a63883024179820345776f726c6483024162820458207b32ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f80fe12f9c2cae83ba6830182045820ec8324b8a1f1ac16bd2e806edba78006479c9877fed4eb464a25485465af601d830241648203476d6f726e696e67"
)

func specPaths() [][][]byte {
	return [][][]byte{
		{[]byte("a"), []byte("y")},
		{[]byte("ax")},
		{[]byte("d")},
	}
}

func TestSpecExampleEncodingAndRootHash(t *testing.T) {
	tree := specTree()
	if got := hex.EncodeToString(MarshalTree(tree)); got != specTreeCBOR {
		t.Errorf("CBOR:\n got %s\nwant %s", got, specTreeCBOR)
	}
	root := tree.Digest()
	if got := hex.EncodeToString(root[:]); got != specRootHash {
		t.Errorf("root hash = %s, want %s", got, specRootHash)
	}
	raw, _ := hex.DecodeString(specTreeCBOR)
	decoded, err := UnmarshalTree(raw)
	if err != nil {
		t.Fatal(err)
	}
	if decoded.Digest() != root {
		t.Error("decoded tree has another root hash")
	}
	if err := WellFormed(tree); err != nil {
		t.Error(err)
	}
}

func TestSpecExamplePruning(t *testing.T) {
	pruned := Prune(specTree(), specPaths())
	if got := hex.EncodeToString(MarshalTree(pruned)); got != specPrunedCBOR {
		t.Errorf("pruned CBOR:\n got %s\nwant %s", got, specPrunedCBOR)
	}
	root := pruned.Digest()
	if got := hex.EncodeToString(root[:]); got != specRootHash {
		t.Errorf("pruned root hash = %s, want %s", got, specRootHash)
	}
}

// The lookups the specification lists for the pruned example tree, checked with this
// package's Lookup and with agent-go's (which is what clients run).
func TestSpecExampleLookups(t *testing.T) {
	raw, _ := hex.DecodeString(specPrunedCBOR)
	mine, err := UnmarshalTree(raw)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := hashtree.Deserialize(raw)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  []string
		want  LookupResult
		value string
	}{
		{[]string{"a", "a"}, Unknown, ""},
		{[]string{"a", "y"}, Found, "world"},
		{[]string{"aa"}, Absent, ""},
		{[]string{"ax"}, Absent, ""},
		{[]string{"b"}, Unknown, ""},
		{[]string{"bb"}, Unknown, ""},
		{[]string{"d"}, Found, "morning"},
		{[]string{"e"}, Absent, ""},
		{[]string{"a"}, Error, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.path), func(t *testing.T) {
			path := labels(tc.path...)
			v, res := Lookup(mine, path...)
			if res != tc.want || string(v) != tc.value {
				t.Errorf("Lookup = %q, %v; want %q, %v", v, res, tc.value, tc.want)
			}
			if got := agentLookup(theirs, path); got != tc.want {
				t.Errorf("agent-go lookup = %v, want %v", got, tc.want)
			}
		})
	}
}

func labels(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// agentLookup maps agent-go's lookup outcome onto LookupResult.
func agentLookup(n hashtree.Node, path [][]byte) LookupResult {
	ls := make([]hashtree.Label, len(path))
	for i, p := range path {
		ls[i] = p
	}
	_, err := hashtree.Lookup(n, ls...)
	if err == nil {
		return Found
	}
	var le hashtree.LookupError
	if !errors.As(err, &le) {
		return -1
	}
	switch le.Type {
	case hashtree.LookupResultAbsent:
		return Absent
	case hashtree.LookupResultUnknown:
		return Unknown
	default:
		return Error
	}
}

func TestSetRejectsNonPrefixFreePaths(t *testing.T) {
	var tr Tree
	if err := tr.Set(labels("a", "b"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Set(labels("a"), []byte("w")); err == nil {
		t.Error("value over a node with children accepted")
	}
	if err := tr.Set(labels("a", "b", "c"), []byte("w")); err == nil {
		t.Error("path through a value accepted")
	}
	if err := tr.Set(labels("a", "b"), []byte("w")); err != nil {
		t.Errorf("overwriting a value: %v", err)
	}
}

func TestEmptyTree(t *testing.T) {
	var tr Tree
	n := tr.HashTree()
	if _, ok := n.(Empty); !ok {
		t.Fatalf("empty tree builds %T", n)
	}
	if _, res := Lookup(Prune(n, [][][]byte{labels("x")}), labels("x")...); res != Absent {
		t.Errorf("lookup in empty tree = %v, want absent", res)
	}
}

// randomState fills a tree with n random two- or three-level paths over a small alphabet
// (so requested labels often fall between existing ones) and returns the stored values.
func randomState(r *rand.Rand, n int) (*Tree, map[string][]byte) {
	tr := new(Tree)
	vals := make(map[string][]byte)
	for range n {
		var path [][]byte
		depth := 2 + r.IntN(2)
		for range depth {
			path = append(path, randLabel(r))
		}
		v := []byte(fmt.Sprintf("v%d", r.Int()))
		if tr.Set(path, v) == nil {
			vals[string(bytes.Join(path, []byte("/")))] = v
		}
	}
	// Values set earlier may have been overwritten or shadowed; recompute from the tree.
	final := make(map[string][]byte)
	for k := range vals {
		p := bytes.Split([]byte(k), []byte("/"))
		if v, res := Lookup(tr.HashTree(), p...); res == Found {
			final[k] = v
		}
	}
	return tr, final
}

func randLabel(r *rand.Rand) []byte {
	const alphabet = "aceg"
	b := make([]byte, 1+r.IntN(2))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// Property: pruning keeps the root hash, reveals requested values, and proves requested
// paths that do not exist absent - for this package's lookup and for agent-go's.
func TestPruneRevealsAndProvesAbsence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var nFound, nAbsent int
	for iter := range 200 {
		tr, vals := randomState(r, 1+r.IntN(30))
		full := tr.HashTree()
		if err := WellFormed(full); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var paths [][][]byte
		for range 1 + r.IntN(4) {
			if len(keys) > 0 && r.IntN(2) == 0 {
				// An existing path, a prefix of one, or one with its last label replaced by
				// a label that sorts between existing ones.
				p := bytes.Split([]byte(keys[r.IntN(len(keys))]), []byte("/"))
				switch r.IntN(3) {
				case 1:
					p = p[:1+r.IntN(len(p))]
				case 2:
					p[len(p)-1] = []byte{"bdfh"[r.IntN(4)]}
				}
				paths = append(paths, p)
				continue
			}
			var p [][]byte
			for range 1 + r.IntN(3) {
				// Letters outside the alphabet produce labels that are absent for sure.
				if r.IntN(4) == 0 {
					p = append(p, []byte{"bdfh"[r.IntN(4)]})
				} else {
					p = append(p, randLabel(r))
				}
			}
			paths = append(paths, p)
		}
		pruned := Prune(full, paths)
		if pruned.Digest() != full.Digest() {
			t.Fatalf("iter %d: pruning changed the root hash", iter)
		}
		enc := MarshalTree(pruned)
		theirs, err := hashtree.Deserialize(enc)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			key := string(bytes.Join(p, []byte("/")))
			want, exists := vals[key]
			_, fullRes := Lookup(full, p...)
			got, res := Lookup(pruned, p...)
			switch {
			case exists:
				if res != Found || !bytes.Equal(got, want) {
					t.Fatalf("iter %d: %s = %q %v, want %q", iter, key, got, res, want)
				}
				nFound++
			case fullRes == Absent:
				if res != Absent {
					t.Fatalf("iter %d: absent %s looks up as %v in the pruned tree", iter, key, res)
				}
				if a := agentLookup(theirs, p); a != Absent {
					t.Fatalf("iter %d: agent-go sees absent %s as %v", iter, key, a)
				}
				nAbsent++
			default: // path to an inner node: its whole subtree is revealed
				if res != fullRes {
					t.Fatalf("iter %d: %s = %v, full tree says %v", iter, key, res, fullRes)
				}
			}
		}
		// Every value under a requested prefix is revealed.
		for k, v := range vals {
			kp := bytes.Split([]byte(k), []byte("/"))
			for _, p := range paths {
				if len(p) <= len(kp) && bytes.Equal(bytes.Join(kp[:len(p)], []byte("/")), bytes.Join(p, []byte("/"))) {
					if got, res := Lookup(pruned, kp...); res != Found || !bytes.Equal(got, v) {
						t.Fatalf("iter %d: %s under requested %s not revealed (%v)", iter, k, p, res)
					}
				}
			}
		}
	}
	// Guard against a generator that stops exercising either case.
	if nFound < 20 || nAbsent < 100 {
		t.Errorf("weak coverage: %d found, %d absent lookups", nFound, nAbsent)
	}
	t.Logf("%d found, %d absent lookups checked", nFound, nAbsent)
}

func TestUnmarshalTreeRejectsMalformed(t *testing.T) {
	tests := map[string]string{
		"not an array":   "01",
		"empty array":    "80",
		"unknown tag":    "8105",
		"fork too short": "820181",
		"short pruned":   "82044100",
		"text label":     "830261618100",
		"truncated":      "8301",
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			raw, _ := hex.DecodeString(h)
			if _, err := UnmarshalTree(raw); err == nil {
				t.Errorf("%s accepted", h)
			}
		})
	}
}

func TestNat(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "00"}, {127, "7f"}, {128, "8001"}, {624485, "e58e26"},
		{1 << 63, "80808080808080808001"},
	}
	for _, tc := range tests {
		if got := hex.EncodeToString(Nat(tc.n)); got != tc.want {
			t.Errorf("Nat(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}
