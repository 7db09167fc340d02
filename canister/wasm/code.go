package wasm

import "fmt"

func (m *Module) decodeCodeSection(r *reader) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if n != len(m.Funcs) {
		return r.fail("%d function bodies for %d declared functions", n, len(m.Funcs))
	}
	m.Code = make([]Code, n)
	for i := range m.Code {
		size, err := r.u32()
		if err != nil {
			return err
		}
		body, err := r.bytes(int(size))
		if err != nil {
			return err
		}
		fr := &reader{buf: body, base: r.base + r.pos - len(body), section: r.section}
		if err := fr.code(&m.Code[i]); err != nil {
			if de, ok := err.(*DecodeError); ok {
				de.Err = fmt.Errorf("body %d: %w", i, de.Err)
			}
			return err
		}
	}
	return nil
}

// code decodes a function body: r holds exactly the body.
func (r *reader) code(c *Code) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	if n > 0 {
		c.Locals = make([]Local, n)
	}
	var total uint64
	for i := range c.Locals {
		if c.Locals[i].Count, err = r.u32(); err != nil {
			return err
		}
		total += uint64(c.Locals[i].Count)
		if total > 1<<32-1 {
			return r.fail("too many locals (%d)", total)
		}
		if c.Locals[i].Type, err = r.valType(); err != nil {
			return err
		}
	}
	c.Body = r.buf[r.pos:len(r.buf):len(r.buf)]
	if len(c.Body) == 0 || c.Body[len(c.Body)-1] != byte(OpEnd) {
		return r.fail("function body does not end with end (0x0b)")
	}
	r.pos = len(r.buf)
	return nil
}

func (m *Module) appendCodeSection(b []byte, keepEmpty bool) []byte {
	// The body size precedes the locals: they are written to a scratch
	// buffer first.
	var locals []byte
	return appendVecSection(b, m.Code, keepEmpty, func(b []byte, c *Code) []byte {
		locals = appendVec(locals[:0], c.Locals, func(b []byte, l *Local) []byte {
			b = AppendULEB128(b, uint64(l.Count))
			return append(b, byte(l.Type))
		})
		b = AppendULEB128(b, uint64(len(locals)+len(c.Body)))
		b = append(b, locals...)
		return append(b, c.Body...)
	})
}
