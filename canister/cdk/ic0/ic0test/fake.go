// Package ic0test provides Fake, an in-memory ic0.API for native unit tests of canister
// code. It models what a single message execution sees (arguments, caller, time, stable
// memory, certified data...) and records what the code does (reply, reject, trap, debug
// prints, calls), enforcing the IC rules that matter to a CDK: one reply per message, no
// reply outside of methods and callbacks, 32-byte certified data, calls built in order.
package ic0test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Context is the kind of execution the fake pretends to run (the IC legend of ic0-api.txt).
type Context int

// Execution contexts.
const (
	Update Context = iota
	Query
	CompositeQuery
	Init
	PostUpgrade
	PreUpgrade
	InspectMessage
	Heartbeat
	GlobalTimer
	ReplyCallback
	RejectCallback
	Cleanup
	CompositeReplyCallback  // CRy: a reply callback of a call made from a composite query
	CompositeRejectCallback // CRt
)

// canReply reports whether msg_reply/msg_reject are allowed in c.
func (c Context) canReply() bool {
	switch c {
	case Update, Query, CompositeQuery, ReplyCallback, RejectCallback, CompositeReplyCallback, CompositeRejectCallback:
		return true
	}
	return false
}

// canCall reports whether call_* are allowed in c.
func (c Context) canCall() bool {
	switch c {
	case Update, CompositeQuery, ReplyCallback, RejectCallback, Heartbeat, GlobalTimer,
		CompositeReplyCallback, CompositeRejectCallback:
		return true
	}
	return false
}

// Call is an inter-canister call the code performed.
type Call struct {
	Callee                                   []byte
	Method                                   string
	Arg                                      []byte
	Cycles                                   ic0.U128
	ReplyFun, ReplyEnv, RejectFun, RejectEnv uint32
	CleanupFun, CleanupEnv                   uint32
	HasCleanup                               bool
	BestEffortTimeout                        uint32
}

// TrapError is the panic value Trap raises to stop the execution, as the IC would.
type TrapError struct{ Message string }

func (e *TrapError) Error() string { return e.Message }

// IsTrap marks TrapError as an ic0.TrapPanic.
func (e *TrapError) IsTrap() {}

// Fake is an in-memory System API. Set the input fields, run code with Run, then check the
// output fields. A Fake is not safe for concurrent use.
type Fake struct {
	// Inputs.
	Context        Context
	Arg            []byte
	Caller         []byte
	Self           []byte
	Subnet         []byte
	Method         string // msg_method_name (inspect_message)
	Now            uint64 // what ic0.time returns: nanoseconds since the epoch
	RejectCode     uint32 // in a reject callback
	RejectMessage  string // in a reject callback
	Deadline       uint64
	Controllers    [][]byte
	Certificate    []byte // data certificate; nil means none present
	Replicated     bool
	Balance        ic0.U128
	Available      ic0.U128 // cycles sent with the message
	Refunded       ic0.U128
	Instructions   uint64 // what performance_counter(0) returns
	MaxStablePages uint64 // 0 means no limit beyond memory
	PerformResult  uint32 // what call_perform returns (0: enqueued)
	Env            map[string]string
	Version        uint64
	Status         uint32

	// State that persists across executions (keep the Fake to model the next message).
	Stable        []byte // len is a multiple of ic0.PageSize
	CertifiedData []byte
	Timer         uint64
	Seeds         []uint64 // what RandomSeed received (the module's icwasm random_seed)

	// Outputs of the current execution.
	ReplyData       []byte
	Replied         bool
	Rejected        bool
	Reject          string // the reject message of msg_reject
	Accepted        ic0.U128
	Burned          ic0.U128
	Prints          []string
	Calls           []Call
	MessageAccepted bool
	Trapped         *TrapError // set when the execution trapped

	building *Call // between call_new and call_perform
}

var (
	_ ic0.API       = (*Fake)(nil)
	_ ic0.TrapPanic = (*TrapError)(nil)
)

// Run executes f as one message execution: it clears the outputs, runs f and catches a trap
// (returned, and kept in Trapped). Panics that are not traps propagate.
func (f *Fake) Run(fn func()) (trap error) {
	f.ReplyData, f.Replied, f.Rejected, f.Reject = nil, false, false, ""
	f.Prints, f.Calls, f.Trapped, f.building, f.MessageAccepted = nil, nil, nil, nil, false
	f.Accepted, f.Burned = ic0.U128{}, ic0.U128{}
	defer func() {
		if r := recover(); r != nil {
			t, ok := r.(*TrapError)
			if !ok {
				panic(r)
			}
			f.Trapped = t
			trap = t
		}
	}()
	fn()
	return nil
}

// trapf stops the execution like ic0.trap.
func (f *Fake) trapf(format string, args ...any) {
	panic(&TrapError{Message: fmt.Sprintf(format, args...)})
}

// ErrNoReply is returned by Result when the execution neither replied nor rejected.
var ErrNoReply = errors.New("canister did not reply")

// Result returns the reply data, or an error for a reject, a trap or no answer.
func (f *Fake) Result() ([]byte, error) {
	switch {
	case f.Trapped != nil:
		return nil, fmt.Errorf("trapped: %w", f.Trapped)
	case f.Rejected:
		return nil, fmt.Errorf("rejected: %s", f.Reject)
	case f.Replied:
		return f.ReplyData, nil
	}
	return nil, ErrNoReply
}

func (f *Fake) MsgArgData() []byte {
	if f.Context == RejectCallback || f.Context == CompositeRejectCallback || f.Context == Cleanup || f.Context == PreUpgrade {
		f.trapf("ic0.msg_arg_data_size cannot be called in this context")
	}
	return slices.Clone(f.Arg)
}

func (f *Fake) MsgCaller() []byte           { return slices.Clone(f.Caller) }
func (f *Fake) MsgCallerInfoData() []byte   { return nil }
func (f *Fake) MsgCallerInfoSigner() []byte { return nil }

func (f *Fake) MsgMethodName() string {
	if f.Context != InspectMessage {
		f.trapf("ic0.msg_method_name_size cannot be called in this context")
	}
	return f.Method
}

func (f *Fake) MsgRejectCode() uint32 {
	switch f.Context {
	case ReplyCallback, CompositeReplyCallback:
		return 0
	case RejectCallback, CompositeRejectCallback:
		return f.RejectCode
	}
	f.trapf("ic0.msg_reject_code cannot be called in this context")
	return 0
}

func (f *Fake) MsgRejectMsg() string {
	if f.Context != RejectCallback && f.Context != CompositeRejectCallback {
		f.trapf("ic0.msg_reject_msg_size cannot be called in this context")
	}
	return f.RejectMessage
}

func (f *Fake) MsgDeadline() uint64 { return f.Deadline }

func (f *Fake) checkReply(name string) {
	if !f.Context.canReply() {
		f.trapf("ic0.%s cannot be called in this context", name)
	}
	if f.Replied || f.Rejected {
		f.trapf("ic0.%s: the message was already replied to", name)
	}
}

func (f *Fake) MsgReplyDataAppend(data []byte) {
	f.checkReply("msg_reply_data_append")
	f.ReplyData = append(f.ReplyData, data...)
}

func (f *Fake) MsgReply() {
	f.checkReply("msg_reply")
	if f.ReplyData == nil {
		f.ReplyData = []byte{}
	}
	f.Replied = true
}

func (f *Fake) MsgReject(msg string) {
	f.checkReply("msg_reject")
	f.Rejected, f.Reject = true, msg
}

func (f *Fake) AcceptMessage() {
	if f.Context != InspectMessage {
		f.trapf("ic0.accept_message cannot be called in this context")
	}
	if f.MessageAccepted {
		f.trapf("ic0.accept_message: already accepted")
	}
	f.MessageAccepted = true
}

func (f *Fake) MsgCyclesAvailable() ic0.U128 { return sub(f.Available, f.Accepted) }

func (f *Fake) MsgCyclesRefunded() ic0.U128 {
	if f.Context != ReplyCallback && f.Context != RejectCallback {
		f.trapf("ic0.msg_cycles_refunded128 cannot be called in this context")
	}
	return f.Refunded
}

func (f *Fake) MsgCyclesAccept(max ic0.U128) ic0.U128 {
	got := minU(max, sub(f.Available, f.Accepted))
	f.Accepted = add(f.Accepted, got)
	f.Balance = add(f.Balance, got)
	return got
}

func (f *Fake) CyclesBurn(amount ic0.U128) ic0.U128 {
	got := minU(amount, f.Balance)
	f.Balance = sub(f.Balance, got)
	f.Burned = add(f.Burned, got)
	return got
}

func (f *Fake) CanisterCycleBalance() ic0.U128       { return f.Balance }
func (f *Fake) CanisterLiquidCycleBalance() ic0.U128 { return f.Balance }
func (f *Fake) CanisterSelf() []byte                 { return slices.Clone(f.Self) }
func (f *Fake) CanisterStatus() uint32               { return max(f.Status, 1) }
func (f *Fake) CanisterVersion() uint64              { return f.Version }
func (f *Fake) SubnetSelf() []byte                   { return slices.Clone(f.Subnet) }

func (f *Fake) IsController(p []byte) bool {
	if len(p) > 29 {
		f.trapf("ic0.is_controller: invalid principal")
	}
	return slices.ContainsFunc(f.Controllers, func(c []byte) bool { return string(c) == string(p) })
}

func (f *Fake) InReplicatedExecution() bool { return f.Replicated }
func (f *Fake) RootKey() []byte             { return nil }

func (f *Fake) CallNew(callee []byte, method string, replyFun, replyEnv, rejectFun, rejectEnv uint32) {
	if !f.Context.canCall() {
		f.trapf("ic0.call_new cannot be called in this context")
	}
	f.building = &Call{Callee: slices.Clone(callee), Method: method,
		ReplyFun: replyFun, ReplyEnv: replyEnv, RejectFun: rejectFun, RejectEnv: rejectEnv}
}

func (f *Fake) pending(name string) *Call {
	if f.building == nil {
		f.trapf("ic0.%s called when no call is under construction", name)
	}
	return f.building
}

func (f *Fake) CallOnCleanup(fun, env uint32) {
	c := f.pending("call_on_cleanup")
	if c.HasCleanup {
		f.trapf("ic0.call_on_cleanup called twice")
	}
	c.CleanupFun, c.CleanupEnv, c.HasCleanup = fun, env, true
}

func (f *Fake) CallDataAppend(data []byte) {
	c := f.pending("call_data_append")
	c.Arg = append(c.Arg, data...)
}

func (f *Fake) CallWithBestEffortResponse(timeoutSeconds uint32) {
	f.pending("call_with_best_effort_response").BestEffortTimeout = timeoutSeconds
}

func (f *Fake) CallCyclesAdd(amount ic0.U128) {
	c := f.pending("call_cycles_add128")
	if less(f.Balance, amount) {
		f.trapf("ic0.call_cycles_add128: insufficient cycles balance")
	}
	f.Balance = sub(f.Balance, amount)
	c.Cycles = add(c.Cycles, amount)
}

func (f *Fake) CallPerform() uint32 {
	c := f.pending("call_perform")
	f.building = nil
	if f.PerformResult != 0 {
		f.Balance = add(f.Balance, c.Cycles)
		return f.PerformResult
	}
	if c.Arg == nil {
		c.Arg = []byte{}
	}
	f.Calls = append(f.Calls, *c)
	return 0
}

func (f *Fake) Stable64Size() uint64 { return uint64(len(f.Stable)) / ic0.PageSize }

func (f *Fake) Stable64Grow(newPages uint64) int64 {
	old := f.Stable64Size()
	if f.MaxStablePages != 0 && old+newPages > f.MaxStablePages || newPages > 1<<20 {
		return -1
	}
	f.Stable = append(f.Stable, make([]byte, newPages*ic0.PageSize)...)
	return int64(old)
}

func (f *Fake) stableRange(name string, offset uint64, n int) {
	if offset+uint64(n) < offset || offset+uint64(n) > uint64(len(f.Stable)) {
		f.trapf("ic0.%s: out of bounds (offset %d, size %d, stable memory %d bytes)", name, offset, n, len(f.Stable))
	}
}

func (f *Fake) Stable64Write(offset uint64, src []byte) {
	f.stableRange("stable64_write", offset, len(src))
	copy(f.Stable[offset:], src)
}

func (f *Fake) Stable64Read(dst []byte, offset uint64) {
	f.stableRange("stable64_read", offset, len(dst))
	copy(dst, f.Stable[offset:])
}

func (f *Fake) CertifiedDataSet(data []byte) {
	if len(data) > 32 {
		f.trapf("ic0.certified_data_set: data is %d bytes, at most 32 allowed", len(data))
	}
	switch f.Context {
	case Query, CompositeQuery, InspectMessage, CompositeReplyCallback, CompositeRejectCallback:
		f.trapf("ic0.certified_data_set cannot be called in this context")
	}
	f.CertifiedData = slices.Clone(data)
}

func (f *Fake) DataCertificatePresent() bool { return f.Certificate != nil }

func (f *Fake) DataCertificate() []byte {
	if f.Certificate == nil {
		f.trapf("ic0.data_certificate_size cannot be called in this context")
	}
	return slices.Clone(f.Certificate)
}

func (f *Fake) Time() uint64 { return f.Now }

func (f *Fake) GlobalTimerSet(timestamp uint64) uint64 {
	switch f.Context {
	case Query, CompositeQuery, InspectMessage, CompositeReplyCallback, CompositeRejectCallback:
		f.trapf("ic0.global_timer_set cannot be called in this context")
	}
	old := f.Timer
	f.Timer = timestamp
	return old
}

func (f *Fake) PerformanceCounter(counterType uint32) uint64 {
	if counterType > 1 {
		f.trapf("ic0.performance_counter: unknown counter type %d", counterType)
	}
	return f.Instructions
}

func (f *Fake) CostCall(methodNameSize, payloadSize uint64) ic0.U128 {
	return ic0.U128From(260_000 + 1_000*(methodNameSize+payloadSize))
}

func (f *Fake) CostCreateCanister() ic0.U128 { return ic0.U128From(500_000_000_000) }

func (f *Fake) CostHTTPRequest(requestSize, maxResponseBytes uint64) ic0.U128 {
	return ic0.U128From(protocol.OutcallCost(requestSize, maxResponseBytes, protocol.SubnetNodes))
}

func (f *Fake) CostSignWithECDSA(keyName string, curve uint32) (ic0.U128, uint32) {
	return ic0.U128From(26_153_846_153), 0
}

func (f *Fake) CostSignWithSchnorr(keyName string, algorithm uint32) (ic0.U128, uint32) {
	return ic0.U128From(26_153_846_153), 0
}

func (f *Fake) CostVetKDDeriveKey(keyName string, curve uint32) (ic0.U128, uint32) {
	return ic0.U128From(26_153_846_153), 0
}

// envNames is the sorted list of environment variable names (the IC orders them).
func (f *Fake) envNames() []string {
	names := make([]string, 0, len(f.Env))
	for k := range f.Env {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func (f *Fake) EnvVarCount() uint32 { return uint32(len(f.Env)) }

func (f *Fake) EnvVarName(index uint32) string {
	names := f.envNames()
	if int(index) >= len(names) {
		f.trapf("ic0.env_var_name_size: index %d out of bounds", index)
	}
	return names[index]
}

func (f *Fake) EnvVarNameExists(name string) bool { _, ok := f.Env[name]; return ok }

func (f *Fake) EnvVarValue(name string) string {
	v, ok := f.Env[name]
	if !ok {
		f.trapf("ic0.env_var_value_size: no variable %q", name)
	}
	return v
}

// RandomSeed models the module's icwasm random_seed import (not an ic0 function): it
// records the seed. cdk.NewRuntime uses it for SeedRandom.
func (f *Fake) RandomSeed(seed uint64) { f.Seeds = append(f.Seeds, seed) }

func (f *Fake) DebugPrint(msg string) { f.Prints = append(f.Prints, msg) }

func (f *Fake) Trap(msg string) { panic(&TrapError{Message: msg}) }

// 128-bit helpers.

func add(a, b ic0.U128) ic0.U128 {
	lo := a.Lo + b.Lo
	hi := a.Hi + b.Hi
	if lo < a.Lo {
		hi++
	}
	return ic0.U128{Hi: hi, Lo: lo}
}

func sub(a, b ic0.U128) ic0.U128 {
	if less(a, b) {
		return ic0.U128{}
	}
	lo := a.Lo - b.Lo
	hi := a.Hi - b.Hi
	if a.Lo < b.Lo {
		hi--
	}
	return ic0.U128{Hi: hi, Lo: lo}
}

func less(a, b ic0.U128) bool { return a.Hi < b.Hi || a.Hi == b.Hi && a.Lo < b.Lo }

func minU(a, b ic0.U128) ic0.U128 {
	if less(a, b) {
		return a
	}
	return b
}
