package jsonlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// sample exercises every binding; its encoding/json twin is the same struct with tags.
type sample struct {
	S   string          `json:"s"`
	SP  *string         `json:"sp"`
	SS  []string        `json:"ss"`
	I   int             `json:"i"`
	D   time.Duration   `json:"d"`
	IP  *int64          `json:"ip"`
	U   uint64          `json:"u"`
	B   bool            `json:"b"`
	R   json.RawMessage `json:"r"`
	N   nested          `json:"n"`
	NP  *nested         `json:"np"`
	Cus custom          `json:"cus"`
}

type nested struct {
	X string `json:"x"`
	Y int64  `json:"y"`
}

// custom accepts a string or null and refuses anything else, like a type with an
// UnmarshalJSON method.
type custom string

var errCustom = errors.New("custom: want a string")

func (c *custom) UnmarshalJSON(b []byte) error {
	v, err := Parse(b)
	if err != nil {
		return err
	}
	return c.decode(v)
}

func (c *custom) decode(v Value) error {
	switch v.Kind() {
	case KindString:
		s, _ := v.Str()
		*c = custom(s)
	case KindNull:
	default:
		return errCustom
	}
	return nil
}

func (s *sample) fields() []Field {
	nf := func(n *nested) []Field { return []Field{String("x", &n.X), Int("y", "int64", &n.Y)} }
	return []Field{
		String("s", &s.S), StringPtr("sp", &s.SP), Strings("ss", &s.SS), Int("i", "int", &s.I),
		Int("d", "time.Duration", &s.D), IntPtr("ip", &s.IP), Uint("u", "uint64", &s.U), Bool("b", &s.B),
		Raw("r", (*[]byte)(&s.R)), Object("n", "jsonlite.nested", nf(&s.N)),
		ObjectPtr("np", "jsonlite.nested", &s.NP, nf), Custom("cus", s.Cus.decode),
	}
}

var fieldDocs = []string{
	`{}`, `null`, `[]`, `1`, `"x"`, `true`, `{"s":"a","S":"b"}`, `{"s":1}`, `{"sp":null}`, `{"sp":"a","sp":null}`,
	`{"sp":[]}`, `{"ss":["a","b"],"ss":[null]}`, `{"ss":{}}`, `{"ss":[1]}`, `{"i":1,"d":-5,"ip":7,"u":8}`,
	`{"i":1.5}`, `{"d":"1s"}`, `{"ip":null}`, `{"ip":true}`, `{"u":-1}`, `{"u":1e2}`, `{"b":true,"b":null}`,
	`{"b":"true"}`, `{"r":null}`, `{"r":[1, {"a" : 2}]}`, `{"n":{"x":"a"},"n":{"y":2}}`, `{"n":null}`, `{"n":[]}`,
	`{"n":{"x":5}}`, `{"np":{"x":"a"},"np":{"y":2}}`, `{"np":{"x":"a"},"np":null}`, `{"np":3}`, `{"np":{"y":"z"}}`,
	`{"cus":"a"}`, `{"cus":1}`, `{"s":2,"cus":1}`, `{"cus":null}`, `{"N":{"X":"k"},"NP":{"Y":3}}`,
	`{"s":"\u003c\ud800"}`, `{"s":"a"`, `{"s":"a"}x`,
}

func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, d := range fieldDocs {
		compareFields(t, []byte(d))
	}
	s := sample{S: "<&>", SP: new(string), SS: []string{}, I: -1, D: time.Second, IP: new(int64), U: 1 << 63, B: true,
		R: json.RawMessage(`{"a":1}`), N: nested{"x", 2}}
	want, _ := json.Marshal(struct {
		S  string          `json:"s"`
		SP *string         `json:"sp"`
		SS []string        `json:"ss"`
		I  int             `json:"i"`
		D  time.Duration   `json:"d"`
		IP *int64          `json:"ip"`
		U  uint64          `json:"u"`
		B  bool            `json:"b"`
		R  json.RawMessage `json:"r"`
		N  nested          `json:"n"`
	}{s.S, s.SP, s.SS, s.I, s.D, s.IP, s.U, s.B, s.R, s.N})
	if got := AppendObject(nil, s.fields()[:10]); !bytes.Equal(got, want) {
		t.Errorf("AppendObject = %s, json.Marshal %s", got, want)
	}
}

// FuzzUnmarshal: any document decodes into sample as encoding/json decodes it.
func FuzzUnmarshal(f *testing.F) {
	for _, d := range fieldDocs {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareFields(t, data)
	})
}

func compareFields(t *testing.T, data []byte) {
	t.Helper()
	var want, got sample
	werr := json.Unmarshal(data, &want)
	gerr := Unmarshal(data, "jsonlite.sample", got.fields())
	if errText(gerr) != errText(werr) {
		t.Fatalf("%q: error %q, encoding/json %q", data, errText(gerr), errText(werr))
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded %+v, encoding/json %+v", data, got, want)
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
