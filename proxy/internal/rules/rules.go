// Package rules says which requests an operator route (/URL_<NAME>) lets through: a list of
// "METHOD /path/pattern" entries, as in ALLOW_URL_STRIPE="GET /v1/checkout/sessions/{id},
// POST /v1/checkout/sessions". A request that matches no entry is refused before anything
// reaches the upstream, so a route holding a secret can do only what the operator listed.
//
// Pattern syntax (a strict subset of net/http's ServeMux patterns, without host or subtree
// matching): segments separated by "/"; a literal segment matches itself; "{name}" matches
// exactly one non-empty segment; "{name...}", last only, matches the rest of the path (zero or
// more segments). The method is an HTTP method or "*" for any. A list that is exactly "*"
// allows every method and path.
package rules

import (
	"errors"
	"fmt"
	"strings"
)

// Rules is a parsed allow-list for one route. The zero value allows nothing.
type Rules struct {
	any     bool
	entries []entry
}

type entry struct {
	method string // "" for any method
	segs   []string
	rest   bool // the last pattern segment was "{name...}"
	text   string
}

// Limits on an allow-list: it comes from the operator, but a typo must not make matching slow.
const (
	maxEntries  = 256
	maxSegments = 64
)

// Parse parses a comma-separated list of "METHOD /pattern" entries, or "*".
func Parse(s string) (*Rules, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return &Rules{any: true}, nil
	}
	r := &Rules{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		e, err := parseEntry(item)
		if err != nil {
			return nil, err
		}
		r.entries = append(r.entries, e)
	}
	if len(r.entries) == 0 {
		return nil, errors.New(`no rule: want "METHOD /path, ..." or "*"`)
	}
	if len(r.entries) > maxEntries {
		return nil, fmt.Errorf("%d rules, limit %d", len(r.entries), maxEntries)
	}
	return r, nil
}

// MustParse is Parse for constant lists; it panics on an error.
func MustParse(s string) *Rules {
	r, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("rules.MustParse(%q): %v", s, err))
	}
	return r
}

func parseEntry(item string) (entry, error) {
	method, pattern, ok := strings.Cut(item, " ")
	pattern = strings.TrimSpace(pattern)
	if !ok || !strings.HasPrefix(pattern, "/") {
		return entry{}, fmt.Errorf("rule %q: want \"METHOD /path\"", item)
	}
	e := entry{text: method + " " + pattern}
	if method != "*" {
		if !validMethod(method) {
			return entry{}, fmt.Errorf("rule %q: %q is not an HTTP method", item, method)
		}
		e.method = method
	}
	segs := strings.Split(pattern[1:], "/")
	if len(segs) > maxSegments {
		return entry{}, fmt.Errorf("rule %q: more than %d segments", item, maxSegments)
	}
	for i, seg := range segs {
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}"):
			if i != len(segs)-1 || !validName(seg[1:len(seg)-4]) {
				return entry{}, fmt.Errorf("rule %q: %q must be last and named", item, seg)
			}
			e.rest = true
			segs = segs[:i]
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			if !validName(seg[1 : len(seg)-1]) {
				return entry{}, fmt.Errorf("rule %q: wildcard %q needs a name", item, seg)
			}
			segs[i] = "{}"
		case strings.ContainsAny(seg, "{}"):
			return entry{}, fmt.Errorf("rule %q: a wildcard must be a whole segment: %q", item, seg)
		case seg == "." || seg == "..":
			return entry{}, fmt.Errorf("rule %q: dot segment", item)
		}
	}
	e.segs = segs
	return e, nil
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// Allow reports whether a request with this method and (decoded, route-relative) path is
// allowed. An empty path is the route's root, "/".
func (r *Rules) Allow(method, path string) bool {
	if r == nil {
		return false
	}
	if r.any {
		return true
	}
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") {
		return false
	}
	for _, e := range r.entries {
		if e.matches(method, path[1:]) {
			return true
		}
	}
	return false
}

// matches walks the path's segments without splitting it: Allow runs on every request.
func (e entry) matches(method, path string) bool {
	if e.method != "" && e.method != method {
		return false
	}
	for i, p := range e.segs {
		seg, rest, more := strings.Cut(path, "/")
		if p == "{}" {
			if seg == "" {
				return false
			}
		} else if p != seg {
			return false
		}
		if !more {
			// The path ends here: a match if the pattern does too (or only "{name...}" is left).
			return i == len(e.segs)-1
		}
		path = rest
	}
	// The pattern's segments are used up and the path goes on: only "{name...}" takes the rest.
	return e.rest
}

// String lists the rules as configured.
func (r *Rules) String() string {
	if r == nil {
		return ""
	}
	if r.any {
		return "*"
	}
	texts := make([]string, len(r.entries))
	for i, e := range r.entries {
		texts[i] = e.text
	}
	return strings.Join(texts, ", ")
}
