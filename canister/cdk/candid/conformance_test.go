package candid_test

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
)

// The upstream Candid conformance suite, run from its own file: agent-go ships prim.test.did
// (dfinity/candid's test/prim.test.did) in its module, which this module requires, so the test
// reads it from the module cache instead of a copy. Each assertion of the .test.did format is
//
//	assert <input> : (<types>) "<description>";     input decodes at types
//	assert <input> !: (<types>) "<description>";    input does not decode at types
//	assert <input> == <input> : (<types>) "<desc>"; both decode, to equal values
//
// where an input is `blob "<bytes with \hh escapes>"` or a textual value `"(<values>)"`. Our
// codec decodes blobs; textual values are parsed here (the primitive literals the file uses)
// and compared with what the blob decodes to.

// specChanges are the assertions of agent-go's copy (spec version 0.1.3) that later versions
// of the suite reversed; the codec follows the current spec, so they run with the opposite
// expectation. Upstream now reads `assert blob "DIDL\00\00" !: (null) "null: missing";`: a
// missing argument decodes as null only at types that take opt empty (opt, reserved).
var specChanges = map[string]bool{"null: extra null values": true}

// minPrimAssertions is how many assertions prim.test.did holds: fewer run is a failure (a
// parser that silently drops statements would otherwise pass).
const minPrimAssertions = 158

func agentGoDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aviate-labs/agent-go").Output()
	if err != nil {
		t.Fatalf("locating agent-go's module: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("agent-go's module has no directory (go mod download)")
	}
	return dir
}

func TestUpstreamPrimTestDid(t *testing.T) {
	path := filepath.Join(agentGoDir(t), "candid", "idl", "testdata", "prim.test.did")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the upstream suite: %v", err)
	}
	asserts, err := parseTestDid(string(src))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ran, reversed := 0, 0
	for _, a := range asserts {
		if specChanges[a.desc] {
			a.ok = !a.ok
			reversed++
		}
		t.Run(a.name(), func(t *testing.T) {
			types, err := goTypes(a.types)
			if err != nil {
				t.Fatalf("types %q: %v", a.types, err)
			}
			got, err := decodeAt(a.input, types)
			if !a.ok {
				if err == nil {
					t.Fatalf("%q decodes at (%s) to %v, want an error", a.input.blob, a.types, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q at (%s): %v", a.input.blob, a.types, err)
			}
			if a.equal == nil {
				return
			}
			want, err := decodeAt(*a.equal, types)
			if err != nil {
				t.Fatalf("right side %+v at (%s): %v", *a.equal, a.types, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q decodes to %#v, want %#v", a.input.blob, got, want)
			}
		})
		ran++
	}
	t.Logf("%s: %d assertions run (%d with the current spec's reversed outcome)", path, ran, reversed)
	if ran < minPrimAssertions || reversed != len(specChanges) {
		t.Fatalf("ran %d assertions (%d reversed), want at least %d (%d reversed)", ran, reversed,
			minPrimAssertions, len(specChanges))
	}
}

// A tdInput is one side of an assertion: a blob or a textual value.
type tdInput struct {
	blob   string // bytes, when isBlob
	text   string
	isBlob bool
}

type tdAssert struct {
	input tdInput
	equal *tdInput
	ok    bool   // ":" rather than "!:"
	types string // inside the parentheses
	desc  string
	line  int
}

func (a tdAssert) name() string {
	if a.desc != "" {
		return strconv.Itoa(a.line) + " " + a.desc
	}
	return strconv.Itoa(a.line)
}

// parseTestDid reads the assertions of a .test.did file.
func parseTestDid(src string) ([]tdAssert, error) {
	p := &tdParser{src: src, line: 1}
	var out []tdAssert
	for {
		p.space()
		if p.pos == len(p.src) {
			return out, nil
		}
		a, err := p.assert()
		if err != nil {
			return nil, errors.New("line " + strconv.Itoa(p.line) + ": " + err.Error())
		}
		out = append(out, a)
	}
}

type tdParser struct {
	src       string
	pos, line int
}

// space skips blanks and comments.
func (p *tdParser) space() {
	for p.pos < len(p.src) {
		switch {
		case strings.HasPrefix(p.src[p.pos:], "//"):
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case strings.HasPrefix(p.src[p.pos:], "/*"):
			end := strings.Index(p.src[p.pos:], "*/")
			if end < 0 {
				p.pos = len(p.src)
				return
			}
			p.line += strings.Count(p.src[p.pos:p.pos+end], "\n")
			p.pos += end + 2
		case p.src[p.pos] == '\n':
			p.line++
			p.pos++
		case p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *tdParser) keyword(k string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], k) {
		p.pos += len(k)
		return true
	}
	return false
}

// str reads a quoted string of the file, resolving \hh, \n, \t, \r, \", \', \\ escapes.
func (p *tdParser) str() (string, error) {
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != '"' {
		return "", errors.New("want a string")
	}
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '"', '\'', '\\':
				b.WriteByte(e)
			default:
				if p.pos >= len(p.src) {
					return "", errors.New("truncated escape")
				}
				v, err := strconv.ParseUint(p.src[p.pos-1:p.pos+1], 16, 8)
				if err != nil {
					return "", errors.New("bad escape \\" + p.src[p.pos-1:p.pos+1])
				}
				b.WriteByte(byte(v))
				p.pos++
			}
		default:
			if c == '\n' {
				p.line++
			}
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", errors.New("unterminated string")
}

func (p *tdParser) input() (tdInput, error) {
	if p.keyword("blob") {
		s, err := p.str()
		return tdInput{blob: s, isBlob: true}, err
	}
	s, err := p.str()
	return tdInput{text: s}, err
}

func (p *tdParser) assert() (tdAssert, error) {
	a := tdAssert{line: p.line}
	if !p.keyword("assert") {
		return a, errors.New("want assert")
	}
	var err error
	if a.input, err = p.input(); err != nil {
		return a, err
	}
	if !a.input.isBlob {
		return a, errors.New("an assertion on a textual value alone (not in prim.test.did)")
	}
	if p.keyword("==") {
		in, err := p.input()
		if err != nil {
			return a, err
		}
		a.equal = &in
	}
	switch {
	case p.keyword("!:"):
	case p.keyword(":"):
		a.ok = true
	default:
		return a, errors.New("want : or !:")
	}
	if !p.keyword("(") {
		return a, errors.New("want (types)")
	}
	end := strings.IndexByte(p.src[p.pos:], ')')
	if end < 0 {
		return a, errors.New("unclosed types")
	}
	a.types = strings.TrimSpace(p.src[p.pos : p.pos+end])
	p.pos += end + 1
	if p.space(); p.pos < len(p.src) && p.src[p.pos] == '"' {
		if a.desc, err = p.str(); err != nil {
			return a, err
		}
	}
	if !p.keyword(";") {
		return a, errors.New("want ;")
	}
	return a, nil
}

// primTypes are the Go types of the Candid types the file uses.
var primTypes = map[string]reflect.Type{
	"null": reflect.TypeFor[candid.Null](), "bool": reflect.TypeFor[bool](),
	"nat": reflect.TypeFor[candid.Nat](), "int": reflect.TypeFor[candid.Int](),
	"nat8": reflect.TypeFor[uint8](), "nat16": reflect.TypeFor[uint16](),
	"nat32": reflect.TypeFor[uint32](), "nat64": reflect.TypeFor[uint64](),
	"int8": reflect.TypeFor[int8](), "int16": reflect.TypeFor[int16](),
	"int32": reflect.TypeFor[int32](), "int64": reflect.TypeFor[int64](),
	"float32": reflect.TypeFor[float32](), "float64": reflect.TypeFor[float64](),
	"text": reflect.TypeFor[string](), "reserved": reflect.TypeFor[candid.Reserved](),
	"empty": reflect.TypeFor[candid.Empty](),
}

// goTypes maps "t1, t2, ..." (primitives and opt) to Go types.
func goTypes(list string) ([]reflect.Type, error) {
	var out []reflect.Type
	if list == "" {
		return out, nil
	}
	for _, s := range strings.Split(list, ",") {
		f := strings.Fields(s)
		if len(f) == 0 {
			return nil, errors.New("empty type")
		}
		t, ok := primTypes[f[len(f)-1]]
		if !ok {
			return nil, errors.New("type " + s + " not supported by this test")
		}
		for _, w := range f[:len(f)-1] {
			if w != "opt" {
				return nil, errors.New("type " + s + " not supported by this test")
			}
			t = reflect.PointerTo(t)
		}
		out = append(out, t)
	}
	return out, nil
}

// decodeAt decodes an input at types, returning the values.
func decodeAt(in tdInput, types []reflect.Type) ([]any, error) {
	if !in.isBlob {
		return parseValues(in.text, types)
	}
	ptrs := make([]any, len(types))
	for i, t := range types {
		ptrs[i] = reflect.New(t).Interface()
	}
	if err := candid.Unmarshal([]byte(in.blob), ptrs...); err != nil {
		return nil, err
	}
	out := make([]any, len(ptrs))
	for i, p := range ptrs {
		out[i] = reflect.ValueOf(p).Elem().Interface()
	}
	return out, nil
}

// parseValues parses a textual argument list "(v1, v2, ...)" of primitive literals at types.
func parseValues(text string, types []reflect.Type) ([]any, error) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "(") || !strings.HasSuffix(text, ")") {
		return nil, errors.New("textual value " + text + " is not an argument list")
	}
	text = text[1 : len(text)-1]
	var parts []string
	if strings.HasPrefix(strings.TrimSpace(text), `"`) {
		parts = []string{text} // one text literal (which may hold commas)
	} else if strings.TrimSpace(text) != "" {
		parts = strings.Split(text, ",")
	}
	if len(parts) != len(types) {
		return nil, errors.New("textual value has " + strconv.Itoa(len(parts)) + " values for " +
			strconv.Itoa(len(types)) + " types")
	}
	out := make([]any, len(types))
	for i, s := range parts {
		v, err := parseLiteral(strings.TrimSpace(s), types[i])
		if err != nil {
			return nil, err
		}
		out[i] = v.Interface()
	}
	return out, nil
}

func parseLiteral(s string, t reflect.Type) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	if s == "null" {
		if t.Kind() == reflect.Pointer || t == primTypes["null"] || t == primTypes["reserved"] {
			return v, nil
		}
		return v, errors.New("null at " + t.String())
	}
	if t.Kind() == reflect.Pointer {
		e, err := parseLiteral(s, t.Elem())
		if err != nil {
			return v, err
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		v.Set(p)
		return v, nil
	}
	var err error
	switch t.Kind() {
	case reflect.Bool:
		var b bool
		b, err = strconv.ParseBool(s)
		v.SetBool(b)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var n uint64
		n, err = strconv.ParseUint(s, 10, t.Bits())
		v.SetUint(n)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		n, err = strconv.ParseInt(s, 10, t.Bits())
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		var f float64
		f, err = strconv.ParseFloat(s, t.Bits())
		if t.Kind() == reflect.Float32 && !math.IsNaN(f) {
			f = float64(float32(f))
		}
		v.SetFloat(f)
	case reflect.String:
		p := &tdParser{src: s, line: 1}
		var str string
		str, err = p.str()
		v.SetString(str)
	default:
		err = errors.New("no literal for " + t.String())
	}
	if err != nil {
		return v, errors.New("literal " + s + " at " + t.String() + ": " + err.Error())
	}
	return v, nil
}
