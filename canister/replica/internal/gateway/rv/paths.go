package rv

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
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

// requestSegments splits a URL path into segments; a trailing slash adds an
// empty segment so that /app and /app/ stay different paths.
func requestSegments(p string) []string {
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if strings.HasSuffix(p, "/") {
		segs = append(segs, "")
	}
	return segs
}

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
func wildcardMatches(wildcard, req []string) bool {
	if hasPrefix(req, wildcard) {
		return true
	}
	if n := len(wildcard); n > 0 && wildcard[n-1] == "" {
		return hasPrefix(req, wildcard[:n-1])
	}
	return false
}

func hasPrefix(s, prefix []string) bool {
	return len(s) >= len(prefix) && slices.Equal(s[:len(prefix)], prefix)
}

// stripAffixes removes http_expr, the terminator and (for multi-segment
// paths) a leading empty segment.
func stripAffixes(p []string) []string {
	p = slices.Clone(p)
	if len(p) > 0 && p[0] == pathPrefix {
		p = p[1:]
	}
	if n := len(p); n > 0 && (p[n-1] == exactTerminator || p[n-1] == wildcardTerminator) {
		p = p[:n-1]
	}
	if len(p) > 1 && p[0] == "" {
		p = p[1:]
	}
	return p
}

// moreSpecificWildcards lists, most specific first, the wildcard paths
// (without http_expr) that would match the request better than the
// responding wildcard: for request a/b/c and wildcard a/b these are
// a/b/c/<*> and a/b/""/<*>.
func moreSpecificWildcards(requested, responding []string) [][]string {
	potential := stripAffixes(requested)
	resp := stripAffixes(responding)
	if !wildcardMatches(resp, potential) {
		resp = nil
	}
	var out [][]string
	lastOf := func(p []string) (string, bool) {
		if len(p) == 0 {
			return "", false
		}
		return p[len(p)-1], true
	}
	// Each segment is visited twice (as itself and as a directory), so the
	// loop ends after at most 2*len+2 rounds; the bound guards against a
	// logic slip turning hostile input into a hang.
	for range 2*len(potential) + 2 {
		pl, pok := lastOf(potential)
		rl, rok := lastOf(resp)
		if len(potential) <= len(resp) && pl == rl && pok == rok {
			break
		}
		out = append(out, append(slices.Clone(potential), wildcardTerminator))
		if pok && pl == "" {
			potential = potential[:len(potential)-1]
		} else {
			if pok {
				potential = potential[:len(potential)-1]
			}
			potential = append(slices.Clone(potential), "")
		}
	}
	return out
}
