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
}

// New creates the metrics and registers them, with the Go runtime and process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idempotent_proxy_requests_total", Help: "Client requests by outcome.",
		}, []string{"outcome"}),
		Replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "idempotent_proxy_replays_total", Help: "Answers replayed from the store.",
		}),
		Upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idempotent_proxy_upstream_requests_total", Help: "Upstream calls by result.",
		}, []string{"result"}),
		UpstreamLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "idempotent_proxy_upstream_duration_seconds",
			Help:    "Upstream call latency.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		StoreErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idempotent_proxy_store_errors_total", Help: "Store failures by operation.",
		}, []string{"op"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "idempotent_proxy_in_flight_requests", Help: "Requests being handled.",
		}),
	}
	r.MustRegister(m.Requests, m.Replays, m.Upstream, m.UpstreamLatency, m.StoreErrors, m.InFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
