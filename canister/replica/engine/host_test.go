package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/ic0api"
)

// TestHostModuleIsTheSystemAPI checks that the ic0 host module implements exactly the
// functions of ic0api's table, each with the table's Wasm type.
func TestHostModuleIsTheSystemAPI(t *testing.T) {
	impls := slices.Sorted(func(yield func(string) bool) {
		for name := range hostImpls() {
			if !yield(name) {
				return
			}
		}
	})
	if names := ic0api.Names(); !slices.Equal(impls, names) {
		t.Fatalf("implemented ic0 functions differ from ic0api's:\n got %v\nwant %v", impls, names)
	}

	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if err := instantiateHost(ctx, rt); err != nil {
		t.Fatal(err)
	}
	defs := rt.Module("ic0").ExportedFunctionDefinitions()
	for _, name := range ic0api.Names() {
		spec, _ := ic0api.Lookup(name)
		def, ok := defs[name]
		if !ok {
			t.Errorf("ic0.%s is not exported", name)
			continue
		}
		if !sameTypes(def.ParamTypes(), spec.Type.Params) || !sameTypes(def.ResultTypes(), spec.Type.Results) {
			t.Errorf("ic0.%s: host type %v -> %v, ic0api %s", name, def.ParamTypes(), def.ResultTypes(), spec.Type)
		}
	}
	if got, want := len(defs), len(ic0api.Names()); got != want {
		t.Errorf("host module exports %d functions, ic0api lists %d", got, want)
	}
}

func sameTypes(got []api.ValueType, want []wasm.ValType) bool {
	return slices.Equal(got, valueTypes(want))
}

func TestContextSet(t *testing.T) {
	tests := []struct {
		codes   []string
		allowed []apiType
		denied  []apiType
	}{
		{[]string{"*"}, []apiType{apiInit, apiUpdate, apiTransform, apiCompositeCleanup, apiLowMemory}, []apiType{apiStart}},
		{[]string{"*", "s"}, []apiType{apiStart, apiInit, apiInspectMessage}, nil},
		{[]string{"U", "Q"}, []apiType{apiUpdate, apiReplicatedQuery, apiNonReplicatedQuery}, []apiType{apiTransform, apiCompositeQuery}},
		{[]string{"T"}, []apiType{apiHeartbeat, apiGlobalTimer, apiLowMemory}, []apiType{apiUpdate}},
		{[]string{"Ry", "Rt", "C"}, []apiType{apiReplyCallback, apiRejectCallback, apiCleanup}, []apiType{apiCompositeReply, apiCompositeReject, apiCompositeCleanup}},
		{[]string{"CRy", "CRt", "CC"}, []apiType{apiCompositeReply, apiCompositeReject, apiCompositeCleanup}, []apiType{apiReplyCallback}},
		{[]string{"I", "G", "F"}, []apiType{apiInit, apiPreUpgrade, apiInspectMessage}, []apiType{apiStart, apiUpdate}},
		{[]string{"RQ", "NRQ", "TQ", "CQ"}, []apiType{apiReplicatedQuery, apiNonReplicatedQuery, apiTransform, apiCompositeQuery}, []apiType{apiUpdate}},
	}
	for _, tt := range tests {
		s, err := contextSet(tt.codes)
		if err != nil {
			t.Fatalf("%v: %v", tt.codes, err)
		}
		for _, typ := range tt.allowed {
			if !s.has(typ) {
				t.Errorf("%v does not allow %s", tt.codes, typ)
			}
		}
		for _, typ := range tt.denied {
			if s.has(typ) {
				t.Errorf("%v allows %s", tt.codes, typ)
			}
		}
	}
	if _, err := contextSet([]string{"U", "X"}); err == nil {
		t.Error("unknown context code accepted")
	}
}
