package rv

import (
	"fmt"
	"slices"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
)

const (
	pathPrefix         = "http_expr"
	exactTerminator    = "<$>"
	wildcardTerminator = "<*>"
)

// ExactPath is the expression path certifying exactly the URL path p, e.g.
// "/a/b" -> [http_expr a b <$>], "/a/" -> [http_expr a "" <$>].
func ExactPath(p string) []string { return exprPath(p, exactTerminator) }

// WildcardPath is the expression path certifying every URL path under p;
// WildcardPath("") is [http_expr <*>], the path of the skip tree.
func WildcardPath(p string) []string { return exprPath(p, wildcardTerminator) }

func exprPath(p, terminator string) []string {
	out := append([]string{pathPrefix}, requestSegments(p)...)
	return append(out, terminator)
}

// requestSegments splits a URL path into segments (cdk/httpcert, which canisters certify
// with, defines the rule once).
func requestSegments(p string) []string { return httpcert.Segments(p) }

func labels(path []string) [][]byte {
	out := make([][]byte, len(path))
	for i, s := range path {
		out[i] = []byte(s)
	}
	return out
}

func lookupPath(tree hashtree.Node, path []string) hashtree.LookupResult {
	_, res := hashtree.LookupSubtree(tree, labels(path)...)
	return res
}

// validateExprPath checks that exprPath is a valid path for the request path
// and the most specific one the tree could hold, following the reference
// verifier: any more specific exact or wildcard path must be provably absent.
func validateExprPath(exprPath []string, requestPath string, tree hashtree.Node) error {
	if len(exprPath) == 0 || exprPath[0] != pathPrefix {
		return fmt.Errorf("expr_path %q does not start with %s", exprPath, pathPrefix)
	}
	last := exprPath[len(exprPath)-1]
	if len(exprPath) < 2 || last != exactTerminator && last != wildcardTerminator {
		return fmt.Errorf("expr_path %q does not end with %s or %s", exprPath, exactTerminator, wildcardTerminator)
	}
	for _, s := range exprPath[1 : len(exprPath)-1] {
		if s == exactTerminator || s == wildcardTerminator {
			return fmt.Errorf("expr_path %q has a terminator in the middle", exprPath)
		}
	}
	req := append([]string{pathPrefix}, requestSegments(requestPath)...)
	exact := append(slices.Clone(req), exactTerminator)
	if slices.Equal(exprPath, exact) {
		if lookupPath(tree, exprPath) != hashtree.Found {
			return fmt.Errorf("exact expr_path %q not found in the tree", exprPath)
		}
		return nil
	}
	if last == exactTerminator {
		return fmt.Errorf("exact expr_path %q does not match request path %q", exprPath, requestPath)
	}
	if r := lookupPath(tree, exact); r != hashtree.Absent {
		return fmt.Errorf("more specific exact path %q is %s in the tree (expr_path %q)", exact, r, exprPath)
	}
	prefix := exprPath[:len(exprPath)-1]
	if !wildcardMatches(prefix, req) {
		return fmt.Errorf("wildcard expr_path %q does not match request path %q", exprPath, requestPath)
	}
	for _, w := range moreSpecificWildcards(req, exprPath) {
		w = append([]string{pathPrefix}, w...)
		if r := lookupPath(tree, w); r != hashtree.Absent {
			return fmt.Errorf("more specific wildcard path %q is %s in the tree (expr_path %q)", w, r, exprPath)
		}
	}
	if lookupPath(tree, exprPath) != hashtree.Found {
		return fmt.Errorf("wildcard expr_path %q not found in the tree", exprPath)
	}
	return nil
}

// wildcardMatches reports whether the request segments start with the
// wildcard's segments; a wildcard for a directory (trailing "") also covers
// the request paths below it.
func wildcardMatches(wildcard, req []string) bool { return httpcert.WildcardMatches(wildcard, req) }

// moreSpecificWildcards lists, most specific first, the wildcard paths
// (without http_expr) that would match the request better than the
// responding wildcard (both may start with http_expr): for request a/b/c and
// wildcard a/b these are a/b/c/<*> and a/b/""/<*>.
func moreSpecificWildcards(requested, responding []string) [][]string {
	return httpcert.MoreSpecificWildcards(dropPrefix(requested), dropPrefix(responding))
}

func dropPrefix(p []string) []string {
	if len(p) > 0 && p[0] == pathPrefix {
		return p[1:]
	}
	return p
}
