package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestExposition(t *testing.T) {
	m := New()
	m.Requests.WithLabelValues("replayed").Add(2)
	m.Replays.Add(2)
	m.Upstream.WithLabelValues("2xx").Inc()
	m.UpstreamLatency.Observe(0.003)
	m.StoreErrors.WithLabelValues("begin").Inc()
	m.Insecure.WithLabelValues("secrets_without_auth").Set(1)
	m.StoreEpochs.WithLabelValues("created").Inc()
	m.StoreRestored.Add(3)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`idempotent_proxy_requests_total{outcome="replayed"} 2`,
		`idempotent_proxy_replays_total 2`,
		`idempotent_proxy_upstream_requests_total{result="2xx"} 1`,
		`idempotent_proxy_upstream_duration_seconds_bucket{le="0.005"} 1`,
		`idempotent_proxy_store_errors_total{op="begin"} 1`,
		`idempotent_proxy_in_flight_requests 0`,
		`idempotent_proxy_insecure{setting="secrets_without_auth"} 1`,
		`idempotent_proxy_store_epochs_total{how="created"} 1`,
		`idempotent_proxy_store_restored_total 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Two instances in one process (tests, benchmarks) must not collide: no global registry.
	New()
}
