// Package sizeprobe holds minimal wasip1 programs whose module sizes show what the CDK and
// its alternatives add to a Go canister; BenchmarkModuleSize builds, links (wasm/link, as
// icwasm does) and measures them:
//
//	empty                   no CDK: one export
//	agentprincipal          agent-go's principal package alone (why cdk has its own)
//	cdk                      3,186,430     908,311   3,488,132     826,389
//	cdkagentcandid           4,134,942   1,146,554   4,489,921   1,044,379
//	cdkjsonhmac              3,929,723   1,103,292   4,269,906   1,002,558
//	cdkagentcandidjsonhmac   4,819,280   1,317,321   5,216,059   1,199,144
//
// Figures with Go 1.26 (bytes; "linked" is the IC module, gzip -9), with the CDK's blocking
// calls, timers and outcalls (which added about 27 KB linked, 7 KB gzip to the cdk probe):
//
//	probe                          raw    raw gzip      linked linked gzip
//	empty                    1,851,457     560,387   2,052,071     511,123
//	agentprincipal           3,265,197     943,087   3,571,299     863,820
//	cdk                      3,186,430     908,311   3,488,132     826,389
//	cdkagentcandid           4,134,942   1,146,554   4,489,921   1,044,379
//	cdkjsonhmac              3,929,723   1,103,292   4,269,906   1,002,558
//	cdkagentcandidjsonhmac   4,819,280   1,317,321   5,216,059   1,199,144
//
// agent-go's candid costs about 0.9-1.0 MB raw and about 200 KB gzip on top of the CDK (a
// CBOR codec, a PEG parser for Candid text, math/big): an eighth of the 1.5 MiB budget,
// which cdk/candid keeps for the canister's logic. In the Stripe canister's base
// (cdkjsonhmac) the CDK itself costs about 120 KB gzip over encoding/json + crypto/hmac
// alone (980,642 bytes raw gzip), which already pull in reflect and fmt.
package sizeprobe
