// Command initreply is a canister whose canister_init calls ic0.msg_reply directly (not
// through the CDK, which would refuse): the IC forbids replying from init, so installing
// it must fail with a trap. ok is there so the module has a method.
package main

import "github.com/gocanister/stripe-ic/canister/cdk"

//go:wasmexport system.init
func initHook() { replyFromInit() }

// ok : () -> () query.
//
//go:wasmexport query.ok
func ok() { cdk.Query(func(m *cdk.Message) { m.Reply() }) }

func main() {}
