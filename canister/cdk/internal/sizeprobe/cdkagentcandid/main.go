// Command cdkagentcandid is the cdk probe with agent-go's candid package doing the Candid
// work instead of cdk/candid.
package main

import (
	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/internal/sizeprobe/internal/agentcodec"
)

type item struct {
	Name  string  `ic:"name"`
	Count uint64  `ic:"count"`
	Note  *string `ic:"note"`
}

var items []item

//go:wasmexport query.list
func list() { cdk.Query(func(m *cdk.Message) { agentcodec.Reply(m, items) }) }

//go:wasmexport update.add
func add() {
	cdk.Update(func(m *cdk.Message) {
		var it item
		agentcodec.Args(m, &it)
		items = append(items, it)
		agentcodec.Reply(m, uint64(len(items)))
	})
}

func main() {}
