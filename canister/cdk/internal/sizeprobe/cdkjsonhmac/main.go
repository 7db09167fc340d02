// Command cdkjsonhmac is the cdk probe plus what the Stripe canister needs besides Candid:
// encoding/json and crypto/hmac (webhook signatures).
package main

import (
	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/internal/sizeprobe/internal/webhook"
)

var items []webhook.Item

//go:wasmexport query.list
func list() { cdk.Query(func(m *cdk.Message) { m.Reply(items) }) }

//go:wasmexport update.add
func add() {
	cdk.Update(func(m *cdk.Message) {
		var body, sig []byte
		m.MustArgs(&body, &sig)
		out, err := webhook.Add(&items, body, sig)
		if err != nil {
			m.Reject(err.Error())
			return
		}
		m.Reply(out)
	})
}

func main() {}
