// Package filter shrinks upstream answers before they are stored and replayed: the
// `response-headers` request header keeps only the named response headers, and `x-json-mask`
// keeps only the named JSON fields (dotted paths reach into nested objects and through
// arrays). A canister pays per response byte, so both matter.
package filter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// hopByHop headers describe one connection, not the message; a proxy never forwards them
// (RFC 9110, section 7.6.1).
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// RemoveHopByHop deletes the hop-by-hop headers of h, including those named by Connection,
// except the names in keep: a client listing "Connection: Idempotency-Key" must not make the
// proxy forward a request without the key it deduplicated on, nor one whose content type or
// account differs from what its fingerprint covers. The fixed hop-by-hop headers always go.
func RemoveHopByHop(h http.Header, keep ...string) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if name != "" && !containsFold(keep, name) {
				h.Del(name)
			}
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// SplitList splits a comma-separated header value into trimmed, non-empty items.
func SplitList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ResponseHeaders returns the headers of an upstream answer worth storing: never hop-by-hop
// headers or Content-Length (recomputed on replay); with a non-empty keep list, only the
// named headers and Content-Type (needed to read the body).
func ResponseHeaders(h http.Header, keep []string) http.Header {
	out := h.Clone()
	RemoveHopByHop(out, "Content-Type")
	out.Del("Content-Length")
	if len(keep) == 0 {
		return out
	}
	allowed := map[string]bool{"Content-Type": true}
	for _, k := range keep {
		allowed[http.CanonicalHeaderKey(k)] = true
	}
	for k := range out {
		if !allowed[k] {
			delete(out, k)
		}
	}
	return out
}

// Limits on a mask, which comes from the (authenticated) client.
const (
	maxMaskPaths = 64
	maxMaskDepth = 16
)

// Mask is a parsed x-json-mask: a tree of field names; a leaf keeps the whole value.
type Mask struct {
	fields map[string]*Mask
}

// ParseMask parses "id,status,customer_details.email,data.id". An empty string is the empty
// mask (nil), which keeps everything.
func ParseMask(s string) (*Mask, error) {
	paths := SplitList(s)
	if len(paths) == 0 {
		return nil, nil
	}
	if len(paths) > maxMaskPaths {
		return nil, fmt.Errorf("x-json-mask has %d paths, limit %d", len(paths), maxMaskPaths)
	}
	root := &Mask{fields: map[string]*Mask{}}
	for _, p := range paths {
		parts := strings.Split(p, ".")
		if len(parts) > maxMaskDepth {
			return nil, fmt.Errorf("x-json-mask path %q deeper than %d", p, maxMaskDepth)
		}
		node := root
		for i, name := range parts {
			if name == "" {
				return nil, fmt.Errorf("x-json-mask path %q has an empty field name", p)
			}
			if i == len(parts)-1 {
				node.fields[name] = &Mask{} // keep whole, overriding narrower paths
				break
			}
			child := node.fields[name]
			if child != nil && child.fields == nil {
				break // already kept whole; a narrower path changes nothing
			}
			if child == nil {
				child = &Mask{fields: map[string]*Mask{}}
				node.fields[name] = child
			}
			node = child
		}
	}
	return root, nil
}

// IsJSON reports whether a Content-Type names JSON (application/json or a +json type).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

var errNotJSON = errors.New("body is not valid JSON")

// Apply returns the JSON body with only the masked fields. Object keys come out sorted, values
// byte for byte as the upstream sent them (compacted), so the result is deterministic.
func (m *Mask) Apply(body []byte) ([]byte, error) {
	if m == nil {
		return body, nil
	}
	if !json.Valid(body) {
		return nil, errNotJSON
	}
	out, keep, err := m.apply(body)
	if err != nil {
		return nil, err
	}
	if !keep {
		out = []byte("{}")
	}
	return out, nil
}

func (m *Mask) apply(raw json.RawMessage) (json.RawMessage, bool, error) {
	if m.fields == nil {
		return raw, true, nil
	}
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, false, nil
	}
	switch trimmed[0] {
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return nil, false, fmt.Errorf("mask object: %w", err)
		}
		names := make([]string, 0, len(m.fields))
		for name := range m.fields {
			names = append(names, name)
		}
		slices.Sort(names)
		l := newList('{')
		for _, name := range names {
			if v, ok := obj[name]; ok {
				if err := l.add(name, m.fields[name], v); err != nil {
					return nil, false, err
				}
			}
		}
		return l.close('}'), true, nil
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, false, fmt.Errorf("mask array: %w", err)
		}
		l := newList('[')
		for _, el := range arr {
			if err := l.add("", m, el); err != nil {
				return nil, false, err
			}
		}
		return l.close(']'), true, nil
	default:
		// A path that continues into a scalar selects nothing.
		return nil, false, nil
	}
}

// list writes the kept members of a masked object or the kept elements of a masked array.
type list struct {
	buf bytes.Buffer
	n   int
}

func newList(open byte) *list {
	l := &list{}
	l.buf.WriteByte(open)
	return l
}

// add masks raw with m and, if anything is kept, appends it (as name's value when name is
// not empty).
func (l *list) add(name string, m *Mask, raw json.RawMessage) error {
	sub, keep, err := m.apply(raw)
	if err != nil || !keep {
		return err
	}
	if l.n > 0 {
		l.buf.WriteByte(',')
	}
	l.n++
	if name != "" {
		if err := writeJSON(&l.buf, name); err != nil {
			return err
		}
		l.buf.WriteByte(':')
	}
	if err := json.Compact(&l.buf, sub); err != nil {
		return fmt.Errorf("mask value: %w", err)
	}
	return nil
}

func (l *list) close(end byte) []byte {
	l.buf.WriteByte(end)
	return l.buf.Bytes()
}

// writeJSON writes s as a JSON string without HTML escaping, as json.Compact leaves values.
func writeJSON(buf *bytes.Buffer, s string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode field name: %w", err)
	}
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
	return nil
}
