package wasm

func (m *Module) decodeTableSection(r *reader) (err error) {
	m.Tables, err = readVec(r, 3, func(r *reader, _ int, t *Table) (err error) {
		*t, err = r.table()
		return err
	})
	return err
}

// table reads a table type, as declared in the table section or imported.
func (r *reader) table() (Table, error) {
	t, err := r.refType()
	if err != nil {
		return Table{}, err
	}
	l, err := r.limits()
	return Table{Type: t, Limits: l}, err
}

func (m *Module) appendTableSection(b []byte, keepEmpty bool) []byte {
	return appendVecSection(b, m.Tables, keepEmpty, appendTable)
}

func appendTable(b []byte, t *Table) []byte {
	b = append(b, byte(t.Type))
	return appendLimits(b, t.Limits)
}
