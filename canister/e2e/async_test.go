package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/candid/idl"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// The CDK's blocking calls, outcalls, randomness and timers, through the replica's HTTP
// interface (internal/testcanister/async).

func asyncModule(t testing.TB) []byte {
	return gzipped(t, module(t, "internal/testcanister/async", "async.did"))
}

type asyncState struct {
	Before     uint64 `ic:"before"`
	After      uint64 `ic:"after"`
	Abandoned  uint64 `ic:"abandoned"`
	Once       uint64 `ic:"once"`
	Ticks      uint64 `ic:"ticks"`
	TimerCalls uint64 `ic:"timer_calls"`
	Pending    uint64 `ic:"pending"`
}

func readState(t *testing.T, a *agent.Agent, c principal.Principal) asyncState {
	t.Helper()
	var s asyncState
	if err := a.Query(c, "state", []any{}, []any{&s}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAsyncCalls(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	mod := asyncModule(t)
	c := install(t, id, mod, "()")
	peer := install(t, id, mod, "()")

	text := func(method string, args ...any) (string, error) {
		var s string
		err := a.Call(c, method, args, []any{&s})
		return s, err
	}
	tests := []struct {
		method string
		args   []any
		want   string
	}{
		{"two_calls", []any{peer, "x"}, "echo:echo:x"},
		{"in_flight", []any{peer}, "echo:a|echo:b"},
		{"call_reject", []any{peer}, "call rejected (code 4): nope"},
	}
	for _, tt := range tests {
		if got, err := text(tt.method, tt.args...); err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.method, got, err, tt.want)
		}
	}
	var s string
	if err := a.Query(c, "composite_two", []any{peer, "q"}, []any{&s}); err != nil || s != "echo:echo:q" {
		t.Errorf("composite_two = %q, %v", s, err)
	}
	if err := a.Query(c, "query_call", []any{peer}, []any{&s}); err != nil || !strings.Contains(s, "cannot make calls (query)") {
		t.Errorf("query_call = %q, %v", s, err)
	}

	// A trap after an await: the first execution's state stays, the caller sees the trap.
	_, err := text("trap_after_await", peer)
	if err == nil || !strings.Contains(err.Error(), "trap_after_await: deliberate trap") {
		t.Fatalf("trap_after_await: %v", err)
	}
	if st := readState(t, a, c); st.Before != 1 || st.After != 0 || st.Abandoned != 1 || st.Pending != 0 {
		t.Fatalf("state after the trap = %+v, want before 1, after 0, abandoned 1", st)
	}
	if got, err := text("two_calls", peer, "after"); err != nil || got != "echo:echo:after" {
		t.Fatalf("two_calls after a trap = %q, %v", got, err)
	}
}

func TestAsyncOutcallWithTransform(t *testing.T) {
	ours(t, "the local TLS server's CA must be trusted by the replica")
	var hits atomic.Int64
	u := route(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "application/json" {
			http.Error(w, "missing Accept", http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Request-Id", fmt.Sprint(hits.Add(1))) // differs per replica
		fmt.Fprint(w, `{"id":"cs_test_1","status":"complete"}`)
	})
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, asyncModule(t), "()")
	var before, after uint64
	if err := a.Query(c, "balance", []any{}, []any{&before}); err != nil {
		t.Fatal(err)
	}
	var status idl.Nat
	var body []byte
	if err := a.Call(c, "fetch", []any{u, uint64(8192)}, []any{&status, &body}); err != nil {
		t.Fatal(err)
	}
	if status.BigInt().Int64() != 200 || string(body) != `{"id":"cs_test_1","status":"complete"}` {
		t.Fatalf("fetch = %v %q", status, body)
	}
	if err := a.Query(c, "balance", []any{}, []any{&after}); err != nil {
		t.Fatal(err)
	}
	// The CDK attached exactly the IC's fee (ic0.cost_http_request): the request size counts
	// the URL, the Accept header, the transform's name and context.
	size := uint64(len(u) + len("Accept") + len("application/json") + len("transform") + len("drop-headers"))
	cost := protocol.OutcallCost(size, 8192, 13)
	if spent := before - after; spent < cost || spent > cost+20_000_000 {
		t.Fatalf("spent %d cycles; the outcall costs %d (+ execution fees)", spent, cost)
	}
	// A reject (unreachable host) is an error with the IC's code and message.
	err := a.Call(c, "fetch", []any{"https://127.0.0.1:1/nothing", uint64(1024)}, []any{&status, &body})
	if err == nil || !strings.Contains(err.Error(), "http_request https://127.0.0.1:1/nothing: call rejected (code 2)") {
		t.Fatalf("fetch of an unreachable host: %v", err)
	}
}

func TestAsyncSeedRandom(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	mod := asyncModule(t)
	random := func(c principal.Principal) (before, after, again []byte) {
		if err := a.Call(c, "random", []any{}, []any{&before, &after, &again}); err != nil {
			t.Fatal(err)
		}
		return
	}
	b1, a1, x1 := random(install(t, id, mod, "()"))
	b2, a2, _ := random(install(t, id, mod, "()"))
	if !bytes.Equal(b1, b2) {
		t.Fatalf("unseeded randomness differs between fresh canisters (%x, %x): it should be the fixed generator", b1, b2)
	}
	if bytes.Equal(a1, a2) || bytes.Equal(a1, x1) || bytes.Equal(a1, b1) {
		t.Fatalf("seeded randomness repeats: %x %x %x", a1, a2, x1)
	}
}

func TestAsyncTimers(t *testing.T) {
	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, asyncModule(t), "()")
	if err := a.Call(c, "start_timers", []any{uint64(300), uint64(100)}, []any{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for st := readState(t, a, c); st.TimerCalls < 1 || st.Ticks < 3; st = readState(t, a, c) {
		if time.Now().After(deadline) {
			t.Fatalf("timers did not run: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var stopped bool
	if err := a.Call(c, "stop_ticks", []any{}, []any{&stopped}); err != nil || !stopped {
		t.Fatalf("stop_ticks = %v, %v", stopped, err)
	}
	st := readState(t, a, c)
	time.Sleep(500 * time.Millisecond)
	if again := readState(t, a, c); again.Ticks != st.Ticks || again.Once != 1 || again.TimerCalls != 1 {
		t.Fatalf("after stop_ticks: %+v then %+v", st, again)
	}
}

// The router through the HTTP gateway: a query route, an update route that makes a blocking
// call (the query upgrades), and the router's 404 and 405.
func TestAsyncRouterThroughGateway(t *testing.T) {
	id := newIdentity(t)
	mod := asyncModule(t)
	c := install(t, id, mod, "()")
	peer := install(t, id, mod, "()")
	client, port := browser(t)
	base := "http://" + c.String() + ".localhost:" + port
	if code, body := get(t, client, base+"/hello/gopher"); code != 200 || body != "hello gopher" {
		t.Fatalf("GET /hello/gopher = %d %q", code, body)
	}
	resp, err := client.Post(base+"/relay/"+peer.String(), "text/plain", strings.NewReader("ping"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "echo:ping" {
		t.Fatalf("POST /relay = %d %q", resp.StatusCode, body)
	}
	if code, _ := get(t, client, base+"/nothing"); code != 404 {
		t.Fatalf("GET /nothing = %d", code)
	}
	resp, err = client.Get(base + "/relay/" + peer.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /relay = %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
