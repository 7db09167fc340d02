package mgmt

import (
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"
)

// The Candid types of the management canister's interface (ic.did of the IC interface
// specification), for agent-go's candid codec. Decoding is lenient the way Candid subtyping
// requires: missing opt fields stay nil and unknown fields are skipped, so clients that send
// older or newer versions of a record are served.

// CanisterSettings is canister_settings.
type CanisterSettings struct {
	Controllers         *[]principal.Principal `ic:"controllers,omitempty"`
	ComputeAllocation   *idl.Nat               `ic:"compute_allocation,omitempty"`
	MemoryAllocation    *idl.Nat               `ic:"memory_allocation,omitempty"`
	FreezingThreshold   *idl.Nat               `ic:"freezing_threshold,omitempty"`
	ReservedCyclesLimit *idl.Nat               `ic:"reserved_cycles_limit,omitempty"`
	WasmMemoryLimit     *idl.Nat               `ic:"wasm_memory_limit,omitempty"`
	WasmMemoryThreshold *idl.Nat               `ic:"wasm_memory_threshold,omitempty"`
}

// DefiniteSettings is definite_canister_settings.
type DefiniteSettings struct {
	Controllers         []principal.Principal `ic:"controllers"`
	ComputeAllocation   idl.Nat               `ic:"compute_allocation"`
	MemoryAllocation    idl.Nat               `ic:"memory_allocation"`
	FreezingThreshold   idl.Nat               `ic:"freezing_threshold"`
	ReservedCyclesLimit idl.Nat               `ic:"reserved_cycles_limit"`
	LogVisibility       LogVisibility         `ic:"log_visibility"`
	LogMemoryLimit      idl.Nat               `ic:"log_memory_limit"`
	WasmMemoryLimit     idl.Nat               `ic:"wasm_memory_limit"`
	WasmMemoryThreshold idl.Nat               `ic:"wasm_memory_threshold"`
	EnvVars             []EnvVar              `ic:"environment_variables"`
}

// LogVisibility is log_visibility.
type LogVisibility struct {
	Controllers    *idl.Null              `ic:"controllers,variant"`
	Public         *idl.Null              `ic:"public,variant"`
	AllowedViewers *[]principal.Principal `ic:"allowed_viewers,variant"`
}

// EnvVar is environment_variable.
type EnvVar struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

// CreateCanisterArgs is create_canister_args.
type CreateCanisterArgs struct {
	Settings              *CanisterSettings `ic:"settings,omitempty"`
	SenderCanisterVersion *uint64           `ic:"sender_canister_version,omitempty"`
}

// ProvisionalCreateArgs is provisional_create_canister_with_cycles_args.
type ProvisionalCreateArgs struct {
	Amount                *idl.Nat             `ic:"amount,omitempty"`
	Settings              *CanisterSettings    `ic:"settings,omitempty"`
	SpecifiedID           *principal.Principal `ic:"specified_id,omitempty"`
	SenderCanisterVersion *uint64              `ic:"sender_canister_version,omitempty"`
}

// CanisterIDRecord is the result of create_canister and the argument of every method that
// only names a canister (start, stop, delete, canister_status, clear_chunk_store,
// stored_chunks, uninstall_code, deposit_cycles).
type CanisterIDRecord struct {
	CanisterID principal.Principal `ic:"canister_id"`
}

// UpdateSettingsArgs is update_settings_args.
type UpdateSettingsArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Settings   CanisterSettings    `ic:"settings"`
}

// InstallMode is canister_install_mode.
type InstallMode struct {
	Install   *idl.Null      `ic:"install,variant"`
	Reinstall *idl.Null      `ic:"reinstall,variant"`
	Upgrade   **UpgradeFlags `ic:"upgrade,variant"`
}

// UpgradeFlags are the options of an upgrade.
type UpgradeFlags struct {
	SkipPreUpgrade        *bool                  `ic:"skip_pre_upgrade,omitempty"`
	WasmMemoryPersistence *WasmMemoryPersistence `ic:"wasm_memory_persistence,omitempty"`
}

// WasmMemoryPersistence selects enhanced orthogonal persistence (keep) or not (replace).
type WasmMemoryPersistence struct {
	Keep    *idl.Null `ic:"keep,variant"`
	Replace *idl.Null `ic:"replace,variant"`
}

// InstallCodeArgs is install_code_args.
type InstallCodeArgs struct {
	Mode                  InstallMode         `ic:"mode"`
	CanisterID            principal.Principal `ic:"canister_id"`
	WasmModule            []byte              `ic:"wasm_module"`
	Arg                   []byte              `ic:"arg"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version,omitempty"`
}

// ChunkHash is chunk_hash.
type ChunkHash struct {
	Hash []byte `ic:"hash"`
}

// UploadChunkArgs is upload_chunk_args.
type UploadChunkArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Chunk      []byte              `ic:"chunk"`
}

// InstallChunkedCodeArgs is install_chunked_code_args.
type InstallChunkedCodeArgs struct {
	Mode                  InstallMode          `ic:"mode"`
	TargetCanister        principal.Principal  `ic:"target_canister"`
	StoreCanister         *principal.Principal `ic:"store_canister,omitempty"`
	ChunkHashesList       []ChunkHash          `ic:"chunk_hashes_list"`
	WasmModuleHash        []byte               `ic:"wasm_module_hash"`
	Arg                   []byte               `ic:"arg"`
	SenderCanisterVersion *uint64              `ic:"sender_canister_version,omitempty"`
}

// CanisterStatusResult is canister_status_result (the fields a local replica can fill).
type CanisterStatusResult struct {
	Status                 StatusVariant    `ic:"status"`
	ReadyForMigration      bool             `ic:"ready_for_migration"`
	Version                uint64           `ic:"version"`
	Settings               DefiniteSettings `ic:"settings"`
	ModuleHash             *[]byte          `ic:"module_hash,omitempty"`
	MemorySize             idl.Nat          `ic:"memory_size"`
	MemoryMetrics          MemoryMetrics    `ic:"memory_metrics"`
	Cycles                 idl.Nat          `ic:"cycles"`
	ReservedCycles         idl.Nat          `ic:"reserved_cycles"`
	IdleCyclesBurnedPerDay idl.Nat          `ic:"idle_cycles_burned_per_day"`
	QueryStats             QueryStats       `ic:"query_stats"`
}

// StatusVariant is the status variant of canister_status_result.
type StatusVariant struct {
	Running  *idl.Null `ic:"running,variant"`
	Stopping *idl.Null `ic:"stopping,variant"`
	Stopped  *idl.Null `ic:"stopped,variant"`
}

// MemoryMetrics is the memory_metrics record of canister_status_result.
type MemoryMetrics struct {
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

// QueryStats is the query_stats record of canister_status_result.
type QueryStats struct {
	NumCallsTotal             idl.Nat `ic:"num_calls_total"`
	NumInstructionsTotal      idl.Nat `ic:"num_instructions_total"`
	RequestPayloadBytesTotal  idl.Nat `ic:"request_payload_bytes_total"`
	ResponsePayloadBytesTotal idl.Nat `ic:"response_payload_bytes_total"`
}

// HTTPHeader is http_header.
type HTTPHeader struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

// HTTPRequestResult is http_request_result, also the argument and result shape of a
// transform query.
type HTTPRequestResult struct {
	Status  idl.Nat      `ic:"status"`
	Headers []HTTPHeader `ic:"headers"`
	Body    []byte       `ic:"body"`
}

// TransformArgs is the argument record of a transform query.
type TransformArgs struct {
	Response HTTPRequestResult `ic:"response"`
	Context  []byte            `ic:"context"`
}
