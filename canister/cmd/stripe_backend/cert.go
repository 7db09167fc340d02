package main

import (
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/internal/statuscert"
	"github.com/gocanister/stripe-ic/canister/payments"
)

// Response certification (package httpcert): what the http_request query answers on the
// certified domain is certified, so a gateway serves only these bytes.
//
//	/, /index.html, the other page files   exact entries, hashed at upload (the body hash
//	                                       is kept in stable memory)
//	any other path                         a constant JSON 404 at the wildcard "/" (the
//	                                       gateway's fallback rule); browsers' requests
//	                                       are upgraded: payments answers them an HTML
//	                                       404 naming the path (payments/notfound.go)
//	/checkout/<id> of a terminal session   one entry per session in a ResponseMap (the
//	                                       store's certified map), added by the update that
//	                                       commits the payment (payments' Certifier hook)
//	/webhook                               skip certification (acknowledgements only)
//
// Everything else the query would answer - a session still open, a 400, a 405, a
// browser's 404 - is answered with upgrade = true: the update's answer goes through
// consensus (inspect_message lets these updates through: queryUpgrades).

// certified is the expression of every certified answer: status, body and the headers
// statuscert lists.
var certified = statuscert.Certification

var skipCertification = httpcert.Skip()

// routeCheckout is the status route's prefix; its ResponseMap is mounted there.
const routeCheckout = "/checkout/"

// certifier holds the canister's certification tree. Its heap part (page files, 404,
// webhook) is rebuilt by setup; the statuses live in stable memory.
type certifier struct {
	tree     httpcert.Tree
	statuses *httpcert.ResponseMap
	assets   map[string][32]byte // path -> certified response hash
	notFound [32]byte

	certifies    uint64 // Certify calls that changed the tree, since the last upgrade
	lastInstr    uint64 // instructions of the last such call
	maxInstr     uint64
	totalInstr   uint64
	certifyFails uint64
}

// newCertifier mounts the statuses kept in st, certifies the stored page files, the 404
// fallback and the webhook's skip entry, and sets the certified data. Its cost depends on
// the number of page files, not of payments.
func newCertifier(st *stablestore.Store, assets region) *certifier {
	c := &certifier{statuses: httpcert.NewResponseMap(st.Merkle(), certified), assets: map[string][32]byte{}}
	// The status answers share their status and headers: hash them now, so queries find
	// the headers' hash remembered.
	statuscert.Hash(payments.SessionAnswer(&payments.Record{Status: payments.StatusCompleted}))
	c.tree.Mount(httpcert.ExactPath(routeCheckout)[:1], c.statuses)
	nf := notFoundResponse()
	c.notFound = certified.Prepare(&nf)
	c.tree.Insert(httpcert.WildcardPath("/"), certified, c.notFound)
	c.tree.Insert(httpcert.ExactPath("/webhook"), skipCertification, [32]byte{})
	assets.Ascend([]byte("/"), func(k, v []byte) bool {
		if k[0] != '/' {
			return false
		}
		if !strings.ContainsRune(string(k), 0) {
			c.certifyAsset(string(k), splitContentType(v), assetBodyHash(string(k)))
		}
		return true
	})
	return c
}

// publish sets the certified data to the tree's root.
func (c *certifier) publish() {
	root := c.tree.RootHash()
	if err := cdk.SetCertifiedData(root[:]); err != nil {
		cdk.Trap("stripe_backend: setting the certified data: " + err.Error())
	}
}

// certifyAsset (re)certifies a page file from its body hash: at its path, and for
// /index.html also at "/".
func (c *certifier) certifyAsset(path, contentType string, bodyHash [32]byte) {
	headers := certified.WithExpression(assetHeaders(contentType))
	h := certified.ResponseHashOfBody(200, headers, bodyHash)
	for _, p := range assetPaths(path) {
		if old, ok := c.assets[p]; ok {
			c.tree.Delete(httpcert.ExactPath(p), certified, old)
		}
		c.tree.Insert(httpcert.ExactPath(p), certified, h)
		c.assets[p] = h
	}
}

// assetPaths are the URL paths a file is served at.
func assetPaths(path string) []string {
	if path == "/index.html" {
		return []string{"/", path}
	}
	return []string{path}
}

// Certify implements payments.Certifier: the update that commits a terminal session
// certifies its answer.
func (c *certifier) Certify(id string, answer payments.HTTPResponse) {
	start := cdk.InstructionCounter()
	changed, err := c.statuses.Put(id, statuscert.Hash(answer))
	if err != nil {
		// The query then upgrades: the answer still comes from consensus.
		c.certifyFails++
		cdk.Print("stripe_backend: not certifying GET /checkout/" + id + ": " + err.Error())
		return
	}
	if !changed {
		return
	}
	c.publish()
	c.certifies++
	c.lastInstr = cdk.InstructionCounter() - start
	c.maxInstr = max(c.maxInstr, c.lastInstr)
	c.totalInstr += c.lastInstr
}

// Forget implements payments.Certifier.
func (c *certifier) Forget(id string) {
	if err := c.statuses.Remove(id); err != nil {
		cdk.Trap("stripe_backend: withdrawing the certification of " + id + ": " + err.Error())
	}
	c.publish()
}

// serve adds the certificate and witness to an answer the query serves at exprPath, or
// turns it into an upgrade when the query has no data certificate (it was called as an
// update, or by a replica that gives none).
func (c *certifier) serve(req *httpgateway.Request, resp httpgateway.Response, exprPath [][]byte) httpgateway.Response {
	cert, ok := cdk.DataCertificate()
	if !ok {
		return upgrade()
	}
	return c.attach(cert, resp, c.witness(req, exprPath), exprPath)
}

func (c *certifier) witness(req *httpgateway.Request, exprPath [][]byte) hashtree.Node {
	return c.tree.Witness(httpcert.VerificationPaths(urlPath(req.URL), exprPath)...)
}

func (c *certifier) attach(cert []byte, resp httpgateway.Response, w hashtree.Node, exprPath [][]byte) httpgateway.Response {
	resp.Headers = append(resp.Headers, httpcert.CertificateHeader(cert, httpcert.WitnessCBOR(w), exprPath))
	return resp
}

// answer certifies (or upgrades) what the payments service answered in the query.
func (c *certifier) answer(req *httpgateway.Request, resp httpgateway.Response) httpgateway.Response {
	if resp.Upgrade != nil && *resp.Upgrade {
		return resp
	}
	path := urlPath(req.URL)
	switch {
	case path == "/webhook":
		skipCertification.Prepare(&resp)
		return c.serve(req, resp, httpcert.ExactPath(path))
	case strings.HasPrefix(path, routeCheckout) && resp.StatusCode == 200:
		// One read of the statuses map gives the witness and tells whether the answer
		// rendered now is the certified one.
		h := certified.Prepare(&resp)
		exprPath := httpcert.ExactPath(path)
		cert, ok := cdk.DataCertificate()
		if w := c.witness(req, exprPath); ok && httpcert.Certifies(w, exprPath, certified, h) {
			return c.attach(cert, resp, w, exprPath)
		}
	}
	return upgrade()
}

// unrouted reports whether the query answers a request with the certified 404 (or, for
// a browser, upgrades): no page file (GET, HEAD) and no payments route is there.
func unrouted(method, path string) bool {
	_, asset := state.cert.assets[path]
	asset = asset && (method == "GET" || method == "HEAD")
	return !asset && path != "/webhook" && !strings.HasPrefix(path, routeCheckout)
}

// wantsHTML reports whether the client is a browser (Accept names text/html), which
// payments answers an HTML 404 rather than JSON.
func wantsHTML(headers []httpgateway.HeaderField) bool {
	for _, h := range headers {
		if strings.EqualFold(h.Name, "accept") && strings.Contains(h.Value, "text/html") {
			return true
		}
	}
	return false
}

// queryUpgrades reports whether the http_request query upgrades req because it cannot
// certify the answer, so inspect_message must let the update through although payments
// would refuse it there: every error under /checkout/ (400, 405, 413: one certified answer
// per path, and the statuses' subtree holds terminal sessions only) and a browser's 404.
func queryUpgrades(req *httpgateway.UpdateRequest) bool {
	path := urlPath(req.URL)
	return strings.HasPrefix(path, routeCheckout) || unrouted(req.Method, path) && wantsHTML(req.Headers)
}

func upgrade() httpgateway.Response {
	yes := true
	return httpgateway.Response{StatusCode: 200, Headers: []httpgateway.HeaderField{}, Body: []byte{}, Upgrade: &yes}
}

// urlPath is the path of a request URL: no query, no fragment.
func urlPath(url string) string {
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		return url[:i]
	}
	return url
}

// notFoundResponse is the certified answer to GET paths the canister does not serve.
func notFoundResponse() httpgateway.Response {
	return httpgateway.Response{StatusCode: 404, Body: []byte(`{"error":"not found; the routes are GET /checkout/<session id> and POST /webhook"}`),
		Headers: []httpgateway.HeaderField{{Name: "content-type", Value: "application/json"}, {Name: "cache-control", Value: "no-cache"}}}
}

// certificationView is certification of stripe_backend.did.
type certificationView struct {
	CertifiedStatuses      uint64 `ic:"certified_statuses"`
	RootHash               []byte `ic:"root_hash"`
	Certifies              uint64 `ic:"certifies"`
	LastCertifyInstrctions uint64 `ic:"last_certify_instructions"`
	MaxCertifyInstructions uint64 `ic:"max_certify_instructions"`
	Failures               uint64 `ic:"failures"`
}

// certification : () -> (certification) query. Controllers only: figures of the response
// certification (the benchmark reads the cost of certifying a payment here).
//
//go:wasmexport query.certification
func certification() {
	cdk.Query(func(m *cdk.Message) {
		if !controllersOnly(m, "certification") {
			return
		}
		c := state.cert
		root := c.tree.RootHash()
		m.Reply(certificationView{CertifiedStatuses: uint64(c.statuses.Len()), RootHash: root[:], Certifies: c.certifies,
			LastCertifyInstrctions: c.lastInstr, MaxCertifyInstructions: c.maxInstr, Failures: c.certifyFails})
	})
}
