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
// The agent-go probes share internal/agentcodec, the json+hmac probes internal/webhook; a
// shared function costs a probe about 1 KB raw (a call frame and its name) and next to
// nothing gzipped.
//
// Figures with Go 1.26 (bytes; "linked" is the IC module, gzip -9), with the CDK's blocking
// calls, timers and outcalls, after the CDK dropped package fmt (and with it os, io/fs,
// internal/poll) and net/url and crypto/sha256 (httpgateway), and wrote its own base32,
// CRC-32, decimal field ids and field sort: that took the cdk probe from 826,389 to 730,278
// bytes linked gzip (-96 KB) and from 3,488,132 to 3,095,256 linked:
//
//	probe                          raw    raw gzip      linked linked gzip
//	empty                    1,851,457     560,387   2,052,071     511,123
//	agentprincipal           3,265,197     943,087   3,571,299     863,820
//	cdk                      2,814,022     807,259   3,095,256     730,278
//	cdkagentcandid           4,142,648   1,149,569   4,498,043   1,046,561
//	cdkjsonhmac              3,883,911   1,090,023   4,222,367     993,950
//	cdkagentcandidjsonhmac   4,826,404   1,319,610   5,223,367   1,200,983
//
// agent-go's candid costs about 1.3 MB raw and about 315 KB gzip on top of the CDK (a CBOR
// codec, a PEG parser for Candid text, math/big, and fmt again): a fifth of the 1.5 MiB
// budget, which cdk/candid keeps for the canister's logic. In the Stripe canister's base
// (cdkjsonhmac) the CDK itself costs about 110 KB gzip over encoding/json + crypto/hmac
// alone (980,642 bytes raw gzip), which already pull in reflect and fmt: there the fmt-free
// CDK saves little, since fmt comes with encoding/json anyway. The largest part of what
// remains above the empty probe is reflect (which cdk/candid needs) and package time, whose
// initialisation links internal/godebug, internal/bisect and syscall (about 45 KB raw).
// TestNoFmtOrOS keeps fmt and os out of the wasip1 dependencies of the CDK's packages.
package sizeprobe
