package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// Defaults of Config.
const (
	DefaultMaxIngressTTL  = 5 * time.Minute
	DefaultPermittedDrift = time.Minute
	DefaultCallTimeout    = 10 * time.Second
	// DefaultMaxBodyBytes is the largest request body: a 2 MiB ingress message plus the
	// envelope, as the replica allows.
	DefaultMaxBodyBytes = 5 << 20
)

// Config configures a Server. Backend is required, and either Topology or SubnetKey and
// NodeKey.
type Config struct {
	Backend Backend

	// Topology is the network's subnets: each request is answered by the subnet hosting its
	// effective canister id (or the subnet of the subnet endpoint), with that subnet's
	// certificates (and delegation) and node signatures. The root subnet's key is the root
	// key of /api/v2/status.
	Topology *certify.Topology

	// Without a Topology, the server plays a single root subnet made of these fields.
	SubnetKey *certify.SubnetKey // signs certificates; its public key is the root key
	NodeKey   *certify.NodeKey   // signs query responses
	// SubnetID is the single subnet's principal. It defaults to the mainnet root subnet id,
	// which agent-go assumes for certificates without delegation.
	SubnetID principal.Principal
	// CanisterRanges are the canister ids the single subnet hosts; effective canister ids
	// outside them are refused. Default: every principal.
	CanisterRanges []certify.CanisterRange

	// Now is the replica's clock (certified /time, expiry checks). Default time.Now.
	Now func() time.Time
	// MaxIngressTTL is how far ahead ingress_expiry may be; PermittedDrift is added for
	// client clock skew. Defaults DefaultMaxIngressTTL and DefaultPermittedDrift.
	MaxIngressTTL, PermittedDrift time.Duration
	// CallTimeout is how long a synchronous call waits before answering 202 (the agent
	// then polls read_state). Default DefaultCallTimeout.
	CallTimeout time.Duration
	// MaxBodyBytes bounds request bodies. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ImplVersion is reported by /api/v2/status.
	ImplVersion string
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
}

// Server serves the IC HTTP interface. It is an http.Handler.
type Server struct {
	cfg     Config
	topo    *certify.Topology // cfg.Topology, or the single subnet of cfg's keys
	window  ingressWindow
	history *history
	mux     *http.ServeMux
	status  []byte // the encoded /api/v2/status answer
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil || (cfg.Topology == nil && (cfg.SubnetKey == nil || cfg.NodeKey == nil)) {
		return nil, errors.New("httpapi: Backend and a Topology (or SubnetKey and NodeKey) are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	topo := cfg.Topology
	if topo == nil {
		if cfg.SubnetID.Raw == nil {
			cfg.SubnetID = principal.MustDecode(certification.RootSubnetID)
		}
		if cfg.CanisterRanges == nil {
			cfg.CanisterRanges = []certify.CanisterRange{{From: []byte{}, To: bytes.Repeat([]byte{0xff}, 29)}}
		}
		single := &certify.Subnet{ID: cfg.SubnetID.Raw, Kind: certify.KindApplication, Key: cfg.SubnetKey,
			Nodes: []*certify.NodeKey{cfg.NodeKey}, Ranges: cfg.CanisterRanges}
		var err error
		if topo, err = certify.NewTopology(cfg.Now, single); err != nil {
			return nil, fmt.Errorf("httpapi: %w", err)
		}
	}
	if cfg.MaxIngressTTL == 0 {
		cfg.MaxIngressTTL = DefaultMaxIngressTTL
	}
	if cfg.PermittedDrift == 0 {
		cfg.PermittedDrift = DefaultPermittedDrift
	}
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ImplVersion == "" {
		cfg.ImplVersion = "stripe-ic-local"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:    cfg,
		topo:   topo,
		window: ingressWindow{maxTTL: cfg.MaxIngressTTL, drift: cfg.PermittedDrift},
		mux:    http.NewServeMux(),
	}
	s.history = newHistory(s.RetainUntil)
	status, err := encodeCBOR(map[string]any{
		"ic_api_version":        "0.18.0",
		"impl_version":          cfg.ImplVersion,
		"root_key":              topo.RootKey(),
		"replica_health_status": "healthy",
	})
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode status: %w", err)
	}
	s.status = status

	s.mux.HandleFunc("GET /api/v2/status", s.handleStatus)
	s.mux.HandleFunc("POST /api/v2/canister/{ecid}/call", s.handleCall(false))
	s.mux.HandleFunc("POST /api/v3/canister/{ecid}/call", s.handleCall(true))
	s.mux.HandleFunc("POST /api/v4/canister/{ecid}/call", s.handleCall(true))
	s.mux.HandleFunc("POST /api/v2/canister/{ecid}/query", s.handleQuery)
	s.mux.HandleFunc("POST /api/v3/canister/{ecid}/query", s.handleQuery)
	s.mux.HandleFunc("POST /api/v2/canister/{ecid}/read_state", s.handleReadState(false))
	s.mux.HandleFunc("POST /api/v3/canister/{ecid}/read_state", s.handleReadState(false))
	s.mux.HandleFunc("POST /api/v2/subnet/{esid}/read_state", s.handleReadState(true))
	s.mux.HandleFunc("POST /api/v3/subnet/{esid}/read_state", s.handleReadState(true))
	return s, nil
}

// RetainUntil is how long the status of a call with the given ingress expiry, finished at
// finished, stays known: past the expiry by the permitted drift, so that a late
// resubmission is still recognized, and at least MaxIngressTTL past its completion, as the
// IC keeps terminal statuses (MAX_INGRESS_TTL).
func (s *Server) RetainUntil(expiry, finished time.Time) time.Time {
	until := expiry.Add(s.cfg.PermittedDrift)
	if t := finished.Add(s.cfg.MaxIngressTTL); t.After(until) {
		until = t
	}
	return until
}

// Restore makes the calls of records known again, e.g. after a restart: a resubmission of one
// is answered with its recorded outcome instead of being executed, and read_state reports its
// status. Records whose retention has passed are skipped.
func (s *Server) Restore(records []Record) { s.history.restore(records, s.cfg.Now()) }

// SubnetID returns the principal of the subnet that hosts new canisters (what
// ic0.subnet_self reports for them).
func (s *Server) SubnetID() principal.Principal {
	return principal.Principal{Raw: s.creationSubnet().ID}
}

// RootKey returns the DER root key served by /api/v2/status (what ic0.root_key reports).
func (s *Server) RootKey() []byte { return s.topo.RootKey() }

// creationSubnet is the subnet that answers for the management canister when a request
// names no canister (effective canister id aaaaa-aa, which the methods that may go to any
// subnet allow): the first application subnet, else the root subnet.
func (s *Server) creationSubnet() *certify.Subnet {
	for _, sn := range s.topo.Subnets() {
		if sn.Kind == certify.KindApplication {
			return sn
		}
	}
	return s.topo.Root()
}

// subnetOf returns the subnet hosting the effective canister id ecid, or nil.
func (s *Server) subnetOf(ecid []byte) *certify.Subnet {
	if len(ecid) == 0 {
		return s.creationSubnet()
	}
	return s.topo.SubnetOf(ecid)
}

// ServeHTTP implements http.Handler. Like the replica, it allows cross-origin requests, so
// agents running in a browser page can call it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "7200")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// httpError is a client or server error answered with a status code and a plain-text body.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) *httpError {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		s.cfg.Logger.Error("httpapi: internal error", "err", err)
		he = &httpError{code: http.StatusInternalServerError, msg: "Internal error: " + err.Error()}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(he.code)
	_, _ = io.WriteString(w, he.msg)
}

func writeCBOR(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/cbor")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// encodeCBOR encodes v with the self-describing tag 55799 in front, as the replica does.
func encodeCBOR(v any) ([]byte, error) {
	b, err := cbor.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{0xd9, 0xd9, 0xf7}, b...), nil
}

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) { writeCBOR(w, s.status) }

// readRequest reads, decodes and authenticates a request body of the given type.
func (s *Server) readRequest(r *http.Request, requestType string) (*Envelope, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/cbor" {
			return nil, errorf(http.StatusBadRequest, "Unexpected content-type %q, expected application/cbor.", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "Request body exceeds %d bytes.", mbe.Limit)
		}
		return nil, errorf(http.StatusBadRequest, "Could not read request body: %v", err)
	}
	env, err := ParseEnvelope(body)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "Could not parse body as %s request: %v", requestType, err)
	}
	if env.Content.RequestType != requestType {
		return nil, errorf(http.StatusBadRequest, "Unexpected request_type %q at this endpoint, expected %q.",
			env.Content.RequestType, requestType)
	}
	now := s.cfg.Now()
	if err := s.window.check(env.Content.IngressExpiry, now); err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	if err := authenticate(env, now); err != nil {
		return nil, errorf(http.StatusBadRequest, "Failed to authenticate request %s: %v", env.RequestID, err)
	}
	return env, nil
}

// readMessage reads a call or query request and routes it to its canister.
func (s *Server) readMessage(r *http.Request, requestType string) (*Envelope, Message, error) {
	env, err := s.readRequest(r, requestType)
	if err != nil {
		return nil, Message{}, err
	}
	msg, err := s.routeMessage(r, env)
	return env, msg, err
}

// routeMessage checks the effective canister id of the URL against the request and builds
// the Backend message.
func (s *Server) routeMessage(r *http.Request, env *Envelope) (Message, error) {
	ecid, err := principal.Decode(r.PathValue("ecid"))
	if err != nil {
		return Message{}, errorf(http.StatusBadRequest, "Invalid effective canister id %q: %v", r.PathValue("ecid"), err)
	}
	c := &env.Content
	if s.subnetOf(ecid.Raw) == nil {
		return Message{}, errorf(http.StatusBadRequest, "Effective canister id %s is not hosted by any subnet of this network.", ecid)
	}
	if !anyEffectiveID[c.RequestType][c.MethodName] || len(c.CanisterID) != 0 {
		want, ok := EffectiveCanisterID(c.CanisterID, c.MethodName, c.Arg)
		if ok && !bytes.Equal(want, ecid.Raw) {
			return Message{}, errorf(http.StatusBadRequest,
				"Specified CanisterId %s does not match effective canister id in URL %s.", fmtPrincipal(want), ecid)
		}
	}
	return Message{
		RequestID:         env.RequestID,
		Sender:            principal.Principal{Raw: c.Sender},
		Canister:          principal.Principal{Raw: c.CanisterID},
		EffectiveCanister: ecid,
		Method:            c.MethodName,
		Arg:               c.Arg,
		IngressExpiry:     c.IngressExpiry,
		Size:              uint64(env.Size),
	}, nil
}

// handleCall serves the call endpoints. Synchronous ones (v3, v4) answer with a certificate
// of the request status, or 202 when the call takes longer than CallTimeout. The
// asynchronous one (v2) answers 202 once the call finished or CallTimeout passed: the
// Backend decides acceptance and execution in one step, so an early 202 could not carry a
// refusal. Refused calls get the reject map (non_replicated_rejection for v3 and v4).
func (s *Server) handleCall(sync bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		env, msg, err := s.readMessage(r, RequestTypeCall)
		if err != nil {
			s.fail(w, err)
			return
		}
		now := s.cfg.Now()
		e, isNew := s.history.admit(env.RequestID, &ingress{
			sender: env.Content.Sender,
			ecid:   msg.EffectiveCanister.Raw,
			expiry: expiryTime(env.Content.IngressExpiry),
		}, now)
		if isNew {
			// The call runs to completion even if this client goes away.
			go s.execute(context.WithoutCancel(r.Context()), msg, e)
		}

		timer := time.NewTimer(s.cfg.CallTimeout)
		defer timer.Stop()
		select {
		case <-e.done:
		case <-timer.C:
			w.WriteHeader(http.StatusAccepted)
			return
		case <-r.Context().Done():
			return
		}
		switch {
		case e.refusal != nil:
			s.writeRefusal(w, e.refusal, sync)
			return
		case e.internal != nil:
			s.fail(w, e.internal)
			return
		case !sync:
			w.WriteHeader(http.StatusAccepted)
			return
		}
		cert, err := s.certify(s.subnetOf(msg.EffectiveCanister.Raw), func(t *hashtree.Tree) error {
			return s.addRequestStatus(t, env.RequestID, e, true)
		}, [][][]byte{{[]byte("request_status"), env.RequestID[:]}})
		if err != nil {
			s.fail(w, err)
			return
		}
		body, err := encodeCBOR(map[string]any{"status": "replied", "certificate": cert})
		if err != nil {
			s.fail(w, err)
			return
		}
		writeCBOR(w, body)
	}
}

func (s *Server) execute(ctx context.Context, msg Message, e *ingress) {
	defer func() { s.history.finish(msg.RequestID, e, s.cfg.Now()) }()
	res, err := s.cfg.Backend.Call(ctx, msg)
	var rej *protocol.Reject
	switch {
	case errors.As(err, &rej):
		e.refusal = rej
	case err != nil:
		e.internal = fmt.Errorf("call %s: %w", msg.RequestID, err)
	default:
		e.result = res
	}
}

// rejectFields are a reject's fields in the responses of the HTTP interface.
func rejectFields(rej *protocol.Reject) map[string]any {
	return map[string]any{
		"reject_code":    uint64(rej.Code),
		"reject_message": rej.Message,
		"error_code":     rej.ErrorCode,
	}
}

// writeRefusal answers a call refused before execution: the v3/v4 "non_replicated_rejection"
// body, or for v2 the bare reject map.
func (s *Server) writeRefusal(w http.ResponseWriter, rej *protocol.Reject, sync bool) {
	m := rejectFields(rej)
	if sync {
		m["status"] = "non_replicated_rejection"
	}
	body, err := encodeCBOR(m)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeCBOR(w, body)
}

// querySep is the domain separator of query response signatures.
var querySep = []byte("\x0Bic-response")

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	env, msg, err := s.readMessage(r, RequestTypeQuery)
	if err != nil {
		s.fail(w, err)
		return
	}
	res, err := s.cfg.Backend.Query(r.Context(), msg)
	if err != nil {
		s.fail(w, fmt.Errorf("query %s: %w", env.RequestID, err))
		return
	}
	ts := uint64(s.cfg.Now().UnixNano())
	var resp map[string]any
	if res.Reject == nil {
		resp = map[string]any{"status": "replied", "reply": map[string]any{"arg": nonNil(res.Reply)}}
	} else {
		resp = rejectFields(res.Reject)
		resp["status"] = "rejected"
	}
	// The node signs the response fields plus the timestamp and the request id.
	signed := maps.Clone(resp)
	signed["timestamp"] = ts
	signed["request_id"] = env.RequestID[:]
	h, err := hashOfMap(signed)
	if err != nil {
		s.fail(w, fmt.Errorf("hash query response: %w", err))
		return
	}
	node := s.subnetOf(msg.EffectiveCanister.Raw).Nodes[0]
	sig := node.Sign(append(append([]byte(nil), querySep...), h[:]...))
	resp["signatures"] = []any{map[string]any{
		"timestamp": ts,
		"signature": sig,
		"identity":  node.ID(),
	}}
	body, err := encodeCBOR(resp)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeCBOR(w, body)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
