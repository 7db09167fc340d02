package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Limits are the instruction limits per execution.
type Limits struct {
	Query   int64 // queries, composite queries and their callbacks, transforms (IC: 5 B)
	Update  int64 // updates, callbacks, heartbeat, global timer (IC: 40 B)
	Install int64 // install/upgrade, all of start, init, pre/post_upgrade together (IC: 300 B)
	Inspect int64 // canister_inspect_message (IC: 200 M)
}

// DefaultLimits returns the IC's limits.
func DefaultLimits() Limits {
	return Limits{Query: protocol.MaxInstructionsQuery, Update: protocol.MaxInstructionsUpdate,
		Install: protocol.MaxInstructionsInstall, Inspect: protocol.MaxInstructionsInspect}
}

func (l Limits) forType(t apiType) int64 {
	switch t {
	case apiStart, apiInit, apiPreUpgrade:
		return l.Install
	case apiInspectMessage:
		return l.Inspect
	}
	if t.isQuery() {
		return l.Query
	}
	return l.Update
}

// ManagementCall is a call to the management canister (aaaaa-aa).
type ManagementCall struct {
	Caller       principal.Principal // the calling canister or user
	FromCanister bool                // false for ingress
	Method       string
	Arg          []byte // Candid
	Cycles       uint64 // attached by a calling canister
}

// ManagementHandler answers calls to the management canister. The engine calls it on a
// goroutine of its own, so it may block (an HTTPS outcall takes seconds) and may call back into
// the engine (InstallCode, Query for a transform, ...). It returns the Candid reply, the cycles
// to give back to the caller (at most call.Cycles), or an error: a *protocol.Reject is passed
// through, any other error becomes a CANISTER_ERROR reject.
type ManagementHandler interface {
	HandleManagement(ctx context.Context, call ManagementCall) (reply []byte, refund uint64, err error)
}

// Config configures an Engine. Zero values select the defaults noted.
type Config struct {
	// SubnetID is returned by ic0.subnet_self_*.
	SubnetID principal.Principal
	// RootKey is returned by ic0.root_key_* (the DER key of the HTTP interface).
	RootKey []byte
	// Nodes is the subnet size the fees are scaled to (protocol.SubnetNodes).
	Nodes int
	// Now is the host clock (time.Now).
	Now func() time.Time
	// Management handles calls to aaaaa-aa (none: such calls are rejected).
	Management ManagementHandler
	// DataCertificate returns a certificate covering a canister's certified data (and /time),
	// served by ic0.data_certificate_* in non-replicated queries. It is called lazily, the
	// first time a query asks, with the canister's current certified data; it runs with the
	// canister locked, so it must not call into the engine for that canister. QueryOptions
	// can supply a certificate instead.
	DataCertificate func(canister principal.Principal, certifiedData []byte) []byte
	// DebugPrint receives ic0.debug_print output (discarded when nil).
	DebugPrint func(canister principal.Principal, msg string)
	// OnCommit is called after every change of a canister's persistent state, on the
	// canister's goroutine with the canister locked: it must not call into the engine for that
	// canister (Export would deadlock) but schedule the save, e.g. mark the canister dirty for
	// a saver goroutine that calls Export.
	OnCommit func(canister principal.Principal)
	// Validate checks a module (uncompressed) before install; nil uses the built-in checks.
	Validate func(module []byte) error
	// Observe, when set, is called after every execution with the instructions it used and
	// the execution fee it paid (benchmarks, logs). It runs with the canister locked: it must
	// not call the engine.
	Observe func(Execution)
	// OnCharge, when set, is called for every fee a canister pays (ingress reception,
	// executions, calls, outcalls, storage...). It runs with the canister locked: it must not
	// call the engine.
	OnCharge func(canister principal.Principal, fee Fee, cycles uint64)
	// Limits are the instruction limits (DefaultLimits()).
	Limits Limits
	// MaxStablePages bounds stable memory, in 64 KiB pages (65536 = 4 GiB; the IC allows
	// 500 GiB but the engine keeps stable memory in RAM).
	MaxStablePages uint64
	// FirstCanisterIndex is the index of the first canister id CreateCanister assigns.
	FirstCanisterIndex uint64
	// CacheDir, when set, keeps wazero's compiled code there, so that a restarted replica
	// does not compile large modules again.
	CacheDir string
	// Profile, when set, receives every execution's instructions by function (a profiler
	// for canister developers: link the module with icwasm -names to see function names).
	// Modules are then compiled with a function listener, which makes executions several
	// times slower; the instruction counts are the same. It is called on the canister's
	// goroutine: it must not call the engine.
	Profile func(Profile)
}

// Engine executes canisters. All methods are safe for concurrent use.
type Engine struct {
	cfg  Config
	ctx  context.Context
	stop context.CancelFunc
	rt   wazero.Runtime

	mu        sync.Mutex
	canisters map[string]*canister
	modules   map[[32]byte]*module
	nextIndex uint64
	profiler  *profiler // Config.Profile, nil without

	// compositeMu serializes composite queries: they hold the locks of several canisters.
	compositeMu sync.Mutex
}

// New creates an engine.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Nodes <= 0 {
		cfg.Nodes = protocol.SubnetNodes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.MaxStablePages == 0 {
		cfg.MaxStablePages = 1 << 16
	}
	if cfg.SubnetID.Raw == nil {
		cfg.SubnetID = principal.Principal{Raw: []byte{}}
	}
	ectx, stop := context.WithCancel(context.Background())
	rtCfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2)
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			stop()
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		rtCfg = rtCfg.WithCompilationCache(cache)
	} else {
		// In memory: equal code (see instrumentCode) compiles once.
		rtCfg = rtCfg.WithCompilationCache(wazero.NewCompilationCache())
	}
	rt := wazero.NewRuntimeWithConfig(ectx, rtCfg)
	if err := instantiateHost(ctx, rt); err != nil {
		stop()
		_ = rt.Close(ctx)
		return nil, err
	}
	e := &Engine{
		cfg: cfg, ctx: ectx, stop: stop, rt: rt,
		canisters: map[string]*canister{},
		modules:   map[[32]byte]*module{},
		nextIndex: cfg.FirstCanisterIndex,
	}
	if cfg.Profile != nil {
		e.profiler = newProfiler(cfg.Profile)
	}
	return e, nil
}

// Close stops all canisters' executors and releases the Wasm runtime.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	for _, c := range e.canisters {
		c.close()
	}
	e.canisters = map[string]*canister{}
	e.mu.Unlock()
	e.stop()
	return e.rt.Close(ctx)
}

func (e *Engine) costs() Costs { return Costs{Nodes: uint64(e.cfg.Nodes)} }

// Costs returns the fee calculator the engine's cost_* functions use.
func (e *Engine) Costs() Costs { return e.costs() }

func (e *Engine) committed(c *canister) {
	c.seq++
	if e.cfg.OnCommit != nil {
		e.cfg.OnCommit(c.id)
	}
}

// CanisterIDFromIndex is the canister id of the index-th canister of the IC's id space (the
// 8-byte big-endian index followed by 0x01 0x01), e.g. 0 = rwlgt-iiaaa-aaaaa-aaaaa-cai.
func CanisterIDFromIndex(index uint64) principal.Principal {
	raw := make([]byte, 10)
	binary.BigEndian.PutUint64(raw, index)
	raw[8], raw[9] = 1, 1
	return principal.Principal{Raw: raw}
}

// ManagementCanister returns aaaaa-aa.
func ManagementCanister() principal.Principal { return principal.Principal{Raw: []byte{}} }

// ErrCanisterExists is returned by CreateCanister for a specified id already in use.
var ErrCanisterExists = errors.New("canister already exists")

// CreateOptions are the settings of a new canister.
type CreateOptions struct {
	// ID requests a specific canister id (provisional_create_canister_with_cycles
	// specified_id); nil assigns the next free one.
	ID          *principal.Principal
	Controllers []principal.Principal
	Cycles      uint64
	// Settings are the canister's settings; nil is DefaultSettings(). They must be valid
	// (Settings.Validate).
	Settings *Settings
}

// CreateCanister creates an empty, running canister.
func (e *Engine) CreateCanister(opts CreateOptions) (principal.Principal, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var id principal.Principal
	if opts.ID != nil {
		id = principal.Principal{Raw: bytes.Clone(opts.ID.Raw)}
		if _, ok := e.canisters[string(id.Raw)]; ok {
			return id, fmt.Errorf("%w: %s", ErrCanisterExists, id)
		}
	} else {
		for {
			id = CanisterIDFromIndex(e.nextIndex)
			e.nextIndex++
			if _, ok := e.canisters[string(id.Raw)]; !ok {
				break
			}
		}
	}
	c := newCanister(e, id)
	c.controllers = clonePrincipals(opts.Controllers)
	c.cycles = opts.Cycles
	if opts.Settings != nil {
		c.settings = opts.Settings.clone()
	}
	e.canisters[string(id.Raw)] = c
	return id, nil
}

func clonePrincipals(ps []principal.Principal) []principal.Principal {
	out := make([]principal.Principal, len(ps))
	for i, p := range ps {
		out[i] = principal.Principal{Raw: bytes.Clone(p.Raw)}
	}
	return out
}

func (e *Engine) get(id principal.Principal) (*canister, error) {
	c := e.lookup(id.Raw)
	if c == nil {
		return nil, rejectNotFound(id)
	}
	return c, nil
}

// Canisters lists the ids of all canisters, sorted.
func (e *Engine) Canisters() []principal.Principal {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]principal.Principal, 0, len(e.canisters))
	for _, c := range e.canisters {
		out = append(out, c.id)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Raw, out[j].Raw) < 0 })
	return out
}

// CanisterInfo is the observable state of a canister (canister_status and more).
type CanisterInfo struct {
	ID            principal.Principal
	Status        Status
	ModuleHash    []byte // sha256 of the installed module, nil when empty
	Controllers   []principal.Principal
	Cycles        uint64
	Version       uint64
	MemorySize    uint64 // Wasm memory bytes
	StableSize    uint64 // stable memory bytes
	CertifiedData []byte
	GlobalTimer   uint64 // 0 when inactive
	// Settings are the canister's settings besides its controllers.
	Settings Settings
	// MemoryUsage is the memory the canister pays storage for (Wasm and stable memory, the
	// module); IdleCyclesBurnedPerDay what that and its compute allocation cost per day;
	// FreezingThresholdCycles the balance below which it is frozen.
	MemoryUsage             uint64
	IdleCyclesBurnedPerDay  uint64
	FreezingThresholdCycles uint64
	// Metadata are the module's icp:public / icp:private custom sections, by name. The map is
	// shared with the engine: read it, do not modify it.
	Metadata map[string]Metadata
	// ModuleSize is the size of the installed module; SnapshotsSize of its snapshots.
	ModuleSize, SnapshotsSize uint64
	// Globals is the number of its mutable globals.
	Globals int
}

// Info returns a canister's state. It waits for the running execution, if any.
func (e *Engine) Info(id principal.Principal) (*CanisterInfo, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	info := &CanisterInfo{
		ID: c.id, Status: c.status, Controllers: clonePrincipals(c.controllers), Cycles: c.cycles,
		Version: c.version, MemorySize: uint64(len(c.img.mem)), StableSize: uint64(len(c.stable)),
		CertifiedData: bytes.Clone(c.certifiedData), GlobalTimer: c.timer,
		Settings: c.settings.clone(), MemoryUsage: c.memoryUsage(), IdleCyclesBurnedPerDay: c.idlePerDay(),
		FreezingThresholdCycles: c.freezingThreshold(), SnapshotsSize: c.snapshotsSize(), Globals: len(c.img.globals),
	}
	if c.mod != nil {
		info.ModuleHash = bytes.Clone(c.mod.hash[:])
		info.Metadata = c.mod.metadata
		info.ModuleSize = uint64(len(c.mod.wasm))
	}
	return info, nil
}

// IsController reports whether p controls canister id.
func (e *Engine) IsController(id, p principal.Principal) (bool, error) {
	info, err := e.Info(id)
	if err != nil {
		return false, err
	}
	for _, c := range info.Controllers {
		if bytes.Equal(c.Raw, p.Raw) {
			return true, nil
		}
	}
	return false, nil
}

// SetControllers replaces a canister's controllers (update_settings).
func (e *Engine) SetControllers(id principal.Principal, controllers []principal.Principal) error {
	return e.onCanister(id, func(c *canister) error {
		c.controllers = clonePrincipals(controllers)
		c.version++
		e.committed(c)
		return nil
	})
}

// AddCycles deposits cycles to a canister (deposit_cycles, provisional_top_up_canister).
func (e *Engine) AddCycles(id principal.Principal, amount uint64) error {
	return e.onCanister(id, func(c *canister) error {
		c.cycles += amount
		e.committed(c)
		return nil
	})
}

// StartCanister makes a stopping or stopped canister running.
func (e *Engine) StartCanister(id principal.Principal) error {
	return e.onCanister(id, func(c *canister) error {
		c.status = Running
		for _, w := range c.stopWaiters {
			close(w)
		}
		c.stopWaiters = nil
		e.committed(c)
		return nil
	})
}

// StopCanister makes a canister stopping and waits until it has no open call contexts (it is
// then stopped) or ctx ends.
func (e *Engine) StopCanister(ctx context.Context, id principal.Principal) error {
	wait := make(chan struct{})
	err := e.onCanister(id, func(c *canister) error {
		if c.status == Stopped {
			close(wait)
			return nil
		}
		c.status = Stopping
		c.stopWaiters = append(c.stopWaiters, wait)
		c.checkStopped()
		return nil
	})
	if err != nil {
		return err
	}
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkStopped completes a stop when the last call context closed.
func (c *canister) checkStopped() {
	if c.status != Stopping || len(c.contexts) > 0 {
		return
	}
	c.status = Stopped
	for _, w := range c.stopWaiters {
		close(w)
	}
	c.stopWaiters = nil
	c.e.committed(c)
}

// DeleteCanister removes a stopped canister.
func (e *Engine) DeleteCanister(id principal.Principal) error {
	c, err := inTurn(e, id, func(c *canister) (*canister, error) {
		if c.status != Stopped {
			return nil, &protocol.Reject{Code: protocol.CanisterError, Message: fmt.Sprintf("Canister %s must be stopped before it is deleted.", id), ErrorCode: protocol.ErrCanisterNotStopped}
		}
		c.inst.close()
		c.dropSpare()
		c.inst, c.mod, c.img, c.stable = nil, nil, image{}, nil
		c.deleted = true
		e.mu.Lock()
		delete(e.canisters, string(id.Raw))
		e.mu.Unlock()
		return c, nil
	})
	if err != nil {
		return err
	}
	c.close()
	return nil
}

// Update executes an update call from a user and waits for its answer (after any
// inter-canister calls and callbacks). A failed call returns a *protocol.Reject. A call to the
// management canister goes to the ManagementHandler. Unlike Submit, it charges no ingress
// reception (the executions are charged).
func (e *Engine) Update(ctx context.Context, id principal.Principal, method string, arg []byte, caller principal.Principal) ([]byte, error) {
	if isManagement(id.Raw) {
		done := make(chan result, 1)
		go e.callManagement(caller, false, method, arg, 0, func(r result, _ uint64) { done <- r })
		return wait(ctx, done)
	}
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	return e.ingress(ctx, c, method, arg, caller.Raw)
}
