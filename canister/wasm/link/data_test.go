package link

import (
	"bytes"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

func active(off int32, s string) wasm.Data {
	return wasm.Data{Offset: wasm.ConstI32(off), Init: []byte(s)}
}

func TestMergeData(t *testing.T) {
	globalOff := wasm.Data{Offset: []byte{byte(wasm.OpGlobalGet), 0, byte(wasm.OpEnd)}, Init: []byte("g")}
	tests := []struct {
		name   string
		gap    int
		in     []wasm.Data
		count  *uint32
		want   []wasm.Data
		sameAs bool // output must equal input
	}{
		{"adjacent joined", -1, []wasm.Data{active(0, "ab"), active(2, "cd")}, nil,
			[]wasm.Data{active(0, "abcd")}, false},
		{"gap filled", 64, []wasm.Data{active(20, "ef"), active(0, "ab"), active(10, "cd"), active(1000, "xy")}, nil,
			[]wasm.Data{active(0, "ab\x00\x00\x00\x00\x00\x00\x00\x00cd\x00\x00\x00\x00\x00\x00\x00\x00ef"), active(1000, "xy")}, false},
		{"gap too large", 7, []wasm.Data{active(0, "ab"), active(10, "cd")}, nil,
			[]wasm.Data{active(0, "ab"), active(10, "cd")}, false},
		{"other memory kept", 64, []wasm.Data{active(0, "ab"), {Memory: 1, Offset: wasm.ConstI32(2), Init: []byte("m1")}, active(2, "cd")}, nil,
			[]wasm.Data{active(0, "abcd"), {Memory: 1, Offset: wasm.ConstI32(2), Init: []byte("m1")}}, false},
		{"overlap untouched", 64, []wasm.Data{active(0, "abc"), active(2, "xy")}, nil, nil, true},
		{"passive untouched", 64, []wasm.Data{active(0, "ab"), {Mode: wasm.SegmentPassive, Init: []byte("p")}}, nil, nil, true},
		{"data count untouched", 64, []wasm.Data{active(0, "ab"), active(2, "cd")}, new(uint32), nil, true},
		{"non-constant offset untouched", 64, []wasm.Data{active(0, "ab"), globalOff}, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &wasm.Module{Data: append([]wasm.Data(nil), tc.in...), DataCount: tc.count}
			l := &linker{m: m, opts: Options{MaxDataGap: tc.gap}}
			if err := l.mergeData(); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if tc.sameAs {
				want = tc.in
			}
			if len(m.Data) != len(want) {
				t.Fatalf("%d segments, want %d: %+v", len(m.Data), len(want), m.Data)
			}
			for i := range want {
				g, w := m.Data[i], want[i]
				if g.Memory != w.Memory || g.Mode != w.Mode || !bytes.Equal(g.Offset, w.Offset) || !bytes.Equal(g.Init, w.Init) {
					t.Errorf("segment %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
