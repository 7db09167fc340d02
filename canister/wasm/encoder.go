package wasm

// Encode writes the module in the binary format. Sections appear in the
// required order; custom sections are placed after the section recorded in
// their After field. A module returned by Decode and not modified encodes to
// exactly the bytes it was decoded from.
func (m *Module) Encode() []byte {
	out := make([]byte, 0, m.sizeHint())
	out = append(out, magic...)
	out = append(out, version...)
	out = m.appendCustomSections(out, SectionCustom)
	var payload []byte
	for _, id := range sectionOrder {
		payload = sectionCodecs[id].append(m, payload[:0], m.present[id])
		if len(payload) > 0 {
			out = appendSectionHeader(out, id, len(payload), m.sizeWidth[id])
			out = append(out, payload...)
		}
		out = m.appendCustomSections(out, id)
	}
	return out
}

func (m *Module) sizeHint() int {
	n := 1024
	for i := range m.Code {
		n += len(m.Code[i].Body) + 8
	}
	for i := range m.Data {
		n += len(m.Data[i].Init) + 16
	}
	for i := range m.Customs {
		n += len(m.Customs[i].Data) + len(m.Customs[i].Name) + 10
	}
	return n
}

// appendSectionHeader appends a section's id and payload size, the size
// padded to width bytes when the input had it so (width 0: canonical).
func appendSectionHeader(out []byte, id SectionID, size int, width uint8) []byte {
	out = append(out, byte(id))
	if int(width) > ULEB128Len(uint64(size)) {
		return AppendULEB128Padded(out, uint64(size), int(width))
	}
	return AppendULEB128(out, uint64(size))
}

// appendVec appends a vector: its length, then each element written by item.
func appendVec[T any](b []byte, vs []T, item func(b []byte, v *T) []byte) []byte {
	b = AppendULEB128(b, uint64(len(vs)))
	for i := range vs {
		b = item(b, &vs[i])
	}
	return b
}

// appendVecSection appends the payload of a section that is one vector, or
// nothing when the vector is empty and keepEmpty is false.
func appendVecSection[T any](b []byte, vs []T, keepEmpty bool, item func(b []byte, v *T) []byte) []byte {
	if len(vs) == 0 && !keepEmpty {
		return b
	}
	return appendVec(b, vs, item)
}

// appendU32 is the item encoder of index vectors.
func appendU32(b []byte, v *uint32) []byte { return AppendULEB128(b, uint64(*v)) }

// appendU32Ptr appends the single index of a start or data count section,
// or nothing when the module has none.
func appendU32Ptr(b []byte, v *uint32) []byte {
	if v == nil {
		return b
	}
	return appendU32(b, v)
}

// appendValType is the item encoder of value type vectors.
func appendValType(b []byte, t *ValType) []byte { return append(b, byte(*t)) }

func appendName(b []byte, s string) []byte {
	b = AppendULEB128(b, uint64(len(s)))
	return append(b, s...)
}
