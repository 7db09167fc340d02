package network

import (
	"testing"

	"github.com/gocanister/stripe-ic/canister/replica/certify"
)

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
		raw    []byte
		ranges []certify.CanisterRange
	}{{ICPLedger.Raw, RootRanges()}, {CMC.Raw, RootRanges()}, {CyclesLedger.Raw, RootRanges()}, {AppEffectiveID().Raw, AppRanges()}} {
		if !certify.InRanges(p.ranges, p.raw) {
			t.Errorf("%x is outside its subnet's ranges", p.raw)
		}
	}
	if certify.InRanges(RootRanges(), AppEffectiveID().Raw) || certify.InRanges(AppRanges(), CMC.Raw) {
		t.Error("the subnets' ranges overlap")
	}
}
