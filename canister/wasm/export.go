package wasm

func (m *Module) decodeExportSection(r *reader) (err error) {
	m.Exports, err = readVec(r, 3, decodeExport)
	return err
}

func decodeExport(r *reader, _ int, e *Export) (err error) {
	if e.Name, err = r.name(); err != nil {
		return err
	}
	k, err := r.byte()
	if err != nil {
		return err
	}
	if k > byte(ExternGlobal) {
		r.pos--
		return r.fail("export %q: unsupported kind 0x%02x", e.Name, k)
	}
	e.Kind = ExternKind(k)
	e.Index, err = r.u32()
	return err
}

func (m *Module) appendExportSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Exports, keepEmpty, func(b []byte, e *Export) []byte {
		b = appendName(b, e.Name)
		b = append(b, byte(e.Kind))
		return AppendULEB128(b, uint64(e.Index))
	})
}
