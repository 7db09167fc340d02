// Command cdkjsonhmac is the cdk probe plus what the Stripe canister needs besides Candid:
// encoding/json and crypto/hmac (webhook signatures).
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"

	"github.com/gocanister/stripe-ic/canister/cdk"
)

type item struct {
	Name  string  `ic:"name" json:"name"`
	Count uint64  `ic:"count" json:"count"`
	Note  *string `ic:"note" json:"note,omitempty"`
}

var items []item

//go:wasmexport query.list
func list() { cdk.Query(func(m *cdk.Message) { m.Reply(items) }) }

//go:wasmexport update.add
func add() {
	cdk.Update(func(m *cdk.Message) {
		var body []byte
		var sig []byte
		m.MustArgs(&body, &sig)
		mac := hmac.New(sha256.New, []byte("whsec_test"))
		mac.Write(body)
		if !hmac.Equal(mac.Sum(nil), sig) {
			m.Reject("bad signature")
			return
		}
		var it item
		if err := json.Unmarshal(body, &it); err != nil {
			m.Reject(err.Error())
			return
		}
		items = append(items, it)
		out, _ := json.Marshal(items)
		m.Reply(string(out))
	})
}

func main() {}
