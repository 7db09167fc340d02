//go:build wasip1

package main

import "github.com/gocanister/stripe-ic/canister/cdk/ic0"

// replyFromInit calls ic0.msg_reply, which traps in canister_init.
func replyFromInit() { ic0.System{}.MsgReply() }
