package httpapi

import "github.com/aviate-labs/agent-go/principal"

// Candid fields of the management canister arguments that route a call.
const (
	fieldCanisterID     = "canister_id"
	fieldTargetCanister = "target_canister"
)

// EffectiveCanisterID returns the canister a call is routed by (IC spec, "Effective
// canister id"): the callee itself, or for the management canister (empty canister id) the
// target_canister field (install_chunked_code) or canister_id field of the Candid record
// argument. ok is false for a management call whose argument names no canister.
func EffectiveCanisterID(canisterID []byte, method string, arg []byte) (ecid []byte, ok bool) {
	if len(canisterID) != 0 {
		return canisterID, true
	}
	if method == "install_chunked_code" {
		if p, found, err := candidRecordPrincipal(arg, fieldTargetCanister); err == nil && found {
			return p, true
		}
	}
	if p, found, err := candidRecordPrincipal(arg, fieldCanisterID); err == nil && found {
		return p, true
	}
	return nil, false
}

// anyEffectiveID lists the management methods that may be sent to any effective canister
// id, per request type.
var anyEffectiveID = map[string]map[string]bool{
	RequestTypeCall:  {"create_canister": true, "provisional_create_canister_with_cycles": true},
	RequestTypeQuery: {"list_canisters": true},
}

func fmtPrincipal(raw []byte) string { return principal.Principal{Raw: raw}.Encode() }
