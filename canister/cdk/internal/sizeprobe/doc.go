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
//	cdk                      3,118,619      890,225    3,414,479   809,605
//	cdkagentcandid           4,109,948    1,139,743    4,462,897 1,037,159
//	cdkjsonhmac              3,862,668    1,085,025    4,196,944   989,566
//	cdkagentcandidjsonhmac   4,794,319    1,310,272    5,188,865 1,195,017
//
// agent-go's candid costs about 1.0 MB raw and 205-230 KB gzip on top of the CDK (a CBOR
// codec, a PEG parser for Candid text, math/big), a fifth of the 1.5 MiB budget; cdk/candid
// avoids it.
package sizeprobe
