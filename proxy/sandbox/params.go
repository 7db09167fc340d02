package sandbox

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Params is a decoded Stripe form body. Stripe encodes nested parameters in
// bracket notation (line_items[0][price]=price_x, metadata[order]=7,
// expand[]=payment_intent); Params holds a string or a nested Params per key.
// Lists are Params whose keys are decimal indexes.
type Params map[string]any

// ParseParams decodes url.Values written in Stripe's bracket notation. It
// rejects malformed keys and keys used both as a scalar and as a container,
// which Stripe answers with an invalid_request_error too.
func ParseParams(values url.Values) (Params, error) {
	root := Params{}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic error messages
	for _, key := range keys {
		path, err := splitKey(key)
		if err != nil {
			return nil, err
		}
		for _, v := range values[key] {
			if err := root.set(key, path, v); err != nil {
				return nil, err
			}
		}
	}
	return root, nil
}

// splitKey turns "a[b][0]" into ["a", "b", "0"]; "[]" becomes "".
func splitKey(key string) ([]string, error) {
	open := strings.IndexByte(key, '[')
	if open < 0 {
		if key == "" || strings.ContainsRune(key, ']') {
			return nil, fmt.Errorf("invalid parameter name %q", key)
		}
		return []string{key}, nil
	}
	if open == 0 {
		return nil, fmt.Errorf("invalid parameter name %q", key)
	}
	path := []string{key[:open]}
	rest := key[open:]
	for rest != "" {
		if rest[0] != '[' {
			return nil, fmt.Errorf("invalid parameter name %q", key)
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, fmt.Errorf("invalid parameter name %q: unclosed bracket", key)
		}
		seg := rest[1:end]
		if strings.ContainsRune(seg, '[') {
			return nil, fmt.Errorf("invalid parameter name %q", key)
		}
		path = append(path, seg)
		rest = rest[end+1:]
	}
	for i, seg := range path[:len(path)-1] {
		if seg == "" && i > 0 {
			// "a[][b]" is ambiguous (which element gets b?); Stripe's
			// libraries always send explicit indexes for nested lists.
			return nil, fmt.Errorf("invalid parameter name %q: [] must be last", key)
		}
	}
	return path, nil
}

func (p Params) set(key string, path []string, value string) error {
	cur := p
	for i, seg := range path {
		if seg == "" {
			seg = strconv.Itoa(len(cur)) // "[]" appends
		}
		if i == len(path)-1 {
			if prev, ok := cur[seg]; ok {
				if _, isMap := prev.(Params); isMap {
					return fmt.Errorf("invalid parameter %q: both a value and an object", key)
				}
				if path[i] != "" {
					return fmt.Errorf("invalid parameter %q: given more than once", key)
				}
			}
			cur[seg] = value
			return nil
		}
		next, ok := cur[seg]
		if !ok {
			child := Params{}
			cur[seg] = child
			cur = child
			continue
		}
		child, isMap := next.(Params)
		if !isMap {
			return fmt.Errorf("invalid parameter %q: both a value and an object", key)
		}
		cur = child
	}
	return nil
}

// String returns the scalar at key.
func (p Params) String(key string) (string, bool) {
	s, ok := p[key].(string)
	return s, ok
}

// Map returns the nested object at key, or nil.
func (p Params) Map(key string) Params {
	m, _ := p[key].(Params)
	return m
}

// Int returns the integer at key; present is false when the key is absent.
func (p Params) Int(key string) (n int64, present bool, err error) {
	s, ok := p[key].(string)
	if !ok {
		if _, isMap := p[key].(Params); isMap {
			return 0, true, fmt.Errorf("%s must be an integer", key)
		}
		return 0, false, nil
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("invalid integer: %s", s)
	}
	return n, true, nil
}

// List returns the elements of the list at key in index order. A scalar is a
// one-element list, as Stripe accepts expand=x as well as expand[]=x.
func (p Params) List(key string) ([]any, error) {
	switch v := p[key].(type) {
	case nil:
		return nil, nil
	case string:
		return []any{v}, nil
	case Params:
		idx := make([]int, 0, len(v))
		for k := range v {
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s must be a list", key)
			}
			idx = append(idx, n)
		}
		slices.Sort(idx)
		out := make([]any, 0, len(idx))
		for _, n := range idx {
			out = append(out, v[strconv.Itoa(n)])
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%s must be a list", key)
	}
}

// Strings returns a list of scalars (e.g. expand[]).
func (p Params) Strings(key string) ([]string, error) {
	items, err := p.List(key)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%s must be a list of strings", key)
		}
		out = append(out, s)
	}
	return out, nil
}

// StringMap returns a flat string map (e.g. metadata[...]).
func (p Params) StringMap(key string) (map[string]string, error) {
	switch v := p[key].(type) {
	case nil:
		return map[string]string{}, nil
	case string:
		if v == "" { // metadata= clears all keys at Stripe
			return map[string]string{}, nil
		}
		return nil, fmt.Errorf("%s must be an object", key)
	case Params:
		out := make(map[string]string, len(v))
		for k, val := range v {
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("%s[%s] must be a string", key, k)
			}
			out[k] = s
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%s must be an object", key)
	}
}

// unknown returns the first key (sorted) not in allowed, or "".
func (p Params) unknown(allowed ...string) string {
	var bad []string
	for k := range p {
		if !slices.Contains(allowed, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	slices.Sort(bad)
	return bad[0]
}
