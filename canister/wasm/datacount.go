package wasm

// The data count section (bulk memory) announces the number of data segments
// ahead of the code section, so that memory.init and data.drop can be
// validated in one pass.

func (m *Module) decodeDataCountSection(r *reader) (err error) {
	m.DataCount, err = r.u32Ptr()
	return err
}

func (m *Module) appendDataCountSection(b []byte, _ bool) []byte {
	return appendU32Ptr(b, m.DataCount)
}
