// Command cdkagentcandid is the cdk probe with agent-go's candid package doing the Candid
// work instead of cdk/candid.
package main

import (
	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/gocanister/stripe-ic/canister/cdk"
)

type item struct {
	Name  string  `ic:"name"`
	Count uint64  `ic:"count"`
	Note  *string `ic:"note"`
}

var items []item

//go:wasmexport query.list
func list() {
	cdk.Query(func(m *cdk.Message) {
		b, err := agent.Marshal([]any{items})
		if err != nil {
			panic(err)
		}
		m.ReplyRaw(b)
	})
}

//go:wasmexport update.add
func add() {
	cdk.Update(func(m *cdk.Message) {
		var it item
		if err := agent.Unmarshal(m.ArgData(), []any{&it}); err != nil {
			panic(err)
		}
		items = append(items, it)
		b, err := agent.Marshal([]any{uint64(len(items))})
		if err != nil {
			panic(err)
		}
		m.ReplyRaw(b)
	})
}

func main() {}
