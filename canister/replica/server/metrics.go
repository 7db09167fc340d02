package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// metrics counts what canisters execute and pay, for the replica's log (-v: one line per
// ingress message and per execution) and its /_/metrics endpoint (Prometheus text format).
type metrics struct {
	log *slog.Logger

	mu        sync.Mutex
	canisters map[string]*canisterMetrics
}

// canisterMetrics are one canister's totals.
type canisterMetrics struct {
	id           principal.Principal
	messages     uint64 // ingress messages answered
	executions   uint64
	instructions uint64
	cycles       engine.Charges // fees paid, by kind
}

func newMetrics(log *slog.Logger) *metrics {
	return &metrics{log: log, canisters: map[string]*canisterMetrics{}}
}

func (m *metrics) canisterLocked(id principal.Principal) *canisterMetrics {
	c := m.canisters[string(id.Raw)]
	if c == nil {
		c = &canisterMetrics{id: id}
		m.canisters[string(id.Raw)] = c
	}
	return c
}

// charged is the engine's OnCharge hook.
func (m *metrics) charged(id principal.Principal, fee engine.Fee, cycles uint64) {
	m.mu.Lock()
	m.canisterLocked(id).cycles[fee] += cycles
	m.mu.Unlock()
}

// observed is the engine's Observe hook: every execution, with its instructions and fee.
func (m *metrics) observed(x engine.Execution) {
	m.mu.Lock()
	c := m.canisterLocked(x.Canister)
	c.executions++
	c.instructions += uint64(max(x.Instructions, 0))
	m.mu.Unlock()
	m.log.Debug("execution", "canister", x.Canister.String(), "kind", x.Kind, "entry", x.Entry,
		"instructions", x.Instructions, "cycles", x.Cycles, "trapped", x.Trapped)
}

// message logs an answered ingress message with what it used and paid until its answer.
func (m *metrics) message(canister, payer principal.Principal, method string, u engine.Usage) {
	m.mu.Lock()
	m.canisterLocked(payer).messages++
	m.mu.Unlock()
	if !m.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := []any{"canister", canister.String(), "method", method, "instructions", u.Instructions, "cycles", u.Cycles.Total()}
	for _, f := range engine.Fees() {
		if u.Cycles[f] != 0 {
			attrs = append(attrs, f.String(), u.Cycles[f])
		}
	}
	m.log.Debug("message", attrs...)
}

// Charges returns what canister id paid since the replica started, by fee.
func (m *metrics) charges(id principal.Principal) engine.Charges {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.canisters[string(id.Raw)]; c != nil {
		return c.cycles
	}
	return engine.Charges{}
}

// ServeHTTP writes the counters in Prometheus' text format.
func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.write(w)
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	cs := make([]canisterMetrics, 0, len(m.canisters))
	for _, c := range m.canisters {
		cs = append(cs, *c)
	}
	m.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].id.String() < cs[j].id.String() })
	fmt.Fprintln(w, "# HELP replica_cycles_charged_total Cycles canisters paid, by fee.")
	fmt.Fprintln(w, "# TYPE replica_cycles_charged_total counter")
	for _, c := range cs {
		for _, f := range engine.Fees() {
			fmt.Fprintf(w, "replica_cycles_charged_total{canister=%q,fee=%q} %d\n", c.id.String(), f.String(), c.cycles[f])
		}
	}
	for _, g := range []struct {
		name, help string
		value      func(canisterMetrics) uint64
	}{
		{"replica_instructions_total", "Instructions executed.", func(c canisterMetrics) uint64 { return c.instructions }},
		{"replica_executions_total", "Executions (messages, callbacks, tasks, queries).", func(c canisterMetrics) uint64 { return c.executions }},
		{"replica_ingress_messages_total", "Ingress messages answered.", func(c canisterMetrics) uint64 { return c.messages }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", g.name, g.help, g.name)
		for _, c := range cs {
			fmt.Fprintf(w, "%s{canister=%q} %d\n", g.name, c.id.String(), g.value(c))
		}
	}
}
