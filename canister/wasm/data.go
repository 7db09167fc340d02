package wasm

// Data segment encodings: 0 active in memory 0, 1 passive, 2 active with an
// explicit memory index.
const (
	dataActive         = 0
	dataPassive        = 1
	dataExplicitMemory = 2
)

func (m *Module) decodeDataSection(r *reader) (err error) {
	m.Data, err = readVec(r, 2, decodeData)
	return err
}

func decodeData(r *reader, _ int, d *Data) error {
	flags, err := r.u32()
	if err != nil {
		return err
	}
	switch flags {
	case dataActive:
		d.Mode = SegmentActive
	case dataPassive:
		d.Mode = SegmentPassive
	case dataExplicitMemory:
		d.Mode = SegmentActive
		d.ExplicitMemory = true
		if d.Memory, err = r.u32(); err != nil {
			return err
		}
	default:
		return r.fail("invalid data segment flags %d", flags)
	}
	if d.Mode == SegmentActive {
		if d.Offset, err = r.constExpr(); err != nil {
			return err
		}
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	d.Init, err = r.bytes(int(n))
	return err
}

func (m *Module) appendDataSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Data, keepEmpty, appendData)
}

func appendData(b []byte, d *Data) []byte {
	switch {
	case d.Mode == SegmentPassive:
		b = append(b, dataPassive)
	case d.Memory != 0 || d.ExplicitMemory:
		b = append(b, dataExplicitMemory)
		b = AppendULEB128(b, uint64(d.Memory))
	default:
		b = append(b, dataActive)
	}
	if d.Mode == SegmentActive {
		b = append(b, d.Offset...)
	}
	b = AppendULEB128(b, uint64(len(d.Init)))
	return append(b, d.Init...)
}
