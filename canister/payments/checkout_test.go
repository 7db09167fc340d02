package payments

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var proxyCfg = Config{IdempotentProxy: "proxy.example.com", ProxyAuthorization: "Bearer proxy-token-123456789"}

func getCheckout(id string) HTTPRequest { return HTTPRequest{Method: "GET", URL: "/checkout/" + id} }

func header(hs []Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func TestCheckoutFetchThroughProxy(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s := newTestService(t, proxyCfg, f)

	q := s.HTTPQuery(getCheckout(sessA), env(0))
	if !q.Upgrade {
		t.Fatalf("query for an unknown session = %+v, want upgrade", q)
	}
	u := s.HTTPUpdate(context.Background(), getCheckout(sessA), env(0))
	want := `{"status":"completed","value":{"id":"` + sessA + `","status":"complete","payment_status":"paid","amount_total":2500,"currency":"usd","client_reference_id":"order-42","created":` + itoa(t0.Unix()-600) + `}}`
	if u.Status != 200 || string(u.Body) != want {
		t.Fatalf("update = %d %s\nwant %s", u.Status, u.Body, want)
	}
	if len(f.requests) != 1 {
		t.Fatalf("%d outcalls, want 1", len(f.requests))
	}
	req := f.requests[0]
	if req.Method != "GET" || req.URL != "https://proxy.example.com/v1/checkout/sessions/"+sessA || req.MaxResponseBytes != fetchResponseBytes {
		t.Fatalf("request = %s %s max %d", req.Method, req.URL, req.MaxResponseBytes)
	}
	wantHeaders := map[string]string{
		"x-forwarded-host":    "api.stripe.com",
		"idempotency-key":     testCanister + "/" + itoa36(t0.UnixNano()) + "/" + sessA + "/0",
		"response-headers":    "content-type",
		"x-json-mask":         fetchMask,
		"proxy-authorization": "Bearer proxy-token-123456789",
		"stripe-version":      stripeVersion,
		"authorization":       "",
	}
	for name, v := range wantHeaders {
		if got := header(req.Headers, name); got != v {
			t.Errorf("header %s = %q, want %q", name, got, v)
		}
	}
	// Terminal now: the query answers from state with the same bytes, no upgrade.
	q = s.HTTPQuery(getCheckout(sessA), env(time.Minute))
	if q.Upgrade || q.Status != 200 || string(q.Body) != want {
		t.Fatalf("query after = %+v", q)
	}
	r := mustRecord(t, s, sessA)
	if !r.Confirmed || r.Status != StatusCompleted || r.FetchAttempts != 1 {
		t.Fatalf("record = %+v", r)
	}
}

func itoa36(v int64) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b []byte
	for ; v > 0; v /= 36 {
		b = append([]byte{digits[v%36]}, b...)
	}
	return string(b)
}

// TestOutcallsAreDeterministic plays the same messages on two services (two replicas) and
// compares the outcalls byte for byte.
func TestOutcallsAreDeterministic(t *testing.T) {
	run := func(canister string) []OutcallRequest {
		f := newFakeStripe()
		f.status = 503
		s, err := New(Config{APIHost: "api.stripe.com", IdempotentProxy: "https://proxy.example.com/URL_STRIPE"}, Deps{Store: NewMemStore(), Outcaller: f, CanisterID: canister})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			s.HTTPUpdate(context.Background(), getCheckout(sessB), env(time.Duration(i)*10*time.Second))
		}
		return f.requests
	}
	a, b := run(testCanister), run(testCanister)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two replicas produced different outcalls")
	}
	if len(a) != 3 {
		t.Fatalf("%d outcalls, want 3", len(a))
	}
	keys := map[string]bool{}
	for i, r := range a {
		if !strings.HasPrefix(r.URL, "https://proxy.example.com/URL_STRIPE/v1/checkout/sessions/") {
			t.Fatalf("URL %s", r.URL)
		}
		k := header(r.Headers, "idempotency-key")
		if !strings.HasSuffix(k, "/"+sessB+"/"+itoa(int64(i))) || keys[k] {
			t.Fatalf("attempt %d key %q", i, k)
		}
		keys[k] = true
	}
	other := run("aaaaa-aa")
	if header(other[0].Headers, "idempotency-key") == header(a[0].Headers, "idempotency-key") {
		t.Fatal("two canisters share an idempotency key")
	}
}

func TestCheckoutOutcomes(t *testing.T) {
	cases := []struct {
		name       string
		setup      func(f *fakeStripe)
		wantStatus int
		wantBody   string
		wantStored Status // 0: no record
	}{
		{"not found at Stripe", func(f *fakeStripe) {}, 200, `{"status":"failed","value":"no such checkout session"}`, StatusNotFound},
		{"expired", func(f *fakeStripe) { f.sessions[sessB] = sessionObj(sessB, "expired", "unpaid", nil) }, 200, `{"status":"failed","value":"expired"}`, StatusFailed},
		{"open", func(f *fakeStripe) { f.sessions[sessB] = sessionObj(sessB, "open", "unpaid", nil) }, 200, `{"status":"checking"}`, StatusChecking},
		{"no payment required", func(f *fakeStripe) {
			f.sessions[sessB] = sessionObj(sessB, "complete", "no_payment_required", map[string]any{"amount_total": 0, "client_reference_id": nil})
		}, 200, `{"status":"completed","value":{"id":"cs_test_b2","status":"complete","payment_status":"no_payment_required","amount_total":0,"currency":"usd","client_reference_id":null,"created":` + itoa(t0.Unix()-600) + `}}`, StatusCompleted},
		// An id only a poll names is not stored until Stripe says what it is (the
		// not-found cache keeps its attempts).
		{"stripe 503", func(f *fakeStripe) { f.status = 503 }, 503, `{"status":"checking"}`, 0},
		{"stripe 429", func(f *fakeStripe) { f.status = 429 }, 503, `{"status":"checking"}`, 0},
		{"bad key (401) is not a payment failure", func(f *fakeStripe) { f.status = 401 }, 502, `{"status":"checking"}`, 0},
		{"network error", func(f *fakeStripe) { f.err = errors.New("connection reset") }, 503, `{"status":"checking"}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeStripe()
			tc.setup(f)
			s := newTestService(t, proxyCfg, f)
			resp := s.HTTPUpdate(context.Background(), getCheckout(sessB), env(0))
			if resp.Status != tc.wantStatus || string(resp.Body) != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.Status, resp.Body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStored == 0 {
				if r, ok, err := s.Payment(sessB); ok || err != nil {
					t.Fatalf("stored %+v (%v), want no record", r, err)
				}
				if u, ok, _ := s.led.getUnknown(sessB); !ok || u.Attempts != 1 || u.NotFound {
					t.Fatalf("not-found cache entry %+v (%v), want one attempt", u, ok)
				}
			} else if r := mustRecord(t, s, sessB); r.Status != tc.wantStored {
				t.Fatalf("stored %v, want %v", r.Status, tc.wantStored)
			}
			if tc.wantStatus != 200 && header(resp.Headers, "retry-after") == "" {
				t.Fatal("no retry-after on a transient failure")
			}
		})
	}
}

func TestTransientErrorIsRetriedLater(t *testing.T) {
	f := newFakeStripe()
	f.status = 503
	s := newTestService(t, proxyCfg, f)
	ctx := context.Background()
	s.HTTPUpdate(ctx, getCheckout(sessB), env(0))
	// Within the minimum interval: answered without an outcall.
	resp := s.HTTPUpdate(ctx, getCheckout(sessB), env(2*time.Second))
	if resp.Status != 200 || string(resp.Body) != `{"status":"checking"}` || len(f.requests) != 1 {
		t.Fatalf("refetch too soon: %d %s, %d outcalls", resp.Status, resp.Body, len(f.requests))
	}
	// Stripe recovers; after the interval the fetch is repeated with a new key.
	f.status = 0
	f.sessions[sessB] = sessionObj(sessB, "complete", "paid", nil)
	resp = s.HTTPUpdate(ctx, getCheckout(sessB), env(6*time.Second))
	if resp.Status != 200 || !strings.Contains(string(resp.Body), `"completed"`) || len(f.requests) != 2 {
		t.Fatalf("retry: %d %s, %d outcalls", resp.Status, resp.Body, len(f.requests))
	}
	if k := header(f.requests[1].Headers, "idempotency-key"); !strings.HasSuffix(k, "/1") {
		t.Fatalf("second attempt key %q", k)
	}
	if st := s.Stats(); st.Outcalls != 2 || st.OutcallErrors != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOneFetchInFlightPerSession(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s := newTestService(t, proxyCfg, f)
	var nested HTTPResponse
	f.during = func() {
		// Another poll arrives while the first fetch awaits its reply.
		nested = s.HTTPUpdate(context.Background(), getCheckout(sessA), env(time.Second))
	}
	first := s.HTTPUpdate(context.Background(), getCheckout(sessA), env(0))
	if len(f.requests) != 1 {
		t.Fatalf("%d outcalls, want 1", len(f.requests))
	}
	if string(nested.Body) != `{"status":"checking"}` || nested.Status != 200 {
		t.Fatalf("nested poll = %d %s", nested.Status, nested.Body)
	}
	if !strings.Contains(string(first.Body), "completed") {
		t.Fatalf("first = %s", first.Body)
	}
}

// TestOutcallBudgetAndReserve: unknown ids may use half of the budget; known and claimed
// sessions each keep a quarter that no other class may take; the whole budget is a hard
// limit; a new window starts afresh; below the cycles reserve nothing goes out.
func TestOutcallBudgetAndReserve(t *testing.T) {
	f := newFakeStripe()
	s := newTestService(t, Config{IdempotentProxy: "proxy.example.com", Limits: Limits{OutcallBudget: 8, OutcallWindow: time.Minute, CyclesReserve: 1_000}}, f)
	ctx := context.Background()
	// Sessions the canister knows from webhooks awaiting confirmation, and one open session
	// the customer's page polls (known after its first poll).
	for i, id := range []string{"cs_test_k1", "cs_test_k2", "cs_test_k3"} {
		deliver(t, s, eventJSON("evt_k"+itoa(int64(i)), EventSessionCompleted, t0.Unix(), sessionObj(id, "complete", "paid", nil)), env(0))
	}
	f.sessions["cs_test_n1"] = sessionObj("cs_test_n1", "open", "unpaid", nil)
	steps := []struct {
		id     string
		at     time.Duration
		status int
		retry  string
	}{
		{"cs_test_n1", 0, 200, ""}, // unknown at its first poll
		{"cs_test_u1", time.Second, 200, ""},
		{"cs_test_u2", 2 * time.Second, 200, ""},
		{"cs_test_u3", 3 * time.Second, 200, ""},
		{"cs_test_u4", 4 * time.Second, 429, "56"}, // unknown ids may use half the budget
		{"cs_test_k1", 5 * time.Second, 200, ""},   // claimed sessions still get through
		{"cs_test_k2", 6 * time.Second, 200, ""},
		{"cs_test_k3", 7 * time.Second, 429, "53"}, // the last quarter is the known sessions'
		{"cs_test_n1", 8 * time.Second, 200, ""},   // which the known customer still gets
		{"cs_test_n1", 14 * time.Second, 200, ""},
		{"cs_test_k3", 15 * time.Second, 429, "45"}, // the whole budget is spent
		{"cs_test_u4", 61 * time.Second, 200, ""},   // next window
	}
	for _, st := range steps {
		r := s.HTTPUpdate(ctx, getCheckout(st.id), env(st.at))
		if r.Status != st.status || header(r.Headers, "retry-after") != st.retry {
			t.Fatalf("%s at %v: %d %s %v, want %d retry %q", st.id, st.at, r.Status, r.Body, r.Headers, st.status, st.retry)
		}
	}
	low := env(2 * time.Minute)
	low.CyclesBalance = 999
	if r := s.HTTPUpdate(ctx, getCheckout("cs_test_k3"), low); r.Status != 503 || !strings.Contains(header(r.Headers, "x-lookup-error"), "reserve") {
		t.Fatalf("low cycles: %d %s %v", r.Status, r.Body, r.Headers)
	}
	if len(f.requests) != 9 {
		t.Fatalf("%d outcalls, want 9", len(f.requests))
	}
}

// TestForgedWebhookCannotCreatePayment: with a proxy, a correctly signed webhook (a leaked
// secret) claiming payment only marks the session for confirmation, and the fetch decides.
func TestForgedWebhookCannotCreatePayment(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "open", "unpaid", nil)
	s := newTestService(t, proxyCfg, f)
	ctx := context.Background()
	forged := eventJSON("evt_forged", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil))
	res, err := deliver(t, s, forged, env(0))
	if err != nil || res.Outcome != "needs_confirmation" {
		t.Fatalf("forged delivery = %+v, %v", res, err)
	}
	if q := s.HTTPQuery(getCheckout(sessA), env(time.Second)); !q.Upgrade {
		t.Fatalf("query answered %s from an unconfirmed claim", q.Body)
	}
	u := s.HTTPUpdate(ctx, getCheckout(sessA), env(time.Second))
	if string(u.Body) != `{"status":"checking"}` {
		t.Fatalf("update = %s", u.Body)
	}
	if r := mustRecord(t, s, sessA); r.Status == StatusCompleted {
		t.Fatal("forged webhook produced a completed payment")
	}
	// Ids only a webhook asserted are not indexed: a forged event cannot redirect another
	// session's payment intent.
	deliver(t, s, eventJSON("evt_pi", EventSessionCompleted, t0.Unix(), sessionObj("cs_test_other", "complete", "paid", map[string]any{"payment_intent": "pi_victim"})), env(0))
	if _, ok := s.led.lookup(pfxIntent, "pi_victim"); ok {
		t.Fatal("unconfirmed payment intent indexed")
	}
	// A forged claim for a session Stripe does not know ends as not found.
	ghost := "cs_test_ghost"
	deliver(t, s, eventJSON("evt_ghost", EventSessionCompleted, t0.Unix(), sessionObj(ghost, "complete", "paid", nil)), env(0))
	if n, err := s.ConfirmPending(ctx, env(10*time.Second), 10); err != nil || n != 2 { // ghost and cs_test_other
		t.Fatalf("ConfirmPending = %d, %v", n, err)
	}
	if r := mustRecord(t, s, ghost); r.Status != StatusNotFound {
		t.Fatalf("ghost = %v", r.Status)
	}
}

func TestWebhookConfirmedByFetch(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s := newTestService(t, proxyCfg, f)
	ctx := context.Background()
	deliver(t, s, eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)), env(0))
	if r := mustRecord(t, s, sessA); r.Status != StatusNeedsConfirmation {
		t.Fatalf("before = %v", r.Status)
	}
	if n, err := s.ConfirmPending(ctx, env(time.Second), 10); err != nil || n != 1 {
		t.Fatalf("ConfirmPending = %d, %v", n, err)
	}
	r := mustRecord(t, s, sessA)
	if r.Status != StatusCompleted || !r.Confirmed {
		t.Fatalf("after = %+v", r)
	}
	// A late, older expiry claim changes nothing; a refund applies directly.
	res, _ := deliver(t, s, eventJSON("evt_0", EventSessionExpired, t0.Unix()-10, sessionObj(sessA, "expired", "unpaid", nil)), env(2*time.Second))
	if res.Outcome != "stale" {
		t.Fatalf("stale expiry = %+v", res)
	}
	deliver(t, s, eventJSON("evt_r", EventChargeRefunded, t0.Unix()+10, map[string]any{"id": "ch_1", "object": "charge", "payment_intent": r.PaymentIntent, "refunded": true, "amount_refunded": 2500}), env(3*time.Second))
	if r := mustRecord(t, s, sessA); r.Status != StatusRefunded || r.AmountRefunded != 2500 {
		t.Fatalf("refund = %+v", r)
	}
	if q := s.HTTPQuery(getCheckout(sessA), env(4*time.Second)); string(q.Body) != `{"status":"failed","value":"refunded"}` {
		t.Fatalf("refunded view = %s", q.Body)
	}
}

// TestWebhookDuringFetch: a stale "open" snapshot must not undo a claim that arrived while
// the fetch was in flight.
func TestWebhookDuringFetch(t *testing.T) {
	f := newFakeStripe()
	f.sessions[sessA] = sessionObj(sessA, "open", "unpaid", nil)
	s := newTestService(t, proxyCfg, f)
	f.during = func() {
		deliver(t, s, eventJSON("evt_1", EventSessionCompleted, t0.Unix(), sessionObj(sessA, "complete", "paid", nil)), env(time.Second))
	}
	s.HTTPUpdate(context.Background(), getCheckout(sessA), env(0))
	if r := mustRecord(t, s, sessA); r.Status != StatusNeedsConfirmation {
		t.Fatalf("status %v, want needs_confirmation", r.Status)
	}
	f.sessions[sessA] = sessionObj(sessA, "complete", "paid", nil)
	s.HTTPUpdate(context.Background(), getCheckout(sessA), env(10*time.Second))
	if r := mustRecord(t, s, sessA); r.Status != StatusCompleted {
		t.Fatalf("status %v, want completed", r.Status)
	}
}

func TestPendingCapAndTTL(t *testing.T) {
	f := newFakeStripe()
	s := newTestService(t, Config{IdempotentProxy: "proxy.example.com", Limits: Limits{MaxPending: 3, PendingTTL: time.Hour, OutcallBudget: 1000}}, f)
	ctx := context.Background()
	// A completed payment is never evicted, nor is a session a webhook told about (here
	// one whose claim awaits confirmation and one whose async payment is pending).
	f.sessions["cs_test_paid"] = sessionObj("cs_test_paid", "complete", "paid", nil)
	s.HTTPUpdate(ctx, getCheckout("cs_test_paid"), env(0))
	f.status = 503
	deliver(t, s, eventJSON("evt_claim", EventSessionCompleted, t0.Unix(), sessionObj("cs_test_claim", "complete", "paid", nil)), env(0))
	deliver(t, s, eventJSON("evt_async", EventSessionCompleted, t0.Unix(), sessionObj("cs_test_async", "complete", "unpaid", nil)), env(0))
	f.status = 0
	// Open sessions only polls know are the evictable ones.
	for i := range 5 {
		id := "cs_test_p" + itoa(int64(i))
		f.sessions[id] = sessionObj(id, "open", "unpaid", nil)
		s.HTTPUpdate(ctx, getCheckout(id), env(time.Duration(i)*time.Second))
	}
	st := s.Stats()
	if st.ByStatus["checking"] != 4 || st.Evicted != 2 || st.ByStatus["completed"] != 1 || st.ByStatus["needs_confirmation"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok, _ := s.Payment("cs_test_p" + itoa(int64(i))); ok != want {
			t.Fatalf("cs_test_p%d stored = %v, want %v", i, ok, want)
		}
	}
	// Random ids polled anonymously go to the not-found cache, bounded on its own: they
	// evict neither the open sessions nor what webhooks acknowledged.
	for i := range 10 {
		s.HTTPUpdate(ctx, getCheckout("cs_test_random"+itoa(int64(i))), env(5*time.Second))
	}
	if st := s.Stats(); st.NotFoundCached != 3 || st.Evicted != 2 || st.ByStatus["checking"] != 4 {
		t.Fatalf("after random polls %+v", st)
	}
	if r, ok, _ := s.Payment("cs_test_random9"); !ok || r.Status != StatusNotFound {
		t.Fatalf("the newest random id = %+v, %v", r, ok)
	}
	if _, ok, _ := s.Payment("cs_test_random0"); ok {
		t.Fatal("the oldest random id is still cached")
	}
	// Two hours later every old evictable entry has expired; the next write sweeps them.
	f.sessions["cs_test_late"] = sessionObj("cs_test_late", "open", "unpaid", nil)
	s.HTTPUpdate(ctx, getCheckout("cs_test_late"), env(2*time.Hour))
	if st := s.Stats(); st.ByStatus["checking"] != 2 || st.ByStatus["completed"] != 1 || st.ByStatus["needs_confirmation"] != 1 {
		t.Fatalf("after TTL %+v", st)
	}
	for _, id := range []string{"cs_test_paid", "cs_test_claim", "cs_test_async", "cs_test_late"} {
		if _, ok, _ := s.Payment(id); !ok {
			t.Fatalf("%s was dropped", id)
		}
	}
	page, err := s.List(ListRequest{})
	if err != nil || len(page.Records) != 4 {
		t.Fatalf("list = %+v, %v", page, err)
	}
	if s.led.st.Len() != countKeys(s)+eventKeys(s) {
		t.Fatalf("index entries leaked: %d entries, records justify %d", s.led.st.Len(), countKeys(s)+eventKeys(s))
	}
}

// countKeys is the number of store entries the records justify (record, status index,
// evictable index, queue entry, payment intent and invoice indexes), the not-found cache
// and the parked events, plus the meta key.
func countKeys(s *Service) int {
	n := 1 + 2*int(s.led.m.unknown) + 2*int(s.led.m.facts) + logKeys(s)
	s.led.st.Ascend([]byte(pfxRecord), func(k, v []byte) bool {
		if !strings.HasPrefix(string(k), pfxRecord) {
			return false
		}
		var r Record
		if err := r.UnmarshalBinary(v); err != nil {
			panic(err)
		}
		n += 2
		if r.evictable() {
			n++
		}
		if r.ConfirmAt != 0 {
			n++
		}
		if r.PaymentIntent != "" {
			n++
		}
		if r.Invoice != "" {
			n++
		}
		return true
	})
	return n
}

func TestTransformDropsReplicaDifferences(t *testing.T) {
	obj := sessionObj(sessA, "complete", "paid", nil)
	b1, _ := json.Marshal(obj)
	b2, _ := json.MarshalIndent(obj, "", "  ")
	r1 := TransformResponse(OutcallResponse{Status: 200, Body: b1, Headers: []Header{{"date", "Mon"}, {"request-id", "req_1"}}}, []byte(transformSession))
	r2 := TransformResponse(OutcallResponse{Status: 200, Body: b2, Headers: []Header{{"date", "Tue"}, {"request-id", "req_2"}}}, []byte(transformSession))
	if !reflect.DeepEqual(r1, r2) || len(r1.Headers) != 0 {
		t.Fatalf("transform differs:\n%+v\n%+v", r1, r2)
	}
	so, err := parseSessionObject(r1.Body)
	if err != nil || so.ID != sessA || *so.AmountTotal != 2500 {
		t.Fatalf("projection does not parse back: %v %+v", err, so)
	}
}

// TestMaskedSessionFitsBudget builds the largest masked session the canister can receive
// and checks it fits maskedResponseBytes with room for the kept headers.
func TestMaskedSessionFitsBudget(t *testing.T) {
	long := func(prefix string) string { return prefix + strings.Repeat("Z", maxObjectIDLen-len(prefix)) }
	amount := int64(-1 << 63)
	cur := "usd"
	ref := strings.Repeat("\u2028", 200) // escaped as \u2028: 6 bytes each
	so := SessionObject{ID: long("cs_live_"), Object: "checkout.session", Status: "complete", PaymentStatus: "no_payment_required",
		AmountTotal: &amount, Currency: &cur, ClientReferenceID: &ref, Created: -1 << 63,
		PaymentIntent: expandableID(long("pi_")), Invoice: expandableID(long("in_")), Livemode: true}
	body := appendSessionProjection(nil, &so)
	const headerAllowance = 200 // content-type, content-length, date and the status line
	if len(body)+headerAllowance > maskedResponseBytes-700 {
		// 700 bytes are left for the url of a created session (about 400 today).
		t.Fatalf("worst-case masked session is %d bytes; budget %d", len(body), maskedResponseBytes)
	}
	t.Logf("worst-case masked session: %d bytes of %d", len(body), maskedResponseBytes)
}
