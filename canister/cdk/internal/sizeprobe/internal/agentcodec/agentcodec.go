// Package agentcodec does the Candid work of the size probes that use agent-go's candid
// package instead of cdk/candid (cdkagentcandid, cdkagentcandidjsonhmac), so those probes
// link agent-go's codec exactly where the others link cdk/candid.
package agentcodec

import (
	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/gocanister/stripe-ic/canister/cdk"
)

// Args decodes the message's Candid arguments into ptrs, trapping on malformed input as
// cdk's MustArgs does.
func Args(m *cdk.Message, ptrs ...any) {
	if err := agent.Unmarshal(m.ArgData(), ptrs); err != nil {
		panic(err)
	}
}

// Reply replies with v encoded by agent-go.
func Reply(m *cdk.Message, v any) {
	b, err := agent.Marshal([]any{v})
	if err != nil {
		panic(err)
	}
	m.ReplyRaw(b)
}
