// Package server is the local replica: one process that plays a local IC network for
// development and tests - a root subnet (its key is the root key) and an application subnet
// for user canisters whose certificates carry a delegation (package network's layout), with
// the system canisters icp-cli needs (cycles ledger, CMC, ICP ledger) at their mainnet ids.
// It ties together the execution engine, the management canister, HTTPS outcalls, the IC
// HTTP interface (for agents) and the HTTP gateway (for browsers), and keeps every
// canister's state and the ingress history in a directory, written durably before a call is
// answered, so a restart - or a kill -9 - loses no acknowledged update and executes no
// resubmitted one twice. Canisters pay the IC's fees; /_/metrics reports them per canister,
// and the debug log one line per message and per execution.
//
//	agent-go ──/api/v2,v3,v4──▶ httpapi ─┐
//	browser ──<id>.localhost──▶ gateway ─┼─▶ engine (wazero) ──▶ canisters
//	                                     │        │
//	                         mgmt (aaaaa-aa) ◀────┘──▶ outcall ──▶ HTTPS servers
//	                                     │
//	                              state directory
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway"
	"github.com/gocanister/stripe-ic/canister/replica/internal/httpapi"
	"github.com/gocanister/stripe-ic/canister/replica/mgmt"
	"github.com/gocanister/stripe-ic/canister/replica/network"
	"github.com/gocanister/stripe-ic/canister/replica/outcall"
)

// Config configures a replica.
type Config struct {
	// StateDir holds keys, canister states and chunk stores; it is created if missing.
	StateDir string
	// Nodes is the simulated subnet size: outcalls are sent by this many replicas and cycles
	// are charged for it. Default 13.
	Nodes int
	// OutcallCAFile is a PEM file of extra certificate authorities trusted for outcalls (for
	// local TLS servers such as the idempotent proxy with a local CA).
	OutcallCAFile string
	// TickInterval is how often heartbeats and global timers are delivered. Default 500 ms.
	TickInterval time.Duration
	// Domains are the gateway's base domains (<id>.<domain>). Default "localhost".
	Domains []string
	// Logger receives the replica's logs. Default slog.Default().
	Logger *slog.Logger
	// Limits overrides the instruction limits (tests); zero means the IC's.
	Limits engine.Limits
	// System are the system canisters' modules (cycles ledger, CMC, ICP ledger), installed at
	// their mainnet ids when the replica opens. Missing modules are not installed.
	System SystemModules
}

// Server is a running local replica. It is an http.Handler serving the IC HTTP interface
// and the HTTP gateway.
type Server struct {
	cfg     Config
	log     *slog.Logger
	eng     *engine.Engine
	mgmt    *mgmt.Canister
	api     *httpapi.Server
	gw      *gateway.Gateway
	topo    *certify.Topology
	store   *stateStore
	metrics *metrics
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closeMu sync.Once
}

// Open starts a replica on cfg.StateDir, restoring the canisters saved there.
func Open(cfg Config) (*Server, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("replica: no state directory")
	}
	if cfg.Nodes <= 0 {
		cfg.Nodes = protocol.SubnetNodes
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("replica: state directory: %w", err)
	}
	topo, err := loadTopology(filepath.Join(cfg.StateDir, "keys"))
	if err != nil {
		return nil, err
	}
	oc, err := outcall.New(outcall.Config{Nodes: cfg.Nodes, ExtraCAFile: cfg.OutcallCAFile, Logger: cfg.Logger.With("component", "outcall")})
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: cfg.Logger, topo: topo, ctx: ctx, cancel: cancel}
	s.store = newStateStore(filepath.Join(cfg.StateDir, "canisters"), cfg.Logger, time.Now)
	s.metrics = newMetrics(cfg.Logger)
	s.mgmt = mgmt.New(mgmt.Config{Outcalls: oc, Chunks: mgmt.DirChunks{Dir: filepath.Join(cfg.StateDir, "chunks")}})

	s.api, err = httpapi.New(httpapi.Config{Backend: apiBackend{s}, Topology: topo,
		MaxBodyBytes: protocol.MaxIngressBytes, Logger: cfg.Logger.With("component", "httpapi")})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("replica: %w", err)
	}
	s.eng, err = engine.New(ctx, engine.Config{
		SubnetID:   s.api.SubnetID(),
		RootKey:    s.api.RootKey(),
		Nodes:      cfg.Nodes,
		Management: s.mgmt,
		DebugPrint: func(c principal.Principal, msg string) {
			s.log.Info("canister debug_print", "canister", c.String(), "msg", strings.TrimRight(msg, "\n"))
		},
		OnCommit: s.store.committed,
		OnCharge: s.metrics.charged,
		Observe:  s.metrics.observed,
		DataCertificate: func(c principal.Principal, data []byte) []byte {
			cert, err := topo.DataCertificate(c.Raw, data, time.Now())
			if err != nil {
				s.log.Error("certifying data", "canister", c.String(), "err", err)
				return nil
			}
			return cert
		},
		Limits:             cfg.Limits,
		CacheDir:           filepath.Join(cfg.StateDir, "compiled"),
		FirstCanisterIndex: network.AppFirstIndex,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("replica: %w", err)
	}
	s.mgmt.Bind(s.eng)
	s.store.eng = s.eng
	s.store.record = s.recordOf
	records, err := s.store.load(ctx)
	if err != nil {
		s.eng.Close(context.Background())
		cancel()
		return nil, err
	}
	s.api.Restore(records)
	if s.eng.NextCanisterIndex() < network.AppFirstIndex {
		// State of a replica from before the application subnet: new canisters go there.
		s.eng.SetNextCanisterIndex(network.AppFirstIndex)
	}
	if err := s.installSystemCanisters(ctx, cfg.System); err != nil {
		s.eng.Close(context.Background())
		cancel()
		return nil, fmt.Errorf("replica: %w", err)
	}
	s.gw, err = gateway.New(gateway.Config{Backend: gatewayBackend{s}, Domains: cfg.Domains})
	if err != nil {
		s.eng.Close(context.Background())
		cancel()
		return nil, fmt.Errorf("replica: %w", err)
	}
	s.wg.Add(2)
	go s.tickLoop()
	go func() { defer s.wg.Done(); s.store.run(ctx) }()
	return s, nil
}

// Engine is the replica's execution engine (tests and benchmarks inspect it).
func (s *Server) Engine() *engine.Engine { return s.eng }

// Charges returns the fees canister id paid since the replica started, by kind (what
// /_/metrics reports).
func (s *Server) Charges(id principal.Principal) engine.Charges { return s.metrics.charges(id) }

// RootKey is the DER BLS public key agents verify certificates with.
func (s *Server) RootKey() []byte { return s.api.RootKey() }

// tickLoop delivers heartbeats and global timers like the rounds of a subnet.
func (s *Server) tickLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.eng.Tick(s.ctx)
		}
	}
}

// Close stops the replica after saving every canister.
func (s *Server) Close() error {
	var err error
	s.closeMu.Do(func() {
		s.cancel()
		s.wg.Wait()
		err = s.store.saveAll(context.Background())
		if cerr := s.eng.Close(context.Background()); err == nil {
			err = cerr
		}
	})
	return err
}

// ServeHTTP routes gateway requests (<id>.localhost, <id>.raw.localhost, ?canisterId=) to
// the HTTP gateway and /api/ to the IC HTTP interface.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.isGatewayRequest(r) {
		s.gw.ServeHTTP(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.api.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/" || r.URL.Path == "/_/canisters" {
		s.serveIndex(w)
		return
	}
	if r.URL.Path == "/_/metrics" {
		s.metrics.ServeHTTP(w, r)
		return
	}
	http.Error(w, "not found: this is an IC replica; use /api/v2/... or http://<canister-id>.localhost:<port>/", http.StatusNotFound)
}

func (s *Server) isGatewayRequest(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	domains := s.cfg.Domains
	if len(domains) == 0 {
		domains = []string{"localhost"}
	}
	for _, d := range domains {
		if strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Query().Has("canisterId")
}

func (s *Server) serveIndex(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "local IC replica")
	for _, id := range s.eng.Canisters() {
		fmt.Fprintf(w, "canister %s\n", id)
	}
}
