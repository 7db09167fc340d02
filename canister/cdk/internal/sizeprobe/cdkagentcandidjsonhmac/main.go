// Command cdkagentcandidjsonhmac is cdkjsonhmac with agent-go's candid package.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"

	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/gocanister/stripe-ic/canister/cdk"
)

type item struct {
	Name  string  `ic:"name" json:"name"`
	Count uint64  `ic:"count" json:"count"`
	Note  *string `ic:"note" json:"note,omitempty"`
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
		var body []byte
		var sig []byte
		if err := agent.Unmarshal(m.ArgData(), []any{&body, &sig}); err != nil {
			panic(err)
		}
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
		b, err := agent.Marshal([]any{string(out)})
		if err != nil {
			panic(err)
		}
		m.ReplyRaw(b)
	})
}

func main() {}
