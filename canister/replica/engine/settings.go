package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// VisibilityKind says who may read something of a canister.
type VisibilityKind uint8

// Visibility kinds (the variants of log_visibility and its siblings).
const (
	VisibleToControllers VisibilityKind = iota
	VisibleToPublic
	VisibleToViewers // the controllers and Visibility.Viewers
)

// Visibility is who may read a canister's logs, snapshots or status.
type Visibility struct {
	Kind    VisibilityKind
	Viewers []principal.Principal // VisibleToViewers only
}

// Allows reports whether p may read, given whether p controls the canister.
func (v Visibility) Allows(p principal.Principal, controller bool) bool {
	switch {
	case controller || v.Kind == VisibleToPublic:
		return true
	case v.Kind == VisibleToViewers:
		return slices.ContainsFunc(v.Viewers, func(q principal.Principal) bool { return bytes.Equal(q.Raw, p.Raw) })
	}
	return false
}

// EnvVar is an environment variable of a canister (ic0.env_var_*).
type EnvVar struct {
	Name, Value string
}

// Settings are a canister's settings besides its controllers (update_settings), each one
// modelled by the engine:
//
//   - ComputeAllocation (percent) and MemoryAllocation (bytes, 0 = best effort) raise the
//     idle cycle burn, which is charged periodically and which the freezing threshold is
//     measured in (charge.go); MemoryAllocation also caps Wasm plus stable memory (an
//     execution that ends above it traps).
//   - FreezingThreshold (seconds): a canister whose balance is below the idle burn of that
//     many seconds is frozen - it refuses ingress messages, calls and queries (IC0207) - and
//     its liquid balance (ic0.canister_liquid_cycle_balance128) excludes that reserve.
//   - WasmMemoryLimit (bytes, 0 = none): an update-like execution that ends with more Wasm
//     memory traps. WasmMemoryThreshold: when the memory left below the limit drops under
//     it, canister_on_low_wasm_memory runs (once, until the condition clears).
//   - ReservedCyclesLimit: the cap on reserved cycles. Cycles are reserved only when a
//     subnet's storage is above the IC's threshold, which a local replica never is: reserved
//     cycles stay 0, within any limit.
//   - LogVisibility and LogMemoryLimit: who may fetch the canister's logs and how many bytes
//     of records are kept. SnapshotVisibility and StatusVisibility: who besides the
//     controllers may list snapshots and call canister_status.
//   - EnvVars: what ic0.env_var_* return. MinIncomingCallCycles: calls from canisters
//     attaching fewer cycles are rejected.
type Settings struct {
	ComputeAllocation     uint64
	MemoryAllocation      uint64
	FreezingThreshold     uint64
	ReservedCyclesLimit   uint64
	WasmMemoryLimit       uint64
	WasmMemoryThreshold   uint64
	LogMemoryLimit        uint64
	LogVisibility         Visibility
	SnapshotVisibility    Visibility
	StatusVisibility      Visibility
	EnvVars               []EnvVar // sorted by name
	MinIncomingCallCycles uint64
}

// The IC's defaults and bounds of the settings.
const (
	DefaultFreezingThreshold   = protocol.DefaultFreezingThreshold
	DefaultReservedCyclesLimit = 5_000_000_000_000 // 5 T
	DefaultWasmMemoryLimit     = 3 << 30           // 3 GiB
	DefaultLogMemoryLimit      = 4096
	MaxLogMemoryLimit          = 2 << 20
	MaxMemoryAllocation        = 1 << 48
	MaxEnvVars                 = 20
	MaxEnvVarNameBytes         = 128
	MaxEnvVarValueBytes        = 128
	MaxViewers                 = 10
)

// DefaultSettings are a new canister's settings.
func DefaultSettings() Settings {
	return Settings{
		FreezingThreshold:   DefaultFreezingThreshold,
		ReservedCyclesLimit: DefaultReservedCyclesLimit,
		WasmMemoryLimit:     DefaultWasmMemoryLimit,
		LogMemoryLimit:      DefaultLogMemoryLimit,
	}
}

// Validate checks the settings against the IC's bounds.
func (s Settings) Validate() error {
	switch {
	case s.ComputeAllocation > 100:
		return fmt.Errorf("compute allocation %d is not a percentage between 0 and 100", s.ComputeAllocation)
	case s.MemoryAllocation > MaxMemoryAllocation:
		return fmt.Errorf("memory allocation %d exceeds the maximum of %d bytes", s.MemoryAllocation, uint64(MaxMemoryAllocation))
	case s.WasmMemoryLimit > MaxMemoryAllocation:
		return fmt.Errorf("Wasm memory limit %d exceeds the maximum of %d bytes", s.WasmMemoryLimit, uint64(MaxMemoryAllocation))
	case s.LogMemoryLimit > MaxLogMemoryLimit:
		return fmt.Errorf("log memory limit %d exceeds the maximum of %d bytes", s.LogMemoryLimit, MaxLogMemoryLimit)
	case len(s.EnvVars) > MaxEnvVars:
		return fmt.Errorf("%d environment variables exceed the maximum of %d", len(s.EnvVars), MaxEnvVars)
	}
	for _, v := range []Visibility{s.LogVisibility, s.SnapshotVisibility, s.StatusVisibility} {
		if len(v.Viewers) > MaxViewers {
			return fmt.Errorf("%d allowed viewers exceed the maximum of %d", len(v.Viewers), MaxViewers)
		}
	}
	for i, v := range s.EnvVars {
		switch {
		case len(v.Name) > MaxEnvVarNameBytes:
			return fmt.Errorf("environment variable name %q exceeds %d bytes", v.Name, MaxEnvVarNameBytes)
		case len(v.Value) > MaxEnvVarValueBytes:
			return fmt.Errorf("the value of environment variable %q exceeds %d bytes", v.Name, MaxEnvVarValueBytes)
		case i > 0 && s.EnvVars[i-1].Name == v.Name:
			return fmt.Errorf("environment variable %q appears twice", v.Name)
		}
	}
	return nil
}

func (s Settings) clone() Settings {
	out := s
	out.EnvVars = slices.Clone(s.EnvVars)
	for _, v := range []*Visibility{&out.LogVisibility, &out.SnapshotVisibility, &out.StatusVisibility} {
		if v.Viewers != nil {
			v.Viewers = clonePrincipals(v.Viewers)
		}
	}
	return out
}

// SortEnvVars sorts environment variables by name, the order ic0.env_var_name_copy indexes.
func SortEnvVars(vs []EnvVar) {
	slices.SortFunc(vs, func(a, b EnvVar) int { return strings.Compare(a.Name, b.Name) })
}

// checkMemoryLimits fails an update-like execution that leaves more Wasm memory than the
// canister's Wasm memory limit, or more memory than its memory allocation.
func (c *canister) checkMemoryLimits(in *instance) *execError {
	var wasmBytes uint64
	if in != nil && in.mem != nil {
		wasmBytes = uint64(in.mem.Size())
	}
	if l := c.settings.WasmMemoryLimit; l > 0 && wasmBytes > l {
		return &execError{protocol.CanisterError, protocol.ErrCanisterWasmMemoryLimitExceeded,
			fmt.Sprintf("Canister exceeded its current Wasm memory limit of %d bytes. The peak Wasm memory usage was %d bytes", l, wasmBytes),
			"If such high Wasm memory usage is expected and safe, increase the wasm_memory_limit in the canister settings.", docRef("wasm-memory-limit-exceeded")}
	}
	if a := c.settings.MemoryAllocation; a > 0 && wasmBytes+uint64(len(c.stable)) > a {
		return &execError{protocol.CanisterError, protocol.ErrCanisterOutOfMemory,
			fmt.Sprintf("Canister cannot grow its memory usage: %d bytes of Wasm and stable memory exceed its memory allocation of %d bytes", wasmBytes+uint64(len(c.stable)), a),
			"Increase the memory_allocation in the canister settings.", docRef("canister-out-of-memory")}
	}
	return nil
}

// UpdateSettings replaces a canister's settings (not its controllers: SetControllers). The
// settings must be valid (Settings.Validate); a memory allocation below the memory in use is
// refused, as on the IC.
func (e *Engine) UpdateSettings(id principal.Principal, s Settings) error {
	if err := s.Validate(); err != nil {
		return &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: protocol.ErrCanisterRejectedMessage, Message: "Invalid settings: " + err.Error()}
	}
	return e.onCanister(id, func(c *canister) error {
		if s.MemoryAllocation > 0 && s.MemoryAllocation < c.memoryUsage() {
			return &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: protocol.ErrCanisterRejectedMessage,
				Message: fmt.Sprintf("Canister %s: the memory allocation %d is below the %d bytes of memory the canister uses.", id, s.MemoryAllocation, c.memoryUsage())}
		}
		c.settings = s.clone()
		c.trimLogs()
		c.version++
		e.committed(c)
		return nil
	})
}

// lowMemoryHook is the state of canister_on_low_wasm_memory: it runs once when the Wasm
// memory left under the limit drops below the threshold, and again only after that
// condition cleared.
type lowMemoryHook uint8

const (
	hookConditionNotSatisfied lowMemoryHook = iota
	hookExecuted
)

// lowWasmMemory reports whether less than WasmMemoryThreshold bytes are left below the
// canister's Wasm memory limit.
func (c *canister) lowWasmMemory() bool {
	limit, threshold := c.settings.WasmMemoryLimit, c.settings.WasmMemoryThreshold
	if limit == 0 || threshold == 0 {
		return false
	}
	used := uint64(len(c.img.mem))
	return used >= limit || limit-used < threshold
}

// lowMemoryTask runs canister_on_low_wasm_memory when its condition newly holds.
func (c *canister) lowMemoryTask() {
	if !c.lowWasmMemory() {
		c.lowMemory = hookConditionNotSatisfied
		return
	}
	if c.lowMemory == hookConditionNotSatisfied && c.mod.has("canister_on_low_wasm_memory") {
		c.lowMemory = hookExecuted
		c.systemTask(apiLowMemory, "canister_on_low_wasm_memory")
	}
}
