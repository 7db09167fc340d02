package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/internal/httpapi"
	"github.com/gocanister/stripe-ic/canister/replica/mgmt"
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

// ingressOf is the engine's view of an ingress message. Calls to the management canister are
// paid for by the canister they are about (the effective canister id, which httpapi checked
// against the argument), except the provisional methods, which are free, and update_settings,
// which the IC charges only after applying it so that a frozen canister can be unfrozen
// (this replica does not charge it).
func ingressOf(m httpapi.Message) engine.Ingress {
	in := engine.Ingress{Canister: m.Canister, Method: m.Method, Arg: m.Arg, Caller: m.Sender, Size: m.Size, Tag: m}
	if isManagement(m.Canister) && len(m.EffectiveCanister.Raw) > 0 {
		switch m.Method {
		case "provisional_create_canister_with_cycles", "provisional_top_up_canister", "update_settings":
		default:
			payer := m.EffectiveCanister
			in.Payer = &payer
		}
	}
	return in
}

// Call executes an update call and saves its record with the state it produced before the
// answer leaves: an acknowledged call survives a crash and is not executed twice. The IC's
// ingress filter comes first: an unknown, stopped, empty or frozen canister, or a message
// canister_inspect_message does not accept, is refused without a request status.
func (b apiBackend) Call(ctx context.Context, m httpapi.Message) (httpapi.Result, error) {
	s := b.s
	in := ingressOf(m)
	if err := s.eng.Admit(ctx, in); err != nil {
		return httpapi.Result{}, err
	}
	about := m.EffectiveCanister
	if isManagement(m.Canister) && len(about.Raw) > 0 {
		defer s.store.hold(about)()
	}
	out, err := s.eng.Submit(ctx, in)
	res, err := result(out.Reply, err)
	if err != nil {
		return res, err
	}
	s.metrics.message(m.Canister, m.EffectiveCanister, m.Method, out.Usage)
	rec := s.recordOf(engine.Answer{Tag: m, Reply: res.Reply, Reject: res.Reject, Time: s.store.now()})
	if !isManagement(m.Canister) {
		return res, s.store.commit(ctx, m.Canister, out.Seq, &rec)
	}
	// The management canister may have created a canister, changed the effective canister,
	// or deleted it; the record goes with the canister the call is about.
	if err := s.store.saveIndex(); err != nil {
		return httpapi.Result{}, err
	}
	if created, ok := createdCanister(m.Method, res.Reply); ok {
		if bytes.Equal(created.Raw, about.Raw) {
			// The effective canister id named the canister now created (deploy tools
			// use the first id of the subnet's range): this call holds its saves.
			return res, s.store.save(ctx, created, 0, &rec, saveHolder)
		}
		return res, s.store.commit(ctx, created, 0, &rec)
	}
	if len(about.Raw) > 0 {
		return res, s.store.save(ctx, about, 0, &rec, saveHolder)
	}
	return res, s.store.addSubnetRecords(rec)
}

// recordOf is the ingress record of an answer to the ingress message in its tag.
func (s *Server) recordOf(a engine.Answer) httpapi.Record {
	m := a.Tag.(httpapi.Message)
	expiry := time.Unix(0, int64(min(m.IngressExpiry, 1<<63-1)))
	return httpapi.RecordOf(m, httpapi.Result{Reply: a.Reply, Reject: a.Reject}, s.api.RetainUntil(expiry, a.Time))
}

// createdCanister is the canister a successful provisional_create_canister_with_cycles
// created.
func createdCanister(method string, reply []byte) (principal.Principal, bool) {
	if method != "provisional_create_canister_with_cycles" || reply == nil {
		return principal.Principal{}, false
	}
	var rec mgmt.CanisterIDRecord
	if err := candid.Unmarshal(reply, &rec); err != nil {
		return principal.Principal{}, false
	}
	return principal.Principal{Raw: rec.CanisterID.Bytes()}, true
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

// Update sends an upgraded request the way the IC's HTTP gateway does: as an anonymous
// ingress message, which the canister pays reception for, answered once its effects are
// saved.
func (g gatewayBackend) Update(ctx context.Context, id principal.Principal, method string, arg []byte) ([]byte, error) {
	s := g.s
	in := engine.Ingress{Canister: id, Method: method, Arg: arg, Caller: principal.AnonymousID,
		Size: gatewayEnvelopeSize(id, method, arg, s.store.now())}
	if err := s.eng.Admit(ctx, in); err != nil {
		return nil, err
	}
	out, err := s.eng.Submit(ctx, in)
	var rej *protocol.Reject
	if err != nil && !errors.As(err, &rej) {
		return nil, err
	}
	s.metrics.message(id, id, method, out.Usage)
	if serr := s.store.commit(ctx, id, out.Seq, nil); serr != nil {
		return nil, serr
	}
	return out.Reply, err
}

// gatewayEnvelopeSize is the size of the envelope the IC's HTTP gateway sends for an
// upgraded request: an anonymous call (sender 0x04, no signature) with a 16-byte nonce, the
// way ic-agent builds it.
func gatewayEnvelopeSize(id principal.Principal, method string, arg []byte, now time.Time) uint64 {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	body, err := cbor.Marshal(map[string]any{"content": map[string]any{
		"request_type":   "call",
		"canister_id":    id.Raw,
		"method_name":    method,
		"arg":            arg,
		"sender":         principal.AnonymousID.Raw,
		"ingress_expiry": uint64(now.Add(4 * time.Minute).UnixNano()),
		"nonce":          nonce,
	}})
	if err != nil {
		return uint64(len(arg) + len(method)) // plain maps of bytes and strings: cannot happen
	}
	return uint64(len(body)) + 3 // and the self-describing CBOR tag
}

func (g gatewayBackend) RootKey() []byte { return g.s.api.RootKey() }
