package wasm

import "fmt"

// constExpr returns the raw bytes of a constant expression up to and including
// its end, checking the instructions with the instruction reader.
func (r *reader) constExpr() ([]byte, error) {
	ir := InstrReader{code: r.buf[r.pos:]}
	var in Instr
	depth := 0
	for {
		if err := ir.Next(&in); err != nil {
			return nil, &DecodeError{Section: r.section, Offset: r.base + r.pos + ir.pos, Err: fmt.Errorf("constant expression: %w", err)}
		}
		switch in.Op {
		case OpBlock, OpLoop, OpIf:
			depth++
		case OpEnd:
			if depth == 0 {
				e := r.buf[r.pos : r.pos+ir.pos : r.pos+ir.pos]
				r.pos += ir.pos
				return e, nil
			}
			depth--
		}
	}
}

// decodeConstExpr is the item decoder of expression vectors.
func decodeConstExpr(r *reader, _ int, e *[]byte) (err error) {
	*e, err = r.constExpr()
	return err
}

// appendConstExpr is the item encoder of expression vectors.
func appendConstExpr(b []byte, e *[]byte) []byte { return append(b, *e...) }
