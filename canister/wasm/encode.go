package wasm

// Encode writes the module in the binary format. Sections appear in the
// required order; custom sections are placed after the section recorded in
// their After field. A module returned by Decode and not modified encodes to
// exactly the bytes it was decoded from.
func (m *Module) Encode() []byte {
	out := make([]byte, 0, m.sizeHint())
	out = append(out, magic...)
	out = append(out, version...)
	out = m.appendCustoms(out, SectionCustom)
	var payload []byte
	for _, id := range sectionOrder {
		payload = m.appendSection(payload[:0], id, m.present[id])
		if len(payload) > 0 {
			out = appendSectionBytes(out, id, payload, m.sizeWidth[id])
		}
		out = m.appendCustoms(out, id)
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

func appendSectionBytes(out []byte, id SectionID, payload []byte, width uint8) []byte {
	out = append(out, byte(id))
	if int(width) > ULEB128Len(uint64(len(payload))) {
		out = AppendULEB128Padded(out, uint64(len(payload)), int(width))
	} else {
		out = AppendULEB128(out, uint64(len(payload)))
	}
	return append(out, payload...)
}

func (m *Module) appendCustoms(out []byte, after SectionID) []byte {
	for i := range m.Customs {
		c := &m.Customs[i]
		if c.After != after {
			continue
		}
		payload := appendName(nil, c.Name)
		size := uint64(len(payload) + len(c.Data))
		out = append(out, byte(SectionCustom))
		if int(c.sizeWidth) > ULEB128Len(size) {
			out = AppendULEB128Padded(out, size, int(c.sizeWidth))
		} else {
			out = AppendULEB128(out, size)
		}
		out = append(out, payload...)
		out = append(out, c.Data...)
	}
	return out
}

func appendName(b []byte, s string) []byte {
	b = AppendULEB128(b, uint64(len(s)))
	return append(b, s...)
}

func appendLimits(b []byte, l Limits) []byte {
	var flags byte
	if l.HasMax {
		flags |= 1
	}
	if l.Shared {
		flags |= 2
	}
	if l.Is64 {
		flags |= 4
	}
	b = append(b, flags)
	b = AppendULEB128(b, l.Min)
	if l.HasMax {
		b = AppendULEB128(b, l.Max)
	}
	return b
}

func appendGlobalType(b []byte, g GlobalType) []byte {
	mut := byte(0)
	if g.Mutable {
		mut = 1
	}
	return append(b, byte(g.Type), mut)
}

// appendSection appends the payload of section id, or nothing when the
// module has no content for it and keepEmpty is false (an empty vector
// section the input had is kept as a zero count).
func (m *Module) appendSection(b []byte, id SectionID, keepEmpty bool) []byte {
	switch id {
	case SectionType:
		if len(m.Types) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Types)))
		for _, t := range m.Types {
			b = append(b, 0x60)
			b = AppendULEB128(b, uint64(len(t.Params)))
			for _, v := range t.Params {
				b = append(b, byte(v))
			}
			b = AppendULEB128(b, uint64(len(t.Results)))
			for _, v := range t.Results {
				b = append(b, byte(v))
			}
		}
	case SectionImport:
		if len(m.Imports) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Imports)))
		for i := range m.Imports {
			im := &m.Imports[i]
			b = appendName(b, im.Module)
			b = appendName(b, im.Name)
			b = append(b, byte(im.Kind))
			switch im.Kind {
			case ExternFunc:
				b = AppendULEB128(b, uint64(im.Func))
			case ExternTable:
				b = append(b, byte(im.Table.Type))
				b = appendLimits(b, im.Table.Limits)
			case ExternMemory:
				b = appendLimits(b, im.Memory.Limits)
			case ExternGlobal:
				b = appendGlobalType(b, im.Global)
			}
		}
	case SectionFunction:
		if len(m.Funcs) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Funcs)))
		for _, f := range m.Funcs {
			b = AppendULEB128(b, uint64(f))
		}
	case SectionTable:
		if len(m.Tables) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Tables)))
		for _, t := range m.Tables {
			b = append(b, byte(t.Type))
			b = appendLimits(b, t.Limits)
		}
	case SectionMemory:
		if len(m.Memories) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Memories)))
		for _, mem := range m.Memories {
			b = appendLimits(b, mem.Limits)
		}
	case SectionGlobal:
		if len(m.Globals) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Globals)))
		for _, g := range m.Globals {
			b = appendGlobalType(b, g.Type)
			b = append(b, g.Init...)
		}
	case SectionExport:
		if len(m.Exports) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Exports)))
		for _, e := range m.Exports {
			b = appendName(b, e.Name)
			b = append(b, byte(e.Kind))
			b = AppendULEB128(b, uint64(e.Index))
		}
	case SectionStart:
		if m.Start != nil {
			b = AppendULEB128(b, uint64(*m.Start))
		}
	case SectionElement:
		if len(m.Elements) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Elements)))
		for i := range m.Elements {
			b = appendElement(b, &m.Elements[i])
		}
	case SectionDataCount:
		if m.DataCount != nil {
			b = AppendULEB128(b, uint64(*m.DataCount))
		}
	case SectionCode:
		if len(m.Code) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Code)))
		var locals []byte
		for i := range m.Code {
			c := &m.Code[i]
			locals = AppendULEB128(locals[:0], uint64(len(c.Locals)))
			for _, l := range c.Locals {
				locals = AppendULEB128(locals, uint64(l.Count))
				locals = append(locals, byte(l.Type))
			}
			b = AppendULEB128(b, uint64(len(locals)+len(c.Body)))
			b = append(b, locals...)
			b = append(b, c.Body...)
		}
	case SectionData:
		if len(m.Data) == 0 && !keepEmpty {
			return b
		}
		b = AppendULEB128(b, uint64(len(m.Data)))
		for i := range m.Data {
			d := &m.Data[i]
			switch {
			case d.Mode == SegmentPassive:
				b = append(b, 1)
			case d.Memory != 0 || d.ExplicitMemory:
				b = append(b, 2)
				b = AppendULEB128(b, uint64(d.Memory))
			default:
				b = append(b, 0)
			}
			if d.Mode == SegmentActive {
				b = append(b, d.Offset...)
			}
			b = AppendULEB128(b, uint64(len(d.Init)))
			b = append(b, d.Init...)
		}
	}
	return b
}

// elementFlags chooses the encoding (0-7) of an element segment.
func elementFlags(e *Element) byte {
	var f byte
	switch e.Mode {
	case SegmentActive:
		if e.Table != 0 || e.ExplicitTable || e.Type != FuncRef {
			f = 2
		}
	case SegmentPassive:
		f = 1
	case SegmentDeclarative:
		f = 3
	}
	if e.UsesExprs {
		f |= 4
	}
	return f
}

func appendElement(b []byte, e *Element) []byte {
	f := elementFlags(e)
	b = append(b, f)
	if e.Mode == SegmentActive {
		if f&2 != 0 {
			b = AppendULEB128(b, uint64(e.Table))
		}
		b = append(b, e.Offset...)
	}
	if f != 0 && f != 4 {
		if e.UsesExprs {
			b = append(b, byte(e.Type))
		} else {
			b = append(b, 0) // elemkind funcref
		}
	}
	if e.UsesExprs {
		b = AppendULEB128(b, uint64(len(e.Exprs)))
		for _, x := range e.Exprs {
			b = append(b, x...)
		}
		return b
	}
	b = AppendULEB128(b, uint64(len(e.Funcs)))
	for _, fi := range e.Funcs {
		b = AppendULEB128(b, uint64(fi))
	}
	return b
}
