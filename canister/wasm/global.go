package wasm

func (m *Module) decodeGlobalSection(r *reader) (err error) {
	m.Globals, err = readVec(r, 3, decodeGlobal)
	return err
}

func decodeGlobal(r *reader, _ int, g *Global) (err error) {
	if g.Type, err = r.globalType(); err != nil {
		return err
	}
	g.Init, err = r.constExpr()
	return err
}

// globalType reads a global's type, as declared in the global section or
// imported.
func (r *reader) globalType() (GlobalType, error) {
	t, err := r.valType()
	if err != nil {
		return GlobalType{}, err
	}
	m, err := r.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if m > 1 {
		r.pos--
		return GlobalType{}, r.fail("invalid global mutability 0x%02x", m)
	}
	return GlobalType{Type: t, Mutable: m == 1}, nil
}

func (m *Module) appendGlobalSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Globals, keepEmpty, func(b []byte, g *Global) []byte {
		b = appendGlobalType(b, g.Type)
		return append(b, g.Init...)
	})
}

func appendGlobalType(b []byte, g GlobalType) []byte {
	mut := byte(0)
	if g.Mutable {
		mut = 1
	}
	return append(b, byte(g.Type), mut)
}
