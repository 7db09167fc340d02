package link

import (
	"sort"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// mergeData joins the active data segments of memory 0 whose gaps are at most
// MaxDataGap zero bytes. It leaves the segments alone when merging could
// change behaviour: passive segments (data indices would shift), non-constant
// offsets or overlapping segments (application order would matter).
func (l *linker) mergeData() error {
	m := l.m
	maxGap := l.opts.MaxDataGap
	if maxGap == 0 {
		maxGap = DefaultMaxDataGap
	}
	if maxGap < 0 {
		maxGap = 0
	}
	if m.DataCount != nil {
		return nil
	}
	type seg struct {
		off  uint64
		data []byte
	}
	var segs []seg
	var other []wasm.Data
	for _, d := range m.Data {
		if d.Mode != wasm.SegmentActive {
			return nil
		}
		if d.Memory != 0 {
			other = append(other, d)
			continue
		}
		off, ok := wasm.EvalConstI32(d.Offset)
		if !ok {
			return nil
		}
		segs = append(segs, seg{uint64(uint32(off)), d.Init})
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].off < segs[j].off })
	for i := 1; i < len(segs); i++ {
		if segs[i].off < segs[i-1].off+uint64(len(segs[i-1].data)) {
			return nil // overlap
		}
	}
	var out []wasm.Data
	for i := 0; i < len(segs); {
		start := segs[i].off
		end := start + uint64(len(segs[i].data))
		j := i + 1
		for j < len(segs) && segs[j].off-end <= uint64(maxGap) {
			end = segs[j].off + uint64(len(segs[j].data))
			j++
		}
		var init []byte
		if j == i+1 {
			init = segs[i].data
		} else {
			init = make([]byte, end-start)
			for _, s := range segs[i:j] {
				copy(init[s.off-start:], s.data)
			}
		}
		out = append(out, wasm.Data{Mode: wasm.SegmentActive, Offset: wasm.ConstI32(int32(uint32(start))), Init: init})
		i = j
	}
	m.Data = append(out, other...)
	return nil
}
