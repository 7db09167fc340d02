package httpgateway

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Router dispatches gateway requests on method and path patterns such as
// "GET /checkout/{id}" or "POST /webhook". C is what handlers receive from the canister's
// export besides the request, usually the *cdk.Message (so that update handlers can make
// calls); the package does not depend on the CDK.
//
// Routes registered with Handle answer in the query (http_request). Routes registered with
// HandleUpdate answer in http_request_update: ServeQuery replies to them with upgrade = true,
// which makes the gateway send the request again as an update call. A path that matches
// no pattern is a 404; a path that matches only for other methods is a 405 with an Allow
// header.
//
// A pattern is a method, one space, and a path of segments; a segment "{name}" matches any
// one non-empty segment, and a final "{name...}" matches the rest of the path (possibly
// empty). Literal segments win over wildcards at the same position. Matching ignores the
// query string; parameters are percent-decoded.
type Router[C any] struct {
	routes []*route[C]
	// NotFound, when set, answers requests no pattern matches.
	NotFound func(c C, req *Request) Response
}

// Handler answers a request; p holds the path parameters.
type Handler[C any] func(c C, req *Request, p Params) Response

type route[C any] struct {
	method   string
	segments []string
	rest     string // name of a final {name...}, or ""
	hasRest  bool
	update   bool
	h        Handler[C]
}

// Params are the path parameters of a match.
type Params map[string]string

// Get returns the named parameter ("" when absent).
func (p Params) Get(name string) string { return p[name] }

// Handle registers h for pattern, answered in the query call.
func (r *Router[C]) Handle(pattern string, h Handler[C]) { r.add(pattern, h, false) }

// HandleUpdate registers h for pattern, answered in the update call (the query upgrades).
func (r *Router[C]) HandleUpdate(pattern string, h Handler[C]) { r.add(pattern, h, true) }

// add parses pattern; a malformed or duplicate pattern is a programming error: it panics.
func (r *Router[C]) add(pattern string, h Handler[C], update bool) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic("httpgateway: pattern " + strconv.Quote(pattern) + " is not \"METHOD /path\"")
	}
	rt := &route[C]{method: method, update: update, h: h}
	segs := splitPath(path)
	for i, s := range segs {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(s, "{"), "...}"); ok && strings.HasPrefix(s, "{") {
			if i != len(segs)-1 || name == "" {
				panic("httpgateway: in " + strconv.Quote(pattern) + ", {name...} must be the last segment")
			}
			rt.rest, rt.hasRest = name, true
			break
		}
		rt.segments = append(rt.segments, s)
	}
	for _, o := range r.routes {
		if o.method == rt.method && slices.Equal(o.segments, rt.segments) && o.hasRest == rt.hasRest {
			panic("httpgateway: pattern " + strconv.Quote(pattern) + " registered twice")
		}
	}
	r.routes = append(r.routes, rt)
}

// splitPath splits "/a/b/" into ["a", "b", ""]; "/" is [].
func splitPath(path string) []string {
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// match reports whether rt matches the path segments, with its parameters and a score that
// ranks literal segments above wildcards (earlier positions weigh more).
func (rt *route[C]) match(segs []string) (Params, []int, bool) {
	if len(segs) < len(rt.segments) || !rt.hasRest && len(segs) != len(rt.segments) {
		return nil, nil, false
	}
	var p Params
	score := make([]int, 0, len(rt.segments)+1)
	for i, s := range rt.segments {
		if name, ok := strings.CutPrefix(s, "{"); ok && strings.HasSuffix(name, "}") {
			v, ok := pathUnescape(segs[i])
			if !ok || v == "" {
				return nil, nil, false
			}
			if p == nil {
				p = Params{}
			}
			p[strings.TrimSuffix(name, "}")] = v
			score = append(score, 1)
			continue
		}
		if s != segs[i] {
			return nil, nil, false
		}
		score = append(score, 2)
	}
	if rt.hasRest {
		v, ok := pathUnescape(strings.Join(segs[len(rt.segments):], "/"))
		if !ok {
			return nil, nil, false
		}
		if p == nil {
			p = Params{}
		}
		p[rt.rest] = v
		score = append(score, 0)
	}
	return p, score, true
}

// lookup finds the best route for method and URL; allowed lists the methods of the routes
// matching the path when none matches the method.
func (r *Router[C]) lookup(method, rawURL string) (best *route[C], p Params, allowed []string) {
	path, _, _ := strings.Cut(rawURL, "?")
	path, _, _ = strings.Cut(path, "#")
	segs := splitPath(path)
	var bestScore []int
	for _, rt := range r.routes {
		params, score, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method != method {
			if !slices.Contains(allowed, rt.method) {
				allowed = append(allowed, rt.method)
			}
			continue
		}
		if best == nil || slices.Compare(score, bestScore) > 0 {
			best, p, bestScore = rt, params, score
		}
	}
	slices.Sort(allowed)
	return best, p, allowed
}

// ServeQuery answers http_request: query routes run here, update routes upgrade.
func (r *Router[C]) ServeQuery(c C, req *Request) Response {
	rt, p, allowed := r.lookup(req.Method, req.URL)
	switch {
	case rt == nil:
		return r.miss(c, req, allowed)
	case rt.update:
		yes := true
		return Response{StatusCode: 200, Headers: []HeaderField{}, Body: []byte{}, Upgrade: &yes}
	}
	return normalize(rt.h(c, req, p))
}

// ServeUpdate answers http_request_update. It serves query routes too, so a gateway that
// upgrades on its own gets the same answer.
func (r *Router[C]) ServeUpdate(c C, req *UpdateRequest) Response {
	full := &Request{Method: req.Method, URL: req.URL, Headers: req.Headers, Body: req.Body}
	rt, p, allowed := r.lookup(req.Method, req.URL)
	if rt == nil {
		return r.miss(c, full, allowed)
	}
	return normalize(rt.h(c, full, p))
}

func (r *Router[C]) miss(c C, req *Request, allowed []string) Response {
	if len(allowed) > 0 {
		return Response{StatusCode: 405, Body: []byte("method not allowed\n"), Headers: []HeaderField{
			{Name: "Allow", Value: strings.Join(allowed, ", ")},
			{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		}}
	}
	if r.NotFound != nil {
		return normalize(r.NotFound(c, req))
	}
	return Response{StatusCode: 404, Body: []byte("not found\n"),
		Headers: []HeaderField{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}
}

// normalize gives nil slices their empty Candid form.
func normalize(resp Response) Response {
	if resp.Headers == nil {
		resp.Headers = []HeaderField{}
	}
	if resp.Body == nil {
		resp.Body = []byte{}
	}
	return resp
}

// pathUnescape decodes the %XX escapes of a path segment, reporting false for a malformed
// one: url.PathUnescape without package net/url, which links fmt and os into the canister.
func pathUnescape(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := errfmt.HexDigit(s[i+1])
		lo, ok2 := errfmt.HexDigit(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), true
}
