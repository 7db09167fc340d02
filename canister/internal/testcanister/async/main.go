// Command async is the test canister of the CDK's blocking calls, HTTPS outcalls, randomness
// and timers. Its interface is async.did; tests install two instances and pass one to the
// other as "peer".
package main

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// state is what the tests read back (heap: lost on upgrade).
type state struct {
	Before     uint64 `ic:"before"`      // trap_after_await: before the await
	After      uint64 `ic:"after"`       // trap_after_await: after it (rolled back)
	Abandoned  uint64 `ic:"abandoned"`   // handlers unwound by the cleanup callback
	Once       uint64 `ic:"once"`        // one-shot timer runs
	Ticks      uint64 `ic:"ticks"`       // periodic timer runs
	TimerCalls uint64 `ic:"timer_calls"` // calls completed by the one-shot timer
	Pending    uint64 `ic:"pending"`     // calls awaiting an answer (set by the state query)
	Good       uint64 `ic:"good"`        // isolated_timers: the timer due with the trapping one
	Trapped    uint64 `ic:"trapped"`     // isolated_timers: the trapping timers' changes (rolled back)
	Later      uint64 `ic:"later"`       // isolated_timers: the timer due after them
	Beats      uint64 `ic:"beats"`       // isolated_timers: a periodic timer due with them
	Notified   uint64 `ic:"notified"`    // one-way calls received by remember
}

var (
	st    state
	ticks cdk.TimerID
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// peerArg decodes the argument of the methods that take the peer canister to call.
func peerArg(m *cdk.Message) principal.Principal {
	var peer principal.Principal
	m.MustArgs(&peer)
	return peer
}

// countAbandoned is deferred by the handlers that trap after an await: it counts their
// unwinding (see trap_after_await).
func countAbandoned() { st.Abandoned++ }

// echoCall calls peer.echo(s) and blocks for the answer.
func echoCall(peer principal.Principal, s string) (string, error) {
	return cdk.Call[string](peer, "echo", s)
}

//go:wasmexport query.echo
func echo() {
	cdk.Query(func(m *cdk.Message) {
		var s string
		m.MustArgs(&s)
		m.Reply("echo:" + s)
	})
}

// notify sends peer.remember() as a one-way call and replies at once.
//
//go:wasmexport update.notify
func notify() {
	cdk.Update(func(m *cdk.Message) {
		peer := peerArg(m)
		must(cdk.Notify(peer, "remember"))
		m.Reply()
	})
}

// remember counts the one-way calls it receives, and replies (to nobody).
//
//go:wasmexport update.remember
func remember() {
	cdk.Update(func(m *cdk.Message) {
		st.Notified++
		m.Reply()
	})
}

//go:wasmexport update.fail
func fail() {
	cdk.Update(func(m *cdk.Message) {
		var s string
		m.MustArgs(&s)
		m.Reject(s)
	})
}

// twoCalls makes two sequential blocking calls.
func twoCalls(m *cdk.Message) {
	var peer principal.Principal
	var s string
	m.MustArgs(&peer, &s)
	a, err := echoCall(peer, s)
	must(err)
	b, err := echoCall(peer, a)
	must(err)
	m.Reply(b)
}

//go:wasmexport update.two_calls
func twoCallsUpdate() { cdk.Update(twoCalls) }

//go:wasmexport composite_query.composite_two
func compositeTwo() { cdk.CompositeQuery(twoCalls) }

// in_flight starts two calls, then waits on the second one first.
//
//go:wasmexport update.in_flight
func inFlight() {
	cdk.Update(func(m *cdk.Message) {
		peer := peerArg(m)
		fa, err := cdk.Send(cdk.Request{Callee: peer, Method: "echo", Arg: mustArgs("a")})
		must(err)
		fb, err := cdk.Send(cdk.Request{Callee: peer, Method: "echo", Arg: mustArgs("b")})
		must(err)
		var a, b string
		must(fb.Decode(&b))
		must(fa.Decode(&a))
		m.Reply(a + "|" + b)
	})
}

//go:wasmexport update.call_reject
func callReject() {
	cdk.Update(func(m *cdk.Message) {
		peer := peerArg(m)
		_, err := cdk.Call[string](peer, "fail", "nope")
		m.Reply(fmt.Sprint(err))
	})
}

// trap_after_await commits Before at the await, then traps after it: After is rolled back,
// the caller gets the trap as a reject, and the cleanup callback unwinds the handler (its
// deferred function counts Abandoned).
//
//go:wasmexport update.trap_after_await
func trapAfterAwait() {
	cdk.Update(func(m *cdk.Message) {
		defer countAbandoned()
		peer := peerArg(m)
		st.Before++
		_, err := echoCall(peer, "x")
		must(err)
		st.After++
		panic("trap_after_await: deliberate trap")
	})
}

// trap_in_flight starts two calls, waits on the first and traps: the second call's answer
// arrives for an abandoned handler and must be dropped quietly.
//
//go:wasmexport update.trap_in_flight
func trapInFlight() {
	cdk.Update(func(m *cdk.Message) {
		defer countAbandoned()
		peer := peerArg(m)
		fa, err := cdk.Send(cdk.Request{Callee: peer, Method: "echo", Arg: mustArgs("a")})
		must(err)
		_, err = cdk.Send(cdk.Request{Callee: peer, Method: "echo", Arg: mustArgs("b")})
		must(err)
		_, err = fa.Wait()
		must(err)
		panic("trap_in_flight: deliberate trap")
	})
}

// query_call tries to call from a plain query and replies with the error.
//
//go:wasmexport query.query_call
func queryCall() {
	cdk.Query(func(m *cdk.Message) {
		peer := peerArg(m)
		_, err := echoCall(peer, "x")
		m.Reply(fmt.Sprint(err))
	})
}

//go:wasmexport query.state
func stateQuery() {
	cdk.Query(func(m *cdk.Message) {
		s := st
		s.Pending = uint64(cdk.PendingCalls())
		m.Reply(s)
	})
}

// rounds makes n sequential calls and replies with the call context's instruction count and
// the instructions of its last execution.
//
//go:wasmexport update.rounds
func rounds() {
	cdk.Update(func(m *cdk.Message) {
		var peer principal.Principal
		var n uint64
		m.MustArgs(&peer, &n)
		empty := mustArgs()
		for range n {
			f, err := cdk.Send(cdk.Request{Callee: peer, Method: "echo_empty", Arg: empty})
			must(err)
			_, err = f.Wait()
			must(err)
		}
		m.Reply(cdk.CallContextInstructionCounter(), cdk.InstructionCounter())
	})
}

//go:wasmexport query.echo_empty
func echoEmpty() { cdk.Query(func(m *cdk.Message) { m.Reply() }) }

// fetch GETs url through an HTTPS outcall with the transform below.
//
//go:wasmexport update.fetch
func fetch() {
	cdk.Update(func(m *cdk.Message) {
		var url string
		var max uint64
		m.MustArgs(&url, &max)
		resp, err := cdk.Outcall(cdk.HTTPRequest{URL: url, MaxResponseBytes: max,
			Headers:   []cdk.HTTPHeader{{Name: "Accept", Value: "application/json"}},
			Transform: &cdk.HTTPTransform{Method: "transform", Context: []byte("drop-headers")}})
		if err != nil {
			m.Reject(err.Error())
			return
		}
		m.Reply(resp.Status, resp.Body)
	})
}

// transform drops the headers (they differ per replica) when the context says so.
//
//go:wasmexport query.transform
func transform() {
	cdk.TransformQuery(func(resp cdk.HTTPResponse, ctx []byte) cdk.HTTPResponse {
		if string(ctx) == "drop-headers" {
			resp.Headers = nil
		}
		return resp
	})
}

// random replies with 16 bytes of crypto/rand before seeding, and two reads after.
//
//go:wasmexport update.random
func random() {
	cdk.Update(func(m *cdk.Message) {
		read := func() []byte {
			b := make([]byte, 16)
			_, _ = rand.Read(b) // crypto/rand.Read does not fail: it panics instead
			return b
		}
		before := read()
		must(cdk.SeedRandom())
		m.Reply(before, read(), read())
	})
}

// start_timers arms a one-shot timer (which makes a blocking call to this canister) and a
// periodic one, with delays in milliseconds.
//
//go:wasmexport update.start_timers
func startTimers() {
	cdk.Update(func(m *cdk.Message) {
		var onceMs, everyMs uint64
		m.MustArgs(&onceMs, &everyMs)
		cdk.SetTimer(time.Duration(onceMs)*time.Millisecond, func() {
			st.Once++
			_, err := echoCall(cdk.Self(), "from a timer")
			must(err)
			st.TimerCalls++
		})
		ticks = cdk.SetTimerInterval(time.Duration(everyMs)*time.Millisecond, func() { st.Ticks++ })
		m.Reply()
	})
}

//go:wasmexport update.stop_ticks
func stopTicks() { cdk.Update(func(m *cdk.Message) { m.Reply(cdk.ClearTimer(ticks)) }) }

// isolated_timers arms, due together after ms milliseconds, a one-shot timer that traps, a
// good one, a periodic one that traps every time and a periodic one that beats; and a
// one-shot one due after twice that. Each timer runs in its own execution: the good timers'
// changes stay, the trapping ones' are rolled back (Trapped stays 0), and the timers after a
// trap still run.
//
//go:wasmexport update.isolated_timers
func isolatedTimers() {
	cdk.Update(func(m *cdk.Message) {
		var ms uint64
		m.MustArgs(&ms)
		d := time.Duration(ms) * time.Millisecond
		cdk.SetTimer(d, func() {
			st.Trapped++
			panic("isolated_timers: deliberate trap")
		})
		cdk.SetTimer(d, func() { st.Good++ })
		cdk.SetTimerInterval(d, func() {
			st.Trapped++
			panic("isolated_timers: deliberate periodic trap")
		})
		cdk.SetTimerInterval(d, func() { st.Beats++ })
		cdk.SetTimer(2*d, func() { st.Later++ })
		m.Reply()
	})
}

//go:wasmexport query.balance
func balance() { cdk.Query(func(m *cdk.Message) { m.Reply(cdk.CycleBalance().Lo) }) }

// The HTTP interface, through httpgateway.Router (skip-certified):
//
//	GET  /hello/{name}   query: "hello <name>"
//	POST /relay/{peer}   update: calls peer.echo(body) and answers its reply
var router = newRouter()

func newRouter() *httpgateway.Router[*cdk.Message] {
	r := &httpgateway.Router[*cdk.Message]{}
	r.Handle("GET /hello/{name}", func(_ *cdk.Message, _ *httpgateway.Request, p httpgateway.Params) httpgateway.Response {
		return plain(200, "hello "+p.Get("name"))
	})
	r.HandleUpdate("POST /relay/{peer}", func(m *cdk.Message, req *httpgateway.Request, p httpgateway.Params) httpgateway.Response {
		peer, err := principal.Parse(p.Get("peer"))
		if err != nil {
			return plain(400, err.Error())
		}
		out, err := echoCall(peer, string(req.Body))
		if err != nil {
			return plain(502, err.Error())
		}
		return plain(200, out)
	})
	return r
}

func plain(status uint16, body string) httpgateway.Response {
	return httpgateway.Response{StatusCode: status, Body: []byte(body),
		Headers: []httpgateway.HeaderField{{Name: "Content-Type", Value: "text/plain"}}}
}

func certify(*cdk.Message) { must(cdk.SetCertifiedData(httpgateway.SkipCertifiedData())) }

//go:wasmexport system.init
func initHook() { cdk.Init(certify) }

//go:wasmexport system.post_upgrade
func postUpgrade() { cdk.PostUpgrade(certify) }

//go:wasmexport query.http_request
func httpRequest() {
	cdk.Query(func(m *cdk.Message) {
		var req httpgateway.Request
		m.MustArgs(&req)
		resp := router.ServeQuery(m, &req)
		if cert, ok := cdk.DataCertificate(); ok {
			resp.Headers = append(resp.Headers, httpgateway.SkipHeaders(cert)...)
		}
		m.Reply(resp)
	})
}

//go:wasmexport update.http_request_update
func httpRequestUpdate() {
	cdk.Update(func(m *cdk.Message) {
		var req httpgateway.UpdateRequest
		m.MustArgs(&req)
		m.Reply(router.ServeUpdate(m, &req))
	})
}

func main() {}

func mustArgs(args ...any) []byte {
	b, err := candid.Marshal(args...)
	must(err)
	return b
}

// cost_raw and cost_cdk do the same work, without and with the CDK (a handler on a worker
// goroutine): the difference of their instruction counts is the CDK's overhead per message.
//
//go:wasmexport query.cost_raw
func costRaw() {
	sys := cdk.System() // ic0.System in a wasip1 build
	n := sys.PerformanceCounter(ic0.CounterInstructions)
	b := mustArgs(n)
	sys.MsgReplyDataAppend(b)
	sys.MsgReply()
}

//go:wasmexport query.cost_cdk
func costCDK() {
	cdk.Query(func(m *cdk.Message) { m.ReplyRaw(mustArgs(cdk.InstructionCounter())) })
}

// cost_update_raw and cost_update_cdk are the same pair as updates, whose handler runs on
// a worker goroutine (it could call).
//
//go:wasmexport update.cost_update_raw
func costUpdateRaw() { costRaw() }

//go:wasmexport update.cost_update_cdk
func costUpdateCDK() {
	cdk.Update(func(m *cdk.Message) { m.ReplyRaw(mustArgs(cdk.InstructionCounter())) })
}
