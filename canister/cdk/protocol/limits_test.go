package protocol

import "testing"

func TestOutcallCost(t *testing.T) {
	tests := []struct {
		req, resp uint64
		nodes     int
		want      uint64
	}{
		{0, 0, 13, 49_140_000},
		{0, 8192, 13, 49_140_000 + 800*13*8192},
		{100, 2_000_000, 13, 49_140_000 + 400*13*100 + 800*13*2_000_000},
		{0, 0, 34, (3_000_000 + 60_000*34) * 34},
	}
	for _, tt := range tests {
		if got := OutcallCost(tt.req, tt.resp, tt.nodes); got != tt.want {
			t.Errorf("OutcallCost(%d, %d, %d) = %d, want %d", tt.req, tt.resp, tt.nodes, got, tt.want)
		}
	}
}

func TestOutcallRequestBytes(t *testing.T) {
	// URL 11, headers "k"+"vv" 3, body 3, transform method 2 and context 1.
	if got := OutcallRequestBytes("https://a/b", 3, []byte("xyz"), "tr", []byte{1}); got != 20 {
		t.Errorf("OutcallRequestBytes = %d, want 20", got)
	}
}
