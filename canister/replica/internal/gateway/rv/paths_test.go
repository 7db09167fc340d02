package rv

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// Fixtures a-h of the reference implementation's more_specific_wildcards_for
// tests; "_" stands for the empty directory segment.
func TestMoreSpecificWildcards(t *testing.T) {
	requested := []string{"a", "b", "c"}
	tests := []struct {
		responding string
		want       []string
	}{
		{"a b c", nil},
		{"a b _", []string{"a b c <*>"}},
		{"a b", []string{"a b c <*>", "a b _ <*>"}},
		{"a _", []string{"a b c <*>", "a b _ <*>", "a b <*>"}},
		{"a", []string{"a b c <*>", "a b _ <*>", "a b <*>", "a _ <*>"}},
		{"_", []string{"a b c <*>", "a b _ <*>", "a b <*>", "a _ <*>", "a <*>"}},
		{"", []string{"a b c <*>", "a b _ <*>", "a b <*>", "a _ <*>", "a <*>", "_ <*>"}},
		{"d e f", []string{"a b c <*>", "a b _ <*>", "a b <*>", "a _ <*>", "a <*>", "_ <*>"}},
	}
	under := func(s string) []string {
		parts := split(s)
		for i, p := range parts {
			if p == "_" {
				parts[i] = ""
			}
		}
		return parts
	}
	for _, tt := range tests {
		t.Run(tt.responding, func(t *testing.T) {
			got := moreSpecificWildcards(requested, under(tt.responding))
			var want [][]string
			for _, w := range tt.want {
				want = append(want, under(w))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestExprPaths(t *testing.T) {
	tests := []struct {
		fn   func(string) []string
		in   string
		want string
	}{
		{ExactPath, "", "http_expr <$>"},
		{ExactPath, "/", "http_expr  <$>"},
		{ExactPath, "/foo", "http_expr foo <$>"},
		{ExactPath, "/foo/", "http_expr foo  <$>"},
		{ExactPath, "foo/bar", "http_expr foo bar <$>"},
		{WildcardPath, "", "http_expr <*>"},
		{WildcardPath, "/", "http_expr  <*>"},
		{WildcardPath, "/foo/bar/", "http_expr foo bar  <*>"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.fn(tt.in), " "); got != tt.want {
			t.Errorf("path(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func treeOf(t *testing.T, paths ...[]string) hashtree.Node {
	t.Helper()
	var entries []hashtree.Entry
	for _, p := range paths {
		entries = append(entries, hashtree.Entry{Path: rvtest.Labels(p...), Value: []byte{}})
	}
	n, err := hashtree.Build(entries...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestValidateExprPath(t *testing.T) {
	skip := WildcardPath("")
	tests := []struct {
		name     string
		tree     [][]string
		exprPath []string
		reqPath  string
		wantErr  string
	}{
		{name: "skip tree, any path", tree: [][]string{skip}, exprPath: skip, reqPath: "/checkout/cs_1"},
		{name: "skip tree, root", tree: [][]string{skip}, exprPath: skip, reqPath: "/"},
		{name: "exact match", tree: [][]string{ExactPath("/a/b"), skip}, exprPath: ExactPath("/a/b"), reqPath: "/a/b"},
		{name: "exact for other path", tree: [][]string{ExactPath("/a/b")}, exprPath: ExactPath("/a/b"), reqPath: "/a/c", wantErr: "does not match"},
		{name: "exact missing from tree", tree: [][]string{skip}, exprPath: ExactPath("/a"), reqPath: "/a", wantErr: "not found"},
		{name: "wildcard while exact exists", tree: [][]string{ExactPath("/a/b"), skip}, exprPath: skip, reqPath: "/a/b", wantErr: "more specific exact"},
		{name: "wildcard while deeper wildcard exists", tree: [][]string{WildcardPath("/a"), skip}, exprPath: skip, reqPath: "/a/b", wantErr: "more specific wildcard"},
		{name: "deeper wildcard used", tree: [][]string{WildcardPath("/a"), skip}, exprPath: WildcardPath("/a"), reqPath: "/a/b"},
		{name: "directory wildcard covers file below", tree: [][]string{WildcardPath("/a/"), skip}, exprPath: WildcardPath("/a/"), reqPath: "/a/b"},
		{name: "wildcard of other prefix", tree: [][]string{WildcardPath("/x"), skip}, exprPath: WildcardPath("/x"), reqPath: "/a/b", wantErr: "does not match"},
		{name: "wildcard missing from tree", tree: [][]string{ExactPath("/z")}, exprPath: skip, reqPath: "/a", wantErr: "not found"},
		{name: "no prefix", tree: [][]string{skip}, exprPath: []string{"<*>"}, reqPath: "/", wantErr: "does not start"},
		{name: "no terminator", tree: [][]string{skip}, exprPath: []string{"http_expr", "a"}, reqPath: "/a", wantErr: "does not end"},
		{name: "terminator inside", tree: [][]string{skip}, exprPath: []string{"http_expr", "<*>", "<*>"}, reqPath: "/a", wantErr: "middle"},
		{name: "trailing slash differs", tree: [][]string{ExactPath("/a"), skip}, exprPath: skip, reqPath: "/a/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateExprPath(tt.exprPath, tt.reqPath, treeOf(t, tt.tree...))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateExprPathPruned(t *testing.T) {
	// A pruned sibling could hide /a/b/<$>: the skip path must then be refused.
	full := treeOf(t, WildcardPath(""), ExactPath("/a/b"))
	httpExpr, res := hashtree.LookupSubtree(full, []byte("http_expr"))
	if res != hashtree.Found {
		t.Fatal("no http_expr")
	}
	fork, ok := httpExpr.(hashtree.Fork)
	if !ok {
		t.Fatalf("http_expr has %T", httpExpr)
	}
	// Children sorted: "<*>" < "a"; prune the "a" side.
	pruned := hashtree.Labeled{Label: []byte("http_expr"), Tree: hashtree.Fork{
		Left:  fork.Left,
		Right: hashtree.Pruned(fork.Right.Digest()),
	}}
	if pruned.Digest() != full.Digest() {
		t.Fatal("pruning changed the root hash")
	}
	err := validateExprPath(WildcardPath(""), "/a/b", pruned)
	if err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("err = %v, want the exact path to be unknown", err)
	}
	// A path provably before the pruned part is fine.
	if err := validateExprPath(WildcardPath(""), "/", pruned); err != nil {
		t.Fatal(err)
	}
}
