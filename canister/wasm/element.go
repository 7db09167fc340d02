package wasm

// Element segment encodings 0-7 are three flag bits: bit 0 passive or
// declarative, bit 1 explicit table index (active) or declarative (with bit
// 0), bit 2 expressions instead of function indices.
const (
	elemNotActive   = 1
	elemExplicit    = 2
	elemExprs       = 4
	elemEncodingMax = 7
)

func (m *Module) decodeElementSection(r *reader) (err error) {
	m.Elements, err = readVec(r, 2, decodeElement)
	return err
}

func decodeElement(r *reader, _ int, e *Element) error {
	flags, err := r.u32()
	if err != nil {
		return err
	}
	if flags > elemEncodingMax {
		return r.fail("invalid element segment flags %d", flags)
	}
	switch {
	case flags&elemNotActive == 0:
		e.Mode = SegmentActive
	case flags&elemExplicit == 0:
		e.Mode = SegmentPassive
	default:
		e.Mode = SegmentDeclarative
	}
	e.UsesExprs = flags&elemExprs != 0
	e.Type = FuncRef
	if e.Mode == SegmentActive {
		if flags&elemExplicit != 0 {
			e.ExplicitTable = true
			if e.Table, err = r.u32(); err != nil {
				return err
			}
		}
		if e.Offset, err = r.constExpr(); err != nil {
			return err
		}
	}
	// Encodings 0 and 4 have neither element kind nor reference type.
	if flags != 0 && flags != elemExprs {
		if e.UsesExprs {
			if e.Type, err = r.refType(); err != nil {
				return err
			}
		} else {
			k, err := r.byte()
			if err != nil {
				return err
			}
			if k != 0 {
				r.pos--
				return r.fail("unsupported element kind 0x%02x", k)
			}
		}
	}
	if e.UsesExprs {
		e.Exprs, err = readVec(r, 2, decodeConstExpr)
	} else {
		e.Funcs, err = readVec(r, 1, decodeU32)
	}
	return err
}

func (m *Module) appendElementSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Elements, keepEmpty, appendElement)
}

// elementFlags chooses the encoding (0-7) of an element segment.
func elementFlags(e *Element) byte {
	var f byte
	switch e.Mode {
	case SegmentActive:
		if e.Table != 0 || e.ExplicitTable || e.Type != FuncRef {
			f = elemExplicit
		}
	case SegmentPassive:
		f = elemNotActive
	case SegmentDeclarative:
		f = elemNotActive | elemExplicit
	}
	if e.UsesExprs {
		f |= elemExprs
	}
	return f
}

func appendElement(b []byte, e *Element) []byte {
	f := elementFlags(e)
	b = append(b, f)
	if e.Mode == SegmentActive {
		if f&elemExplicit != 0 {
			b = AppendULEB128(b, uint64(e.Table))
		}
		b = append(b, e.Offset...)
	}
	if f != 0 && f != elemExprs {
		if e.UsesExprs {
			b = append(b, byte(e.Type))
		} else {
			b = append(b, 0) // elemkind funcref
		}
	}
	if e.UsesExprs {
		return appendVec(b, e.Exprs, appendConstExpr)
	}
	return appendVec(b, e.Funcs, appendU32)
}
