package protocol

// The IC's fee table for an application subnet of SubnetNodes (13) nodes, in cycles, as the
// replica configures it (ic repo, rs/config/src/subnet_config.rs,
// CyclesAccountManagerConfig::application_subnet) and the "cycles cost formulas" page
// documents. On a subnet of n nodes every fee but the HTTPS outcall ones (which have their
// own formula, OutcallCost) is fee*n/13.
const (
	// FeeCanisterCreation is charged for create_canister, deducted from the cycles sent along.
	FeeCanisterCreation = 500_000_000_000
	// FeeUpdateExecution is charged for every execution of an update, a replicated query, a
	// response callback, a heartbeat or timer, and an install_code.
	FeeUpdateExecution = 5_000_000
	// FeeTenUpdateInstructions is charged for every 10 instructions of those executions.
	FeeTenUpdateInstructions = 10
	// FeeXnetCall is charged for every inter-canister call (request and response).
	FeeXnetCall = 260_000
	// FeeXnetByte is charged per byte of a call's method name and argument and of its response.
	FeeXnetByte = 1_000
	// FeeIngressMessage is charged to the receiving canister for every ingress message.
	FeeIngressMessage = 1_200_000
	// FeeIngressByte is charged per byte of an ingress message (the signed envelope).
	FeeIngressByte = 2_000
	// FeeGiBStoragePerSecond is charged per GiB of canister memory per second.
	FeeGiBStoragePerSecond = 127_000
	// FeeComputePercentPerSecond is charged per percent of compute allocation per second.
	FeeComputePercentPerSecond = 10_000_000
	// FeeThresholdSignature is sign_with_ecdsa's, sign_with_schnorr's and vetkd_derive_key's
	// fee on the 13-node reference; the production keys live on a 34-node subnet.
	FeeThresholdSignature = 10_000_000_000

	// HTTPS outcall fees (per node; see OutcallCost).
	FeeOutcallLinear       = 3_000_000
	FeeOutcallQuadratic    = 60_000
	FeeOutcallRequestByte  = 400
	FeeOutcallResponseByte = 800
)

// Resource accounting of the IC.
const (
	// DefaultFreezingThreshold is a new canister's freezing_threshold: 30 days, in seconds.
	DefaultFreezingThreshold = 2_592_000
	// AllocationChargeSeconds is how often canisters pay for their memory and compute
	// allocation (duration_between_allocation_charges).
	AllocationChargeSeconds = 10
	// SecondsPerDay is the period of idle_cycles_burned_per_day.
	SecondsPerDay = 86_400
	// GiB is the unit of the storage fee.
	GiB = 1 << 30
)
