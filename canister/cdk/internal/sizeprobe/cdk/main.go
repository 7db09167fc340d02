// Command cdk is the smallest CDK canister with Candid: a query and an update.
package main

import "github.com/gocanister/stripe-ic/canister/cdk"

type item struct {
	Name  string  `ic:"name"`
	Count uint64  `ic:"count"`
	Note  *string `ic:"note"`
}

var items []item

//go:wasmexport query.list
func list() { cdk.Query(func(m *cdk.Message) { m.Reply(items) }) }

//go:wasmexport update.add
func add() {
	cdk.Update(func(m *cdk.Message) {
		var it item
		m.MustArgs(&it)
		items = append(items, it)
		m.Reply(uint64(len(items)))
	})
}

func main() {}
