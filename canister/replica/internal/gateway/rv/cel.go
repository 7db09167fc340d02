package rv

import (
	"errors"
	"fmt"
	"strings"
)

// Certification is the meaning of an IC-CertificateExpression header.
type Certification struct {
	// Skip is set for default_certification(ValidationArgs{no_certification:
	// Empty{}}): the canister certifiably opted out of verification.
	Skip bool
	// Request is nil for no_request_certification (response-only).
	Request *RequestCertification
	// Response is the response header selection; unused when Skip.
	Response ResponseCertification
}

// RequestCertification lists the request headers and query parameters that
// are part of the request hash.
type RequestCertification struct {
	CertifiedRequestHeaders  []string
	CertifiedQueryParameters []string
}

// ResponseCertification selects response headers: Headers are the certified
// ones, or with Exclude the ones left out.
type ResponseCertification struct {
	Headers []string
	Exclude bool
}

// celValue is a node of the small CEL subset the header uses.
type celValue struct {
	kind   celKind
	name   string              // object or function name
	str    string              // string literal
	list   []celValue          // array elements or function arguments
	fields map[string]celValue // object fields
}

type celKind int

const (
	celString celKind = iota
	celArray
	celObject
	celFunction
)

// maxCELDepth bounds nesting; real expressions are five levels deep.
const maxCELDepth = 16

// ParseExpression parses an IC-CertificateExpression header value. Like the
// reference implementation it tolerates whitespace between tokens.
func ParseExpression(s string) (Certification, error) {
	p := celParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return Certification{}, fmt.Errorf("parse certificate expression: %w", err)
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return Certification{}, fmt.Errorf("parse certificate expression: trailing input at offset %d", p.pos)
	}
	c, err := mapCertification(v)
	if err != nil {
		return Certification{}, fmt.Errorf("certificate expression: %w", err)
	}
	return c, nil
}

type celParser struct {
	s   string
	pos int
}

func (p *celParser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *celParser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

func (p *celParser) expect(c byte) error {
	if p.peek() != c {
		return fmt.Errorf("expected %q at offset %d", c, p.pos)
	}
	p.pos++
	return nil
}

func (p *celParser) ident() (string, error) {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || p.pos > start && '0' <= c && c <= '9' {
			p.pos++
			continue
		}
		break
	}
	if p.pos == start {
		return "", fmt.Errorf("expected identifier at offset %d", p.pos)
	}
	return p.s[start:p.pos], nil
}

func (p *celParser) value(depth int) (celValue, error) {
	if depth > maxCELDepth {
		return celValue{}, errors.New("expression nested too deeply")
	}
	switch p.peek() {
	case '"':
		p.pos++
		end := strings.IndexByte(p.s[p.pos:], '"')
		if end < 0 {
			return celValue{}, errors.New("unterminated string")
		}
		v := celValue{kind: celString, str: p.s[p.pos : p.pos+end]}
		p.pos += end + 1
		return v, nil
	case '[':
		p.pos++
		v := celValue{kind: celArray}
		for p.peek() != ']' {
			e, err := p.value(depth + 1)
			if err != nil {
				return celValue{}, err
			}
			v.list = append(v.list, e)
			if p.peek() == ',' {
				p.pos++
			} else if p.peek() != ']' {
				return celValue{}, fmt.Errorf("expected ',' or ']' at offset %d", p.pos)
			}
		}
		p.pos++
		return v, nil
	}
	name, err := p.ident()
	if err != nil {
		return celValue{}, err
	}
	switch p.peek() {
	case '(':
		p.pos++
		v := celValue{kind: celFunction, name: name}
		for p.peek() != ')' {
			a, err := p.value(depth + 1)
			if err != nil {
				return celValue{}, err
			}
			v.list = append(v.list, a)
			if p.peek() == ',' {
				p.pos++
			} else if p.peek() != ')' {
				return celValue{}, fmt.Errorf("expected ',' or ')' at offset %d", p.pos)
			}
		}
		p.pos++
		return v, nil
	case '{':
		p.pos++
		v := celValue{kind: celObject, name: name, fields: map[string]celValue{}}
		for p.peek() != '}' {
			key, err := p.ident()
			if err != nil {
				return celValue{}, err
			}
			if err := p.expect(':'); err != nil {
				return celValue{}, err
			}
			f, err := p.value(depth + 1)
			if err != nil {
				return celValue{}, err
			}
			if _, dup := v.fields[key]; dup {
				return celValue{}, fmt.Errorf("duplicate property %q", key)
			}
			v.fields[key] = f
			if p.peek() == ',' {
				p.pos++
			} else if p.peek() != '}' {
				return celValue{}, fmt.Errorf("expected ',' or '}' at offset %d", p.pos)
			}
		}
		p.pos++
		return v, nil
	default:
		return celValue{}, fmt.Errorf("expected '(' or '{' after %q at offset %d", name, p.pos)
	}
}

func object(v celValue, name string) (map[string]celValue, error) {
	if v.kind != celObject || v.name != name {
		return nil, fmt.Errorf("expected object %s", name)
	}
	return v.fields, nil
}

func stringList(v celValue, what string) ([]string, error) {
	if v.kind != celArray {
		return nil, fmt.Errorf("%s is not an array", what)
	}
	out := make([]string, 0, len(v.list))
	for _, e := range v.list {
		if e.kind != celString {
			return nil, fmt.Errorf("%s has a non-string element", what)
		}
		out = append(out, e.str)
	}
	return out, nil
}

// mapCertification interprets the parsed expression with the same rules as
// the reference implementation's AST mapping.
func mapCertification(v celValue) (Certification, error) {
	if v.kind != celFunction || v.name != "default_certification" {
		return Certification{}, errors.New("expected function default_certification")
	}
	if len(v.list) != 1 {
		return Certification{}, errors.New("default_certification takes one ValidationArgs argument")
	}
	args, err := object(v.list[0], "ValidationArgs")
	if err != nil {
		return Certification{}, err
	}
	noCert, hasNo := args["no_certification"]
	cert, hasCert := args["certification"]
	switch {
	case hasNo && hasCert:
		return Certification{}, errors.New("ValidationArgs has both no_certification and certification")
	case hasNo:
		if _, err := object(noCert, "Empty"); err != nil {
			return Certification{}, fmt.Errorf("no_certification: %w", err)
		}
		return Certification{Skip: true}, nil
	case !hasCert:
		return Certification{}, errors.New("ValidationArgs has neither no_certification nor certification")
	}
	c, err := object(cert, "Certification")
	if err != nil {
		return Certification{}, err
	}
	var out Certification
	noReq, hasNoReq := c["no_request_certification"]
	req, hasReq := c["request_certification"]
	switch {
	case hasNoReq && hasReq:
		return Certification{}, errors.New("Certification has both no_request_certification and request_certification")
	case hasNoReq:
		if _, err := object(noReq, "Empty"); err != nil {
			return Certification{}, fmt.Errorf("no_request_certification: %w", err)
		}
	case hasReq:
		r, err := object(req, "RequestCertification")
		if err != nil {
			return Certification{}, err
		}
		var rc RequestCertification
		hv, ok := r["certified_request_headers"]
		if !ok {
			return Certification{}, errors.New("RequestCertification lacks certified_request_headers")
		}
		if rc.CertifiedRequestHeaders, err = stringList(hv, "certified_request_headers"); err != nil {
			return Certification{}, err
		}
		qv, ok := r["certified_query_parameters"]
		if !ok {
			return Certification{}, errors.New("RequestCertification lacks certified_query_parameters")
		}
		if rc.CertifiedQueryParameters, err = stringList(qv, "certified_query_parameters"); err != nil {
			return Certification{}, err
		}
		out.Request = &rc
	default:
		return Certification{}, errors.New("Certification has neither no_request_certification nor request_certification")
	}
	rv, ok := c["response_certification"]
	if !ok {
		return Certification{}, errors.New("Certification lacks response_certification")
	}
	r, err := object(rv, "ResponseCertification")
	if err != nil {
		return Certification{}, err
	}
	incl, hasIncl := r["certified_response_headers"]
	excl, hasExcl := r["response_header_exclusions"]
	var list celValue
	switch {
	case hasIncl && hasExcl:
		return Certification{}, errors.New("ResponseCertification has both certified_response_headers and response_header_exclusions")
	case hasIncl:
		list = incl
	case hasExcl:
		list, out.Response.Exclude = excl, true
	default:
		return Certification{}, errors.New("ResponseCertification has neither certified_response_headers nor response_header_exclusions")
	}
	hl, err := object(list, "ResponseHeaderList")
	if err != nil {
		return Certification{}, err
	}
	headers, ok := hl["headers"]
	if !ok {
		return Certification{}, errors.New("ResponseHeaderList lacks headers")
	}
	if out.Response.Headers, err = stringList(headers, "headers"); err != nil {
		return Certification{}, err
	}
	return out, nil
}
