package wasm

// The start section names the function run at instantiation.

func (m *Module) decodeStartSection(r *reader) (err error) {
	m.Start, err = r.u32Ptr()
	return err
}

func (m *Module) appendStartSection(b []byte, _ bool) []byte { return appendU32Ptr(b, m.Start) }
