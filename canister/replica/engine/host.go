package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/ic0api"
)

// System API costs in instructions, charged to the execution's counter on top of the
// instructions of the Wasm code, like the IC's system API overhead: a fixed cost per call plus
// one instruction per byte copied.
const (
	costAPI         = 100
	costAPIPerByte  = 1
	costCallNew     = 1500
	costCallPerform = 5000
	costStableGrow  = 100
	costDebugPrint  = 100
)

// Limits of the System API besides protocol's message sizes.
const (
	maxPrincipalBytes = 29
	maxTrapMessage    = 16 << 10
)

type execKey struct{}

// hostImpl implements one ic0 function: s holds its arguments on entry and its results on
// return, in the order of the function's Wasm type.
type hostImpl func(x *execution, s []uint64)

// instantiateHost registers the ic0 host module in rt: one function for each function of
// the System API (package ic0api, the spec's table), with the table's Wasm type and allowed
// contexts, so that neither is restated here. hostImpls must implement exactly those
// functions. Every host function finds the running execution in its context.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	impls := hostImpls()
	b := rt.NewHostModuleBuilder("ic0")
	for _, name := range ic0api.Names() {
		spec, _ := ic0api.Lookup(name)
		impl, ok := impls[name]
		if !ok {
			return fmt.Errorf("ic0 host module: no implementation of ic0.%s", name)
		}
		delete(impls, name)
		allowed, err := contextSet(spec.Contexts)
		if err != nil {
			return fmt.Errorf("ic0 host module: ic0.%s: %w", name, err)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			x, _ := ctx.Value(execKey{}).(*execution)
			if x == nil {
				panic(fmt.Errorf("ic0.%s called outside of an execution", name))
			}
			if !allowed.has(x.typ) {
				x.trap(errWrongMode(name, x.typ))
			}
			x.charge(costAPI)
			impl(x, s)
		}), valueTypes(spec.Type.Params), valueTypes(spec.Type.Results)).Export(name)
	}
	if len(impls) > 0 {
		extra := slices.Sorted(maps.Keys(impls))
		return fmt.Errorf("ic0 host module: not System API functions: %s", strings.Join(extra, ", "))
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("instantiating ic0 host module: %w", err)
	}
	return nil
}

// valueTypes maps a System API signature (i32 and i64 only) to wazero's value types.
func valueTypes(ts []wasm.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		if t == wasm.I64 {
			out[i] = api.ValueTypeI64
		} else {
			out[i] = api.ValueTypeI32
		}
	}
	return out
}

// Helpers for blob-idiom functions.

func (x *execution) copyOut(fn string, blob []byte, dst, off, size uint64) {
	if off+size > uint64(len(blob)) {
		x.trap(errContract("ic0.%s payload: src=%d + length=%d exceeds the slice size=%d", fn, off, size, len(blob)))
	}
	x.write(dst, blob[off:off+size])
}

func (x *execution) write(dst uint64, data []byte) {
	x.charge(int64(len(data)) * costAPIPerByte)
	if len(data) == 0 {
		return
	}
	if x.in.mem == nil || dst > math.MaxUint32 || !x.in.mem.Write(uint32(dst), data) {
		x.trap(errTrapped("heap out of bounds"))
	}
	x.in.markDirty(dst, uint64(len(data)))
}

// read returns a copy of Wasm memory [src, src+size).
func (x *execution) read(src, size uint64) []byte {
	x.charge(int64(size) * costAPIPerByte)
	if size == 0 {
		return []byte{}
	}
	if x.in.mem == nil || src > math.MaxUint32 || size > math.MaxUint32 {
		x.trap(errTrapped("heap out of bounds"))
	}
	b, ok := x.in.mem.Read(uint32(src), uint32(size))
	if !ok {
		x.trap(errTrapped("heap out of bounds"))
	}
	return bytes.Clone(b)
}

// envVar returns the i-th environment variable, trapping when there is none.
func (x *execution) envVar(i uint64) EnvVar {
	vs := x.c.settings.EnvVars
	if i >= uint64(len(vs)) {
		x.trap(errContract("Environment variable index %d is out of bounds. The number of environment variables is %d.", i, len(vs)))
	}
	return vs[i]
}

func (x *execution) lookupEnv(name string) (string, bool) {
	for _, v := range x.c.settings.EnvVars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

func (x *execution) writeU128(dst uint64, v uint64) {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], v)
	x.write(dst, b[:])
}

func u32(v uint64) uint64 { return uint64(uint32(v)) }

// u128 folds a (high, low) cycles amount to uint64, saturating: balances are uint64 here.
func u128(high, low uint64) uint64 {
	if high != 0 {
		return math.MaxUint64
	}
	return low
}

// hostImpls returns the engine's implementation of every ic0 function, by name.
func hostImpls() map[string]hostImpl {
	impls := map[string]hostImpl{
		// The message (its argument, caller, method name and reject message are in hostBlobs).
		"msg_reject_code": func(x *execution, s []uint64) {
			s[0] = uint64(x.rejectCode)
		},
		"msg_deadline": func(x *execution, s []uint64) {
			s[0] = 0
		},

		// Responding.
		"msg_reply_data_append": func(x *execution, s []uint64) {
			x.checkNotResponded("msg_reply_data_append")
			x.replyBuf = x.appendLimited(x.replyBuf, u32(s[0]), u32(s[1]), protocol.MaxReplyBytes,
				"ic0.msg_reply_data_append: application payload size (%d) cannot be larger than %d.")
		},
		"msg_reply": func(x *execution, s []uint64) {
			x.checkNotResponded("msg_reply")
			x.replied = true
		},
		"msg_reject": func(x *execution, s []uint64) {
			x.checkNotResponded("msg_reject")
			msg := x.read(u32(s[0]), u32(s[1]))
			if !utf8.Valid(msg) {
				x.trap(errContract("ic0.msg_reject: invalid UTF-8 string provided"))
			}
			x.rejected, x.rejectOut = true, string(msg)
		},

		// Cycles of the message.
		"msg_cycles_available128": func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.available())
		},
		"msg_cycles_available": func(x *execution, s []uint64) {
			s[0] = x.available()
		},
		"msg_cycles_refunded128": func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.refunded)
		},
		"msg_cycles_refunded": func(x *execution, s []uint64) {
			s[0] = x.refunded
		},
		"msg_cycles_accept128": func(x *execution, s []uint64) {
			x.writeU128(u32(s[2]), x.accept(u128(s[0], s[1])))
		},
		"msg_cycles_accept": func(x *execution, s []uint64) {
			s[0] = x.accept(s[0])
		},
		"cycles_burn128": func(x *execution, s []uint64) {
			amount := min(u128(s[0], s[1]), x.c.liquid(x.balance))
			x.balance -= amount
			x.writeU128(u32(s[2]), amount)
		},

		// The canister.
		"canister_cycle_balance128": func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.balance)
		},
		"canister_liquid_cycle_balance128": func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.c.liquid(x.balance))
		},
		"canister_cycle_balance": func(x *execution, s []uint64) {
			s[0] = x.balance
		},
		"canister_status": func(x *execution, s []uint64) {
			s[0] = uint64(x.c.status)
		},
		"canister_version": func(x *execution, s []uint64) {
			s[0] = x.c.version
		},
		// canister_inspect_message.
		"accept_message": func(x *execution, s []uint64) {
			if x.acceptedMessage {
				x.trap(errContract("ic0.accept_message: the function was already called."))
			}
			x.acceptedMessage = true
		},

		// Outgoing calls.
		"call_new": func(x *execution, s []uint64) {
			x.charge(costCallNew)
			x.discardPending()
			callee := x.read(u32(s[0]), u32(s[1]))
			if len(callee) > maxPrincipalBytes {
				x.trap(errContract("ic0.call_new: invalid callee id of %d bytes", len(callee)))
			}
			name := x.read(u32(s[2]), u32(s[3]))
			x.pending = &outCall{
				callee: callee, method: string(name),
				reply:  callback{fun: uint32(s[4]), env: uint32(s[5])},
				reject: callback{fun: uint32(s[6]), env: uint32(s[7])},
			}
		},
		"call_on_cleanup": func(x *execution, s []uint64) {
			p := x.pendingCall("call_on_cleanup")
			if p.cleanup != nil {
				x.trap(errContract("ic0.call_on_cleanup: cleanup closure already set"))
			}
			p.cleanup = &callback{fun: uint32(s[0]), env: uint32(s[1])}
		},
		"call_data_append": func(x *execution, s []uint64) {
			p := x.pendingCall("call_data_append")
			p.arg = x.appendLimited(p.arg, u32(s[0]), u32(s[1]), protocol.MaxCallArgBytes,
				"ic0.call_data_append: the payload size (%d) exceeds the limit of %d bytes")
		},
		"call_with_best_effort_response": func(x *execution, s []uint64) {
			p := x.pendingCall("call_with_best_effort_response")
			if p.timeout != 0 {
				x.trap(errContract("ic0.call_with_best_effort_response: timeout already set"))
			}
			p.timeout = max(uint32(s[0]), 1)
		},
		"call_cycles_add128": func(x *execution, s []uint64) {
			x.addCycles("call_cycles_add128", u128(s[0], s[1]))
		},
		"call_cycles_add": func(x *execution, s []uint64) {
			x.addCycles("call_cycles_add", s[0])
		},
		"call_perform": func(x *execution, s []uint64) {
			x.charge(costCallPerform)
			p := x.pendingCall("call_perform")
			x.pending = nil
			if !x.typ.composite() {
				// Like the IC: the call's fee is paid now, and the transmission of the
				// largest possible response and the execution of its callback with the
				// whole instruction limit are prepaid; the response refunds what they did
				// not use. A canister that cannot pay above its freezing threshold gets an
				// error and no callback.
				costs := x.e.costs()
				exec := costs.Execution(uint64(x.e.cfg.Limits.Update))
				need := satAdd(costs.Call(uint64(len(p.method)), uint64(len(p.arg)))+costs.ResponseReservation(), exec)
				if x.c.liquid(x.balance) < need {
					x.balance += p.cycles
					s[0] = uint64(protocol.SysTransient)
					return
				}
				x.balance -= need
				p.reserved, p.execPrepaid = costs.ResponseReservation(), exec
			}
			x.calls = append(x.calls, p)
			s[0] = 0
		},

		// Stable memory.
		"stable64_size": func(x *execution, s []uint64) {
			s[0] = x.c.stablePages()
		},
		"stable64_grow": func(x *execution, s []uint64) {
			x.charge(costStableGrow)
			s[0] = x.c.stableGrow(s[0], x.e.cfg.MaxStablePages)
		},
		"stable64_write": func(x *execution, s []uint64) {
			x.stableWrite(s[0], s[1], s[2])
		},
		"stable64_read": func(x *execution, s []uint64) {
			x.stableRead(s[0], s[1], s[2])
		},
		"stable_size": func(x *execution, s []uint64) {
			x.check32BitStable()
			s[0] = x.c.stablePages()
		},
		"stable_grow": func(x *execution, s []uint64) {
			x.check32BitStable()
			x.charge(costStableGrow)
			r := x.c.stableGrow(u32(s[0]), min(x.e.cfg.MaxStablePages, 1<<16))
			s[0] = uint64(uint32(r))
		},
		"stable_write": func(x *execution, s []uint64) {
			x.check32BitStable()
			x.stableWrite(u32(s[0]), u32(s[1]), u32(s[2]))
		},
		"stable_read": func(x *execution, s []uint64) {
			x.check32BitStable()
			x.stableRead(u32(s[0]), u32(s[1]), u32(s[2]))
		},

		// System state.
		"certified_data_set": func(x *execution, s []uint64) {
			size := u32(s[1])
			if size > protocol.MaxCertifiedData {
				x.trap(errContract("ic0_certified_data_set failed because the passed data must be no larger than %d bytes. Found %d bytes.",
					protocol.MaxCertifiedData, size))
			}
			x.certData, x.certSet = x.read(u32(s[0]), size), true
		},
		"data_certificate_present": func(x *execution, s []uint64) {
			if x.certificate() != nil {
				s[0] = 1
			} else {
				s[0] = 0
			}
		},
		"time": func(x *execution, s []uint64) {
			s[0] = x.time
		},
		"global_timer_set": func(x *execution, s []uint64) {
			prev := x.timer
			x.timer, x.timerSet = s[0], true
			s[0] = prev
		},
		"performance_counter": func(x *execution, s []uint64) {
			switch uint32(s[0]) {
			case 0:
				s[0] = uint64(x.instructionsUsed())
			case 1:
				s[0] = uint64(x.contextInstructions + x.instructionsUsed())
			default:
				x.trap(errContract("performance_counter: unknown counter type %d", uint32(s[0])))
			}
		},
		"is_controller": func(x *execution, s []uint64) {
			size := u32(s[1])
			if size > maxPrincipalBytes {
				x.trap(errContract("ic0.is_controller: invalid principal of %d bytes", size))
			}
			p := x.read(u32(s[0]), size)
			s[0] = 0
			for _, c := range x.c.controllers {
				if bytes.Equal(c.Raw, p) {
					s[0] = 1
				}
			}
		},
		"in_replicated_execution": func(x *execution, s []uint64) {
			if x.typ.replicated() {
				s[0] = 1
			} else {
				s[0] = 0
			}
		},

		// Costs.
		"cost_call": func(x *execution, s []uint64) {
			x.writeU128(u32(s[2]), x.e.costs().Call(s[0], s[1]))
		},
		"cost_create_canister": func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.e.costs().CreateCanister())
		},
		"cost_http_request": func(x *execution, s []uint64) {
			x.writeU128(u32(s[2]), x.e.costs().HTTPRequest(s[0], s[1]))
		},
		"cost_sign_with_ecdsa": func(x *execution, s []uint64) {
			s[0] = x.thresholdCost(s, x.e.costs().SignWithECDSA)
		},
		"cost_sign_with_schnorr": func(x *execution, s []uint64) {
			s[0] = x.thresholdCost(s, x.e.costs().SignWithSchnorr)
		},
		"cost_vetkd_derive_key": func(x *execution, s []uint64) {
			s[0] = x.thresholdCost(s, x.e.costs().VetKDDeriveKey)
		},

		// Environment variables: the canister's settings, sorted by name.
		"env_var_count": func(x *execution, s []uint64) {
			s[0] = uint64(len(x.c.settings.EnvVars))
		},
		"env_var_name_size": func(x *execution, s []uint64) {
			s[0] = uint64(len(x.envVar(u32(s[0])).Name))
		},
		"env_var_name_copy": func(x *execution, s []uint64) {
			name := x.envVar(u32(s[0])).Name
			x.copyOut("env_var_name_copy", []byte(name), u32(s[1]), u32(s[2]), u32(s[3]))
		},
		"env_var_name_exists": func(x *execution, s []uint64) {
			name := string(x.read(u32(s[0]), u32(s[1])))
			s[0] = 0
			if _, ok := x.lookupEnv(name); ok {
				s[0] = 1
			}
		},
		"env_var_value_size": func(x *execution, s []uint64) {
			name := string(x.read(u32(s[0]), u32(s[1])))
			v, ok := x.lookupEnv(name)
			if !ok {
				x.trap(errContract("Environment variable %s not found.", name))
			}
			s[0] = uint64(len(v))
		},
		"env_var_value_copy": func(x *execution, s []uint64) {
			name := string(x.read(u32(s[0]), u32(s[1])))
			v, ok := x.lookupEnv(name)
			if !ok {
				x.trap(errContract("Environment variable %s not found.", name))
			}
			x.copyOut("env_var_value_copy", []byte(v), u32(s[2]), u32(s[3]), u32(s[4]))
		},

		// Debugging.
		"debug_print": func(x *execution, s []uint64) {
			x.charge(costDebugPrint)
			msg := x.read(u32(s[0]), u32(s[1]))
			if x.e.cfg.DebugPrint != nil {
				x.e.cfg.DebugPrint(x.c.id, string(msg))
			}
			if x.typ.replicated() {
				x.c.appendLog(x.time, msg)
			}
		},
		"trap": func(x *execution, s []uint64) {
			size := min(u32(s[1]), maxTrapMessage)
			msg := x.read(u32(s[0]), size)
			x.trapMsg = string(bytes.ToValidUTF8(msg, []byte("\uFFFD")))
			x.trap(errCalledTrap(x.trapMsg))
		},
	}
	// Blob idiom: X_size and X_copy of the blob X.
	for name, blob := range hostBlobs() {
		impls[name+"_size"] = func(x *execution, s []uint64) {
			s[0] = uint64(len(blob(x)))
		}
		impls[name+"_copy"] = func(x *execution, s []uint64) {
			x.copyOut(name+"_copy", blob(x), u32(s[0]), u32(s[1]), u32(s[2]))
		}
	}
	return impls
}

// hostBlobs are the blobs the System API exposes with the blob idiom, by name.
func hostBlobs() map[string]func(x *execution) []byte {
	return map[string]func(x *execution) []byte{
		"msg_arg_data":           func(x *execution) []byte { return x.arg },
		"msg_caller":             func(x *execution) []byte { return x.caller },
		"msg_caller_info_data":   func(x *execution) []byte { return nil }, // no caller info here
		"msg_caller_info_signer": func(x *execution) []byte { return nil },
		"msg_reject_msg":         func(x *execution) []byte { return []byte(x.rejectMsg) },
		"msg_method_name":        func(x *execution) []byte { return []byte(x.method) },
		"canister_self":          func(x *execution) []byte { return x.c.id.Raw },
		"subnet_self":            func(x *execution) []byte { return x.e.cfg.SubnetID.Raw },
		"root_key":               func(x *execution) []byte { return x.e.cfg.RootKey },
		"data_certificate":       func(x *execution) []byte { return x.certificate() },
	}
}

// appendLimited appends Wasm memory [src, src+size) to buf, trapping with format (applied to
// the new length and limit) if that would make buf longer than limit.
func (x *execution) appendLimited(buf []byte, src, size, limit uint64, format string) []byte {
	if n := uint64(len(buf)) + size; n > limit {
		x.trap(errContract(format, n, limit))
	}
	return append(buf, x.read(src, size)...)
}

func (x *execution) checkNotResponded(fn string) {
	if x.replied || x.rejected || (x.cc != nil && x.cc.responded) {
		x.trap(errContract("ic0.%s: the call is already replied", fn))
	}
}

func (x *execution) pendingCall(fn string) *outCall {
	if x.pending == nil {
		x.trap(errContract("%s called when no call is under construction.", fn))
	}
	return x.pending
}

// discardPending drops a call under construction, returning its cycles.
func (x *execution) discardPending() {
	if x.pending != nil {
		x.balance += x.pending.cycles
		x.pending = nil
	}
}

func (x *execution) addCycles(fn string, amount uint64) {
	p := x.pendingCall(fn)
	if liquid := x.c.liquid(x.balance); amount > liquid {
		x.trap(errOutOfCycles(x.c.id, liquid, amount))
	}
	x.balance -= amount
	p.cycles += amount
}

func (x *execution) available() uint64 {
	if x.cc == nil {
		return 0
	}
	return x.cc.available - x.accepted
}

func (x *execution) accept(maxAmount uint64) uint64 {
	amount := min(maxAmount, x.available())
	x.accepted += amount
	x.balance += amount
	return amount
}

func (x *execution) check32BitStable() {
	if x.c.stablePages() > 1<<16 {
		x.trap(errTrapped("32 bit stable memory api used on a memory larger than 4GB"))
	}
}

func (x *execution) stableWrite(offset, src, size uint64) {
	data := x.read(src, size)
	if !x.c.stableWrite(offset, data) {
		x.trap(errTrapped("stable memory out of bounds"))
	}
}

func (x *execution) stableRead(dst, offset, size uint64) {
	b, ok := x.c.stableRead(offset, size)
	if !ok {
		x.trap(errTrapped("stable memory out of bounds"))
	}
	x.write(dst, b)
}

// thresholdCost implements cost_sign_with_* / cost_vetkd_derive_key: s holds (name src, name
// size, curve/algorithm, dst); the result is 0 (ok), 1 (unknown curve) or 2 (unknown key name).
func (x *execution) thresholdCost(s []uint64, cost func(key string, curve uint32) (uint64, uint32)) uint64 {
	name := x.read(u32(s[0]), u32(s[1]))
	fee, code := cost(string(name), uint32(s[2]))
	if code == 0 {
		x.writeU128(u32(s[3]), fee)
	}
	return uint64(code)
}
