package ic00

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// CanisterSettings is canister_settings, every field of the current interface. The local
// replica's management canister decodes it; the system canisters (cycles ledger, CMC) pass
// it through to the management canister unchanged.
type CanisterSettings struct {
	Controllers                       *[]principal.Principal `ic:"controllers"`
	ComputeAllocation                 *candid.Nat            `ic:"compute_allocation"`
	MemoryAllocation                  *candid.Nat            `ic:"memory_allocation"`
	FreezingThreshold                 *candid.Nat            `ic:"freezing_threshold"`
	ReservedCyclesLimit               *candid.Nat            `ic:"reserved_cycles_limit"`
	LogVisibility                     *Visibility            `ic:"log_visibility"`
	LogMemoryLimit                    *candid.Nat            `ic:"log_memory_limit"`
	SnapshotVisibility                *Visibility            `ic:"snapshot_visibility"`
	StatusVisibility                  *Visibility            `ic:"status_visibility"`
	WasmMemoryLimit                   *candid.Nat            `ic:"wasm_memory_limit"`
	WasmMemoryThreshold               *candid.Nat            `ic:"wasm_memory_threshold"`
	EnvVars                           *[]EnvVar              `ic:"environment_variables"`
	MinimumIncomingCanisterCallCycles *candid.Nat            `ic:"minimum_incoming_canister_call_cycles"`
	// MinimumMsgCyclesAvailable is the name an earlier version of the interface gave
	// minimum_incoming_canister_call_cycles.
	MinimumMsgCyclesAvailable *candid.Nat `ic:"minimum_msg_cycles_available"`
}

// Visibility is log_visibility (snapshot_visibility and status_visibility have the same
// variants): exactly one arm is set.
type Visibility struct {
	Controllers    *candid.Null           `ic:"controllers,variant"`
	Public         *candid.Null           `ic:"public,variant"`
	AllowedViewers *[]principal.Principal `ic:"allowed_viewers,variant"`
}

// EnvVar is environment_variable.
type EnvVar struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}
