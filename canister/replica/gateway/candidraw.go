package gateway

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"

	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/aviate-labs/agent-go/principal"
)

// A wire-level Candid reader: it parses the type table, reads or skips
// values and can cut a value's bytes out of a message. The gateway needs it
// because the streaming token's type is chosen by the canister and must be
// handed back exactly as received: decoding it into Go values and encoding
// it again would lose field names (only their hashes are on the wire). So
// the callback's argument is built from the reply's own type table and the
// token's bytes. The same reader decodes HttpResponse (candid.go): it is
// bounded on hostile input and copies blobs in one piece.

const (
	maxValueDepth = 256
	// maxSkipSteps bounds the work of skipping values, so a reply of a
	// million zero-sized vector elements cannot keep the gateway busy.
	maxSkipSteps = 1 << 20
)

type typeDef struct {
	op     int64
	elem   int64      // opt, vec
	fields []fieldDef // record, variant: in wire order (increasing id)
}

type fieldDef struct {
	id  uint32
	ref int64
}

// rawMessage is a Candid message parsed down to its type table and the
// position of its values.
type rawMessage struct {
	data  []byte
	table []typeDef
	// tableBytes is the encoded type table (count and entries), reusable
	// verbatim in a new message.
	tableBytes []byte
	args       []int64
	pos        int
	steps      int
}

// fieldID is the Candid field hash of a name.
func fieldID(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h*223 + uint32(name[i])
	}
	return h
}

var (
	idStreamingStrategy = fieldID("streaming_strategy")
	idCallback          = fieldID("Callback")
	idCallbackField     = fieldID("callback")
	idToken             = fieldID("token")
	idBody              = fieldID("body")
	idStatusCode        = fieldID("status_code")
	idHeaders           = fieldID("headers")
	idUpgrade           = fieldID("upgrade")
)

var errTruncated = errors.New("candid message truncated")

func (m *rawMessage) byte() (byte, error) {
	if m.pos >= len(m.data) {
		return 0, errTruncated
	}
	b := m.data[m.pos]
	m.pos++
	return b, nil
}

func (m *rawMessage) leb() (uint64, error) {
	var n uint64
	for shift := 0; ; shift += 7 {
		b, err := m.byte()
		if err != nil {
			return 0, err
		}
		if shift >= 64 || shift == 63 && b > 1 {
			return 0, errors.New("LEB128 value overflows 64 bits")
		}
		n |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return n, nil
		}
	}
}

func (m *rawMessage) sleb() (int64, error) {
	var n int64
	var shift uint
	for {
		b, err := m.byte()
		if err != nil {
			return 0, err
		}
		if shift >= 64 {
			return 0, errors.New("SLEB128 value overflows 64 bits")
		}
		n |= int64(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				n |= -1 << shift
			}
			return n, nil
		}
	}
}

// skipLEB skips an unbounded LEB128 number (nat and int values).
func (m *rawMessage) skipLEB() error {
	for {
		b, err := m.byte()
		if err != nil {
			return err
		}
		if b&0x80 == 0 {
			return nil
		}
	}
}

func (m *rawMessage) take(n uint64) ([]byte, error) {
	if n > uint64(len(m.data)-m.pos) {
		return nil, errTruncated
	}
	b := m.data[m.pos : m.pos+int(n)]
	m.pos += int(n)
	return b, nil
}

func (m *rawMessage) blobOf() ([]byte, error) {
	n, err := m.leb()
	if err != nil {
		return nil, err
	}
	return m.take(n)
}

func (m *rawMessage) count() (int, error) {
	n, err := m.leb()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(m.data)) {
		return 0, fmt.Errorf("candid length %d exceeds the message", n)
	}
	return int(n), nil
}

// parseMessage reads the header of a Candid message: magic, type table and
// argument types.
func parseMessage(data []byte) (*rawMessage, error) {
	if !bytes.HasPrefix(data, []byte("DIDL")) {
		return nil, errors.New("candid message lacks the DIDL magic")
	}
	m := &rawMessage{data: data, pos: 4}
	n, err := m.count()
	if err != nil {
		return nil, err
	}
	for range n {
		op, err := m.sleb()
		if err != nil {
			return nil, err
		}
		td := typeDef{op: op}
		switch op {
		case opcode.Opt, opcode.Vec:
			if td.elem, err = m.sleb(); err != nil {
				return nil, err
			}
		case opcode.Record, opcode.Variant:
			k, err := m.count()
			if err != nil {
				return nil, err
			}
			for range k {
				id, err := m.leb()
				if err != nil {
					return nil, err
				}
				if id > 1<<32-1 {
					return nil, fmt.Errorf("field id %d out of range", id)
				}
				ref, err := m.sleb()
				if err != nil {
					return nil, err
				}
				if l := len(td.fields); l > 0 && uint32(id) <= td.fields[l-1].id {
					return nil, errors.New("field ids not strictly increasing")
				}
				td.fields = append(td.fields, fieldDef{uint32(id), ref})
			}
		case opcode.Func:
			for range 2 { // argument and result types
				k, err := m.count()
				if err != nil {
					return nil, err
				}
				for range k {
					if _, err := m.sleb(); err != nil {
						return nil, err
					}
				}
			}
			k, err := m.count()
			if err != nil {
				return nil, err
			}
			if _, err := m.take(uint64(k)); err != nil { // annotations
				return nil, err
			}
		case opcode.Service:
			k, err := m.count()
			if err != nil {
				return nil, err
			}
			for range k {
				if _, err := m.blobOf(); err != nil {
					return nil, err
				}
				if _, err := m.sleb(); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("unsupported candid type opcode %d in the type table", op)
		}
		m.table = append(m.table, td)
	}
	m.tableBytes = data[4:m.pos]
	k, err := m.count()
	if err != nil {
		return nil, err
	}
	for range k {
		ref, err := m.sleb()
		if err != nil {
			return nil, err
		}
		m.args = append(m.args, ref)
	}
	for _, td := range m.table {
		refs := []int64{td.elem}
		for _, f := range td.fields {
			refs = append(refs, f.ref)
		}
		for _, r := range refs {
			if err := m.checkRef(r); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range m.args {
		if err := m.checkRef(r); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *rawMessage) checkRef(r int64) error {
	switch {
	case r >= 0 && r < int64(len(m.table)):
		return nil
	case r <= opcode.Null && r >= opcode.Empty || r == opcode.Principal:
		return nil
	default:
		return fmt.Errorf("invalid candid type reference %d", r)
	}
}

// def resolves a type reference to its table entry; primitives get an entry
// with just the opcode.
func (m *rawMessage) def(r int64) typeDef {
	if r >= 0 {
		return m.table[r]
	}
	return typeDef{op: r}
}

// skip advances past one value of type r.
func (m *rawMessage) skip(r int64, depth int) error {
	if depth > maxValueDepth {
		return errors.New("candid value nested too deeply")
	}
	if m.steps++; m.steps > maxSkipSteps {
		return errors.New("candid value too complex")
	}
	td := m.def(r)
	var err error
	switch td.op {
	case opcode.Null, opcode.Reserved:
	case opcode.Bool, opcode.Nat8, opcode.Int8:
		_, err = m.take(1)
	case opcode.Nat16, opcode.Int16:
		_, err = m.take(2)
	case opcode.Nat32, opcode.Int32, opcode.Float32:
		_, err = m.take(4)
	case opcode.Nat64, opcode.Int64, opcode.Float64:
		_, err = m.take(8)
	case opcode.Nat, opcode.Int:
		err = m.skipLEB()
	case opcode.Text:
		_, err = m.blobOf()
	case opcode.Empty:
		err = errors.New("candid value of type empty")
	case opcode.Principal, opcode.Service:
		_, err = m.reference()
	case opcode.Func:
		_, _, err = m.funcRef()
	case opcode.Opt:
		var b byte
		if b, err = m.byte(); err == nil {
			switch b {
			case 0:
			case 1:
				err = m.skip(td.elem, depth+1)
			default:
				err = fmt.Errorf("invalid opt tag %d", b)
			}
		}
	case opcode.Vec:
		var n int
		if n, err = m.countAny(); err != nil {
			return err
		}
		if e := m.def(td.elem).op; e == opcode.Nat8 || e == opcode.Int8 {
			_, err = m.take(uint64(n))
			break
		}
		for range n {
			if err = m.skip(td.elem, depth+1); err != nil {
				break
			}
		}
	case opcode.Record:
		for _, f := range td.fields {
			if err = m.skip(f.ref, depth+1); err != nil {
				break
			}
		}
	case opcode.Variant:
		var i uint64
		if i, err = m.leb(); err == nil {
			if i >= uint64(len(td.fields)) {
				return fmt.Errorf("variant index %d out of range", i)
			}
			err = m.skip(td.fields[i].ref, depth+1)
		}
	default:
		err = fmt.Errorf("unsupported candid type opcode %d", td.op)
	}
	return err
}

// countAny reads a vector length; zero-sized elements make lengths beyond
// the message size possible, so only the step budget bounds them.
func (m *rawMessage) countAny() (int, error) {
	n, err := m.leb()
	if err != nil {
		return 0, err
	}
	if n > maxSkipSteps {
		return 0, fmt.Errorf("candid vector of %d elements is too long", n)
	}
	return int(n), nil
}

// reference reads a principal, service or function's service reference:
// flag 1 then the principal bytes.
func (m *rawMessage) reference() (principal.Principal, error) {
	b, err := m.byte()
	if err != nil {
		return principal.Principal{}, err
	}
	if b != 1 {
		return principal.Principal{}, errors.New("opaque candid reference")
	}
	raw, err := m.blobOf()
	if err != nil {
		return principal.Principal{}, err
	}
	return principal.Principal{Raw: bytes.Clone(raw)}, nil
}

// funcRef reads a func value: flag 1, the service reference, the method.
func (m *rawMessage) funcRef() (principal.Principal, string, error) {
	b, err := m.byte()
	if err != nil {
		return principal.Principal{}, "", err
	}
	if b != 1 {
		return principal.Principal{}, "", errors.New("opaque candid func reference")
	}
	p, err := m.reference()
	if err != nil {
		return principal.Principal{}, "", err
	}
	method, err := m.blobOf()
	if err != nil {
		return principal.Principal{}, "", err
	}
	if !utf8.Valid(method) {
		return principal.Principal{}, "", errors.New("func method name is not UTF-8")
	}
	return p, string(method), nil
}

// argument builds a one-value message (v : type r) reusing this message's
// type table.
func (m *rawMessage) argument(r int64, value []byte) []byte {
	out := append([]byte("DIDL"), m.tableBytes...)
	out = append(out, 1)
	out = appendSLEB(out, r)
	return append(out, value...)
}

func appendSLEB(b []byte, n int64) []byte {
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 && c&0x40 == 0 || n == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// firstRecord returns the type of the message's first value, which must be
// a record.
func (m *rawMessage) firstRecord(what string) (typeDef, error) {
	if len(m.args) == 0 {
		return typeDef{}, fmt.Errorf("%s: empty candid message", what)
	}
	td := m.def(m.args[0])
	if td.op != opcode.Record {
		return typeDef{}, fmt.Errorf("%s is not a record", what)
	}
	return td, nil
}

// validateMessage checks that data is a well-formed Candid message whose
// values all fit in it.
func validateMessage(data []byte) error {
	m, err := parseMessage(data)
	if err != nil {
		return err
	}
	for _, r := range m.args {
		if err := m.skip(r, 0); err != nil {
			return err
		}
	}
	if m.pos != len(m.data) {
		return errors.New("trailing bytes after the candid values")
	}
	return nil
}
