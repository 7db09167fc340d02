// Command agentprincipal uses agent-go's principal package to measure what it adds.
package main

import "github.com/aviate-labs/agent-go/principal"

var sink string

//go:wasmexport query.x
func x() {
	p := principal.Principal{Raw: []byte{1, 2, 3}}
	q, err := principal.Decode(p.String())
	if err != nil {
		panic(err)
	}
	sink = q.String()
}

func main() {}
