package engine

import (
	"math"
	"math/bits"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Costs computes the IC's cycle fees for a subnet of Nodes nodes: the fee table of package
// protocol (quoted for protocol.SubnetNodes nodes) scaled linearly by Nodes, which is how the
// IC prices other subnet sizes; HTTPS outcalls use their own formula (protocol.OutcallCost).
// The arithmetic follows the replica's CyclesAccountManager, including where it rounds.
type Costs struct {
	Nodes uint64
}

// mulDiv returns a*b/c with a 128-bit intermediate, saturating at the largest uint64.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

func (c Costs) scale(fee uint64) uint64 { return mulDiv(fee, c.Nodes, protocol.SubnetNodes) }

// instructionCycles is what n instructions cost before scaling (fee per 10 instructions).
func instructionCycles(n uint64) uint64 {
	return mulDiv(protocol.FeeTenUpdateInstructions, n, 10)
}

// Execution is the fee of an execution of n instructions: the update message fee plus the
// instructions.
func (c Costs) Execution(n uint64) uint64 {
	return c.scale(satAdd(protocol.FeeUpdateExecution, instructionCycles(n)))
}

// Instructions is the fee of n instructions alone: what the IC refunds for the unused part of
// a prepaid instruction limit.
func (c Costs) Instructions(n uint64) uint64 { return c.scale(instructionCycles(n)) }

// IngressReception is the fee the receiving canister pays for an ingress message of size bytes
// (the IC counts the signed envelope as received).
func (c Costs) IngressReception(size uint64) uint64 {
	return c.scale(satAdd(protocol.FeeIngressMessage, mulDiv(protocol.FeeIngressByte, size, 1)))
}

// Memory is the storage fee of bytes of memory for seconds.
func (c Costs) Memory(bytes, seconds uint64) uint64 {
	hi, lo := bits.Mul64(bytes, protocol.FeeGiBStoragePerSecond)
	if hi != 0 {
		return math.MaxUint64
	}
	return c.scale(mulDiv(lo, seconds, protocol.GiB))
}

// Compute is the fee of a compute allocation of percent for seconds.
func (c Costs) Compute(percent, seconds uint64) uint64 {
	return c.scale(mulDiv(protocol.FeeComputePercentPerSecond*percent, seconds, 1))
}

// IdlePerDay is idle_cycles_burned_per_day: what a canister of memory bytes (or its memory
// allocation, if larger) and the given compute allocation pays per day for existing.
func (c Costs) IdlePerDay(memory, computePercent uint64) uint64 {
	return satAdd(c.Memory(memory, protocol.SecondsPerDay), c.Compute(computePercent, protocol.SecondsPerDay))
}

// FreezingThreshold is the balance below which a canister is frozen: the idle cycles it
// burns in freezingSeconds.
func (c Costs) FreezingThreshold(freezingSeconds, memory, computePercent uint64) uint64 {
	return mulDiv(c.IdlePerDay(memory, computePercent), freezingSeconds, protocol.SecondsPerDay)
}

// Call is cost_call: the fee of an inter-canister call with the given method name and argument
// sizes (the cycles attached to the call are not included).
func (c Costs) Call(methodNameSize, payloadSize uint64) uint64 {
	return c.scale(protocol.FeeXnetCall + protocol.FeeXnetByte*(methodNameSize+payloadSize))
}

// ResponseReservation is what call_perform reserves for transmitting the response: the
// largest reply there can be.
func (c Costs) ResponseReservation() uint64 {
	return c.scale(protocol.FeeXnetByte * protocol.MaxReplyBytes)
}

// ResponseRefund is what a response of size bytes gives back of a reservation.
func (c Costs) ResponseRefund(reserved, size uint64) uint64 {
	used := c.scale(protocol.FeeXnetByte * size)
	if used >= reserved {
		return 0
	}
	return reserved - used
}

// CreateCanister is cost_create_canister.
func (c Costs) CreateCanister() uint64 { return c.scale(protocol.FeeCanisterCreation) }

// HTTPRequest is cost_http_request (protocol.OutcallCost).
func (c Costs) HTTPRequest(requestSize, maxResponseBytes uint64) uint64 {
	return protocol.OutcallCost(requestSize, maxResponseBytes, int(c.Nodes))
}

// Threshold key fees. The production key "key_1" lives on a 34-node subnet, whose price
// applies whatever the caller's subnet; the test keys cost the 13-node fee.
const (
	feeThresholdKey1      = protocol.FeeThresholdSignature * 34 / protocol.SubnetNodes
	feeThresholdTestKey1  = protocol.FeeThresholdSignature
	feeThresholdLocalTest = protocol.FeeThresholdSignature // "dfx_test_key", the local development key
)

// thresholdFee is the fee of a threshold key by name; ok is false for unknown keys.
func thresholdFee(key string) (uint64, bool) {
	switch key {
	case "key_1":
		return feeThresholdKey1, true
	case "test_key_1":
		return feeThresholdTestKey1, true
	case "dfx_test_key":
		return feeThresholdLocalTest, true
	}
	return 0, false
}

// SignWithECDSA is cost_sign_with_ecdsa: code 1 for an unknown curve (only secp256k1 = 0), 2
// for an unknown key name.
func (c Costs) SignWithECDSA(key string, curve uint32) (uint64, uint32) {
	return c.threshold(key, curve, 0)
}

// SignWithSchnorr is cost_sign_with_schnorr (algorithms bip340secp256k1 = 0, ed25519 = 1).
func (c Costs) SignWithSchnorr(key string, algorithm uint32) (uint64, uint32) {
	return c.threshold(key, algorithm, 1)
}

// VetKDDeriveKey is cost_vetkd_derive_key (curve bls12_381_g2 = 0).
func (c Costs) VetKDDeriveKey(key string, curve uint32) (uint64, uint32) {
	return c.threshold(key, curve, 0)
}

func (c Costs) threshold(key string, curve, maxCurve uint32) (uint64, uint32) {
	if curve > maxCurve {
		return 0, 1
	}
	fee, ok := thresholdFee(key)
	if !ok {
		return 0, 2
	}
	return fee, 0
}

// meter charges one message's executions the way the IC does: the fee of the whole
// instruction limit is prepaid before the message runs and the instructions it did not use
// are refunded afterwards. A message may run several times (a callback and its cleanup, the
// start, init and upgrade functions of an install); each run's share is what it added to the
// charge, so the shares add up to exactly what the balance lost.
type meter struct {
	costs   Costs
	prepaid uint64
	limit   int64
	used    int64
	charged uint64
}

func newMeter(costs Costs, limit int64) *meter {
	return &meter{costs: costs, limit: limit, prepaid: costs.Execution(uint64(max(limit, 0)))}
}

// add records a run of used instructions and returns the cycles it added to the charge.
func (m *meter) add(used int64) uint64 {
	m.used += max(used, 0)
	left := uint64(max(m.limit-m.used, 0))
	total := m.prepaid - min(m.costs.Instructions(left), m.prepaid)
	delta := total - m.charged
	m.charged = total
	return delta
}

// refund is what goes back to the balance once the message is done.
func (m *meter) refund() uint64 { return m.prepaid - m.charged }
