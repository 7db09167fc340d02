package protocol

import "testing"

// TestFeeTable pins the fee table to the IC's published one: the application subnet
// configuration of the replica (ic repo, rs/config/src/subnet_config.rs,
// CyclesAccountManagerConfig::application_subnet) and the "cycles cost formulas" page.
func TestFeeTable(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want uint64
	}{
		{"canister_creation_fee", FeeCanisterCreation, 500_000_000_000},
		{"update_message_execution_fee", FeeUpdateExecution, 5_000_000},
		{"ten_update_instructions_execution_fee", FeeTenUpdateInstructions, 10},
		{"xnet_call_fee", FeeXnetCall, 260_000},
		{"xnet_byte_transmission_fee", FeeXnetByte, 1_000},
		{"ingress_message_reception_fee", FeeIngressMessage, 1_200_000},
		{"ingress_byte_reception_fee", FeeIngressByte, 2_000},
		{"gib_storage_per_second_fee", FeeGiBStoragePerSecond, 127_000},
		{"compute_percent_allocated_per_second_fee", FeeComputePercentPerSecond, 10_000_000},
		{"ecdsa_signature_fee", FeeThresholdSignature, 10_000_000_000},
		{"http_request_linear_baseline_fee", FeeOutcallLinear, 3_000_000},
		{"http_request_quadratic_baseline_fee", FeeOutcallQuadratic, 60_000},
		{"http_request_per_byte_fee", FeeOutcallRequestByte, 400},
		{"http_response_per_byte_fee", FeeOutcallResponseByte, 800},
		{"duration_between_allocation_charges", AllocationChargeSeconds, 10},
		{"default freezing_threshold", DefaultFreezingThreshold, 30 * 24 * 3600},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
