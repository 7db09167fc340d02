package mgmt

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// Limits of the IC's management canister.
const (
	// MaxChunkSize is the largest chunk upload_chunk accepts.
	MaxChunkSize = 1 << 20
	// MaxChunks bounds a canister's chunk store (100 MiB of 1 MiB chunks).
	MaxChunks = 100
	// MaxControllers is the most controllers a canister may have.
	MaxControllers = 10
	// DefaultProvisionalCycles is what provisional_create_canister_with_cycles gives a
	// canister when no amount is named (dfx's and PocketIC's local default).
	DefaultProvisionalCycles = 100_000_000_000_000
)

// Outcaller performs HTTPS outcalls (outcall.Client in the replica).
type Outcaller interface {
	Nodes() int
	Do(ctx context.Context, req outcall.Request, transform outcall.TransformFunc) (outcall.Response, *protocol.Reject)
}

// Config configures the management canister.
type Config struct {
	// Outcalls performs http_request; nil rejects every http_request.
	Outcalls Outcaller
	// Chunks stores upload_chunk data; nil keeps chunks in memory.
	Chunks ChunkStore
}

// Canister is the management canister. It implements engine.ManagementHandler; Bind it to
// the engine it serves before the engine runs messages.
type Canister struct {
	cfg Config
	eng *engine.Engine

	mu sync.Mutex // serializes chunk store changes
}

// New returns the management canister.
func New(cfg Config) *Canister {
	if cfg.Chunks == nil {
		cfg.Chunks = NewMemoryChunks()
	}
	return &Canister{cfg: cfg}
}

// Bind attaches the engine whose canisters this management canister manages. The engine
// needs its handler at construction and the handler needs the engine, so the two are tied
// after both exist.
func (m *Canister) Bind(e *engine.Engine) { m.eng = e }

func rejectf(code protocol.RejectCode, errCode, format string, a ...any) *protocol.Reject {
	return &protocol.Reject{Code: code, Message: fmt.Sprintf(format, a...), ErrorCode: errCode}
}

func badArg(method string, err error) *protocol.Reject {
	return rejectf(protocol.CanisterError, protocol.ErrCanisterContractViolation, "Error decoding candid of ic00 method %s: %v", method, err)
}

// handler answers a call of a management canister method: the reply and the cycles to
// refund, or a reject.
type handler func(m *Canister, ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error)

// method is one management canister method.
type method struct {
	handle handler
	// ingress: users may call it in ingress messages; the others need a calling canister.
	ingress bool
	// query: users may also call it as a query (on the IC, fetch_canister_logs is only a
	// query and canister_status is both).
	query bool
}

// methods are the management canister's methods, each named once; any other name is refused.
var methods = map[string]method{
	"create_canister":                         {handle: (*Canister).createCanister},
	"provisional_create_canister_with_cycles": {handle: (*Canister).provisionalCreate, ingress: true},
	"provisional_top_up_canister":             {handle: (*Canister).provisionalTopUp, ingress: true},
	"deposit_cycles":                          {handle: (*Canister).depositCycles},
	"install_code":                            {handle: (*Canister).installCode, ingress: true},
	"install_chunked_code":                    {handle: (*Canister).installChunked, ingress: true},
	"uninstall_code":                          {handle: (*Canister).uninstallCode, ingress: true},
	"upload_chunk":                            {handle: (*Canister).uploadChunk, ingress: true},
	"clear_chunk_store":                       {handle: (*Canister).clearChunkStore, ingress: true},
	"stored_chunks":                           {handle: (*Canister).storedChunks, ingress: true},
	"canister_status":                         {handle: (*Canister).canisterStatus, ingress: true, query: true},
	"fetch_canister_logs":                     {handle: (*Canister).fetchLogs, ingress: true, query: true},
	"take_canister_snapshot":                  {handle: (*Canister).takeSnapshot, ingress: true},
	"load_canister_snapshot":                  {handle: (*Canister).loadSnapshot, ingress: true},
	"list_canister_snapshots":                 {handle: (*Canister).listSnapshots, ingress: true},
	"delete_canister_snapshot":                {handle: (*Canister).deleteSnapshot, ingress: true},
	"read_canister_snapshot_metadata":         {handle: (*Canister).readSnapshotMetadata, ingress: true},
	"read_canister_snapshot_data":             {handle: (*Canister).readSnapshotData, ingress: true},
	"upload_canister_snapshot_metadata":       {handle: (*Canister).uploadSnapshotMetadata, ingress: true},
	"upload_canister_snapshot_data":           {handle: (*Canister).uploadSnapshotData, ingress: true},
	"canister_info":                           {handle: (*Canister).canisterInfo},
	"update_settings":                         {handle: (*Canister).updateSettings, ingress: true},
	"start_canister":                          {handle: (*Canister).startCanister, ingress: true},
	"stop_canister":                           {handle: (*Canister).stopCanister, ingress: true},
	"delete_canister":                         {handle: (*Canister).deleteCanister, ingress: true},
	"raw_rand":                                {handle: (*Canister).rawRand},
	"http_request":                            {handle: (*Canister).httpRequest},
}

// HandleManagement implements engine.ManagementHandler.
func (m *Canister) HandleManagement(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	if m.eng == nil {
		return nil, call.Cycles, rejectf(protocol.SysFatal, "", "management canister not bound to an engine")
	}
	meth, ok := methods[call.Method]
	if !call.FromCanister && !meth.ingress { // an unknown method too, as on the IC
		return nil, 0, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
			"Only canisters can call ic00 method %s", call.Method)
	}
	if !ok {
		return nil, call.Cycles, rejectf(protocol.DestinationInvalid, protocol.ErrCanisterMethodNotFound,
			"Management canister has no method '%s'", call.Method)
	}
	return meth.handle(m, ctx, call)
}

func (m *Canister) provisionalTopUp(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return run(call, func(a *TopUpArgs) (any, error) {
		return nil, m.eng.AddCycles(agentID(a.CanisterID), uint64(a.Amount))
	})
}

func (m *Canister) depositCycles(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return keep(run(call, func(a *CanisterIDRecord) (any, error) {
		return nil, m.eng.AddCycles(agentID(a.CanisterID), call.Cycles)
	}))
}

func (m *Canister) uninstallCode(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, _ *CanisterIDRecord) (any, error) {
		if err := m.eng.UninstallCode(ctx, id); err != nil {
			return nil, err
		}
		m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeCodeUninstall})
		return nil, nil
	})
}

func (m *Canister) clearChunkStore(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, _ *CanisterIDRecord) (any, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		return nil, m.cfg.Chunks.Clear(id)
	})
}

func (m *Canister) storedChunks(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, _ *CanisterIDRecord) (any, error) {
		hashes, err := m.cfg.Chunks.List(id)
		if err != nil {
			return nil, err
		}
		out := make([]ChunkHash, len(hashes))
		for i, h := range hashes {
			out[i] = ChunkHash{Hash: h}
		}
		return out, nil
	})
}

func (m *Canister) deleteSnapshot(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *SnapshotArgs) (any, error) {
		return nil, m.eng.DeleteSnapshot(id, a.SnapshotID)
	})
}

func (m *Canister) startCanister(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, _ *CanisterIDRecord) (any, error) {
		return nil, m.eng.StartCanister(id)
	})
}

func (m *Canister) stopCanister(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, _ *CanisterIDRecord) (any, error) {
		return nil, m.eng.StopCanister(ctx, id)
	})
}

func (m *Canister) deleteCanister(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, _ *CanisterIDRecord) (any, error) {
		if err := m.eng.DeleteCanister(id); err != nil {
			return nil, err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		return nil, m.cfg.Chunks.Clear(id)
	})
}

func (m *Canister) rawRand(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, call.Cycles, rejectf(protocol.SysTransient, "", "raw_rand: %v", err)
	}
	reply, err := candid.Marshal(b)
	return reply, call.Cycles, err
}

func empty() []byte { return []byte("DIDL\x00\x00") }

// run decodes call's argument as an A and runs f on it. f's reply is encoded as the
// method's one result, or as no result when it is nil. The cycles attached to the call are
// refunded (keep says otherwise for the methods that take them).
func run[A any](call engine.ManagementCall, f func(a *A) (reply any, err error)) ([]byte, uint64, error) {
	var a A
	if err := candid.Unmarshal(call.Arg, &a); err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	reply, err := f(&a)
	if err != nil {
		return nil, call.Cycles, err
	}
	if reply == nil {
		return empty(), call.Cycles, nil
	}
	b, err := candid.Marshal(reply)
	return b, call.Cycles, err
}

// keep turns run's refund into none when the method succeeded: for the methods that take
// the cycles attached to them (canister creation, deposit_cycles).
func keep(reply []byte, refund uint64, err error) ([]byte, uint64, error) {
	if err != nil {
		return nil, refund, err
	}
	return reply, 0, nil
}

// canisterArg is the argument of a method that acts on the canister it names.
type canisterArg interface{ canister() cdkprincipal.Principal }

// byController is run for the methods that only the controllers of the canister the
// argument names may call: f gets its id.
func byController[A canisterArg](m *Canister, call engine.ManagementCall, f func(id principal.Principal, a *A) (any, error)) ([]byte, uint64, error) {
	return run(call, func(a *A) (any, error) {
		id := agentID((*a).canister())
		if err := m.checkController(id, call); err != nil {
			return nil, err
		}
		return f(id, a)
	})
}

// settingsArg refuses settings this replica does not model before next decodes the
// argument (whose decoding would skip them).
func settingsArg(call engine.ManagementCall, next func() ([]byte, uint64, error)) ([]byte, uint64, error) {
	if err := refuseUnknownSettings(call.Arg); err != nil {
		return nil, call.Cycles, err
	}
	return next()
}

func (m *Canister) checkController(id principal.Principal, call engine.ManagementCall) error {
	ok, err := m.eng.IsController(id, call.Caller)
	if err != nil {
		return err
	}
	if ok || (call.Method == "canister_status" && bytes.Equal(id.Raw, call.Caller.Raw)) {
		return nil
	}
	return rejectf(protocol.CanisterError, protocol.ErrCanisterInvalidController,
		"Only controllers of canister %s can call ic00 method %s", id, call.Method)
}

func controllersOf(s *CanisterSettings, def principal.Principal) ([]principal.Principal, error) {
	if s == nil || s.Controllers == nil {
		return []principal.Principal{def}, nil
	}
	if len(*s.Controllers) > MaxControllers {
		return nil, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
			"Invalid settings: expected at most %d controllers, got %d", MaxControllers, len(*s.Controllers))
	}
	out := make([]principal.Principal, len(*s.Controllers))
	for i, c := range *s.Controllers {
		out[i] = agentID(c)
	}
	return out, nil
}

// agentID and cdkID convert between the engine's principal type (agent-go's) and the one of
// the CDK's codec, in which the management canister's records are declared.
func agentID(p cdkprincipal.Principal) principal.Principal {
	return principal.Principal{Raw: p.Bytes()}
}

func cdkID(p principal.Principal) cdkprincipal.Principal { return cdkprincipal.FromBytes(p.Raw) }

func (m *Canister) createCanister(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return settingsArg(call, func() ([]byte, uint64, error) {
		return keep(run(call, func(a *CreateCanisterArgs) (any, error) {
			fee := m.eng.Costs().CreateCanister()
			if call.Cycles < fee {
				return nil, rejectf(protocol.CanisterReject, protocol.ErrInsufficientCyclesInCall,
					"Creating a canister requires a fee of %d that is deducted from the canister's initial balance but only %d cycles were received with the create_canister request.", fee, call.Cycles)
			}
			return m.create(call, a.Settings, engine.CreateOptions{Cycles: call.Cycles - fee})
		}))
	})
}

func (m *Canister) provisionalCreate(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return settingsArg(call, func() ([]byte, uint64, error) {
		return keep(run(call, func(a *ProvisionalCreateArgs) (any, error) {
			cycles := uint64(DefaultProvisionalCycles)
			if a.Amount != nil {
				cycles = uint64(*a.Amount)
			}
			opts := engine.CreateOptions{Cycles: cycles + call.Cycles}
			if a.SpecifiedID != nil {
				p := agentID(*a.SpecifiedID)
				opts.ID = &p
			}
			return m.create(call, a.Settings, opts)
		}))
	})
}

// create creates a canister with the settings s (controlled by the caller unless s names
// controllers) and opts' id and cycles, and records its creation.
func (m *Canister) create(call engine.ManagementCall, s *CanisterSettings, opts engine.CreateOptions) (any, error) {
	settings, err := checkSettings(s)
	if err != nil {
		return nil, err
	}
	controllers, err := controllersOf(s, call.Caller)
	if err != nil {
		return nil, err
	}
	opts.Controllers, opts.Settings = controllers, &settings
	id, err := m.eng.CreateCanister(opts)
	if errors.Is(err, engine.ErrCanisterExists) {
		return nil, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
			"Canister %s is already installed.", opts.ID)
	}
	if err != nil {
		return nil, err
	}
	m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeCreation, Controllers: controllers})
	return CanisterIDRecord{CanisterID: cdkID(id)}, nil
}

func modeOf(mode InstallMode) (engine.InstallMode, bool) {
	switch {
	case mode.Install != nil:
		return engine.Install, false
	case mode.Reinstall != nil:
		return engine.Reinstall, false
	case mode.Upgrade != nil:
		skip := false
		if *mode.Upgrade != nil && (*mode.Upgrade).SkipPreUpgrade != nil {
			skip = *(*mode.Upgrade).SkipPreUpgrade
		}
		return engine.Upgrade, skip
	}
	return engine.Install, false
}

func (m *Canister) installCode(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *InstallCodeArgs) (any, error) {
		mode, skip := modeOf(a.Mode)
		err := m.eng.InstallCode(ctx, id, engine.InstallArgs{Mode: mode, Module: a.WasmModule, Arg: a.Arg, Sender: call.Caller, SkipPreUpgrade: skip})
		if err != nil {
			return nil, err
		}
		m.recordDeployment(id, mode, a.WasmModule, call)
		return nil, nil
	})
}

func (m *Canister) recordDeployment(id principal.Principal, mode engine.InstallMode, module []byte, call engine.ManagementCall) {
	sum := sha256.Sum256(module)
	m.record(id, call.Caller, call.FromCanister, engine.Change{Kind: engine.ChangeCodeDeployment, Mode: mode, ModuleHash: sum[:]})
}

func (m *Canister) uploadChunk(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(id principal.Principal, a *UploadChunkArgs) (any, error) {
		if len(a.Chunk) > MaxChunkSize {
			return nil, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
				"Error from Wasm chunk store: Wasm chunk size %d exceeds the maximum chunk size of %d", len(a.Chunk), MaxChunkSize)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		hashes, err := m.cfg.Chunks.List(id)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(a.Chunk)
		if len(hashes) >= MaxChunks && !containsHash(hashes, sum[:]) {
			return nil, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
				"Error from Wasm chunk store: Wasm chunk store has already reached the maximum of %d chunks", MaxChunks)
		}
		if err := m.cfg.Chunks.Put(id, sum[:], a.Chunk); err != nil {
			return nil, err
		}
		return ChunkHash{Hash: sum[:]}, nil
	})
}

func containsHash(hs [][]byte, h []byte) bool {
	for _, x := range hs {
		if bytes.Equal(x, h) {
			return true
		}
	}
	return false
}

func (m *Canister) installChunked(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return byController(m, call, func(target principal.Principal, a *InstallChunkedCodeArgs) (any, error) {
		store := target
		if a.StoreCanister != nil {
			store = agentID(*a.StoreCanister)
			if err := m.checkController(store, call); err != nil {
				return nil, err
			}
		}
		var module []byte
		for _, h := range a.ChunkHashesList {
			chunk, err := m.cfg.Chunks.Get(store, h.Hash)
			if err != nil {
				return nil, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
					"Error from Wasm chunk store: Chunk %s not found in the chunk store of canister %s", hex.EncodeToString(h.Hash), store)
			}
			module = append(module, chunk...)
		}
		if sum := sha256.Sum256(module); !bytes.Equal(sum[:], a.WasmModuleHash) {
			return nil, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
				"Error from Wasm chunk store: Wasm module hash %s does not match given hash %s", hex.EncodeToString(sum[:]), hex.EncodeToString(a.WasmModuleHash))
		}
		mode, skip := modeOf(a.Mode)
		if err := m.eng.InstallCode(ctx, target, engine.InstallArgs{Mode: mode, Module: module, Arg: a.Arg, Sender: call.Caller, SkipPreUpgrade: skip}); err != nil {
			return nil, err
		}
		m.recordDeployment(target, mode, module, call)
		return nil, nil
	})
}

func (m *Canister) updateSettings(_ context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	return settingsArg(call, func() ([]byte, uint64, error) {
		return byController(m, call, func(id principal.Principal, a *UpdateSettingsArgs) (any, error) {
			return nil, m.applySettings(id, &a.Settings, call.Caller, call.FromCanister)
		})
	})
}

func (m *Canister) httpRequest(ctx context.Context, call engine.ManagementCall) ([]byte, uint64, error) {
	if m.cfg.Outcalls == nil {
		return nil, call.Cycles, rejectf(protocol.SysFatal, "", "HTTPS outcalls are disabled on this replica")
	}
	req, err := DecodeHTTPRequestArgs(call.Arg)
	if err != nil {
		return nil, call.Cycles, badArg(call.Method, err)
	}
	if rej := req.Validate(call.Caller.Raw); rej != nil {
		return nil, call.Cycles, toReject(rej)
	}
	cost := protocol.OutcallCost(req.Size(), req.ResponseLimit(), m.cfg.Outcalls.Nodes())
	if call.Cycles < cost {
		return nil, call.Cycles, rejectf(protocol.CanisterReject, protocol.ErrCanisterRejectedMessage,
			"http_request request sent with %d cycles, but %d cycles are required.", call.Cycles, cost)
	}
	caller := call.Caller
	transform := func(ctx context.Context, t outcall.Transform, raw outcall.Response) (outcall.Response, *protocol.Reject) {
		arg, err := EncodeTransformArgs(raw, t.Context)
		if err != nil {
			return outcall.Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: err.Error()}
		}
		reply, err := m.eng.Transform(ctx, caller, t.Method, arg)
		if err != nil {
			// An outcall's reject carries no IC error code (toReject decides it).
			var rej *protocol.Reject
			if errors.As(err, &rej) {
				return outcall.Response{}, &protocol.Reject{Code: rej.Code, Message: rej.Message}
			}
			return outcall.Response{}, &protocol.Reject{Code: protocol.SysFatal, Message: err.Error()}
		}
		out, err := DecodeHTTPResult(reply)
		if err != nil {
			return outcall.Response{}, &protocol.Reject{Code: protocol.CanisterError, Message: "transform: " + err.Error()}
		}
		return out, nil
	}
	resp, rej := m.cfg.Outcalls.Do(ctx, req, transform)
	refund := call.Cycles - cost
	if rej != nil {
		return nil, refund, toReject(rej)
	}
	reply, err := EncodeHTTPResult(resp)
	if err != nil {
		return nil, refund, err
	}
	return reply, refund, nil
}

// toReject is the management canister's reject for a failed outcall: a CanisterReject
// carries the IC error code of a rejected message, the others none.
func toReject(rej *protocol.Reject) *protocol.Reject {
	code := ""
	if rej.Code == protocol.CanisterReject {
		code = protocol.ErrCanisterRejectedMessage
	}
	return &protocol.Reject{Code: rej.Code, Message: rej.Message, ErrorCode: code}
}
