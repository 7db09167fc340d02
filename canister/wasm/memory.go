package wasm

func (m *Module) decodeMemorySection(r *reader) (err error) {
	m.Memories, err = readVec(r, 2, func(r *reader, _ int, mem *Memory) (err error) {
		mem.Limits, err = r.limits()
		return err
	})
	return err
}

func (m *Module) appendMemorySection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Memories, keepEmpty, func(b []byte, mem *Memory) []byte {
		return appendLimits(b, mem.Limits)
	})
}
