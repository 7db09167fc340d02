package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
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

// hostFn describes one ic0 import: its Wasm type as a string of 'i' (i32) and 'I' (i64)
// letters, the contexts that may call it (spec legend) and its implementation.
type hostFn struct {
	name     string
	params   string
	results  string
	contexts string
	fn       func(x *execution, s []uint64)
}

func valueTypes(sig string) []api.ValueType {
	out := make([]api.ValueType, len(sig))
	for i, c := range sig {
		if c == 'I' {
			out[i] = api.ValueTypeI64
		} else {
			out[i] = api.ValueTypeI32
		}
	}
	return out
}

// instantiateHost registers the ic0 host module in rt. Every host function finds the running
// execution in its context.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("ic0")
	for _, h := range hostFunctions() {
		h := h
		allowed := parseContexts(h.contexts)
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			x, _ := ctx.Value(execKey{}).(*execution)
			if x == nil {
				panic(fmt.Errorf("ic0.%s called outside of an execution", h.name))
			}
			if !allowed.has(x.typ) {
				x.trap(errWrongMode(h.name, x.typ))
			}
			x.charge(costAPI)
			h.fn(x, s)
		}), valueTypes(h.params), valueTypes(h.results)).Export(h.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("instantiating ic0 host module: %w", err)
	}
	return nil
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

func hostFunctions() []hostFn {
	return []hostFn{
		// Message arguments and caller.
		{"msg_arg_data_size", "", "i", "I U RQ NRQ TQ CQ Ry CRy F", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.arg))
		}},
		{"msg_arg_data_copy", "iii", "", "I U RQ NRQ TQ CQ Ry CRy F", func(x *execution, s []uint64) {
			x.copyOut("msg_arg_data_copy", x.arg, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"msg_caller_size", "", "i", "*", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.caller))
		}},
		{"msg_caller_copy", "iii", "", "*", func(x *execution, s []uint64) {
			x.copyOut("msg_caller_copy", x.caller, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"msg_caller_info_data_size", "", "i", "U RQ NRQ CQ Ry Rt CRy CRt C CC F", func(x *execution, s []uint64) {
			s[0] = 0
		}},
		{"msg_caller_info_data_copy", "iii", "", "U RQ NRQ CQ Ry Rt CRy CRt C CC F", func(x *execution, s []uint64) {
			x.copyOut("msg_caller_info_data_copy", nil, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"msg_caller_info_signer_size", "", "i", "U RQ NRQ CQ Ry Rt CRy CRt C CC F", func(x *execution, s []uint64) {
			s[0] = 0
		}},
		{"msg_caller_info_signer_copy", "iii", "", "U RQ NRQ CQ Ry Rt CRy CRt C CC F", func(x *execution, s []uint64) {
			x.copyOut("msg_caller_info_signer_copy", nil, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"msg_reject_code", "", "i", "Ry Rt CRy CRt C", func(x *execution, s []uint64) {
			s[0] = uint64(x.rejectCode)
		}},
		{"msg_reject_msg_size", "", "i", "Rt CRt", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.rejectMsg))
		}},
		{"msg_reject_msg_copy", "iii", "", "Rt CRt", func(x *execution, s []uint64) {
			x.copyOut("msg_reject_msg_copy", []byte(x.rejectMsg), u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"msg_deadline", "", "I", "U Q CQ Ry Rt CRy CRt", func(x *execution, s []uint64) {
			s[0] = 0
		}},

		// Responding.
		{"msg_reply_data_append", "ii", "", "U RQ NRQ TQ CQ Ry Rt CRy CRt", func(x *execution, s []uint64) {
			x.checkNotResponded("msg_reply_data_append")
			size := u32(s[1])
			if uint64(len(x.replyBuf))+size > protocol.MaxReplyBytes {
				x.trap(errContract("ic0.msg_reply_data_append: application payload size (%d) cannot be larger than %d.",
					uint64(len(x.replyBuf))+size, protocol.MaxReplyBytes))
			}
			x.replyBuf = append(x.replyBuf, x.read(u32(s[0]), size)...)
		}},
		{"msg_reply", "", "", "U RQ NRQ TQ CQ Ry Rt CRy CRt", func(x *execution, s []uint64) {
			x.checkNotResponded("msg_reply")
			x.replied = true
		}},
		{"msg_reject", "ii", "", "U RQ NRQ TQ CQ Ry Rt CRy CRt", func(x *execution, s []uint64) {
			x.checkNotResponded("msg_reject")
			msg := x.read(u32(s[0]), u32(s[1]))
			if !utf8.Valid(msg) {
				x.trap(errContract("ic0.msg_reject: invalid UTF-8 string provided"))
			}
			x.rejected, x.rejectOut = true, string(msg)
		}},

		// Cycles of the message.
		{"msg_cycles_available128", "i", "", "U RQ Rt Ry", func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.available())
		}},
		{"msg_cycles_available", "", "I", "U RQ Rt Ry", func(x *execution, s []uint64) {
			s[0] = x.available()
		}},
		{"msg_cycles_refunded128", "i", "", "Rt Ry", func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.refunded)
		}},
		{"msg_cycles_refunded", "", "I", "Rt Ry", func(x *execution, s []uint64) {
			s[0] = x.refunded
		}},
		{"msg_cycles_accept128", "IIi", "", "U RQ Rt Ry", func(x *execution, s []uint64) {
			x.writeU128(u32(s[2]), x.accept(u128(s[0], s[1])))
		}},
		{"msg_cycles_accept", "I", "I", "U RQ Rt Ry", func(x *execution, s []uint64) {
			s[0] = x.accept(s[0])
		}},
		{"cycles_burn128", "IIi", "", "I G U RQ Ry Rt C T", func(x *execution, s []uint64) {
			amount := min(u128(s[0], s[1]), x.balance)
			x.balance -= amount
			x.writeU128(u32(s[2]), amount)
		}},

		// The canister.
		{"canister_self_size", "", "i", "*", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.c.id.Raw))
		}},
		{"canister_self_copy", "iii", "", "*", func(x *execution, s []uint64) {
			x.copyOut("canister_self_copy", x.c.id.Raw, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"canister_cycle_balance128", "i", "", "*", func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.balance)
		}},
		{"canister_liquid_cycle_balance128", "i", "", "*", func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.balance)
		}},
		{"canister_cycle_balance", "", "I", "*", func(x *execution, s []uint64) {
			s[0] = x.balance
		}},
		{"canister_status", "", "i", "*", func(x *execution, s []uint64) {
			s[0] = uint64(x.c.status)
		}},
		{"canister_version", "", "I", "*", func(x *execution, s []uint64) {
			s[0] = x.c.version
		}},
		{"subnet_self_size", "", "i", "*", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.e.cfg.SubnetID.Raw))
		}},
		{"subnet_self_copy", "iii", "", "*", func(x *execution, s []uint64) {
			x.copyOut("subnet_self_copy", x.e.cfg.SubnetID.Raw, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"msg_method_name_size", "", "i", "F", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.method))
		}},
		{"msg_method_name_copy", "iii", "", "F", func(x *execution, s []uint64) {
			x.copyOut("msg_method_name_copy", []byte(x.method), u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"accept_message", "", "", "F", func(x *execution, s []uint64) {
			if x.acceptedMessage {
				x.trap(errContract("ic0.accept_message: the function was already called."))
			}
			x.acceptedMessage = true
		}},

		// Outgoing calls.
		{"call_new", "iiiiiiii", "", "U CQ Ry Rt CRy CRt T", func(x *execution, s []uint64) {
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
		}},
		{"call_on_cleanup", "ii", "", "U CQ Ry Rt CRy CRt T", func(x *execution, s []uint64) {
			p := x.pendingCall("call_on_cleanup")
			if p.cleanup != nil {
				x.trap(errContract("ic0.call_on_cleanup: cleanup closure already set"))
			}
			p.cleanup = &callback{fun: uint32(s[0]), env: uint32(s[1])}
		}},
		{"call_data_append", "ii", "", "U CQ Ry Rt CRy CRt T", func(x *execution, s []uint64) {
			p := x.pendingCall("call_data_append")
			size := u32(s[1])
			if uint64(len(p.arg))+size > protocol.MaxCallArgBytes {
				x.trap(errContract("ic0.call_data_append: the payload size (%d) exceeds the limit of %d bytes",
					uint64(len(p.arg))+size, protocol.MaxCallArgBytes))
			}
			p.arg = append(p.arg, x.read(u32(s[0]), size)...)
		}},
		{"call_with_best_effort_response", "i", "", "U CQ Ry Rt CRy CRt T", func(x *execution, s []uint64) {
			p := x.pendingCall("call_with_best_effort_response")
			if p.timeout != 0 {
				x.trap(errContract("ic0.call_with_best_effort_response: timeout already set"))
			}
			p.timeout = max(uint32(s[0]), 1)
		}},
		{"call_cycles_add128", "II", "", "U Ry Rt T", func(x *execution, s []uint64) {
			x.addCycles("call_cycles_add128", u128(s[0], s[1]))
		}},
		{"call_cycles_add", "I", "", "U Ry Rt T", func(x *execution, s []uint64) {
			x.addCycles("call_cycles_add", s[0])
		}},
		{"call_perform", "", "i", "U CQ Ry Rt CRy CRt T", func(x *execution, s []uint64) {
			x.charge(costCallPerform)
			p := x.pendingCall("call_perform")
			x.pending = nil
			if !x.typ.composite() {
				// Like the IC: the call's fee is paid now and the transmission of the
				// largest possible response is reserved; the reply refunds what it did not
				// use. A canister that cannot pay gets an error and no callback.
				costs := x.e.costs()
				need := costs.Call(uint64(len(p.method)), uint64(len(p.arg))) + costs.ResponseReservation()
				if x.balance < need {
					x.balance += p.cycles
					s[0] = uint64(protocol.SysTransient)
					return
				}
				x.balance -= need
				p.reserved = costs.ResponseReservation()
			}
			x.calls = append(x.calls, p)
			s[0] = 0
		}},

		// Stable memory.
		{"stable64_size", "", "I", "* s", func(x *execution, s []uint64) {
			s[0] = x.c.stablePages()
		}},
		{"stable64_grow", "I", "I", "* s", func(x *execution, s []uint64) {
			x.charge(costStableGrow)
			s[0] = x.c.stableGrow(s[0], x.e.cfg.MaxStablePages)
		}},
		{"stable64_write", "III", "", "* s", func(x *execution, s []uint64) {
			x.stableWrite(s[0], s[1], s[2])
		}},
		{"stable64_read", "III", "", "* s", func(x *execution, s []uint64) {
			x.stableRead(s[0], s[1], s[2])
		}},
		{"stable_size", "", "i", "* s", func(x *execution, s []uint64) {
			x.check32BitStable()
			s[0] = x.c.stablePages()
		}},
		{"stable_grow", "i", "i", "* s", func(x *execution, s []uint64) {
			x.check32BitStable()
			x.charge(costStableGrow)
			r := x.c.stableGrow(u32(s[0]), min(x.e.cfg.MaxStablePages, 1<<16))
			s[0] = uint64(uint32(r))
		}},
		{"stable_write", "iii", "", "* s", func(x *execution, s []uint64) {
			x.check32BitStable()
			x.stableWrite(u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"stable_read", "iii", "", "* s", func(x *execution, s []uint64) {
			x.check32BitStable()
			x.stableRead(u32(s[0]), u32(s[1]), u32(s[2]))
		}},

		// System state.
		{"root_key_size", "", "i", "I G U RQ Ry Rt C T", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.e.cfg.RootKey))
		}},
		{"root_key_copy", "iii", "", "I G U RQ Ry Rt C T", func(x *execution, s []uint64) {
			x.copyOut("root_key_copy", x.e.cfg.RootKey, u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"certified_data_set", "ii", "", "I G U Ry Rt T", func(x *execution, s []uint64) {
			size := u32(s[1])
			if size > protocol.MaxCertifiedData {
				x.trap(errContract("ic0_certified_data_set failed because the passed data must be no larger than %d bytes. Found %d bytes.",
					protocol.MaxCertifiedData, size))
			}
			x.certData, x.certSet = x.read(u32(s[0]), size), true
		}},
		{"data_certificate_present", "", "i", "*", func(x *execution, s []uint64) {
			if x.certificate() != nil {
				s[0] = 1
			} else {
				s[0] = 0
			}
		}},
		{"data_certificate_size", "", "i", "NRQ CQ", func(x *execution, s []uint64) {
			s[0] = uint64(len(x.certificate()))
		}},
		{"data_certificate_copy", "iii", "", "NRQ CQ", func(x *execution, s []uint64) {
			x.copyOut("data_certificate_copy", x.certificate(), u32(s[0]), u32(s[1]), u32(s[2]))
		}},
		{"time", "", "I", "*", func(x *execution, s []uint64) {
			s[0] = x.time
		}},
		{"global_timer_set", "I", "I", "I G U Ry Rt C T", func(x *execution, s []uint64) {
			prev := x.timer
			x.timer, x.timerSet = s[0], true
			s[0] = prev
		}},
		{"performance_counter", "i", "I", "* s", func(x *execution, s []uint64) {
			switch uint32(s[0]) {
			case 0:
				s[0] = uint64(x.instructionsUsed())
			case 1:
				s[0] = uint64(x.contextInstructions + x.instructionsUsed())
			default:
				x.trap(errContract("performance_counter: unknown counter type %d", uint32(s[0])))
			}
		}},
		{"is_controller", "ii", "i", "* s", func(x *execution, s []uint64) {
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
		}},
		{"in_replicated_execution", "", "i", "* s", func(x *execution, s []uint64) {
			if x.typ.replicated() {
				s[0] = 1
			} else {
				s[0] = 0
			}
		}},

		// Costs.
		{"cost_call", "IIi", "", "* s", func(x *execution, s []uint64) {
			x.writeU128(u32(s[2]), x.e.costs().Call(s[0], s[1]))
		}},
		{"cost_create_canister", "i", "", "* s", func(x *execution, s []uint64) {
			x.writeU128(u32(s[0]), x.e.costs().CreateCanister())
		}},
		{"cost_http_request", "IIi", "", "* s", func(x *execution, s []uint64) {
			x.writeU128(u32(s[2]), x.e.costs().HTTPRequest(s[0], s[1]))
		}},
		{"cost_sign_with_ecdsa", "iiii", "i", "* s", func(x *execution, s []uint64) {
			s[0] = x.thresholdCost(s, x.e.costs().SignWithECDSA)
		}},
		{"cost_sign_with_schnorr", "iiii", "i", "* s", func(x *execution, s []uint64) {
			s[0] = x.thresholdCost(s, x.e.costs().SignWithSchnorr)
		}},
		{"cost_vetkd_derive_key", "iiii", "i", "* s", func(x *execution, s []uint64) {
			s[0] = x.thresholdCost(s, x.e.costs().VetKDDeriveKey)
		}},

		// Environment variables: this replica sets none.
		{"env_var_count", "", "i", "*", func(x *execution, s []uint64) {
			s[0] = 0
		}},
		{"env_var_name_size", "i", "i", "*", func(x *execution, s []uint64) {
			x.trap(errContract("Environment variable index %d is out of bounds. The number of environment variables is 0.", u32(s[0])))
		}},
		{"env_var_name_copy", "iiii", "", "*", func(x *execution, s []uint64) {
			x.trap(errContract("Environment variable index %d is out of bounds. The number of environment variables is 0.", u32(s[0])))
		}},
		{"env_var_name_exists", "ii", "i", "*", func(x *execution, s []uint64) {
			x.read(u32(s[0]), u32(s[1]))
			s[0] = 0
		}},
		{"env_var_value_size", "ii", "i", "*", func(x *execution, s []uint64) {
			name := x.read(u32(s[0]), u32(s[1]))
			x.trap(errContract("Environment variable %s not found.", name))
		}},
		{"env_var_value_copy", "iiiii", "", "*", func(x *execution, s []uint64) {
			name := x.read(u32(s[0]), u32(s[1]))
			x.trap(errContract("Environment variable %s not found.", name))
		}},

		// Debugging.
		{"debug_print", "ii", "", "* s", func(x *execution, s []uint64) {
			x.charge(costDebugPrint)
			msg := x.read(u32(s[0]), u32(s[1]))
			if x.e.cfg.DebugPrint != nil {
				x.e.cfg.DebugPrint(x.c.id, string(msg))
			}
		}},
		{"trap", "ii", "", "* s", func(x *execution, s []uint64) {
			size := min(u32(s[1]), maxTrapMessage)
			msg := x.read(u32(s[0]), size)
			x.trap(errCalledTrap(string(bytes.ToValidUTF8(msg, []byte("\uFFFD")))))
		}},
		{"mint_cycles", "I", "I", "U Rt Ry", func(x *execution, s []uint64) {
			x.trap(errContract("ic0.mint_cycles can only be executed on the Cycles Minting Canister"))
		}},
		{"mint_cycles128", "IIi", "", "U Rt Ry", func(x *execution, s []uint64) {
			x.trap(errContract("ic0.mint_cycles128 can only be executed on the Cycles Minting Canister"))
		}},
	}
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
	if amount > x.balance {
		x.trap(errOutOfCycles(x.c.id, x.balance, amount))
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
