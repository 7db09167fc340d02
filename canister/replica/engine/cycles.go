package engine

import "github.com/gocanister/stripe-ic/canister/cdk/protocol"

// Costs computes the IC's cycle fees for a subnet of Nodes nodes, as returned by the cost_*
// System API functions. Fees are the IC's application subnet prices (a subnet of
// protocol.SubnetNodes nodes) scaled linearly by Nodes, which is how the IC prices larger
// subnets; HTTP outcalls use the IC's formula directly.
type Costs struct {
	Nodes uint64
}

// 13-node subnet fees (IC interface spec / "cycles costs" docs).
const (
	feeXnetCall           = 260_000         // per inter-canister call
	feeXnetCallPerByte    = 1_000           // per byte of method name and argument
	feeCreateCanister     = 500_000_000_000 // canister creation
	feeThresholdKey1      = 26_153_846_153  // sign_with_ecdsa/schnorr, vetkd with "key_1" (production key)
	feeThresholdTestKey1  = 10_000_000_000  // "test_key_1"
	feeThresholdLocalTest = 10_000_000_000  // "dfx_test_key", the local development key
)

func (c Costs) scale(fee uint64) uint64 { return fee * c.Nodes / protocol.SubnetNodes }

// Call is cost_call: the fee of an inter-canister call with the given method name and argument
// sizes (the cycles attached to the call are not included).
func (c Costs) Call(methodNameSize, payloadSize uint64) uint64 {
	return c.scale(feeXnetCall + feeXnetCallPerByte*(methodNameSize+payloadSize))
}

// ResponseReservation is what call_perform reserves for transmitting the response: the
// largest reply there can be.
func (c Costs) ResponseReservation() uint64 {
	return c.scale(feeXnetCallPerByte * protocol.MaxReplyBytes)
}

// ResponseRefund is what a response of size bytes gives back of a reservation.
func (c Costs) ResponseRefund(reserved, size uint64) uint64 {
	used := c.scale(feeXnetCallPerByte * size)
	if used >= reserved {
		return 0
	}
	return reserved - used
}

// CreateCanister is cost_create_canister.
func (c Costs) CreateCanister() uint64 { return c.scale(feeCreateCanister) }

// HTTPRequest is cost_http_request (protocol.OutcallCost).
func (c Costs) HTTPRequest(requestSize, maxResponseBytes uint64) uint64 {
	return protocol.OutcallCost(requestSize, maxResponseBytes, int(c.Nodes))
}

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
