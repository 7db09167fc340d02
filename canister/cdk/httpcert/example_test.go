package httpcert_test

import (
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// A canister certifies a page at "/", a 404 fallback for every other path, and an order
// status per id in stable memory. In a canister the store is opened on cdk.Stable(), the
// root hash goes to cdk.SetCertifiedData in every update that changes the tree (and in
// post_upgrade, after re-inserting the heap entries), and the query adds the
// IC-Certificate header built from cdk.DataCertificate().
func Example() {
	page := httpcert.ResponseOnly("content-type", "cache-control")
	st, _ := stablestore.Open(stablestore.NewBuffer(0), 0)
	orders := httpcert.NewResponseMap(st.Merkle(), page)

	var tree httpcert.Tree
	tree.Mount([][]byte{[]byte("orders")}, orders) // /orders/<id>

	// Upload (an update): prepare each response once and certify its hash.
	index := httpgateway.Response{StatusCode: 200, Body: []byte("<html>...</html>"),
		Headers: []httpgateway.HeaderField{{Name: "content-type", Value: "text/html"}, {Name: "cache-control", Value: "no-cache"}}}
	tree.Insert(httpcert.ExactPath("/"), page, page.Prepare(&index))
	notFound := httpgateway.Response{StatusCode: 404, Body: []byte("not found"),
		Headers: []httpgateway.HeaderField{{Name: "content-type", Value: "text/plain"}, {Name: "cache-control", Value: "no-cache"}}}
	tree.Insert(httpcert.WildcardPath("/"), page, page.Prepare(&notFound))

	// An update settles order 42: certify its answer.
	status := httpgateway.Response{StatusCode: 200, Body: []byte(`{"status":"paid"}`),
		Headers: []httpgateway.HeaderField{{Name: "content-type", Value: "application/json"}, {Name: "cache-control", Value: "no-store"}}}
	_, _ = orders.Put("42", page.Prepare(&status))
	certifiedData := tree.RootHash() // cdk.SetCertifiedData(certifiedData[:])

	// The query for /orders/42 renders the same answer; if it is the certified one, it is
	// served with its witness, otherwise the query answers upgrade = true.
	answer := httpgateway.Response{StatusCode: 200, Body: []byte(`{"status":"paid"}`),
		Headers: []httpgateway.HeaderField{{Name: "content-type", Value: "application/json"}, {Name: "cache-control", Value: "no-store"}}}
	if orders.Certified("42", page.Prepare(&answer)) {
		exprPath := httpcert.ExactPath("/orders/42")
		witness := tree.Witness(httpcert.VerificationPaths("/orders/42", exprPath)...)
		dataCertificate := []byte("from cdk.DataCertificate()")
		answer.Headers = append(answer.Headers, httpcert.CertificateHeader(dataCertificate, httpcert.WitnessCBOR(witness), exprPath))
		fmt.Println("witness root matches certified data:", witness.Digest() == certifiedData)
	}
	// Output:
	// witness root matches certified data: true
}
