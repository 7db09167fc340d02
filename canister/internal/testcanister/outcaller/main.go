// Command outcaller is the replica tests' canister for the management canister's raw_rand
// and http_request (HTTPS outcalls). Methods are listed in outcaller.did.
package main

import (
	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Candid types of the management canister's http_request (ic.did).
type header struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

type httpResult struct {
	Status  candid.Nat `ic:"status"`
	Headers []header   `ic:"headers"`
	Body    []byte     `ic:"body"`
}

type transformArgs struct {
	Response httpResult `ic:"response"`
	Context  []byte     `ic:"context"`
}

type method struct {
	Get  *candid.Null `ic:"get,variant"`
	Post *candid.Null `ic:"post,variant"`
}

type transformRef struct {
	Function candid.QueryFunc[transformArgs, httpResult] `ic:"function"`
	Context  []byte                                      `ic:"context"`
}

type httpRequestArgs struct {
	URL              string        `ic:"url"`
	MaxResponseBytes *uint64       `ic:"max_response_bytes"`
	Method           method        `ic:"method"`
	Headers          []header      `ic:"headers"`
	Body             *[]byte       `ic:"body"`
	Transform        *transformRef `ic:"transform"`
}

// outcallCycles pays for a 4 KiB-response outcall on a 13-node subnet (about 92 M) with room.
const outcallCycles = 1_000_000_000

// raw_rand : () -> (blob). 32 random bytes from the management canister.
//
//go:wasmexport update.raw_rand
func rawRand() {
	cdk.Update(func(m *cdk.Message) {
		arg, _ := candid.Marshal()
		err := cdk.SendWithCallback(cdk.Request{Callee: principal.ManagementCanister, Method: "raw_rand", Arg: arg},
			func(cb *cdk.Message, r cdk.CallResult) {
				var b []byte
				if err := r.Decode(&b); err != nil {
					cb.Reject("raw_rand: " + err.Error())
					return
				}
				cb.Reply(b)
			})
		if err != nil {
			m.Reject(err.Error())
		}
	})
}

// fetch : (text, bool) -> (nat, blob). GETs the URL through an HTTPS outcall, with the
// transform below when the flag is true, and replies with status and body; an outcall reject
// becomes a reject with its message.
//
//go:wasmexport update.fetch
func fetch() {
	cdk.Update(func(m *cdk.Message) {
		var url string
		var useTransform bool
		m.MustArgs(&url, &useTransform)
		max := uint64(4096)
		req := httpRequestArgs{URL: url, MaxResponseBytes: &max, Method: method{Get: &candid.Null{}}, Headers: []header{}}
		if useTransform {
			req.Transform = &transformRef{
				Function: candid.QueryFunc[transformArgs, httpResult]{Service: cdk.Self(), Method: "transform"},
				Context:  []byte{},
			}
		}
		arg, err := candid.Marshal(req)
		if err != nil {
			panic(err)
		}
		err = cdk.SendWithCallback(cdk.Request{Callee: principal.ManagementCanister, Method: "http_request", Arg: arg, Cycles: cdk.Cycles{Lo: outcallCycles}},
			func(cb *cdk.Message, r cdk.CallResult) {
				if err := r.Err(); err != nil {
					cb.Reject(err.Error())
					return
				}
				var res httpResult
				if err := r.Decode(&res); err != nil {
					cb.Reject("fetch: " + err.Error())
					return
				}
				cb.Reply(res.Status, res.Body)
			})
		if err != nil {
			m.Reject(err.Error())
		}
	})
}

// transform keeps status and body and drops every header (Date, request ids...), so the
// replicas' responses agree.
//
//go:wasmexport query.transform
func transform() {
	cdk.Query(func(m *cdk.Message) {
		var a transformArgs
		m.MustArgs(&a)
		m.Reply(httpResult{Status: a.Response.Status, Headers: []header{}, Body: a.Response.Body})
	})
}

// balance : () -> (nat64) query. The canister's cycle balance (low 64 bits).
//
//go:wasmexport query.balance
func balance() {
	cdk.Query(func(m *cdk.Message) { m.Reply(cdk.CycleBalance().Lo) })
}

func main() {}
