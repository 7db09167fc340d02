package wasm

func (m *Module) decodeImportSection(r *reader) (err error) {
	m.Imports, err = readVec(r, 4, decodeImport)
	return err
}

func decodeImport(r *reader, i int, im *Import) (err error) {
	if im.Module, err = r.name(); err != nil {
		return err
	}
	if im.Name, err = r.name(); err != nil {
		return err
	}
	k, err := r.byte()
	if err != nil {
		return err
	}
	im.Kind = ExternKind(k)
	switch im.Kind {
	case ExternFunc:
		im.Func, err = r.u32()
	case ExternTable:
		im.Table, err = r.table()
	case ExternMemory:
		im.Memory.Limits, err = r.limits()
	case ExternGlobal:
		im.Global, err = r.globalType()
	default:
		r.pos--
		return r.fail("import %d (%s.%s): unsupported kind 0x%02x", i, im.Module, im.Name, k)
	}
	return err
}

func (m *Module) appendImportSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Imports, keepEmpty, appendImport)
}

func appendImport(b []byte, im *Import) []byte {
	b = appendName(b, im.Module)
	b = appendName(b, im.Name)
	b = append(b, byte(im.Kind))
	switch im.Kind {
	case ExternFunc:
		b = AppendULEB128(b, uint64(im.Func))
	case ExternTable:
		b = appendTable(b, &im.Table)
	case ExternMemory:
		b = appendLimits(b, im.Memory.Limits)
	case ExternGlobal:
		b = appendGlobalType(b, im.Global)
	}
	return b
}
