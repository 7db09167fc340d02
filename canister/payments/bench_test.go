package payments

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// batch is how many operations each benchmark iteration performs, so that the figures mean
// something even under `-benchtime 1x` (as `make bench` runs).
const batch = 512

// meter measures a section of a benchmark: wall time, thread CPU time and allocations.
type meter struct {
	wall, cpu      time.Duration
	cpuOK          bool
	mallocs, bytes uint64
	t0             time.Time
	c0             time.Duration
	m0             runtime.MemStats
}

func (m *meter) start() {
	runtime.ReadMemStats(&m.m0)
	m.c0, m.cpuOK = threadCPU()
	m.t0 = time.Now()
}

func (m *meter) stop() {
	m.wall += time.Since(m.t0)
	c1, ok := threadCPU()
	m.cpu += c1 - m.c0
	m.cpuOK = m.cpuOK && ok
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	m.mallocs += m1.Mallocs - m.m0.Mallocs
	m.bytes += m1.TotalAlloc - m.m0.TotalAlloc
}

// report prints per-operation figures (ops operations were measured).
func (m *meter) report(b *testing.B, ops int) {
	b.ReportMetric(float64(m.wall.Nanoseconds())/float64(ops), "ns/event")
	if m.cpuOK {
		b.ReportMetric(float64(m.cpu.Nanoseconds())/float64(ops), "cpu-ns/event")
	}
	b.ReportMetric(float64(m.mallocs)/float64(ops), "allocs/event")
	b.ReportMetric(float64(m.bytes)/float64(ops), "B/event")
}

// event3KB returns a signed ~3 KB checkout.session.completed delivery for session i.
func event3KB(i int, at time.Time) (body []byte, header string) {
	extra := map[string]any{
		"customer_details": map[string]any{"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "phone": nil,
			"address":    map[string]any{"city": "Berlin", "country": "DE", "line1": "Unter den Linden 1", "line2": nil, "postal_code": "10117", "state": nil},
			"tax_exempt": "none", "tax_ids": []any{}},
		"metadata":                map[string]any{"order": fmt.Sprint(i), "cart": strings.Repeat("sku-12345,", 160)},
		"success_url":             "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":              "https://shop.example/cancel",
		"payment_method_types":    []any{"card", "sepa_debit"},
		"total_details":           map[string]any{"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
		"automatic_tax":           map[string]any{"enabled": false, "liability": nil, "status": nil},
		"custom_text":             map[string]any{"after_submit": nil, "shipping_address": nil, "submit": nil, "terms_of_service_acceptance": nil},
		"payment_method_options":  map[string]any{"card": map[string]any{"request_three_d_secure": "automatic"}},
		"phone_number_collection": map[string]any{"enabled": false},
		"expires_at":              at.Unix() + 86400,
	}
	id := fmt.Sprintf("cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ%020d", i)
	body = eventJSON(fmt.Sprintf("evt_1PqRsTuVwXyZ%012d", i), EventSessionCompleted, at.Unix(), sessionObj(id, "complete", "paid", extra))
	return body, SignatureHeaderFor(body, at, testSecret)
}

// BenchmarkWebhook3KB verifies and applies fresh 3 KB checkout.session.completed events
// (new event and session each time: signature, JSON, de-duplication, state machine, record
// encoding and five store writes).
func BenchmarkWebhook3KB(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := newTestService(b, Config{}, nil)
	at := t0
	bodies := make([][]byte, batch)
	headers := make([]string, batch)
	var m meter
	n := 0
	for b.Loop() {
		b.StopTimer()
		for j := range batch {
			bodies[j], headers[j] = event3KB(n+j, at)
		}
		b.StartTimer()
		m.start()
		for j := range batch {
			res, err := s.HandleWebhook(bodies[j], headers[j], Env{Now: at})
			if err != nil || res.Outcome != "applied" {
				b.Fatalf("%+v %v", res, err)
			}
		}
		m.stop()
		n += batch
	}
	b.ReportMetric(float64(len(bodies[0])), "event-bytes")
	m.report(b, n)
}

// BenchmarkCheckoutCached is the query path for a known, completed session: route, store
// lookup, record decode and JSON rendering.
func BenchmarkCheckoutCached(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s := newTestService(b, Config{}, f)
	fill(b, s, 100_000) // a store of realistic size
	s.HTTPUpdate(context.Background(), getCheckout(sessA), env(0))
	req := getCheckout(sessA)
	e := env(time.Second)
	var m meter
	n := 0
	for b.Loop() {
		m.start()
		for range batch {
			if r := s.HTTPQuery(req, e); r.Status != 200 || r.Upgrade {
				b.Fatalf("%+v", r)
			}
		}
		m.stop()
		n += batch
	}
	m.report(b, n)
}

// BenchmarkVerifySignature is the signature check alone for a 3 KB body, two secrets, two
// v1 entries (a secret roll in progress).
func BenchmarkVerifySignature(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	body, _ := event3KB(1, t0)
	v := NewVerifier([]string{testSecretOld, testSecret}, 300*time.Second, 60*time.Second)
	h := multiHeader(body, t0, testSecretOld, testSecret)
	var m meter
	n := 0
	for b.Loop() {
		m.start()
		for range batch {
			if _, err := v.Verify(body, h, t0); err != nil {
				b.Fatal(err)
			}
		}
		m.stop()
		n += batch
	}
	m.report(b, n)
}
