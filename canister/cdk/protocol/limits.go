package protocol

// Instruction limits of one execution on an application subnet.
const (
	MaxInstructionsUpdate  = 40_000_000_000  // update call, callback, timer, heartbeat
	MaxInstructionsQuery   = 5_000_000_000   // query
	MaxInstructionsInstall = 300_000_000_000 // install, reinstall, upgrade
	MaxInstructionsInspect = 200_000_000     // canister_inspect_message
)

// Message size limits.
const (
	MaxIngressBytes  = 2 << 20 // one ingress message (application subnets)
	MaxCallArgBytes  = 2 << 20 // an inter-canister call's argument (across subnets)
	MaxReplyBytes    = 2 << 20 // a reply
	StablePageBytes  = 64 << 10
	WasmPageBytes    = 64 << 10
	MaxCertifiedData = 32 // ic0.certified_data_set
)

// HTTPS outcall limits (management canister http_request).
const (
	OutcallMaxURLBytes          = 8192
	OutcallMaxHeaders           = 64
	OutcallMaxHeaderBytes       = 8 << 10  // one header name, or one header value
	OutcallMaxHeadersTotalBytes = 48 << 10 // all header names and values
	OutcallMaxRequestBytes      = 2_000_000
	OutcallMaxResponseBytes     = 2_000_000 // also the default, and charged as such when unset
)

// SubnetNodes is the number of nodes of an application subnet, the size fees are quoted for.
const SubnetNodes = 13

// OutcallCost is the fee in cycles of an HTTPS outcall on a subnet of nodes nodes:
// (3,000,000 + 60,000*n)*n + 400*n*request_bytes + 800*n*max_response_bytes.
func OutcallCost(requestBytes, maxResponseBytes uint64, nodes int) uint64 {
	n := uint64(nodes)
	return (FeeOutcallLinear+FeeOutcallQuadratic*n)*n + FeeOutcallRequestByte*n*requestBytes + FeeOutcallResponseByte*n*maxResponseBytes
}

// OutcallRequestBytes is the request size an outcall is charged for: the URL, the header names
// and values, the body, and the transform's method name and context. headerBytes is the sum of
// the header names' and values' lengths.
func OutcallRequestBytes(url string, headerBytes int, body []byte, transformMethod string, transformContext []byte) uint64 {
	return uint64(len(url) + headerBytes + len(body) + len(transformMethod) + len(transformContext))
}
