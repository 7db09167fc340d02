package mgmt

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// The Candid types of the management canister's interface (ic.did of the IC interface
// specification), for the CDK's candid codec (http_request's and canister_settings are
// cdk/ic00's). Decoding is lenient the way Candid subtyping requires: missing opt fields
// stay nil and unknown fields are skipped, so clients that send older or newer versions of a
// record are served.

// CanisterSettings is canister_settings, shared with the CDK and the system canisters.
type CanisterSettings = ic00.CanisterSettings

// DefiniteSettings is definite_canister_settings. It carries both names the interface has
// given the minimum of incoming call cycles, so that clients of either version decode it.
type DefiniteSettings struct {
	Controllers                       []principal.Principal `ic:"controllers"`
	ComputeAllocation                 candid.Nat            `ic:"compute_allocation"`
	MemoryAllocation                  candid.Nat            `ic:"memory_allocation"`
	FreezingThreshold                 candid.Nat            `ic:"freezing_threshold"`
	ReservedCyclesLimit               candid.Nat            `ic:"reserved_cycles_limit"`
	LogVisibility                     LogVisibility         `ic:"log_visibility"`
	LogMemoryLimit                    candid.Nat            `ic:"log_memory_limit"`
	SnapshotVisibility                LogVisibility         `ic:"snapshot_visibility"`
	StatusVisibility                  LogVisibility         `ic:"status_visibility"`
	WasmMemoryLimit                   candid.Nat            `ic:"wasm_memory_limit"`
	WasmMemoryThreshold               candid.Nat            `ic:"wasm_memory_threshold"`
	EnvVars                           []EnvVar              `ic:"environment_variables"`
	MinimumIncomingCanisterCallCycles candid.Nat            `ic:"minimum_incoming_canister_call_cycles"`
	MinimumMsgCyclesAvailable         candid.Nat            `ic:"minimum_msg_cycles_available"`
}

// LogVisibility is log_visibility (snapshot_visibility and status_visibility have the same
// variants).
type LogVisibility = ic00.Visibility

// EnvVar is environment_variable.
type EnvVar = ic00.EnvVar

// CreateCanisterArgs is create_canister_args.
type CreateCanisterArgs struct {
	Settings              *CanisterSettings `ic:"settings"`
	SenderCanisterVersion *uint64           `ic:"sender_canister_version"`
}

// ProvisionalCreateArgs is provisional_create_canister_with_cycles_args.
type ProvisionalCreateArgs struct {
	Amount                *candid.Nat          `ic:"amount"`
	Settings              *CanisterSettings    `ic:"settings"`
	SpecifiedID           *principal.Principal `ic:"specified_id"`
	SenderCanisterVersion *uint64              `ic:"sender_canister_version"`
}

// CanisterIDRecord is the result of create_canister and the argument of every method that
// only names a canister (start, stop, delete, canister_status, clear_chunk_store,
// stored_chunks, uninstall_code, deposit_cycles).
type CanisterIDRecord struct {
	CanisterID principal.Principal `ic:"canister_id"`
}

func (a CanisterIDRecord) canister() principal.Principal { return a.CanisterID }

// TopUpArgs is provisional_top_up_canister_args.
type TopUpArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Amount     candid.Nat          `ic:"amount"`
}

// UpdateSettingsArgs is update_settings_args.
type UpdateSettingsArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Settings   CanisterSettings    `ic:"settings"`
}

func (a UpdateSettingsArgs) canister() principal.Principal { return a.CanisterID }

// InstallMode is canister_install_mode.
type InstallMode struct {
	Install   *candid.Null   `ic:"install,variant"`
	Reinstall *candid.Null   `ic:"reinstall,variant"`
	Upgrade   **UpgradeFlags `ic:"upgrade,variant"`
}

// UpgradeFlags are the options of an upgrade.
type UpgradeFlags struct {
	SkipPreUpgrade        *bool                  `ic:"skip_pre_upgrade"`
	WasmMemoryPersistence *WasmMemoryPersistence `ic:"wasm_memory_persistence"`
}

// WasmMemoryPersistence selects enhanced orthogonal persistence (keep) or not (replace).
type WasmMemoryPersistence struct {
	Keep    *candid.Null `ic:"keep,variant"`
	Replace *candid.Null `ic:"replace,variant"`
}

// InstallCodeArgs is install_code_args.
type InstallCodeArgs struct {
	Mode                  InstallMode         `ic:"mode"`
	CanisterID            principal.Principal `ic:"canister_id"`
	WasmModule            []byte              `ic:"wasm_module"`
	Arg                   []byte              `ic:"arg"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

func (a InstallCodeArgs) canister() principal.Principal { return a.CanisterID }

// ChunkHash is chunk_hash.
type ChunkHash struct {
	Hash []byte `ic:"hash"`
}

// UploadChunkArgs is upload_chunk_args.
type UploadChunkArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Chunk      []byte              `ic:"chunk"`
}

func (a UploadChunkArgs) canister() principal.Principal { return a.CanisterID }

// InstallChunkedCodeArgs is install_chunked_code_args.
type InstallChunkedCodeArgs struct {
	Mode                  InstallMode          `ic:"mode"`
	TargetCanister        principal.Principal  `ic:"target_canister"`
	StoreCanister         *principal.Principal `ic:"store_canister"`
	ChunkHashesList       []ChunkHash          `ic:"chunk_hashes_list"`
	WasmModuleHash        []byte               `ic:"wasm_module_hash"`
	Arg                   []byte               `ic:"arg"`
	SenderCanisterVersion *uint64              `ic:"sender_canister_version"`
}

// canister is the target canister (the store canister's controllers are checked apart).
func (a InstallChunkedCodeArgs) canister() principal.Principal { return a.TargetCanister }

// CanisterStatusResult is canister_status_result (the fields a local replica can fill).
type CanisterStatusResult struct {
	Status                 StatusVariant    `ic:"status"`
	ReadyForMigration      bool             `ic:"ready_for_migration"`
	Version                uint64           `ic:"version"`
	Settings               DefiniteSettings `ic:"settings"`
	ModuleHash             *[]byte          `ic:"module_hash"`
	MemorySize             candid.Nat       `ic:"memory_size"`
	MemoryMetrics          MemoryMetrics    `ic:"memory_metrics"`
	Cycles                 candid.Nat       `ic:"cycles"`
	ReservedCycles         candid.Nat       `ic:"reserved_cycles"`
	IdleCyclesBurnedPerDay candid.Nat       `ic:"idle_cycles_burned_per_day"`
	QueryStats             QueryStats       `ic:"query_stats"`
}

// StatusVariant is the status variant of canister_status_result.
type StatusVariant struct {
	Running  *candid.Null `ic:"running,variant"`
	Stopping *candid.Null `ic:"stopping,variant"`
	Stopped  *candid.Null `ic:"stopped,variant"`
}

// MemoryMetrics is the memory_metrics record of canister_status_result.
type MemoryMetrics struct {
	WasmMemorySize      candid.Nat `ic:"wasm_memory_size"`
	StableMemorySize    candid.Nat `ic:"stable_memory_size"`
	GlobalMemorySize    candid.Nat `ic:"global_memory_size"`
	WasmBinarySize      candid.Nat `ic:"wasm_binary_size"`
	CustomSectionsSize  candid.Nat `ic:"custom_sections_size"`
	CanisterHistorySize candid.Nat `ic:"canister_history_size"`
	WasmChunkStoreSize  candid.Nat `ic:"wasm_chunk_store_size"`
	SnapshotsSize       candid.Nat `ic:"snapshots_size"`
	LogMemoryStoreSize  candid.Nat `ic:"log_memory_store_size"`
}

// QueryStats is the query_stats record of canister_status_result.
type QueryStats struct {
	NumCallsTotal             candid.Nat `ic:"num_calls_total"`
	NumInstructionsTotal      candid.Nat `ic:"num_instructions_total"`
	RequestPayloadBytesTotal  candid.Nat `ic:"request_payload_bytes_total"`
	ResponsePayloadBytesTotal candid.Nat `ic:"response_payload_bytes_total"`
}

// TakeSnapshotArgs is take_canister_snapshot_args.
type TakeSnapshotArgs struct {
	CanisterID            principal.Principal `ic:"canister_id"`
	ReplaceSnapshot       *[]byte             `ic:"replace_snapshot"`
	UninstallCode         *bool               `ic:"uninstall_code"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

func (a TakeSnapshotArgs) canister() principal.Principal { return a.CanisterID }

// Snapshot is snapshot.
type Snapshot struct {
	ID               []byte `ic:"id"`
	TakenAtTimestamp uint64 `ic:"taken_at_timestamp"`
	TotalSize        uint64 `ic:"total_size"`
}

// SnapshotArgs is load_canister_snapshot_args and delete_canister_snapshot_args.
type SnapshotArgs struct {
	CanisterID            principal.Principal `ic:"canister_id"`
	SnapshotID            []byte              `ic:"snapshot_id"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

func (a SnapshotArgs) canister() principal.Principal { return a.CanisterID }

// FetchLogsArgs is fetch_canister_logs_args.
type FetchLogsArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Filter     *struct {
		ByIdx *struct {
			Start uint64 `ic:"start"`
			End   uint64 `ic:"end"`
		} `ic:"by_idx,variant"`
		ByTimestampNanos *struct {
			Start uint64 `ic:"start"`
			End   uint64 `ic:"end"`
		} `ic:"by_timestamp_nanos,variant"`
	} `ic:"filter"`
}

// LogRecord is canister_log_record.
type LogRecord struct {
	Idx            uint64 `ic:"idx"`
	TimestampNanos uint64 `ic:"timestamp_nanos"`
	Content        []byte `ic:"content"`
}

// FetchLogsResult is fetch_canister_logs_result.
type FetchLogsResult struct {
	Records []LogRecord `ic:"canister_log_records"`
}

// CanisterInfoArgs is canister_info_args.
type CanisterInfoArgs struct {
	CanisterID          principal.Principal `ic:"canister_id"`
	NumRequestedChanges *uint64             `ic:"num_requested_changes"`
}

// CanisterInfoResult is canister_info_result.
type CanisterInfoResult struct {
	TotalNumChanges uint64                `ic:"total_num_changes"`
	RecentChanges   []Change              `ic:"recent_changes"`
	ModuleHash      *[]byte               `ic:"module_hash"`
	Controllers     []principal.Principal `ic:"controllers"`
}

// Change is change.
type Change struct {
	TimestampNanos  uint64         `ic:"timestamp_nanos"`
	CanisterVersion uint64         `ic:"canister_version"`
	Origin          ChangeOrigin   `ic:"origin"`
	Details         *ChangeDetails `ic:"details"`
}

// ChangeOrigin is change_origin.
type ChangeOrigin struct {
	FromUser *struct {
		UserID principal.Principal `ic:"user_id"`
	} `ic:"from_user,variant"`
	FromCanister *struct {
		CanisterID      principal.Principal `ic:"canister_id"`
		CanisterVersion *uint64             `ic:"canister_version"`
	} `ic:"from_canister,variant"`
}

// ChangeDetails is change_details (the kinds this replica records).
type ChangeDetails struct {
	Creation *struct {
		Controllers []principal.Principal `ic:"controllers"`
	} `ic:"creation,variant"`
	CodeUninstall  *candid.Null `ic:"code_uninstall,variant"`
	CodeDeployment *struct {
		Mode       ChangeMode `ic:"mode"`
		ModuleHash []byte     `ic:"module_hash"`
	} `ic:"code_deployment,variant"`
	LoadSnapshot      *LoadSnapshotRecord `ic:"load_snapshot,variant"`
	ControllersChange *struct {
		Controllers []principal.Principal `ic:"controllers"`
	} `ic:"controllers_change,variant"`
}

// LoadSnapshotRecord is the load_snapshot change (from_canister_id, an opt field, is absent:
// a snapshot is only ever loaded into its own canister here).
type LoadSnapshotRecord struct {
	CanisterVersion  uint64         `ic:"canister_version"`
	SnapshotID       []byte         `ic:"snapshot_id"`
	TakenAtTimestamp uint64         `ic:"taken_at_timestamp"`
	Source           SnapshotSource `ic:"source"`
}

// ChangeMode is a code deployment's mode.
type ChangeMode struct {
	Install   *candid.Null `ic:"install,variant"`
	Reinstall *candid.Null `ic:"reinstall,variant"`
	Upgrade   *candid.Null `ic:"upgrade,variant"`
}

// SnapshotIDArgs is read_canister_snapshot_metadata_args.
type SnapshotIDArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	SnapshotID []byte              `ic:"snapshot_id"`
}

func (a SnapshotIDArgs) canister() principal.Principal { return a.CanisterID }

// SnapshotSource tells how a snapshot was created.
type SnapshotSource struct {
	TakenFromCanister *candid.Reserved `ic:"taken_from_canister,variant"`
	MetadataUpload    *candid.Reserved `ic:"metadata_upload,variant"`
}

// SnapshotGlobal is the value of a Wasm global in snapshot metadata. A v128 value is a nat,
// which this codec limits to 64 bits (see snapshotGlobal).
type SnapshotGlobal struct {
	I32  *int32      `ic:"i32,variant"`
	I64  *int64      `ic:"i64,variant"`
	F32  *float32    `ic:"f32,variant"`
	F64  *float64    `ic:"f64,variant"`
	V128 *candid.Nat `ic:"v128,variant"`
}

// GlobalTimer is the state of a snapshot's global timer.
type GlobalTimer struct {
	Inactive *candid.Null `ic:"inactive,variant"`
	Active   *uint64      `ic:"active,variant"`
}

// HookStatus is on_low_wasm_memory_hook_status.
type HookStatus struct {
	ConditionNotSatisfied *candid.Null `ic:"condition_not_satisfied,variant"`
	Ready                 *candid.Null `ic:"ready,variant"`
	Executed              *candid.Null `ic:"executed,variant"`
}

// SnapshotMetadataResult is read_canister_snapshot_metadata_response.
type SnapshotMetadataResult struct {
	Source                    *SnapshotSource   `ic:"source"`
	TakenAtTimestamp          uint64            `ic:"taken_at_timestamp"`
	WasmModuleSize            uint64            `ic:"wasm_module_size"`
	Globals                   []*SnapshotGlobal `ic:"globals"`
	WasmMemorySize            uint64            `ic:"wasm_memory_size"`
	StableMemorySize          uint64            `ic:"stable_memory_size"`
	WasmChunkStore            []ChunkHash       `ic:"wasm_chunk_store"`
	CanisterVersion           uint64            `ic:"canister_version"`
	CertifiedData             []byte            `ic:"certified_data"`
	GlobalTimer               *GlobalTimer      `ic:"global_timer"`
	OnLowWasmMemoryHookStatus *HookStatus       `ic:"on_low_wasm_memory_hook_status"`
}

// SnapshotRange is a range of a snapshot's module or memories.
type SnapshotRange struct {
	Offset uint64 `ic:"offset"`
	Size   uint64 `ic:"size"`
}

// SnapshotDataKind is the kind of read_canister_snapshot_data_args.
type SnapshotDataKind struct {
	WasmModule   *SnapshotRange `ic:"wasm_module,variant"`
	WasmMemory   *SnapshotRange `ic:"wasm_memory,variant"`
	StableMemory *SnapshotRange `ic:"stable_memory,variant"`
	WasmChunk    *ChunkHash     `ic:"wasm_chunk,variant"`
}

// ReadSnapshotDataArgs is read_canister_snapshot_data_args.
type ReadSnapshotDataArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	SnapshotID []byte              `ic:"snapshot_id"`
	Kind       SnapshotDataKind    `ic:"kind"`
}

func (a ReadSnapshotDataArgs) canister() principal.Principal { return a.CanisterID }

// ReadSnapshotDataResult is read_canister_snapshot_data_response.
type ReadSnapshotDataResult struct {
	Chunk []byte `ic:"chunk"`
}

// UploadSnapshotMetadataArgs is upload_canister_snapshot_metadata_args.
type UploadSnapshotMetadataArgs struct {
	CanisterID                principal.Principal `ic:"canister_id"`
	ReplaceSnapshot           *[]byte             `ic:"replace_snapshot"`
	WasmModuleSize            uint64              `ic:"wasm_module_size"`
	Globals                   []SnapshotGlobal    `ic:"globals"`
	WasmMemorySize            uint64              `ic:"wasm_memory_size"`
	StableMemorySize          uint64              `ic:"stable_memory_size"`
	CertifiedData             []byte              `ic:"certified_data"`
	GlobalTimer               *GlobalTimer        `ic:"global_timer"`
	OnLowWasmMemoryHookStatus *HookStatus         `ic:"on_low_wasm_memory_hook_status"`
}

func (a UploadSnapshotMetadataArgs) canister() principal.Principal { return a.CanisterID }

// UploadSnapshotMetadataResult is upload_canister_snapshot_metadata_response.
type UploadSnapshotMetadataResult struct {
	SnapshotID []byte `ic:"snapshot_id"`
}

// SnapshotOffset is where upload_canister_snapshot_data writes.
type SnapshotOffset struct {
	Offset uint64 `ic:"offset"`
}

// SnapshotDataOffset is the kind of upload_canister_snapshot_data_args.
type SnapshotDataOffset struct {
	WasmModule   *SnapshotOffset `ic:"wasm_module,variant"`
	WasmMemory   *SnapshotOffset `ic:"wasm_memory,variant"`
	StableMemory *SnapshotOffset `ic:"stable_memory,variant"`
	WasmChunk    *candid.Null    `ic:"wasm_chunk,variant"`
}

// UploadSnapshotDataArgs is upload_canister_snapshot_data_args.
type UploadSnapshotDataArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	SnapshotID []byte              `ic:"snapshot_id"`
	Kind       SnapshotDataOffset  `ic:"kind"`
	Chunk      []byte              `ic:"chunk"`
}

func (a UploadSnapshotDataArgs) canister() principal.Principal { return a.CanisterID }
