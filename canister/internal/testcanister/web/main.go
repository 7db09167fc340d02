// Command web is the gateway tests' canister. http_request answers:
//
//	GET  /certified    200 "certified", skip-certified (accepted on the certified domain)
//	GET  /uncertified  200 "uncertified" without certification (a 503 on the certified domain)
//	GET  /upgrade      upgrade: http_request_update answers 200 "updated <n>" (n counts updates)
//	POST /echo         upgrade: http_request_update echoes the body and the content-type
//	anything else      404, skip-certified
package main

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
)

var updates uint64

func certify(*cdk.Message) {
	if err := cdk.SetCertifiedData(httpgateway.SkipCertifiedData()); err != nil {
		panic(err)
	}
}

//go:wasmexport system.init
func initHook() { cdk.Init(certify) }

//go:wasmexport system.post_upgrade
func postUpgrade() { cdk.PostUpgrade(certify) }

func skip(resp httpgateway.Response) httpgateway.Response {
	if cert, ok := cdk.DataCertificate(); ok {
		resp.Headers = append(resp.Headers, httpgateway.SkipHeaders(cert)...)
	}
	return resp
}

//go:wasmexport query.http_request
func httpRequest() {
	cdk.Query(func(m *cdk.Message) {
		var req httpgateway.Request
		m.MustArgs(&req)
		text := []httpgateway.HeaderField{{Name: "Content-Type", Value: "text/plain"}}
		yes := true
		switch {
		case req.Method == "GET" && req.URL == "/certified":
			m.Reply(skip(httpgateway.Response{StatusCode: 200, Headers: text, Body: []byte("certified")}))
		case req.Method == "GET" && req.URL == "/uncertified":
			m.Reply(httpgateway.Response{StatusCode: 200, Headers: text, Body: []byte("uncertified")})
		case req.Method == "GET" && req.URL == "/upgrade", req.Method == "POST" && req.URL == "/echo":
			m.Reply(httpgateway.Response{StatusCode: 200, Headers: []httpgateway.HeaderField{}, Body: []byte{}, Upgrade: &yes})
		default:
			m.Reply(skip(httpgateway.Response{StatusCode: 404, Headers: text, Body: []byte("not found")}))
		}
	})
}

//go:wasmexport update.http_request_update
func httpRequestUpdate() {
	cdk.Update(func(m *cdk.Message) {
		var req httpgateway.UpdateRequest
		m.MustArgs(&req)
		updates++
		if req.URL == "/echo" {
			m.Reply(httpgateway.Response{StatusCode: 200, Headers: []httpgateway.HeaderField{
				{Name: "Content-Type", Value: "application/octet-stream"},
				{Name: "X-Echo-Content-Type", Value: (&httpgateway.Request{Headers: req.Headers}).Header("content-type")},
			}, Body: req.Body})
			return
		}
		m.Reply(httpgateway.Response{StatusCode: 200, Headers: []httpgateway.HeaderField{{Name: "Content-Type", Value: "text/plain"}},
			Body: []byte(fmt.Sprintf("updated %d", updates))})
	})
}

func main() {}
