package httpapi

import (
	"testing"
	"time"
)

// BenchmarkAgentUpdateCall measures one certified update call round trip through an
// unmodified agent-go against the fake backend: envelope signing (Ed25519), HTTP, request
// parsing and authentication, the backend call, state tree construction, BLS signing, and
// the agent's decoding of the certificate.
func BenchmarkAgentUpdateCall(b *testing.B) {
	env := newTestEnv(b)
	a := env.agent(b, mustEd25519(b), false)
	var out string
	start := time.Now()
	for b.Loop() {
		if err := a.Call(testCanister, "greet", []any{"bench"}, []any{&out}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/update")
}

// BenchmarkAgentQuery measures a signature-verified query through agent-go; agent-go reads
// the node key with a read_state (and checks its BLS certificate) on every query.
func BenchmarkAgentQuery(b *testing.B) {
	env := newTestEnv(b)
	a := env.agent(b, mustEd25519(b), false)
	var out string
	start := time.Now()
	for b.Loop() {
		if err := a.Query(testCanister, "greet", []any{"bench"}, []any{&out}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/query")
}

// BenchmarkServerCallHandler measures the server side of an update call alone: a
// pre-signed envelope posted over HTTP with a fresh nonce each time.
func BenchmarkServerCallHandler(b *testing.B) {
	env := newTestEnv(b)
	ed := mustEd25519(b)
	bodies := make([][]byte, 0, 1024)
	for i := range cap(bodies) {
		c := callContent(ed.Sender().Raw, time.Now().Add(4*time.Minute))
		c["nonce"] = []byte{byte(i), byte(i >> 8), 1}
		body, _ := envelope(b, c, ed, nil)
		bodies = append(bodies, body)
	}
	i := 0
	for b.Loop() {
		if i == len(bodies) {
			b.StopTimer()
			env = newTestEnv(b) // fresh history so the bodies are not replays
			i = 0
			b.StartTimer()
		}
		code, resp := post(b, env, callPath, "application/cbor", bodies[i])
		if code != 200 {
			b.Fatalf("%d %s", code, resp)
		}
		i++
	}
}
