package link

import (
	"fmt"
	"sort"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// NameSection is the standard custom section with debug names.
const NameSection = "name"

// nameSubsectionFuncs is the id of the function-names subsection.
const nameSubsectionFuncs = 1

// parseFuncNames reads the function-names subsection of a "name" section.
// Other subsections are skipped; a malformed section yields an error.
func parseFuncNames(data []byte) (map[uint32]string, error) {
	names := map[uint32]string{}
	for len(data) > 0 {
		id := data[0]
		size, n, err := wasm.ReadULEB128(data[1:], 32)
		if err != nil || uint64(len(data)-1-n) < size {
			return nil, fmt.Errorf("name section: bad subsection %d", id)
		}
		sub := data[1+n : 1+n+int(size)]
		data = data[1+n+int(size):]
		if id != nameSubsectionFuncs {
			continue
		}
		count, n, err := wasm.ReadULEB128(sub, 32)
		if err != nil {
			return nil, fmt.Errorf("name section: %w", err)
		}
		sub = sub[n:]
		for i := uint64(0); i < count; i++ {
			idx, n, err := wasm.ReadULEB128(sub, 32)
			if err != nil {
				return nil, fmt.Errorf("name section: %w", err)
			}
			sub = sub[n:]
			l, n, err := wasm.ReadULEB128(sub, 32)
			if err != nil || uint64(len(sub)-n) < l {
				return nil, fmt.Errorf("name section: bad name of function %d", idx)
			}
			names[uint32(idx)] = string(sub[n : n+int(l)])
			sub = sub[n+int(l):]
		}
	}
	return names, nil
}

// encodeFuncNames builds a "name" section with only function names.
func encodeFuncNames(names map[uint32]string) []byte {
	idx := make([]uint32, 0, len(names))
	for i := range names {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	var sub []byte
	sub = wasm.AppendULEB128(sub, uint64(len(idx)))
	for _, i := range idx {
		sub = wasm.AppendULEB128(sub, uint64(i))
		sub = wasm.AppendULEB128(sub, uint64(len(names[i])))
		sub = append(sub, names[i]...)
	}
	out := []byte{nameSubsectionFuncs}
	out = wasm.AppendULEB128(out, uint64(len(sub)))
	return append(out, sub...)
}

// setName records the debug name of a function in the output, when names
// are kept.
func (l *linker) setName(idx uint32, name string) {
	if l.names != nil {
		l.names[idx] = name
	}
}
