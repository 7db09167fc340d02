package wasm

// funcTypeForm introduces a function type; GC types use other forms.
const funcTypeForm = 0x60

func (m *Module) decodeTypeSection(r *reader) (err error) {
	m.Types, err = readVec(r, 3, decodeFuncType)
	return err
}

func decodeFuncType(r *reader, i int, t *FuncType) error {
	form, err := r.byte()
	if err != nil {
		return err
	}
	if form != funcTypeForm {
		r.pos--
		return r.fail("type %d: unsupported type form 0x%02x", i, form)
	}
	if t.Params, err = readVec(r, 1, decodeValType); err != nil {
		return err
	}
	t.Results, err = readVec(r, 1, decodeValType)
	return err
}

func (m *Module) appendTypeSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Types, keepEmpty, appendFuncType)
}

func appendFuncType(b []byte, t *FuncType) []byte {
	b = append(b, funcTypeForm)
	b = appendVec(b, t.Params, appendValType)
	return appendVec(b, t.Results, appendValType)
}
