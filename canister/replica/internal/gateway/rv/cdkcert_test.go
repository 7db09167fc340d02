package rv

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/replica/internal/gateway/rv/rvtest"
)

// A canister certifying with cdk/httpcert - page files at exact paths, a 404 fallback at
// "/", a skip entry for /webhook and one status per id in a stable-memory ResponseMap
// mounted at /checkout - answers what this package's verification (which follows the
// reference implementation) accepts, with only the certified headers passed on; any
// change of the body, the status or a certified header fails.
func TestCDKCertifiedResponsesVerify(t *testing.T) {
	signer, err := rvtest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	canister := principal.MustDecode("rrkah-fqaaa-aaaaa-aaaaq-cai")
	now := time.Now()
	asset := httpcert.ResponseOnly("content-type", "cache-control")
	status := httpcert.ResponseOnly("content-type", "cache-control")
	st, err := stablestore.Open(stablestore.NewBuffer(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	statuses := httpcert.NewResponseMap(st.Merkle(), status)
	var tree httpcert.Tree
	tree.Mount([][]byte{[]byte("checkout")}, statuses)

	type served struct {
		url      string
		exprPath [][]byte
		cert     *httpcert.Certification
		resp     httpgateway.Response
	}
	page := func(body, ct string) httpgateway.Response {
		return httpgateway.Response{StatusCode: 200, Body: []byte(body), Headers: []httpgateway.HeaderField{
			{Name: "Content-Type", Value: ct}, {Name: "Cache-Control", Value: "no-cache"}, {Name: "X-Uncertified", Value: "dropped"}}}
	}
	var all []served
	for _, f := range []struct{ path, body, ct string }{
		{"/", "<html>page</html>", "text/html"},
		{"/index.html", "<html>page</html>", "text/html"},
		{"/app.js", "console.log(1)", "text/javascript"},
	} {
		s := served{url: f.path, exprPath: httpcert.ExactPath(f.path), cert: asset, resp: page(f.body, f.ct)}
		tree.Insert(s.exprPath, asset, asset.Prepare(&s.resp))
		all = append(all, s)
	}
	notFound := httpgateway.Response{StatusCode: 404, Body: []byte("not found"), Headers: []httpgateway.HeaderField{
		{Name: "Content-Type", Value: "text/plain"}, {Name: "Cache-Control", Value: "no-cache"}}}
	tree.Insert(httpcert.WildcardPath("/"), asset, asset.Prepare(&notFound))
	for i := range 300 {
		id := "cs_test_" + strconv.Itoa(1000+i)
		resp := httpgateway.Response{StatusCode: 200, Body: []byte(`{"status":"completed","id":"` + id + `"}`),
			Headers: []httpgateway.HeaderField{{Name: "content-type", Value: "application/json"}, {Name: "cache-control", Value: "no-store"}}}
		if _, err := statuses.Put(id, status.Prepare(&resp)); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			all = append(all, served{url: "/checkout/" + id, exprPath: httpcert.ExactPath("/checkout/" + id), cert: status, resp: resp})
		}
	}
	for _, u := range []string{"/missing.js", "/checkout/cs_test_unknown", "/checkout/", "/a/b/"} {
		all = append(all, served{url: u + "?q=1", exprPath: httpcert.WildcardPath("/"), cert: asset, resp: notFound})
	}
	skip := httpcert.Skip()
	tree.Insert(httpcert.ExactPath("/webhook"), skip, [32]byte{})
	cert, err := signer.SignTree(rvtest.StateTree(canister, func() []byte { r := tree.RootHash(); return r[:] }(), now))
	if err != nil {
		t.Fatal(err)
	}
	answer := func(s served) Response {
		r := Response{StatusCode: s.resp.StatusCode, Body: s.resp.Body}
		for _, h := range s.resp.Headers {
			r.Headers = append(r.Headers, Header{h.Name, h.Value})
		}
		path, _, _ := strings.Cut(s.url, "?")
		w := tree.Witness(httpcert.VerificationPaths(path, s.exprPath)...)
		h := httpcert.CertificateHeader(cert, httpcert.WitnessCBOR(w), s.exprPath)
		return Response{StatusCode: r.StatusCode, Body: r.Body, Headers: append(r.Headers, Header{h.Name, h.Value})}
	}
	params := Params{CanisterID: canister, RootKey: signer.RootKey(), Now: now}
	for _, s := range all {
		t.Run(s.url, func(t *testing.T) {
			resp := answer(s)
			res, err := Verify(Request{Method: "GET", URL: s.url}, resp, params)
			if err != nil {
				t.Fatal(err)
			}
			if res.Version != 2 || res.Skip {
				t.Fatalf("result %+v, want a full v2 certification", res)
			}
			for _, h := range res.CertifiedHeaders {
				if h.Name == "x-uncertified" {
					t.Error("an uncertified header was passed on")
				}
			}
			for name, tamper := range map[string]func(r *Response){
				"body":   func(r *Response) { r.Body = append([]byte("x"), r.Body...) },
				"status": func(r *Response) { r.StatusCode = 201 },
				"certified header": func(r *Response) {
					for i, h := range r.Headers {
						if strings.EqualFold(h.Name, "content-type") {
							r.Headers[i].Value = "text/evil"
						}
					}
				},
			} {
				bad := answer(s)
				tamper(&bad)
				if _, err := Verify(Request{Method: "GET", URL: s.url}, bad, params); err == nil {
					t.Errorf("tampered %s verified", name)
				}
			}
		})
	}
	// Another canister's status answered for this id does not verify either.
	other := all[len(all)-5]
	swapped := answer(other)
	if _, err := Verify(Request{Method: "GET", URL: "/checkout/cs_test_1001"}, swapped, params); err == nil {
		t.Error("a status certified for another id verified")
	}
	// The webhook path is skip-certified; it covers nothing else.
	wh := httpgateway.Response{StatusCode: 200, Body: []byte("ok")}
	skip.Prepare(&wh)
	hs := []Header{}
	for _, h := range wh.Headers {
		hs = append(hs, Header{h.Name, h.Value})
	}
	w := tree.Witness(httpcert.ExactPath("/webhook"))
	c := httpcert.CertificateHeader(cert, httpcert.WitnessCBOR(w), httpcert.ExactPath("/webhook"))
	hs = append(hs, Header{c.Name, c.Value})
	if res, err := Verify(Request{Method: "POST", URL: "/webhook"}, Response{StatusCode: 200, Headers: hs, Body: wh.Body}, params); err != nil || !res.Skip {
		t.Errorf("webhook skip: %+v, %v", res, err)
	}
	if _, err := Verify(Request{Method: "GET", URL: "/checkout/cs_test_1001"}, Response{StatusCode: 200, Headers: hs, Body: []byte(`{"status":"completed"}`)}, params); err == nil {
		t.Error("the webhook's skip certification verified a status answer")
	}
}
