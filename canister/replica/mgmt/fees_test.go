package mgmt

import (
	"context"
	"strings"
	"testing"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"

	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// The IC's canister creation fee on a 13-node application subnet (ic repo,
// rs/config/src/subnet_config.rs: canister_creation_fee), scaled linearly with the subnet size.
const icCanisterCreationFee = 500_000_000_000

func newBound(t *testing.T, nodes int) (*Canister, *engine.Engine) {
	t.Helper()
	m := New(Config{})
	e, err := engine.New(context.Background(), engine.Config{Nodes: nodes, Management: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	m.Bind(e)
	return m, e
}

// TestCreateCanisterFee: create_canister keeps the creation fee of the cycles sent with it and
// gives the new canister the rest; too few cycles are refused with the IC's message. The
// settings sent along reach the engine and canister_status reports them.
func TestCreateCanisterFee(t *testing.T) {
	caller := principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 9, 1, 1}}
	for _, nodes := range []int{13, 34} {
		m, e := newBound(t, nodes)
		fee := uint64(icCanisterCreationFee) * uint64(nodes) / 13
		ft := candid.Nat(1234)
		arg, err := candid.Marshal(CreateCanisterArgs{Settings: &CanisterSettings{FreezingThreshold: &ft}})
		if err != nil {
			t.Fatal(err)
		}
		call := engine.ManagementCall{Caller: caller, FromCanister: true, Method: "create_canister", Arg: arg, Cycles: fee + 7_000}
		reply, refund, err := m.HandleManagement(context.Background(), call)
		if err != nil || refund != 0 {
			t.Fatalf("%d nodes: create_canister: refund %d, %v", nodes, refund, err)
		}
		var rec CanisterIDRecord
		if err := candid.Unmarshal(reply, &rec); err != nil {
			t.Fatal(err)
		}
		id := agentID(rec.CanisterID)
		info, err := e.Info(id)
		if err != nil {
			t.Fatal(err)
		}
		if info.Cycles != 7_000 || info.Settings.FreezingThreshold != 1234 {
			t.Fatalf("%d nodes: new canister has %d cycles and freezing threshold %d, want 7000 and 1234", nodes, info.Cycles, info.Settings.FreezingThreshold)
		}
		status, err := candid.Marshal(m.status(info))
		if err != nil {
			t.Fatal(err)
		}
		var st CanisterStatusResult
		if err := candid.Unmarshal(status, &st); err != nil {
			t.Fatal(err)
		}
		if st.Settings.FreezingThreshold != 1234 || st.Cycles != 7_000 ||
			uint64(st.IdleCyclesBurnedPerDay) != info.IdleCyclesBurnedPerDay {
			t.Fatalf("canister_status %+v", st)
		}

		call.Cycles = fee - 1
		_, refund, err = m.HandleManagement(context.Background(), call)
		if err == nil || refund != fee-1 || !strings.Contains(err.Error(), "Creating a canister requires a fee of") {
			t.Fatalf("%d nodes: create_canister with too few cycles: refund %d, %v", nodes, refund, err)
		}
	}
}
