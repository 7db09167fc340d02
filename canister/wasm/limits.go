package wasm

// Limits flags: bit 0 a maximum follows, bit 1 shared (threads), bit 2
// 64-bit indices (memory64, table64).
const (
	limitsHasMax byte = 1 << iota
	limitsShared
	limitsIs64
)

func (r *reader) limits() (Limits, error) {
	flags, err := r.byte()
	if err != nil {
		return Limits{}, err
	}
	if flags > limitsHasMax|limitsShared|limitsIs64 {
		r.pos--
		return Limits{}, r.fail("invalid limits flags 0x%02x", flags)
	}
	l := Limits{HasMax: flags&limitsHasMax != 0, Shared: flags&limitsShared != 0, Is64: flags&limitsIs64 != 0}
	bits := 32
	if l.Is64 {
		bits = 64
	}
	if l.Min, err = r.uleb(bits); err != nil || !l.HasMax {
		return l, err
	}
	l.Max, err = r.uleb(bits)
	return l, err
}

func appendLimits(b []byte, l Limits) []byte {
	var flags byte
	if l.HasMax {
		flags |= limitsHasMax
	}
	if l.Shared {
		flags |= limitsShared
	}
	if l.Is64 {
		flags |= limitsIs64
	}
	b = append(b, flags)
	b = AppendULEB128(b, l.Min)
	if l.HasMax {
		b = AppendULEB128(b, l.Max)
	}
	return b
}
