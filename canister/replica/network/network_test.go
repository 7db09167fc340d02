package network

import (
	"slices"
	"testing"

	"github.com/aviate-labs/agent-go/principal"
)

func inRanges(rs []Range, id principal.Principal) bool {
	return slices.ContainsFunc(rs, func(r Range) bool { return r.Contains(id) })
}

// The system canisters have their mainnet ids and live in the root subnet's ranges; user
// canisters start at PocketIC's first application subnet id, in the application range.
func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name, id, got string
	}{
		{"ICP ledger", "ryjl3-tyaaa-aaaaa-aaaba-cai", ICPLedger.String()},
		{"CMC", "rkp4c-7iaaa-aaaaa-aaaca-cai", CMC.String()},
		{"cycles ledger", "um5iw-rqaaa-aaaaq-qaaba-cai", CyclesLedger.String()},
		{"first user canister", "bnz7o-iuaaa-aaaaa-qaaaa-cai", AppEffectiveID().String()},
	} {
		if tc.got != tc.id {
			t.Errorf("%s is %s, want %s", tc.name, tc.got, tc.id)
		}
	}
	for _, p := range []struct {
		id     principal.Principal
		ranges []Range
	}{{ICPLedger, RootRanges()}, {CMC, RootRanges()}, {CyclesLedger, RootRanges()}, {AppEffectiveID(), AppRanges()}} {
		if !inRanges(p.ranges, p.id) {
			t.Errorf("%s is outside its subnet's ranges", p.id)
		}
	}
	if inRanges(RootRanges(), AppEffectiveID()) || inRanges(AppRanges(), CMC) {
		t.Error("the subnets' ranges overlap")
	}
}
