// Package httpapi serves the Internet Computer's HTTPS interface for the local replica: the
// endpoints agents such as agent-go v0.9.2 talk to.
//
//	GET  /api/v2/status                             CBOR {root_key, impl_version, ...}
//	POST /api/v4/canister/<ecid>/call               synchronous call -> {status: "replied", certificate}
//	POST /api/v3/canister/<ecid>/call               the same (deprecated layout)
//	POST /api/v2/canister/<ecid>/call               asynchronous call -> 202, then poll read_state
//	POST /api/v2|v3/canister/<ecid>/query           signed query response
//	POST /api/v2|v3/canister/<ecid>/read_state      {certificate}
//	POST /api/v2|v3/subnet/<subnet>/read_state      {certificate}
//
// Requests are CBOR envelopes {content, sender_pubkey?, sender_sig?, sender_delegation?}.
// The server computes the representation-independent request id of the content, verifies
// the signature chain (anonymous, Ed25519, ECDSA secp256k1 and P-256 keys in DER, delegation
// chains), checks that the sender is the self-authenticating principal of the key, that
// ingress_expiry is neither past nor more than MaxIngressTTL (+ PermittedDrift) ahead, and
// that the effective canister id of the URL matches the request. Failures are answered
// with a 4xx status and a plain-text message, as the replica does.
//
// Execution is delegated to a Backend, implemented by the replica over its engine. The
// Server keeps the ingress history itself (request statuses, replay protection, each kept
// until RetainUntil); a durable backend saves each call's Record with the state it produced
// and hands the records back with Restore after a restart. It builds the
// state tree a response needs (/time, /subnet, /canister_ranges, /canister/<ecid>,
// /request_status/<id>), prunes it to the requested paths with absence proofs and signs it
// with the key of the subnet that answers (package certify). Query responses are signed by
// that subnet's node key, whose public key is certified under
// /subnet/<subnet>/node/<node>/public_key.
//
// The network is a certify.Topology: a request is answered by the subnet hosting its
// effective canister id (or named by the subnet endpoint). The root subnet's certificates
// carry no delegation and its key is the root key of /api/v2/status; the other subnets'
// carry a delegation from the root subnet, which agent-go, agent-js and ic-agent follow to
// the subnet's key and canister ranges. Without a Topology the server plays one subnet of
// Config.SubnetKey, whose id defaults to the mainnet root subnet id agent-go assumes for
// certificates without delegation.
package httpapi
