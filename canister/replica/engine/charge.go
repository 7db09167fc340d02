package engine

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Fee is a kind of fee a canister pays.
type Fee uint8

// The fees of the IC's fee table.
const (
	FeeIngress   Fee = iota // ingress message reception
	FeeExecution            // executions: base fee and instructions
	FeeXnet                 // inter-canister calls: call fee and bytes transmitted both ways
	FeeOutcall              // HTTPS outcalls (http_request)
	FeeStorage              // memory per GiB-second
	FeeCompute              // compute allocation per percent-second
	FeeCreation             // create_canister
	FeeSignature            // threshold signatures and key derivations
	numFees
)

var feeNames = [numFees]string{"ingress", "execution", "xnet", "outcall", "storage", "compute", "creation", "signature"}

func (f Fee) String() string {
	if f < numFees {
		return feeNames[f]
	}
	return fmt.Sprintf("fee(%d)", uint8(f))
}

// Fees lists every kind of fee.
func Fees() []Fee {
	out := make([]Fee, numFees)
	for i := range out {
		out[i] = Fee(i)
	}
	return out
}

// Charges are cycles paid, by fee.
type Charges [numFees]uint64

// Total is the sum of all fees.
func (c Charges) Total() uint64 {
	var n uint64
	for _, v := range c {
		n += v
	}
	return n
}

// Usage is what a message used and paid until it was answered: the instructions of its
// executions (the method and the callbacks that ran before the answer) and the fees its
// canister paid for it.
type Usage struct {
	Instructions int64
	Cycles       Charges
}

// memoryUsage is the memory the canister pays for, canister_status' memory_size without the
// chunk store (which the management canister keeps): Wasm and stable memory, globals, the
// module and its metadata sections, snapshots and the log memory, as the IC counts them.
func (c *canister) memoryUsage() uint64 {
	n := uint64(len(c.img.mem)) + uint64(len(c.stable)) + 8*uint64(len(c.img.globals)) +
		c.snapshotsSize() + c.settings.LogMemoryLimit
	if c.mod != nil {
		n += uint64(len(c.mod.wasm)) + MetadataSize(c.mod.metadata)
	}
	return n
}

// MetadataSize is the size of a module's metadata sections (names and contents), which
// canister_status reports as custom_sections_size.
func MetadataSize(md map[string]Metadata) uint64 {
	var n uint64
	for name, sec := range md {
		n += uint64(len(name) + len(sec.Content))
	}
	return n
}

func (c *canister) allocatedMemory() uint64 { return max(c.settings.MemoryAllocation, c.memoryUsage()) }

// idlePerDay is idle_cycles_burned_per_day.
func (c *canister) idlePerDay() uint64 {
	return c.e.costs().IdlePerDay(c.allocatedMemory(), c.settings.ComputeAllocation)
}

// freezingThreshold is the balance below which c is frozen.
func (c *canister) freezingThreshold() uint64 {
	return c.e.costs().FreezingThreshold(c.settings.FreezingThreshold, c.allocatedMemory(), c.settings.ComputeAllocation)
}

// liquid is the part of balance above the freezing threshold.
func (c *canister) liquid(balance uint64) uint64 {
	return balance - min(balance, c.freezingThreshold())
}

func (c *canister) isController(p []byte) bool {
	for _, ctrl := range c.controllers {
		if bytes.Equal(ctrl.Raw, p) {
			return true
		}
	}
	return false
}

// outOfCycles is the IC's CanisterOutOfCyclesError: how much is missing is told to
// controllers only.
func (c *canister) outOfCycles(caller []byte, requested, threshold uint64) string {
	if !c.isController(caller) {
		return fmt.Sprintf("Canister %s is out of cycles", c.id)
	}
	return fmt.Sprintf("Canister %s is out of cycles: please top up the canister with at least %d additional cycles",
		c.id, satAdd(threshold, requested)-min(c.cycles, satAdd(threshold, requested)))
}

func rejectOutOfCycles(msg string) *protocol.Reject {
	return &protocol.Reject{Code: protocol.SysTransient, Message: msg, ErrorCode: protocol.ErrCanisterOutOfCycles}
}

// withdraw takes cycles from the balance if that leaves the freezing threshold covered;
// otherwise it returns the IC's out-of-cycles message for caller.
func (c *canister) withdraw(caller []byte, cycles uint64) (string, bool) {
	threshold := c.freezingThreshold()
	if c.cycles < threshold || c.cycles-threshold < cycles {
		return c.outOfCycles(caller, cycles, threshold), false
	}
	c.cycles -= cycles
	return "", true
}

// frozen reports whether the balance is below the freezing threshold.
func (c *canister) frozen() bool { return c.cycles < c.freezingThreshold() }

func rejectFrozenQuery(id principal.Principal) *protocol.Reject {
	return rejectOutOfCycles(fmt.Sprintf("Canister %s is unable to process query calls because it's frozen. Please top up the canister with cycles and try again.", id))
}

// charge records a fee c paid (already taken from the balance) for call context cc (nil for
// none) and reports it to Config.OnCharge.
func (c *canister) charge(cc *callContext, fee Fee, cycles uint64) {
	if cycles == 0 {
		return
	}
	if cc != nil {
		cc.usage.Cycles[fee] += cycles
	}
	if h := c.e.cfg.OnCharge; h != nil {
		h(c.id, fee, cycles)
	}
}

// chargeAllocation makes c pay for its memory and compute allocation since the last charge,
// in whole periods of protocol.AllocationChargeSeconds, like the IC's rounds do. A canister
// that cannot pay is uninstalled and loses its remaining balance, as on the IC.
func (c *canister) chargeAllocation(now time.Time) {
	elapsed := now.Sub(c.lastCharge)
	if elapsed < protocol.AllocationChargeSeconds*time.Second {
		return
	}
	secs := uint64(elapsed / time.Second)
	c.lastCharge = c.lastCharge.Add(time.Duration(secs) * time.Second)
	costs := c.e.costs()
	for _, part := range [...]struct {
		fee    Fee
		cycles uint64
	}{
		{FeeStorage, costs.Memory(c.allocatedMemory(), secs)},
		{FeeCompute, costs.Compute(c.settings.ComputeAllocation, secs)},
	} {
		if part.cycles <= c.cycles {
			c.cycles -= part.cycles
			c.charge(nil, part.fee, part.cycles)
			continue
		}
		c.charge(nil, part.fee, c.cycles)
		c.cycles = 0
		if c.mod != nil {
			c.uninstall()
		}
		c.settings.ComputeAllocation, c.settings.MemoryAllocation = 0, 0
		c.e.committed(c)
		return
	}
	// Paying for allocations alone is not worth a save: it is saved with the next change.
}

// Ingress is an ingress update call as the HTTP interface received it.
type Ingress struct {
	Canister principal.Principal // aaaaa-aa (empty) for the management canister
	Method   string
	Arg      []byte
	Caller   principal.Principal
	// Size is the size of the message as received, the signed envelope, in bytes: the IC
	// charges its reception per byte.
	Size uint64
	// Payer pays the reception of a call to the management canister: its effective canister
	// (the canister the call is about). Nil makes it free, as the provisional methods are.
	// A call to a canister is paid for by that canister.
	Payer *principal.Principal
	// Tag, when not nil, makes the canister keep the answer (an Answer with this tag) until
	// ExportAnswered takes it with the state the answer belongs to (calls to canisters only).
	Tag any
}

func (in Ingress) payer() *principal.Principal {
	if isManagement(in.Canister.Raw) {
		return in.Payer
	}
	return &in.Canister
}

// Outcome is the answer to an ingress message (Reply; a failed call is a *protocol.Reject
// error instead) with what the message used and paid.
type Outcome struct {
	Reply []byte
	Usage Usage
	// Seq is the canister's count of persistent changes when it answered (see
	// Config.OnCommit and CanisterState.Seq): a saved state whose Seq is at least this much
	// includes every effect of the message.
	Seq uint64
}

// Admit is the IC's ingress filter: it refuses, before execution, a message to a canister
// that does not exist, is not running or is empty, whose paying canister cannot pay the
// reception above its freezing threshold, or that canister_inspect_message does not accept.
// A refusal is a *protocol.Reject (no request status).
func (e *Engine) Admit(ctx context.Context, in Ingress) error {
	if p := in.payer(); p != nil {
		payer, err := e.get(*p)
		if err != nil {
			if isManagement(in.Canister.Raw) {
				return nil // the management canister answers with its own error
			}
			return err
		}
		payer.mu.Lock()
		rej := payer.acceptsCalls()
		if isManagement(in.Canister.Raw) {
			rej = nil // calls about a stopped or empty canister are the management canister's to answer
		}
		if rej == nil {
			fee := e.costs().IngressReception(in.Size)
			if threshold := payer.freezingThreshold(); payer.cycles < threshold || payer.cycles-threshold < fee {
				rej = rejectOutOfCycles(payer.outOfCycles(in.Caller.Raw, fee, threshold))
			}
		}
		payer.mu.Unlock()
		if rej != nil {
			return rej
		}
	}
	if isManagement(in.Canister.Raw) {
		return nil
	}
	return e.InspectMessage(ctx, in.Canister, in.Method, in.Arg, in.Caller)
}

// Submit executes an ingress update call, after charging its reception to the paying
// canister, and waits for its answer. Like Update, a failed call returns a *protocol.Reject.
func (e *Engine) Submit(ctx context.Context, in Ingress) (Outcome, error) {
	fee := e.costs().IngressReception(in.Size)
	if isManagement(in.Canister.Raw) {
		var usage Usage
		if p := in.payer(); p != nil {
			if payer := e.lookup(p.Raw); payer != nil {
				var rej *protocol.Reject
				payer.do(func() {
					if msg, ok := payer.withdraw(in.Caller.Raw, fee); !ok {
						rej = rejectOutOfCycles(msg)
						return
					}
					payer.charge(nil, FeeIngress, fee)
					e.committed(payer)
				})
				if rej != nil {
					return Outcome{}, rej
				}
				usage.Cycles[FeeIngress] = fee
			}
		}
		done := make(chan result, 1)
		go e.callManagement(in.Caller, false, in.Method, in.Arg, 0, func(r result, _ uint64) { done <- r })
		r, err := waitResult(ctx, done)
		if err != nil {
			return Outcome{}, err
		}
		r.usage.Cycles[FeeIngress] += usage.Cycles[FeeIngress]
		return r.outcome()
	}
	c, err := e.get(in.Canister)
	if err != nil {
		return Outcome{}, err
	}
	done := make(chan result, 1)
	req := request{method: in.Method, arg: bytes.Clone(in.Arg), caller: bytes.Clone(in.Caller.Raw),
		origin: origin{kind: originIngress, done: done, tag: in.Tag}}
	c.enqueue(func() {
		msg, ok := c.withdraw(req.caller, fee)
		if !ok {
			done <- result{reject: rejectOutOfCycles(msg), seq: c.seq}
			return
		}
		c.charge(nil, FeeIngress, fee)
		req.reception = fee
		c.handleRequest(req)
	})
	r, err := waitResult(ctx, done)
	if err != nil {
		return Outcome{}, err
	}
	return r.outcome()
}

func (r result) outcome() (Outcome, error) {
	if r.reject != nil {
		return Outcome{Usage: r.usage, Seq: r.seq}, r.reject
	}
	return Outcome{Reply: r.reply, Usage: r.usage, Seq: r.seq}, nil
}
