// Command outcaller is the replica tests' canister for the management canister's raw_rand
// and http_request (HTTPS outcalls). Methods are listed in outcaller.did.
package main

import (
	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

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
		get, _ := ic00.Method("GET")
		req := ic00.HTTPRequestArgs{URL: url, MaxResponseBytes: &max, Method: get, Headers: []ic00.HTTPHeader{}}
		if useTransform {
			req.Transform = &ic00.TransformContext{
				Function: ic00.TransformFunc{Service: cdk.Self(), Method: "transform"},
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
				var res ic00.HTTPRequestResult
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
		var a ic00.TransformArgs
		m.MustArgs(&a)
		m.Reply(ic00.HTTPRequestResult{Status: a.Response.Status, Headers: []ic00.HTTPHeader{}, Body: a.Response.Body})
	})
}

// balance : () -> (nat64) query. The canister's cycle balance (low 64 bits).
//
//go:wasmexport query.balance
func balance() {
	cdk.Query(func(m *cdk.Message) { m.Reply(cdk.CycleBalance().Lo) })
}

func main() {}
