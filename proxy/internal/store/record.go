// Package store keeps the idempotency state of the proxy: which request first claimed a key,
// and the answer every duplicate replays. Memory serves a single instance; Redis shares the
// claim and the answer across instances.
package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Fingerprint identifies the request a key was first used with (method, URL, body and the
// response filters); a key reused with another fingerprint is refused.
type Fingerprint [sha256.Size]byte

// NewFingerprint hashes the parts with length prefixes, so no two part lists collide by
// shifting bytes from one part to the next.
func NewFingerprint(parts ...[]byte) Fingerprint {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var fp Fingerprint
	h.Sum(fp[:0])
	return fp
}

// Field is one response header line.
type Field struct {
	Name, Value string
}

// Record is a stored upstream answer: what every duplicate request receives.
type Record struct {
	Status int
	// Header lines in canonical order (sorted by name, then original order), so encoding is
	// deterministic.
	Header []Field
	Body   []byte
}

// RecordFromHeader builds a record with the header lines of h, canonically ordered.
func RecordFromHeader(status int, h http.Header, body []byte) Record {
	r := Record{Status: status, Body: body}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			r.Header = append(r.Header, Field{Name: http.CanonicalHeaderKey(k), Value: v})
		}
	}
	return r
}

// HTTPHeader returns the record's header lines as an http.Header.
func (r Record) HTTPHeader() http.Header {
	h := make(http.Header, len(r.Header))
	for _, f := range r.Header {
		h[f.Name] = append(h[f.Name], f.Value)
	}
	return h
}

// Size is the number of bytes the record's content occupies.
func (r Record) Size() int {
	n := len(r.Body)
	for _, f := range r.Header {
		n += len(f.Name) + len(f.Value)
	}
	return n
}

// Limits on decoded records: a corrupted or hostile store value must not make us allocate
// without bound.
const (
	maxFields    = 1024
	maxFieldLen  = 64 << 10
	recordFormat = 1
)

var errCorrupt = errors.New("corrupt record")

// MarshalBinary encodes the record: version byte, uvarint status, field count, each name and
// value length-prefixed, then the body.
func (r Record) MarshalBinary() ([]byte, error) {
	if len(r.Header) > maxFields {
		return nil, fmt.Errorf("record has %d header fields, limit %d", len(r.Header), maxFields)
	}
	b := make([]byte, 0, 16+r.Size()+4*len(r.Header))
	b = append(b, recordFormat)
	b = binary.AppendUvarint(b, uint64(r.Status))
	b = binary.AppendUvarint(b, uint64(len(r.Header)))
	for _, f := range r.Header {
		if len(f.Name) > maxFieldLen || len(f.Value) > maxFieldLen {
			return nil, fmt.Errorf("header %q longer than %d bytes", f.Name, maxFieldLen)
		}
		b = binary.AppendUvarint(b, uint64(len(f.Name)))
		b = append(b, f.Name...)
		b = binary.AppendUvarint(b, uint64(len(f.Value)))
		b = append(b, f.Value...)
	}
	return append(b, r.Body...), nil
}

// UnmarshalBinary decodes what MarshalBinary produced.
func (r *Record) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || b[0] != recordFormat {
		return fmt.Errorf("%w: unknown format", errCorrupt)
	}
	b = b[1:]
	status, n := binary.Uvarint(b)
	if n <= 0 || status < 100 || status > 999 {
		return fmt.Errorf("%w: status", errCorrupt)
	}
	b = b[n:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count > maxFields {
		return fmt.Errorf("%w: field count", errCorrupt)
	}
	b = b[n:]
	out := Record{Status: int(status)}
	if count > 0 {
		out.Header = make([]Field, 0, count)
	}
	str := func() (string, error) {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > maxFieldLen || l > uint64(len(b)-n) {
			return "", fmt.Errorf("%w: field length", errCorrupt)
		}
		s := string(b[n : n+int(l)])
		b = b[n+int(l):]
		return s, nil
	}
	for range count {
		name, err := str()
		if err != nil {
			return err
		}
		if name == "" || strings.ContainsAny(name, " \r\n:") {
			return fmt.Errorf("%w: header name %q", errCorrupt, name)
		}
		value, err := str()
		if err != nil {
			return err
		}
		out.Header = append(out.Header, Field{Name: name, Value: value})
	}
	out.Body = append([]byte(nil), b...)
	*r = out
	return nil
}
