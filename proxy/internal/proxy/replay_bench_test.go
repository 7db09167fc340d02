package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/rules"
	"github.com/gocanister/stripe-ic/proxy/internal/store"
)

func BenchmarkReplayHandler(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"cs_1"}`))
	}))
	defer up.Close()
	v, _ := auth.NewVerifier(auth.VerifierOptions{})
	m := store.NewMemory(0, time.Minute)
	defer m.Close()
	h, err := New(Options{Store: m, Verifier: v, Metrics: metrics.New(), Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
		URLs:           map[string]string{"URL_UP": up.URL},
		Rules:          map[string]*rules.Rules{"URL_UP": rules.MustParse("GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions/{id}")},
		RequestTimeout: time.Second, IdempotencyTTL: time.Hour, FailureTTL: time.Second, MaxRequestBody: 1 << 20, MaxResponseBody: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/URL_UP/v1/checkout/sessions/cs_1", nil)
	req.Header.Set("Idempotency-Key", "k")
	h.ServeHTTP(httptest.NewRecorder(), req)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
