// Command stripe_backend is the payments canister: it serves the payment page and
// GET /checkout/<session id> through the IC HTTP gateway, verifies Stripe webhooks, fetches
// Checkout Sessions from Stripe through the idempotent proxy (HTTPS outcalls), keeps every
// payment in stable memory (so upgrades keep them without a pre_upgrade dump) and offers the
// Candid API of canister/stripe_backend.did. The domain logic is package payments; this file
// only wires it to the IC through the CDK.
//
// Build it with `make canister` (GOOS=wasip1 go build, then icwasm link).
package main

import (
	"context"
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/internal/statuscert"
	"github.com/gocanister/stripe-ic/canister/payments"
)

// canister is the canister's one state root. Everything durable lives in stable memory
// (store); these fields are views and caches rebuilt by init and post_upgrade.
type canister struct {
	store  *stablestore.Store
	svc    *payments.Service
	cfg    payments.Config
	assets region
	cert   *certifier // response certification (cert.go)
	// The confirmation timer (0: none armed) and when it fires. The queue it serves is in
	// stable memory; the timer is a heap cache of "when is the next one due", rebuilt by
	// armConfirm.
	confirmTimer cdk.TimerID
	confirmAt    time.Time

	delivery deliveryTimer // the timer that sends due event deliveries (events.go)
}

var state canister

// Stable-memory regions (key prefixes of the one B-tree).
var (
	prefixPayments = []byte("p")
	prefixConfig   = []byte("c")
	prefixAssets   = []byte("a")
	keyConfig      = []byte("config")
)

const transformMethod = "transform"

// confirmParallel bounds the confirmation fetches one timer tick starts. Each runs in an
// execution of its own, so their outcalls overlap; the outcall budget bounds the rate.
const confirmParallel = 10

//go:wasmexport system.init
func initHook() { cdk.Init(func(m *cdk.Message) { setup(m, true) }) }

//go:wasmexport system.post_upgrade
func postUpgrade() { cdk.PostUpgrade(func(m *cdk.Message) { setup(m, false) }) }

// setup opens the store (constant time: it reads a header) and the payments service with
// the argument's configuration, or the stored one when an upgrade passes none.
func setup(m *cdk.Message, install bool) {
	st, err := stablestore.Open(cdk.Stable(), 0)
	if err != nil {
		cdk.Trap("stripe_backend: opening stable memory: " + err.Error())
	}
	state.store = st
	cfgRegion := region{st, prefixConfig}
	var arg *initArgs
	if err := m.Args(&arg); err != nil {
		cdk.Trap("stripe_backend: the init argument must be (opt) record { api_host : text; ... } (see stripe_backend.did): " + err.Error())
	}
	var cfg payments.Config
	switch stored, ok := cfgRegion.Get(keyConfig); {
	case arg != nil:
		if cfg, err = arg.toConfig(); err != nil {
			cdk.Trap("stripe_backend: " + err.Error())
		}
	case ok:
		if cfg, err = decodeConfig(stored); err != nil {
			cdk.Trap("stripe_backend: " + err.Error())
		}
	case install:
		cdk.Trap(`stripe_backend: an init argument is required, e.g. (record { api_host = "api.stripe.com"; idempotent_proxy = opt "https://proxy.example.com"; webhook_secrets = opt vec { "whsec_..." } })`)
	}
	state.assets = region{st, prefixAssets}
	state.cert = newCertifier(st, state.assets)
	if err := configure(cfg); err != nil {
		cdk.Trap("stripe_backend: " + err.Error())
	}
	// Calls in flight before an upgrade cannot be answered any more: send their batches
	// again, and re-arm the delivery timer (timers live in the heap).
	if err := state.svc.ReleaseDeliveries(); err != nil {
		cdk.Trap("stripe_backend: " + err.Error())
	}
	armDelivery()
	state.cert.publish()
	// Timers do not survive an upgrade: re-arm from the queue in stable memory.
	armConfirm()
}

// configure (re)builds the service and stores the configuration.
func configure(cfg payments.Config) error {
	svc, err := payments.New(cfg, payments.Deps{
		Store:      region{state.store, prefixPayments},
		Outcaller:  payments.OutcallerFunc(outcall),
		CanisterID: cdk.Self().String(),
		Certifier:  state.cert,

		EventsChanged: armDelivery,
	})
	if err != nil {
		return err
	}
	region{state.store, prefixConfig}.Set(keyConfig, encodeConfig(cfg))
	state.svc, state.cfg = svc, cfg
	return nil
}

// env is what payments needs of the moment: consensus time and the cycles balance.
func env() payments.Env {
	b := cdk.CycleBalance()
	bal := b.Lo
	if b.Hi > 0 {
		bal = ^uint64(0)
	}
	return payments.Env{Now: cdk.Time(), CyclesBalance: bal}
}

// outcall is payments' Outcaller: a blocking HTTPS outcall of the running handler (the CDK
// refuses it outside one that may call).
func outcall(_ context.Context, req payments.OutcallRequest) (payments.OutcallResponse, error) {
	hs := make([]cdk.HTTPHeader, len(req.Headers))
	for i, h := range req.Headers {
		hs[i] = cdk.HTTPHeader{Name: h.Name, Value: h.Value}
	}
	resp, err := cdk.Outcall(cdk.HTTPRequest{
		URL: req.URL, Method: req.Method, Headers: hs, Body: req.Body, MaxResponseBytes: req.MaxResponseBytes,
		Transform: &cdk.HTTPTransform{Method: transformMethod, Context: req.TransformContext},
	})
	if err != nil {
		return payments.OutcallResponse{}, err
	}
	out := payments.OutcallResponse{Status: int(resp.Status), Body: resp.Body}
	for _, h := range resp.Headers {
		out.Headers = append(out.Headers, payments.Header{Name: h.Name, Value: h.Value})
	}
	return out, nil
}

// transform keeps what every replica agrees on (payments decides what that is).
//
//go:wasmexport query.transform
func transform() {
	cdk.TransformQuery(func(resp cdk.HTTPResponse, context []byte) cdk.HTTPResponse {
		in := payments.OutcallResponse{Status: int(resp.Status), Body: resp.Body}
		for _, h := range resp.Headers {
			in.Headers = append(in.Headers, payments.Header{Name: h.Name, Value: h.Value})
		}
		out := payments.TransformResponse(in, context)
		r := cdk.HTTPResponse{Status: uint64(out.Status), Body: out.Body, Headers: []cdk.HTTPHeader{}}
		for _, h := range out.Headers {
			r.Headers = append(r.Headers, cdk.HTTPHeader{Name: h.Name, Value: h.Value})
		}
		return r
	})
}

func toPaymentsRequest(method, url string, headers []httpgateway.HeaderField, body []byte) payments.HTTPRequest {
	r := payments.HTTPRequest{Method: method, URL: url, Body: body}
	for _, h := range headers {
		r.Headers = append(r.Headers, payments.Header{Name: h.Name, Value: h.Value})
	}
	return r
}

func toGatewayResponse(r payments.HTTPResponse) httpgateway.Response { return statuscert.Response(r) }

//go:wasmexport query.http_request
func httpRequest() {
	cdk.Query(func(m *cdk.Message) {
		req, ok := httpgateway.DecodeRequest(m.ArgData())
		if !ok {
			m.MustArgs(&req)
		}
		m.ReplyRaw(httpgateway.EncodeResponse(ptr(httpQuery(&req))))
	})
}

// httpQuery is the http_request answer: a page file or the 404 fallback, or what the
// payments service answers (certified, or upgraded to the update).
func httpQuery(req *httpgateway.Request) httpgateway.Response {
	if resp, exprPath, ok := serveAsset(req.Method, req.URL); ok {
		return state.cert.serve(req, resp, exprPath)
	}
	if unrouted(req.Method, urlPath(req.URL)) {
		if wantsHTML(req.Headers) {
			// Browsers get payments' HTML 404 (it names the path, and on "/" says how
			// to upload the page): it cannot be certified beside the JSON one, so the
			// update answers it through consensus.
			return upgrade()
		}
		nf := notFoundResponse()
		certified.Prepare(&nf)
		return state.cert.serve(req, nf, httpcert.WildcardPath("/"))
	}
	resp := state.svc.HTTPQuery(toPaymentsRequest(req.Method, req.URL, req.Headers, req.Body), env())
	return state.cert.answer(req, toGatewayResponse(resp))
}

func ptr[T any](v T) *T { return &v }

//go:wasmexport update.http_request_update
func httpRequestUpdate() {
	cdk.Update(func(m *cdk.Message) {
		req, ok := httpgateway.DecodeRequest(m.ArgData())
		if !ok {
			var u httpgateway.UpdateRequest
			m.MustArgs(&u)
			req = httpgateway.Request{Method: u.Method, URL: u.URL, Headers: u.Headers, Body: u.Body}
		}
		armConfirm() // a webhook may have queued a claim; keep the timer armed in any case
		resp := state.svc.HTTPUpdate(context.Background(), toPaymentsRequest(req.Method, req.URL, req.Headers, req.Body), env())
		armConfirm()
		m.ReplyRaw(httpgateway.EncodeResponse(ptr(toGatewayResponse(resp))))
	})
}

// inspectMessage refuses, before execution, a direct http_request_update call that the
// query path would refuse (the gateway only upgrades what the query accepted), except what
// the certified query upgrades because it cannot certify the answer (queryUpgrades); every
// other method checks its caller itself.
//
//go:wasmexport system.inspect_message
func inspectMessage() {
	cdk.InspectMessage(func(m *cdk.Message) {
		if m.MethodName() == "http_request_update" {
			var req httpgateway.UpdateRequest
			if m.Args(&req) != nil {
				return
			}
			if !queryUpgrades(&req) && state.svc.InspectHTTPUpdate(toPaymentsRequest(req.Method, req.URL, req.Headers, req.Body), env()) != nil {
				return
			}
		}
		m.Accept()
	})
}

// armConfirm keeps a timer armed for the earliest queued confirmation, so every claim a
// webhook acknowledged gets Stripe's word even when nobody polls. It is called on every
// update, after every confirmation and in init/post_upgrade: the timer is rebuilt from
// stable state, never trusted to survive.
func armConfirm() {
	at, ok := state.svc.NextConfirmation(env())
	if !ok || state.confirmTimer != 0 && !state.confirmAt.After(at) {
		return
	}
	if state.confirmTimer != 0 {
		cdk.ClearTimer(state.confirmTimer)
	}
	now := cdk.Time()
	d := max(at.Sub(now), 0)
	state.confirmAt = now.Add(d)
	state.confirmTimer = cdk.SetTimer(d, confirmTick)
}

// confirmTick reserves the due confirmations and gives each one a timer due at once: the
// CDK runs every timer in an execution of its own, so their outcalls overlap and one that
// traps does not roll back the others.
func confirmTick() {
	state.confirmTimer = 0
	jobs := state.svc.StartConfirmations(env(), confirmParallel)
	armConfirm()
	for _, c := range jobs {
		cdk.SetTimer(0, func() { runConfirmation(c) })
	}
}

// runConfirmation fetches one queued session; a transient failure is rescheduled by the
// queue itself.
func runConfirmation(c *payments.Confirmation) {
	if _, err := c.Run(context.Background()); err != nil && !errors.As(err, new(*payments.LookupError)) {
		cdk.Print("confirming " + c.SessionID() + ": " + err.Error())
	}
	armConfirm()
}

//go:wasmexport query.get_payment
func getPayment() {
	cdk.Query(func(m *cdk.Message) {
		var id string
		m.MustArgs(&id)
		rec, ok, err := state.svc.Payment(id)
		if err != nil {
			m.Reject(err.Error())
			return
		}
		var out *payment
		if ok {
			p := paymentOf(rec)
			out = &p
		}
		m.Reply(out)
	})
}

// controllersOnly rejects callers that do not control the canister.
func controllersOnly(m *cdk.Message, method string) bool {
	if cdk.IsController(m.Caller()) {
		return true
	}
	m.Reject(method + " is only for controllers of this canister; " + m.Caller().String() + " is not one")
	return false
}

//go:wasmexport query.list_payments
func listPayments() {
	cdk.Query(func(m *cdk.Message) {
		if !controllersOnly(m, "list_payments") {
			return
		}
		var req listRequest
		m.MustArgs(&req)
		lr := payments.ListRequest{After: str(req.After), Limit: num32(req.Limit)}
		if req.Status != nil {
			s, err := payments.ParseStatus(*req.Status)
			if err != nil {
				m.Reject(err.Error())
				return
			}
			lr.Status = s
		}
		page, err := state.svc.List(lr)
		if err != nil {
			m.Reject(err.Error())
			return
		}
		out := paymentPage{Payments: []payment{}, Next: opt(page.Next)}
		for _, r := range page.Records {
			out.Payments = append(out.Payments, paymentOf(r))
		}
		m.Reply(out)
	})
}

//go:wasmexport query.get_config
func getConfig() {
	cdk.Query(func(m *cdk.Message) {
		if controllersOnly(m, "get_config") {
			m.Reply(viewOf(state.svc.RedactedConfig()))
		}
	})
}

//go:wasmexport update.set_config
func setConfig() {
	cdk.Update(func(m *cdk.Message) {
		if !controllersOnly(m, "set_config") {
			return
		}
		var arg initArgs
		m.MustArgs(&arg)
		cfg, err := arg.toConfig()
		if err == nil {
			err = configure(cfg)
		}
		if err != nil {
			m.Reject(err.Error())
			return
		}
		armConfirm()
		m.Reply()
	})
}

//go:wasmexport query.stats
func stats() {
	cdk.Query(func(m *cdk.Message) {
		if controllersOnly(m, "stats") {
			v := statsOf(state.svc.Stats(), env().CyclesBalance)
			v.Events = eventStatsOf(state.svc.EventStats())
			m.Reply(v)
		}
	})
}

//go:wasmexport update.create_checkout_session
func createCheckoutSession() {
	cdk.Update(func(m *cdk.Message) {
		var req createSessionRequest
		m.MustArgs(&req)
		caller := payments.Caller{Principal: m.Caller().String(), IsController: cdk.IsController(m.Caller())}
		armConfirm()
		created, err := state.svc.CreateCheckoutSession(context.Background(), caller, req.toPayments(), env())
		if err != nil {
			m.Reject("create_checkout_session: " + err.Error())
			return
		}
		m.Reply(createdSession{ID: created.ID, URL: created.URL})
	})
}

func main() {}
