package engine

import "fmt"

// apiType is the context a piece of canister code runs in (the spec's System API "contexts"). It
// decides which ic0 functions may be called; the String form is the replica's name for the
// mode, used in its "cannot be executed in <mode> mode" error.
type apiType uint8

const (
	apiStart              apiType = iota // s: the Wasm start function
	apiInit                              // I: canister_init / canister_post_upgrade
	apiPreUpgrade                        // G
	apiUpdate                            // U
	apiReplicatedQuery                   // RQ
	apiNonReplicatedQuery                // NRQ
	apiTransform                         // TQ: HTTP outcall transform
	apiCompositeQuery                    // CQ
	apiReplyCallback                     // Ry
	apiRejectCallback                    // Rt
	apiCompositeReply                    // CRy
	apiCompositeReject                   // CRt
	apiCleanup                           // C
	apiCompositeCleanup                  // CC
	apiInspectMessage                    // F
	apiHeartbeat                         // T
	apiGlobalTimer                       // T
	apiLowMemory                         // T
	apiCount
)

func (t apiType) String() string {
	switch t {
	case apiStart:
		return "start"
	case apiInit:
		return "init"
	case apiPreUpgrade:
		return "pre upgrade"
	case apiUpdate:
		return "update"
	case apiReplicatedQuery:
		return "replicated query"
	case apiNonReplicatedQuery:
		return "non replicated query"
	case apiTransform:
		return "transform"
	case apiCompositeQuery:
		return "composite query"
	case apiReplyCallback:
		return "reply callback"
	case apiRejectCallback:
		return "reject callback"
	case apiCompositeReply:
		return "composite reply callback"
	case apiCompositeReject:
		return "composite reject callback"
	case apiCleanup:
		return "cleanup"
	case apiCompositeCleanup:
		return "composite cleanup"
	case apiInspectMessage:
		return "inspect message"
	case apiHeartbeat:
		return "heartbeat"
	case apiGlobalTimer:
		return "global timer"
	case apiLowMemory:
		return "on low wasm memory"
	}
	return "unknown"
}

// isQuery reports whether executions of this type never persist state.
// composite reports whether t runs in a composite query, where calls cost nothing.
func (t apiType) composite() bool {
	switch t {
	case apiCompositeQuery, apiCompositeReply, apiCompositeReject, apiCompositeCleanup:
		return true
	}
	return false
}

func (t apiType) isQuery() bool {
	switch t {
	case apiReplicatedQuery, apiNonReplicatedQuery, apiTransform, apiCompositeQuery,
		apiCompositeReply, apiCompositeReject, apiCompositeCleanup, apiInspectMessage:
		return true
	}
	return false
}

// replicated reports whether in_replicated_execution is 1.
func (t apiType) replicated() bool {
	switch t {
	case apiNonReplicatedQuery, apiTransform, apiCompositeQuery, apiCompositeReply,
		apiCompositeReject, apiCompositeCleanup, apiInspectMessage:
		return false
	}
	return true
}

// ctxSet is a set of apiTypes.
type ctxSet uint32

func (s ctxSet) has(t apiType) bool { return s&(1<<t) != 0 }

// contextSet turns the spec's context codes of one function ("I", "U", "RQ", ..., "*", "s",
// as package ic0api lists them) into a set.
func contextSet(codes []string) (ctxSet, error) {
	var s ctxSet
	add := func(ts ...apiType) {
		for _, t := range ts {
			s |= 1 << t
		}
	}
	for _, code := range codes {
		switch code {
		case "*":
			for t := apiInit; t < apiCount; t++ {
				add(t)
			}
		case "s":
			add(apiStart)
		case "I":
			add(apiInit)
		case "G":
			add(apiPreUpgrade)
		case "U":
			add(apiUpdate)
		case "Q": // msg_deadline's "Q", which the spec's legend lacks: a query in either mode
			add(apiReplicatedQuery, apiNonReplicatedQuery)
		case "RQ":
			add(apiReplicatedQuery)
		case "NRQ":
			add(apiNonReplicatedQuery)
		case "TQ":
			add(apiTransform)
		case "CQ":
			add(apiCompositeQuery)
		case "Ry":
			add(apiReplyCallback)
		case "Rt":
			add(apiRejectCallback)
		case "CRy":
			add(apiCompositeReply)
		case "CRt":
			add(apiCompositeReject)
		case "C":
			add(apiCleanup)
		case "CC":
			add(apiCompositeCleanup)
		case "F":
			add(apiInspectMessage)
		case "T":
			add(apiHeartbeat, apiGlobalTimer, apiLowMemory)
		default:
			return 0, fmt.Errorf("unknown System API context %q", code)
		}
	}
	return s, nil
}
