package e2e

import (
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"
)

// The management canister's records as ic.did declares them, for agent-go's codec: the e2e
// tests talk to the replica as an independent client would, with their own types rather than
// the replica's (replica/mgmt, encoded by the CDK's codec).

// canisterIDRecord is the result of create_canister and the argument of every method that
// only names a canister (start, stop, delete, canister_status, clear_chunk_store,
// stored_chunks, uninstall_code, deposit_cycles).
type canisterIDRecord struct {
	CanisterID principal.Principal `ic:"canister_id"`
}

// installMode is canister_install_mode.
type installMode struct {
	Install   *idl.Null      `ic:"install,variant"`
	Reinstall *idl.Null      `ic:"reinstall,variant"`
	Upgrade   **upgradeFlags `ic:"upgrade,variant"`
}

// upgradeFlags are the options of an upgrade.
type upgradeFlags struct {
	SkipPreUpgrade        *bool                  `ic:"skip_pre_upgrade,omitempty"`
	WasmMemoryPersistence *wasmMemoryPersistence `ic:"wasm_memory_persistence,omitempty"`
}

// wasmMemoryPersistence selects enhanced orthogonal persistence (keep) or not (replace).
type wasmMemoryPersistence struct {
	Keep    *idl.Null `ic:"keep,variant"`
	Replace *idl.Null `ic:"replace,variant"`
}

// installCodeArgs is install_code_args.
type installCodeArgs struct {
	Mode                  installMode         `ic:"mode"`
	CanisterID            principal.Principal `ic:"canister_id"`
	WasmModule            []byte              `ic:"wasm_module"`
	Arg                   []byte              `ic:"arg"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version,omitempty"`
}

// canisterStatusResult is canister_status_result (the fields a local replica can fill).
type canisterStatusResult struct {
	Status                 statusVariant    `ic:"status"`
	ReadyForMigration      bool             `ic:"ready_for_migration"`
	Version                uint64           `ic:"version"`
	Settings               definiteSettings `ic:"settings"`
	ModuleHash             *[]byte          `ic:"module_hash,omitempty"`
	MemorySize             idl.Nat          `ic:"memory_size"`
	MemoryMetrics          memoryMetrics    `ic:"memory_metrics"`
	Cycles                 idl.Nat          `ic:"cycles"`
	ReservedCycles         idl.Nat          `ic:"reserved_cycles"`
	IdleCyclesBurnedPerDay idl.Nat          `ic:"idle_cycles_burned_per_day"`
	QueryStats             queryStats       `ic:"query_stats"`
}

// statusVariant is the status variant of canister_status_result.
type statusVariant struct {
	Running  *idl.Null `ic:"running,variant"`
	Stopping *idl.Null `ic:"stopping,variant"`
	Stopped  *idl.Null `ic:"stopped,variant"`
}

// definiteSettings is definite_canister_settings.
type definiteSettings struct {
	Controllers         []principal.Principal `ic:"controllers"`
	ComputeAllocation   idl.Nat               `ic:"compute_allocation"`
	MemoryAllocation    idl.Nat               `ic:"memory_allocation"`
	FreezingThreshold   idl.Nat               `ic:"freezing_threshold"`
	ReservedCyclesLimit idl.Nat               `ic:"reserved_cycles_limit"`
	LogVisibility       logVisibility         `ic:"log_visibility"`
	LogMemoryLimit      idl.Nat               `ic:"log_memory_limit"`
	WasmMemoryLimit     idl.Nat               `ic:"wasm_memory_limit"`
	WasmMemoryThreshold idl.Nat               `ic:"wasm_memory_threshold"`
	EnvVars             []envVar              `ic:"environment_variables"`
}

// logVisibility is log_visibility.
type logVisibility struct {
	Controllers    *idl.Null              `ic:"controllers,variant"`
	Public         *idl.Null              `ic:"public,variant"`
	AllowedViewers *[]principal.Principal `ic:"allowed_viewers,variant"`
}

// envVar is environment_variable.
type envVar struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

// memoryMetrics is the memory_metrics record of canister_status_result.
type memoryMetrics struct {
	WasmMemorySize      idl.Nat `ic:"wasm_memory_size"`
	StableMemorySize    idl.Nat `ic:"stable_memory_size"`
	GlobalMemorySize    idl.Nat `ic:"global_memory_size"`
	WasmBinarySize      idl.Nat `ic:"wasm_binary_size"`
	CustomSectionsSize  idl.Nat `ic:"custom_sections_size"`
	CanisterHistorySize idl.Nat `ic:"canister_history_size"`
	WasmChunkStoreSize  idl.Nat `ic:"wasm_chunk_store_size"`
	SnapshotsSize       idl.Nat `ic:"snapshots_size"`
	LogMemoryStoreSize  idl.Nat `ic:"log_memory_store_size"`
}

// queryStats is the query_stats record of canister_status_result.
type queryStats struct {
	NumCallsTotal             idl.Nat `ic:"num_calls_total"`
	NumInstructionsTotal      idl.Nat `ic:"num_instructions_total"`
	RequestPayloadBytesTotal  idl.Nat `ic:"request_payload_bytes_total"`
	ResponsePayloadBytesTotal idl.Nat `ic:"response_payload_bytes_total"`
}

// canisterSettings is canister_settings (the fields the tests set).
type canisterSettings struct {
	Controllers       *[]principal.Principal `ic:"controllers,omitempty"`
	FreezingThreshold *idl.Nat               `ic:"freezing_threshold,omitempty"`
}

// updateSettingsArgs is update_settings_args.
type updateSettingsArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Settings   canisterSettings    `ic:"settings"`
}
