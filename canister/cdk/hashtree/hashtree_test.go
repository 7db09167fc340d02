package hashtree

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
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
	return [][][]byte{labels("a", "y"), labels("ax"), labels("d")}
}

func labels(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpecExampleEncodingAndRootHash(t *testing.T) {
	tree := specTree()
	if got := hex.EncodeToString(Encode(tree)); got != specTreeCBOR {
		t.Errorf("CBOR:\n got %s\nwant %s", got, specTreeCBOR)
	}
	root := tree.Digest()
	if got := hex.EncodeToString(root[:]); got != specRootHash {
		t.Errorf("root hash = %s, want %s", got, specRootHash)
	}
	decoded, err := Decode(mustHex(t, specTreeCBOR))
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
	pruned := Prune(specTree(), specPaths()...)
	if got := hex.EncodeToString(Encode(pruned)); got != specPrunedCBOR {
		t.Errorf("pruned CBOR:\n got %s\nwant %s", got, specPrunedCBOR)
	}
	root := pruned.Digest()
	if got := hex.EncodeToString(root[:]); got != specRootHash {
		t.Errorf("pruned root hash = %s, want %s", got, specRootHash)
	}
}

// The lookups the specification lists for the pruned example tree, plus the Error case.
func TestSpecExampleLookups(t *testing.T) {
	tree, err := Decode(mustHex(t, specPrunedCBOR))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  string
		want  LookupResult
		value string
	}{
		{"a/a", Unknown, ""},
		{"a/y", Found, "world"},
		{"aa", Absent, ""},
		{"ax", Absent, ""},
		{"b", Unknown, ""},
		{"bb", Unknown, ""},
		{"d", Found, "morning"},
		{"e", Absent, ""},
		{"a", Error, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			v, res := Lookup(tree, labels(strings.Split(tc.path, "/")...)...)
			if res != tc.want || string(v) != tc.value {
				t.Errorf("Lookup = %q, %v; want %q, %v", v, res, tc.value, tc.want)
			}
		})
	}
}

// Every rule of lookup_path and find_label, one case each (the brief's two disagreements
// first: a label below a leaf, and the empty path at a labeled node).
func TestLookupRules(t *testing.T) {
	leaf := func(s string) Node { return Leaf(s) }
	lab := func(l string, n Node) Node { return Labeled{Label: []byte(l), Tree: n} }
	fork := func(a, b Node) Node { return Fork{Left: a, Right: b} }
	var pruned Node = Pruned{}
	// b -> "B", a pruned gap, d/e -> "E", f -> Empty, and an Empty inside the forks.
	tree := fork(fork(lab("b", leaf("B")), pruned), fork(Empty{}, fork(lab("d", lab("e", leaf("E"))), lab("f", Empty{}))))
	tests := []struct {
		name    string
		tree    Node
		path    string // labels separated by spaces
		want    LookupResult
		subtree LookupResult // what LookupSubtree answers
	}{
		{"label below a leaf: find_label(l, [Leaf _]) = Absent", tree, "b x", Absent, Absent},
		{"empty path at a labeled node: Error", tree, "d", Error, Found},
		{"empty path at a fork: Error", tree, "", Error, Found},
		{"empty path at a leaf: Found", leaf("v"), "", Found, Found},
		{"empty path at Empty: Absent", Empty{}, "", Absent, Found},
		{"empty path at Pruned: Unknown", pruned, "", Unknown, Found},
		{"found", tree, "d e", Found, Found},
		{"before the first label", tree, "a", Absent, Absent},
		{"between a label and a pruned node", tree, "c", Unknown, Unknown},
		{"between adjacent labels (Empty between them is dropped)", tree, "e", Absent, Absent},
		{"after the last label", tree, "z", Absent, Absent},
		{"absent below", tree, "d f", Absent, Absent},
		{"value Empty", tree, "f", Absent, Found},
		{"label in an empty forest", Empty{}, "x", Absent, Absent},
		{"label in a pruned node", pruned, "x", Unknown, Unknown},
		{"label after a pruned node", fork(pruned, lab("m", leaf("M"))), "z", Absent, Absent},
		{"label before a pruned node", fork(lab("m", leaf("M")), pruned), "a", Absent, Absent},
		{"label only a pruned node could hold", fork(pruned, lab("m", leaf("M"))), "a", Unknown, Unknown},
		{"label next to a leaf among labels (malformed)", fork(leaf("v"), lab("m", leaf("M"))), "a", Unknown, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path [][]byte
			if tt.path != "" {
				path = labels(strings.Split(tt.path, " ")...)
			}
			if _, got := Lookup(tt.tree, path...); got != tt.want {
				t.Errorf("Lookup = %v, want %v", got, tt.want)
			}
			if _, got := LookupSubtree(tt.tree, path...); got != tt.subtree {
				t.Errorf("LookupSubtree = %v, want %v", got, tt.subtree)
			}
		})
	}
	if v, res := Lookup(tree, []byte("d"), []byte("e")); res != Found || string(v) != "E" {
		t.Errorf("Lookup d/e = %q, %v", v, res)
	}
	if sub, res := LookupSubtree(tree, []byte("d")); res != Found || sub.Digest() != lab("e", leaf("E")).Digest() {
		t.Errorf("LookupSubtree d = %v, %v", sub, res)
	}
}

func TestLookupResultString(t *testing.T) {
	for r, want := range map[LookupResult]string{Found: "found", Absent: "absent", Unknown: "unknown", Error: "error", 0: "LookupResult(0)"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), want)
		}
	}
}

func TestLeaves(t *testing.T) {
	tree, err := Decode(mustHex(t, specPrunedCBOR))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range Leaves(tree) {
		got = append(got, FormatPath(e.Path)+"="+string(e.Value))
	}
	if want := []string{"/a/y=world", "/d=morning"}; !slices.Equal(got, want) {
		t.Errorf("Leaves = %q, want %q", got, want)
	}
	full := Leaves(specTree())
	if len(full) != 4 || FormatPath(full[0].Path) != "/a/x" || FormatPath(full[3].Path) != "/d" {
		t.Errorf("Leaves of the full tree = %v", full)
	}
}

func TestWellFormed(t *testing.T) {
	lab := func(l string, n Node) Node { return Labeled{Label: []byte(l), Tree: n} }
	tests := []struct {
		name string
		tree Node
		ok   bool
	}{
		{"spec tree", specTree(), true},
		{"leaf", Leaf("x"), true},
		{"empty", Empty{}, true},
		{"pruned among labels", Fork{lab("a", Leaf("")), Pruned{}}, true},
		{"labels out of order", Fork{lab("b", Leaf("")), lab("a", Leaf(""))}, false},
		{"repeated label", Fork{lab("a", Leaf("")), lab("a", Leaf(""))}, false},
		{"leaf among labels", Fork{lab("a", Leaf("")), Leaf("x")}, false},
		{"malformed below", lab("a", Fork{Leaf("x"), Empty{}}), false},
	}
	for _, tt := range tests {
		err := WellFormed(tt.tree)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: WellFormed = %v", tt.name, err)
		}
	}
}

func TestSetRejectsNonPrefixFreePaths(t *testing.T) {
	var tr Tree
	if err := tr.Set(labels("a", "b"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Set(labels("a"), []byte("w")); !errors.Is(err, ErrPathConflict) {
		t.Errorf("value over a node with children: %v", err)
	}
	if err := tr.Set(labels("a", "b", "c"), []byte("w")); !errors.Is(err, ErrPathConflict) {
		t.Errorf("path through a value: %v", err)
	} else if want := "set /a/b/c: /a/b holds a value"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if err := tr.Set(labels("a", "b"), []byte("w")); err != nil {
		t.Errorf("overwriting a value: %v", err)
	}
}

func TestBuild(t *testing.T) {
	tree, err := Build(
		Entry{Path: labels("d"), Value: []byte("morning")},
		Entry{Path: labels("a", "x"), Value: []byte("hello")},
		Entry{Path: labels("b"), Value: []byte("good")},
		Entry{Path: labels("a", "y"), Value: []byte("world")},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := WellFormed(tree); err != nil {
		t.Fatal(err)
	}
	// Balanced forks over the sorted labels, the left half rounded down: [a] [b d].
	want := Fork{
		Left: Labeled{Label: []byte("a"), Tree: Fork{Left: Labeled{Label: []byte("x"), Tree: Leaf("hello")}, Right: Labeled{Label: []byte("y"), Tree: Leaf("world")}}},
		Right: Fork{
			Left:  Labeled{Label: []byte("b"), Tree: Leaf("good")},
			Right: Labeled{Label: []byte("d"), Tree: Leaf("morning")},
		},
	}
	if !bytes.Equal(Encode(tree), Encode(want)) {
		t.Errorf("Build arranged\n%x\nwant\n%x", Encode(tree), Encode(want))
	}
	for _, bad := range [][]Entry{
		{{Path: labels("a"), Value: nil}, {Path: labels("a"), Value: nil}},
		{{Path: labels("a"), Value: nil}, {Path: labels("a", "b"), Value: nil}},
		{{Path: labels("a", "b"), Value: nil}, {Path: labels("a"), Value: nil}},
	} {
		if _, err := Build(bad...); !errors.Is(err, ErrPathConflict) {
			t.Errorf("Build(%v) = %v, want a path conflict", bad, err)
		}
	}
	if n, err := Build(); err != nil || n != (Empty{}) {
		t.Errorf("Build() = %v, %v", n, err)
	}
	if n, err := Build(Entry{Value: []byte("v")}); err != nil || !bytes.Equal(Encode(n), Encode(Leaf("v"))) {
		t.Errorf("Build of the empty path = %v, %v", n, err)
	}
}

func TestEmptyTree(t *testing.T) {
	var tr Tree
	n := tr.HashTree()
	if _, ok := n.(Empty); !ok {
		t.Fatalf("empty tree builds %T", n)
	}
	if _, res := Lookup(Prune(n, labels("x")), labels("x")...); res != Absent {
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
		v := []byte("v" + strconv.Itoa(r.Int()))
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

// randomPaths requests existing paths, prefixes of them, and paths that do not exist.
func randomPaths(r *rand.Rand, keys []string) [][][]byte {
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
	return paths
}

// Property: pruning keeps the root hash, reveals requested values, proves requested paths
// that do not exist absent, and the witness survives a CBOR round trip.
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
		paths := randomPaths(r, keys)
		pruned := Prune(full, paths...)
		if pruned.Digest() != full.Digest() {
			t.Fatalf("iter %d: pruning changed the root hash", iter)
		}
		decoded, err := Decode(Encode(pruned))
		if err != nil || !bytes.Equal(Encode(decoded), Encode(pruned)) {
			t.Fatalf("iter %d: witness does not round-trip: %v", iter, err)
		}
		for _, p := range paths {
			key := string(bytes.Join(p, []byte("/")))
			want, exists := vals[key]
			_, fullRes := Lookup(full, p...)
			got, res := Lookup(decoded, p...)
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

func TestDecodeRejectsMalformed(t *testing.T) {
	tests := map[string]string{
		"not an array":             "01",
		"empty array":              "80",
		"unknown tag":              "8105",
		"negative tag":             "8120",
		"fork too short":           "820181",
		"fork arity":               "820100",
		"short pruned":             "82044100",
		"pruned length":            "820441aa",
		"text label":               "830261618100",
		"label type":               "830201" + "8100",
		"leaf is text":             "82036161",
		"truncated":                "8301",
		"garbage":                  "ff",
		"trailing bytes":           "810000",
		"other tag":                "c18100",
		"indefinite too long":      "9f000000ff",
		"indefinite without break": "9f00",
		"byte string too long":     "8203581e00",
		"huge length":              "82035bffffffffffffffff",
		"reserved initial byte":    "1c",
		"text chunk in bytes":      "82035f6161ff",
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			if n, err := Decode(mustHex(t, h)); err == nil {
				t.Errorf("%s decoded to %v", h, n)
			} else if !errors.Is(err, ErrDecode) {
				t.Errorf("error %v does not wrap ErrDecode", err)
			}
		})
	}
	deep := bytes.Repeat([]byte{0x83, 0x02, 0x40}, MaxDepth+1)
	deep = append(deep, 0x81, 0x00)
	if _, err := Decode(deep); err == nil {
		t.Error("a tree deeper than MaxDepth decoded")
	}
}

// What other encoders may send: the self-describe tag (also on inner nodes), indefinite
// lengths and arguments in longer forms than needed.
func TestDecodeAcceptsOtherEncodings(t *testing.T) {
	leafX := Encode(Leaf("x"))
	tests := map[string]struct {
		in   string
		want Node
	}{
		"tagged leaf":            {"d9d9f7" + hex.EncodeToString(leafX), Leaf("x")},
		"tag on an inner node":   {"830241" + "61" + "d9d9f7" + "8100", Labeled{Label: []byte("a"), Tree: Empty{}}},
		"indefinite array":       {"9f03" + "4178" + "ff", Leaf("x")},
		"indefinite byte string": {"8203" + "5f" + "4178" + "427978" + "ff", Leaf("xyx")},
		"long-form tag":          {"82" + "1803" + "4178", Leaf("x")},
		"long-form length":       {"8203" + "5900017" + "8", Leaf("x")},
		"empty leaf":             {"820340", Leaf{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			n, err := Decode(mustHex(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(Encode(n), Encode(tt.want)) {
				t.Errorf("decoded %x, want %x", Encode(n), Encode(tt.want))
			}
		})
	}
	// An empty leaf or label decodes to an empty, not a nil, slice.
	n, _ := Decode(mustHex(t, "830240820340"))
	if l := n.(Labeled); l.Label == nil || l.Tree.(Leaf) == nil {
		t.Error("empty byte strings decode to nil")
	}
}

func TestFormat(t *testing.T) {
	if got := FormatPath(nil); got != "/" {
		t.Errorf("FormatPath(nil) = %q", got)
	}
	if got := FormatPath([][]byte{[]byte("canister"), {0, 0xab}, []byte("time")}); got != "/canister/0x00ab/time" {
		t.Errorf("FormatPath = %q", got)
	}
}

func BenchmarkPrune(b *testing.B) {
	var tr Tree
	for i := range 10000 {
		if err := tr.Set([][]byte{[]byte("request_status"), []byte(strconv.Itoa(i)), []byte("status")}, []byte("replied")); err != nil {
			b.Fatal(err)
		}
	}
	root := tr.HashTree()
	path := [][]byte{[]byte("request_status"), []byte("5000")}
	for b.Loop() {
		Prune(root, path)
	}
}

// The lookups response verification relied on when it had its own copy (moved from
// replica/internal/gateway/rv). Two answers changed to the specification's: a label below a leaf is
// Absent (find_label(l, [Leaf _])), and the value lookup of a labeled node is Error.
func TestLookupGatewayCases(t *testing.T) {
	leaf := func(s string) Node { return Leaf(s) }
	lab := func(l string, n Node) Node { return Labeled{Label: []byte(l), Tree: n} }
	fork := func(a, b Node) Node { return Fork{Left: a, Right: b} }
	var pruned Node = Pruned{}
	tree := fork(fork(lab("b", leaf("B")), pruned), lab("d", lab("e", leaf("E"))))
	tests := []struct {
		path string
		want LookupResult
	}{
		{"a", Absent},
		{"b", Found},
		{"c", Unknown},
		{"d", Found},
		{"d e", Found},
		{"d f", Absent},
		{"z", Absent},
		{"b x", Absent},
	}
	for _, tt := range tests {
		_, got := LookupSubtree(tree, labels(strings.Fields(tt.path)...)...)
		if got != tt.want {
			t.Errorf("lookup %q = %s, want %s", tt.path, got, tt.want)
		}
	}
	if v, res := Lookup(tree, []byte("d"), []byte("e")); res != Found || string(v) != "E" {
		t.Errorf("Lookup d/e = %q, %s", v, res)
	}
	if _, res := Lookup(tree, []byte("d")); res != Error {
		t.Errorf("Lookup of a labeled node = %s, want error", res)
	}
	if _, res := LookupSubtree(Empty{}, []byte("x")); res != Absent {
		t.Errorf("lookup in empty tree = %s", res)
	}
}

func TestDelete(t *testing.T) {
	var tr Tree
	for _, p := range []string{"a/x", "a/y", "b"} {
		if err := tr.Set(labels(strings.Split(p, "/")...), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if tr.Delete(labels("a")) || tr.Delete(labels("a", "z")) || tr.Delete(labels("b", "c")) {
		t.Error("Delete removed a path that holds no value")
	}
	if !tr.Delete(labels("a", "x")) {
		t.Fatal("Delete a/x found nothing")
	}
	want, _ := Build(Entry{Path: labels("a", "y"), Value: []byte("a/y")}, Entry{Path: labels("b"), Value: []byte("b")})
	if tr.HashTree().Digest() != want.Digest() {
		t.Error("tree after deleting a/x differs from one built without it")
	}
	// Deleting the last value under a removes a itself, so a is absent, not an empty forest.
	tr.Delete(labels("a", "y"))
	if _, res := Lookup(tr.HashTree(), labels("a")...); res != Absent {
		t.Errorf("a after deleting its values: %v", res)
	}
	if err := tr.Set(labels("a"), []byte("v")); err != nil {
		t.Errorf("a value where the emptied node was: %v", err)
	}
	tr.Delete(labels("a"))
	tr.Delete(labels("b"))
	if _, ok := tr.HashTree().(Empty); !ok {
		t.Errorf("tree after deleting everything is %T", tr.HashTree())
	}
	if err := tr.Set(nil, []byte("root")); err != nil {
		t.Fatal(err)
	}
	if !tr.Delete(nil) || tr.Delete(nil) {
		t.Error("Delete of the root value")
	}
	if _, ok := tr.HashTree().(Empty); !ok {
		t.Errorf("tree after deleting the root value is %T", tr.HashTree())
	}
}
