package server

import (
	"context"
	"errors"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/httpapi"
)

// apiBackend serves the IC HTTP interface from the engine.
type apiBackend struct{ s *Server }

func isManagement(p principal.Principal) bool { return len(p.Raw) == 0 }

// result turns an engine outcome into a certified result; only non-reject errors are
// internal failures.
func result(reply []byte, err error) (httpapi.Result, error) {
	if err == nil {
		return httpapi.Result{Reply: reply}, nil
	}
	var rej *protocol.Reject
	if errors.As(err, &rej) {
		return httpapi.Result{Reject: rej}, nil
	}
	return httpapi.Result{}, err
}

// admit refuses, before execution, what the IC's ingress filter refuses: an unknown,
// stopped or empty canister, or a message canister_inspect_message does not accept. Such
// refusals leave no request status.
func (b apiBackend) admit(ctx context.Context, m httpapi.Message) error {
	return b.s.eng.CheckIngress(ctx, m.Canister, m.Method, m.Arg, m.Sender)
}

// Call executes an update call and saves the canister before the answer leaves, so an
// acknowledged update survives a crash.
func (b apiBackend) Call(ctx context.Context, m httpapi.Message) (httpapi.Result, error) {
	if isManagement(m.Canister) {
		reply, err := b.s.eng.Update(ctx, m.Canister, m.Method, m.Arg, m.Sender)
		b.s.store.saveIndex()
		if len(m.EffectiveCanister.Raw) > 0 {
			b.s.store.saveNow(m.EffectiveCanister)
		}
		if reply != nil && m.Method == "provisional_create_canister_with_cycles" {
			b.s.store.saveCreated(reply)
		}
		return result(reply, err)
	}
	if err := b.admit(ctx, m); err != nil {
		return httpapi.Result{}, err
	}
	reply, err := b.s.eng.Update(ctx, m.Canister, m.Method, m.Arg, m.Sender)
	b.s.store.saveNow(m.Canister)
	return result(reply, err)
}

// Query evaluates a query; ic0.data_certificate_* see a fresh certificate of the canister's
// certified data (made on demand by the engine's DataCertificate hook).
func (b apiBackend) Query(ctx context.Context, m httpapi.Message) (httpapi.Result, error) {
	return result(b.s.query(ctx, m.Canister, m.Method, m.Arg, m.Sender))
}

func (s *Server) query(ctx context.Context, id principal.Principal, method string, arg []byte, caller principal.Principal) ([]byte, error) {
	if isManagement(id) {
		return s.mgmt.HandleQuery(ctx, caller, method, arg)
	}
	return s.eng.Query(ctx, id, method, arg, caller, engine.QueryOptions{})
}

// Canister reveals a canister's module hash, controllers and metadata sections.
func (b apiBackend) Canister(ctx context.Context, id principal.Principal) (httpapi.CanisterInfo, bool, error) {
	info, err := b.s.eng.Info(id)
	if err != nil {
		var rej *protocol.Reject
		if errors.As(err, &rej) {
			return httpapi.CanisterInfo{}, false, nil
		}
		return httpapi.CanisterInfo{}, false, err
	}
	out := httpapi.CanisterInfo{ModuleHash: info.ModuleHash, Controllers: info.Controllers,
		Metadata: make(map[string]httpapi.MetadataSection, len(info.Metadata))}
	for name, md := range info.Metadata {
		out.Metadata[name] = httpapi.MetadataSection{Private: md.Private, Content: md.Content}
	}
	return out, true, nil
}

// gatewayBackend serves the HTTP gateway; browsers are anonymous callers.
type gatewayBackend struct{ s *Server }

func (g gatewayBackend) Query(ctx context.Context, id principal.Principal, method string, arg []byte) ([]byte, error) {
	reply, err := g.s.query(ctx, id, method, arg, principal.AnonymousID)
	return reply, err
}

func (g gatewayBackend) Update(ctx context.Context, id principal.Principal, method string, arg []byte) ([]byte, error) {
	reply, err := g.s.eng.Update(ctx, id, method, arg, principal.AnonymousID)
	g.s.store.saveNow(id)
	return reply, err
}

func (g gatewayBackend) RootKey() []byte { return g.s.api.RootKey() }
