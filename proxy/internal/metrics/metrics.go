// Package metrics defines the proxy's Prometheus metrics on a registry of its own (no global
// state), served at /metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the counters and histograms the proxy updates.
type Metrics struct {
	registry *prometheus.Registry
	// Requests counts client requests by outcome (executed, replayed, passthrough, refused,
	// conflict, unauthorized, store_error, ...).
	Requests *prometheus.CounterVec
	// Replays counts answers served from the store.
	Replays prometheus.Counter
	// Upstream counts upstream calls by result (2xx, 4xx, 5xx, error).
	Upstream *prometheus.CounterVec
	// UpstreamLatency is the duration of upstream calls.
	UpstreamLatency prometheus.Histogram
	// StoreErrors counts store failures by operation (begin, complete, abandon, ping).
	StoreErrors *prometheus.CounterVec
	// InFlight is the number of requests being handled.
	InFlight prometheus.Gauge
	// Insecure is 1 for each insecure setting in force (setting="secrets_without_auth"), so
	// dashboards and alerts see what the start-up log said.
	Insecure *prometheus.GaugeVec
	// StoreEpochs counts the Redis epochs this instance began working in (created: it started
	// the epoch after Redis was new or lost data; joined: another instance had).
	StoreEpochs *prometheus.CounterVec
	// StoreRestored counts the journal entries written back into Redis after a loss.
	StoreRestored prometheus.Counter
}

// prefix starts every metric name of the proxy.
const prefix = "idempotent_proxy_"

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: prefix + name, Help: help})
}

func counterVec(name, help, label string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: prefix + name, Help: help}, []string{label})
}

// New creates the metrics and registers them, with the Go runtime and process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		Requests: counterVec("requests_total", "Client requests by outcome.", "outcome"),
		Replays:  counter("replays_total", "Answers replayed from the store."),
		Upstream: counterVec("upstream_requests_total", "Upstream calls by result.", "result"),
		UpstreamLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    prefix + "upstream_duration_seconds",
			Help:    "Upstream call latency.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		StoreErrors: counterVec("store_errors_total", "Store failures by operation.", "op"),
		InFlight:    prometheus.NewGauge(prometheus.GaugeOpts{Name: prefix + "in_flight_requests", Help: "Requests being handled."}),
		Insecure: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: prefix + "insecure", Help: "1 while an insecure setting is in force.",
		}, []string{"setting"}),
		StoreEpochs:   counterVec("store_epochs_total", "Redis epochs begun (after Redis was new, restarted or lost data).", "how"),
		StoreRestored: counter("store_restored_total", "Claims and answers written back into Redis after a loss."),
	}
	r.MustRegister(m.Requests, m.Replays, m.Upstream, m.UpstreamLatency, m.StoreErrors, m.InFlight,
		m.Insecure, m.StoreEpochs, m.StoreRestored,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
