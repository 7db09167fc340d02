package httpgateway

import (
	"unicode/utf8"

	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
)

// Candid field ids (idl hashes) of the request records.
const (
	idMethod             = 156956385
	idURL                = 5843823
	idHeaders            = 1661489734
	idBody               = 1092319906
	idCertificateVersion = 1661892784
)

// Candid type codes the request uses.
const (
	typeText   = -15
	typeNat8   = -5
	typeNat16  = -6
	typeRecord = -20
	typeVec    = -19
	typeOpt    = -18
)

// DecodeRequest reads the Candid argument of http_request or http_request_update (an
// UpdateRequest has no certificate_version) without reflection: the gateway's request with
// its headers costs a few thousand instructions instead of a few hundred thousand. It
// accepts any type table that describes the record with these fields (in any order of
// entries) and reports false for anything else - other fields, other types, malformed
// input - so the caller falls back to the general decoder (cdk/candid), which also gives
// the error.
func DecodeRequest(data []byte) (Request, bool) {
	d := reqDecoder{b: data}
	return d.request()
}

type reqDecoder struct {
	b   []byte
	bad bool
}

type typeEntry struct {
	op     int64
	elem   int64      // vec, opt
	fields [][2]int64 // record: id, type
}

func (d *reqDecoder) uleb() uint64 {
	v, n, err := leb128.ReadUnsigned(d.b)
	if err != nil || n == 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *reqDecoder) sleb() int64 {
	v, n, err := leb128.ReadSigned(d.b)
	if err != nil || n == 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *reqDecoder) bytes() []byte {
	n := d.uleb()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *reqDecoder) text() string {
	v := d.bytes()
	if !utf8.Valid(v) {
		d.bad = true
	}
	return string(v)
}

func (d *reqDecoder) request() (Request, bool) {
	var r Request
	if len(d.b) < 4 || string(d.b[:4]) != "DIDL" {
		return r, false
	}
	d.b = d.b[4:]
	n := d.uleb()
	if d.bad || n > 16 {
		return r, false
	}
	types := make([]typeEntry, n)
	for i := range types {
		t := &types[i]
		t.op = d.sleb()
		switch t.op {
		case typeVec, typeOpt:
			t.elem = d.sleb()
		case typeRecord:
			nf := d.uleb()
			if d.bad || nf > 8 {
				return r, false
			}
			for range nf {
				id := int64(d.uleb())
				t.fields = append(t.fields, [2]int64{id, d.sleb()})
			}
		default:
			return r, false
		}
		if d.bad {
			return r, false
		}
	}
	entry := func(ref int64) *typeEntry {
		if ref < 0 || ref >= int64(len(types)) {
			return nil
		}
		return &types[ref]
	}
	// is reports whether ref is op (a primitive code, or a table entry of that kind whose
	// element is elem).
	vecOf := func(ref, op, elem int64) bool {
		t := entry(ref)
		return t != nil && t.op == op && t.elem == elem
	}
	if d.uleb() != 1 || d.bad {
		return r, false
	}
	rec := entry(d.sleb())
	if d.bad || rec == nil || rec.op != typeRecord {
		return r, false
	}
	seen := 0
	last := int64(-1)
	for _, f := range rec.fields {
		if f[0] <= last {
			return r, false // field ids must increase
		}
		last = f[0]
		switch id, ty := f[0], f[1]; {
		case id == idMethod && ty == typeText:
			r.Method = d.text()
			seen |= 1
		case id == idURL && ty == typeText:
			r.URL = d.text()
			seen |= 2
		case id == idBody && vecOf(ty, typeVec, typeNat8):
			if b := d.bytes(); len(b) > 0 { // empty: nil, as in package candid
				r.Body = append([]byte(nil), b...)
			}
			seen |= 4
		case id == idCertificateVersion && vecOf(ty, typeOpt, typeNat16):
			switch {
			case len(d.b) >= 1 && d.b[0] == 0:
				d.b = d.b[1:]
			case len(d.b) >= 3 && d.b[0] == 1:
				v := uint16(d.b[1]) | uint16(d.b[2])<<8
				r.CertificateVersion = &v
				d.b = d.b[3:]
			default:
				return r, false
			}
		case id == idHeaders:
			vec := entry(ty)
			if vec == nil || vec.op != typeVec {
				return r, false
			}
			pair := entry(vec.elem)
			if pair == nil || pair.op != typeRecord || len(pair.fields) != 2 ||
				pair.fields[0] != [2]int64{0, typeText} || pair.fields[1] != [2]int64{1, typeText} {
				return r, false
			}
			count := d.uleb()
			if d.bad || count > uint64(len(d.b))/2 {
				return r, false
			}
			seen |= 8
			if count > 0 { // an empty vec decodes to nil, as in package candid
				r.Headers = make([]HeaderField, 0, count)
			}
			for range count {
				name := d.text()
				r.Headers = append(r.Headers, HeaderField{Name: name, Value: d.text()})
			}
		default:
			return r, false
		}
		if d.bad {
			return r, false
		}
	}
	if len(d.b) != 0 || seen != 15 {
		return r, false
	}
	return r, true
}
