package httpcert

import (
	"slices"
	"strings"
)

// Terminators of expression paths.
const (
	ExactTerminator    = "<$>"
	WildcardTerminator = "<*>"
)

// Segments splits a URL path (no query) into the labels of an expression path: "/a/b" is
// [a b], and a trailing slash adds an empty label so "/app" and "/app/" stay apart ("/" is
// [""]).
func Segments(path string) []string {
	var segs []string
	for s := range strings.SplitSeq(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if strings.HasSuffix(path, "/") {
		segs = append(segs, "")
	}
	return segs
}

// ExactPath is the expression path (labels under http_expr) certifying exactly the URL
// path: "/app.js" -> [app.js <$>], "/" -> ["" <$>].
func ExactPath(path string) [][]byte { return exprPath(path, ExactTerminator) }

// WildcardPath is the expression path certifying every URL path under the given one that has
// no more specific entry: "/" -> ["" <*>] (the fallback of the whole canister, e.g. a 404
// page, as ic-asset-certification scopes it), "/docs" -> [docs <*>], "" -> [<*>].
func WildcardPath(path string) [][]byte { return exprPath(path, WildcardTerminator) }

func exprPath(path, terminator string) [][]byte {
	segs := Segments(path)
	out := make([][]byte, 0, len(segs)+1)
	for _, s := range segs {
		out = append(out, []byte(s))
	}
	return append(out, []byte(terminator))
}

func toStrings(p [][]byte) []string {
	out := make([]string, len(p))
	for i, l := range p {
		out[i] = string(l)
	}
	return out
}

func toLabels(p []string) [][]byte {
	out := make([][]byte, len(p))
	for i, s := range p {
		out[i] = []byte(s)
	}
	return out
}

// VerificationPaths returns the paths (labels under http_expr) a gateway looks up when a
// response to a request for requestPath is certified at exprPath: the exprPath itself,
// and for a wildcard the exact path and every more specific wildcard, which the witness
// must prove absent. Tree.Witness takes them.
func VerificationPaths(requestPath string, exprPath [][]byte) [][][]byte {
	paths := [][][]byte{exprPath}
	if n := len(exprPath); n == 0 || string(exprPath[n-1]) != WildcardTerminator {
		return paths
	}
	paths = append(paths, ExactPath(requestPath))
	for _, w := range MoreSpecificWildcards(Segments(requestPath), toStrings(exprPath)) {
		paths = append(paths, toLabels(w))
	}
	return paths
}

// MoreSpecificWildcards lists, most specific first, the wildcard paths (labels under
// http_expr, ending with <*>) that would match a request with the given segments better
// than the wildcard path responding: for request a/b/c and wildcard a/b/<*> these are
// a/b/c/<*> and a/b/""/<*>. It follows the reference verifier, which a gateway applies.
func MoreSpecificWildcards(requested, responding []string) [][]string {
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
	// Each segment is visited twice (as itself and as a directory), so the loop ends
	// after at most 2*len+2 rounds; the bound guards against hostile input.
	for range 2*len(potential) + 2 {
		pl, pok := lastOf(potential)
		rl, rok := lastOf(resp)
		if len(potential) <= len(resp) && pl == rl && pok == rok {
			break
		}
		out = append(out, append(slices.Clone(potential), WildcardTerminator))
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

// WildcardMatches reports whether the request segments start with the wildcard's
// segments (without its terminator); a wildcard for a directory (trailing "") also covers
// the request paths below it.
func WildcardMatches(wildcard, req []string) bool { return wildcardMatches(wildcard, req) }

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

// stripAffixes removes the terminator and (for multi-segment paths) a leading empty
// segment.
func stripAffixes(p []string) []string {
	p = slices.Clone(p)
	if n := len(p); n > 0 && (p[n-1] == ExactTerminator || p[n-1] == WildcardTerminator) {
		p = p[:n-1]
	}
	if len(p) > 1 && p[0] == "" {
		p = p[1:]
	}
	return p
}
