package wasm

// The function section holds the type index of each function defined in the
// module; their bodies follow in the code section.

func (m *Module) decodeFunctionSection(r *reader) (err error) {
	m.Funcs, err = readVec(r, 1, decodeU32)
	return err
}

func (m *Module) appendFunctionSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Funcs, keepEmpty, appendU32)
}
