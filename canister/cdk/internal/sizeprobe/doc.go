// Package sizeprobe holds minimal wasip1 programs whose module sizes show what the CDK and
// its alternatives add to a Go canister; BenchmarkModuleSize builds, links (wasm/link, as
// icwasm does) and measures them:
//
//	empty                   no CDK: one export
//	agentprincipal          agent-go's principal package alone (why cdk has its own)
//	cdk                     CDK with cdk/candid: a query and an update on a record
//	cdkagentcandid          the same with agent-go's candid package
//	cdkjsonhmac             cdk + encoding/json + crypto/hmac (the Stripe canister's base)
//	cdkagentcandidjsonhmac  cdkjsonhmac with agent-go's candid package
//
// Figures with Go 1.26 (bytes; "linked" is the IC module, gzip -9):
//
//	probe                    raw go build   raw gzip   linked    linked gzip
//	empty                    1,851,457      560,387    2,052,040   511,096
//	agentprincipal           3,265,197      943,087    3,571,268   863,787
//	cdk                      3,161,070      903,229    3,461,009   819,266
//	cdkagentcandid           4,109,937    1,139,805    4,462,897 1,037,231
//	cdkjsonhmac              3,904,492    1,096,905    4,242,947   996,824
//	cdkagentcandidjsonhmac   4,794,305    1,310,271    5,188,833 1,195,036
//
// agent-go's candid costs about 0.9-1.0 MB raw and about 200 KB gzip on top of the CDK (a
// CBOR codec, a PEG parser for Candid text, math/big): an eighth of the 1.5 MiB budget,
// which cdk/candid keeps for the canister's logic. In the Stripe canister's base
// (cdkjsonhmac) the CDK itself costs about 115 KB gzip over encoding/json + crypto/hmac
// alone (980,642 bytes raw gzip), which already pull in reflect and fmt.
package sizeprobe
