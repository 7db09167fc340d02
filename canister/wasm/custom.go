package wasm

// decodeCustomSection records a custom section found after the non-custom
// section after, whose size LEB128 had the given width (0: canonical).
func (m *Module) decodeCustomSection(r *reader, after SectionID, width uint8) error {
	name, err := r.name()
	if err != nil {
		return err
	}
	m.Customs = append(m.Customs, Custom{Name: name, Data: r.buf[r.pos:], After: after, sizeWidth: width})
	r.pos = len(r.buf)
	return nil
}

// appendCustomSections appends the custom sections recorded after the
// non-custom section after.
func (m *Module) appendCustomSections(out []byte, after SectionID) []byte {
	for i := range m.Customs {
		c := &m.Customs[i]
		if c.After != after {
			continue
		}
		size := ULEB128Len(uint64(len(c.Name))) + len(c.Name) + len(c.Data)
		out = appendSectionHeader(out, SectionCustom, size, c.sizeWidth)
		out = appendName(out, c.Name)
		out = append(out, c.Data...)
	}
	return out
}
