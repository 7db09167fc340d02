package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// testCanister is the canister the fake backend hosts.
var testCanister = principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}}

// emptyCanister exists but has no module.
var emptyCanister = principal.Principal{Raw: []byte{0, 0, 0, 0, 0, 0, 0, 2, 1, 1}}

// fakeBackend is an in-memory Backend with one canister exposing:
//
//	greet(text) -> (text)   update and query: "Hello, <name>!"
//	fail()                  canister reject (4, IC0406)
//	trap()                  canister error (5, IC0503)
//	slow()                  sleeps for slowFor, then replies like greet("slow")
//	refuse()                refused before execution (inspect_message style)
//
// and counts executions by request id, so tests can see replays.
type fakeBackend struct {
	controller principal.Principal
	slowFor    time.Duration

	mu      sync.Mutex
	execs   map[RequestID]int
	senders []principal.Principal
	last    Message
}

func newFakeBackend(controller principal.Principal) *fakeBackend {
	return &fakeBackend{controller: controller, execs: make(map[RequestID]int)}
}

func (f *fakeBackend) record(m Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execs[m.RequestID]++
	f.senders = append(f.senders, m.Sender)
	f.last = m
}

func (f *fakeBackend) executions(id RequestID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.execs[id]
}

func (f *fakeBackend) lastMessage() Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func (f *fakeBackend) run(m Message) (Result, error) {
	if len(m.Canister.Raw) == 0 { // the management canister
		if m.Method == "start_canister" || m.Method == "create_canister" {
			return Result{Reply: []byte("DIDL\x00\x00")}, nil
		}
		return Result{}, &protocol.Reject{Code: protocol.DestinationInvalid, ErrorCode: "IC0536", Message: "Management method not supported"}
	}
	if !bytes.Equal(m.Canister.Raw, testCanister.Raw) {
		return Result{}, &protocol.Reject{Code: protocol.DestinationInvalid, ErrorCode: "IC0301",
			Message: fmt.Sprintf("Canister %s not found", m.Canister)}
	}
	switch m.Method {
	case "greet", "slow":
		name := "slow"
		if m.Method == "slow" {
			time.Sleep(f.slowFor)
		} else if err := candid.Unmarshal(m.Arg, []any{&name}); err != nil {
			return Result{Reject: &protocol.Reject{Code: protocol.CanisterError, ErrorCode: "IC0503", Message: "bad argument: " + err.Error()}}, nil
		}
		reply, err := candid.Marshal([]any{"Hello, " + name + "!"})
		if err != nil {
			return Result{}, err
		}
		return Result{Reply: reply}, nil
	case "fail":
		return Result{Reject: &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: "IC0406", Message: "no thanks"}}, nil
	case "trap":
		return Result{Reject: &protocol.Reject{Code: protocol.CanisterError, ErrorCode: "IC0503", Message: "Canister trapped: boom"}}, nil
	case "refuse":
		return Result{}, &protocol.Reject{Code: protocol.CanisterReject, ErrorCode: "IC0406", Message: "Canister rejected the message"}
	}
	return Result{Reject: &protocol.Reject{Code: protocol.DestinationInvalid, ErrorCode: "IC0302",
		Message: fmt.Sprintf("Canister %s has no update method '%s'", m.Canister, m.Method)}}, nil
}

func (f *fakeBackend) Call(_ context.Context, m Message) (Result, error) {
	f.record(m)
	return f.run(m)
}

func (f *fakeBackend) Query(_ context.Context, m Message) (Result, error) {
	f.record(m)
	res, err := f.run(m)
	if rej, ok := err.(*protocol.Reject); ok {
		return Result{Reject: rej}, nil // queries answer refusals as signed rejects
	}
	return res, err
}

func (f *fakeBackend) Canister(_ context.Context, id principal.Principal) (CanisterInfo, bool, error) {
	switch {
	case bytes.Equal(id.Raw, testCanister.Raw):
		return CanisterInfo{
			ModuleHash:  bytes.Repeat([]byte{0xab}, 32),
			Controllers: []principal.Principal{f.controller, testCanister},
			Metadata: map[string]MetadataSection{
				"candid:service": {Content: []byte("service : { greet : (text) -> (text) }")},
				"secret":         {Private: true, Content: []byte("s3cr3t")},
			},
		}, true, nil
	case bytes.Equal(id.Raw, emptyCanister.Raw):
		return CanisterInfo{Controllers: []principal.Principal{f.controller}}, true, nil
	}
	return CanisterInfo{}, false, nil
}

// testEnv is a Server behind an httptest server.
type testEnv struct {
	srv     *httptest.Server
	api     *Server
	backend *fakeBackend
	ctrl    *identity.Ed25519Identity // controller of testCanister
}

func newTestEnv(t testing.TB, configure ...func(*Config)) *testEnv {
	t.Helper()
	ctrl, err := identity.NewRandomEd25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	backend := newFakeBackend(ctrl.Sender())
	subnetKey, err := certify.NewSubnetKey([]byte("httpapi test"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Backend: backend, SubnetKey: subnetKey, NodeKey: certify.NewNodeKey([]byte("node 1"))}
	for _, c := range configure {
		c(&cfg)
	}
	api, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &testEnv{srv: srv, api: api, backend: backend, ctrl: ctrl}
}

// agent returns an unmodified agent-go agent with default settings, pointed at the server.
func (e *testEnv) agent(t testing.TB, id identity.Identity, legacy bool) *agent.Agent {
	t.Helper()
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	opts := []agent.ClientOption{agent.WithHostURL(u)}
	if legacy {
		opts = append(opts, agent.WithLegacyAPI())
	}
	a, err := agent.New(agent.Config{Identity: id, FetchRootKey: true, ClientConfig: opts})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
