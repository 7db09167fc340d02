// Command cdkagentcandidjsonhmac is cdkjsonhmac with agent-go's candid package.
package main

import (
	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/internal/sizeprobe/internal/agentcodec"
	"github.com/gocanister/stripe-ic/canister/cdk/internal/sizeprobe/internal/webhook"
)

var items []webhook.Item

//go:wasmexport query.list
func list() { cdk.Query(func(m *cdk.Message) { agentcodec.Reply(m, items) }) }

//go:wasmexport update.add
func add() {
	cdk.Update(func(m *cdk.Message) {
		var body, sig []byte
		agentcodec.Args(m, &body, &sig)
		out, err := webhook.Add(&items, body, sig)
		if err != nil {
			m.Reject(err.Error())
			return
		}
		agentcodec.Reply(m, out)
	})
}

func main() {}
