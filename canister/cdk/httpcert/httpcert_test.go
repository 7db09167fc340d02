package httpcert

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

// The expressions are the reference implementation's (ic-http-certification's CEL
// fixtures, whitespace removed): their hashes are labels in the tree, so one byte of
// difference would make every response unverifiable.
func TestExpressions(t *testing.T) {
	tests := []struct {
		c    *Certification
		want string
	}{
		{Skip(), `default_certification(ValidationArgs{no_certification:Empty{}})`},
		{ResponseOnly("Cache-Control", "ETag", "Content-Length", "Content-Type", "Content-Encoding"),
			`default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:["Cache-Control","ETag","Content-Length","Content-Type","Content-Encoding"]}}}})`},
		{ResponseOnlyExcluding("Date", "Cookie", "Set-Cookie"),
			`default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{response_header_exclusions:ResponseHeaderList{headers:["Date","Cookie","Set-Cookie"]}}}})`},
		{ResponseOnly(),
			`default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:[]}}}})`},
	}
	for _, tt := range tests {
		if tt.c.Expression != tt.want {
			t.Errorf("expression\n got %s\nwant %s", tt.c.Expression, tt.want)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct {
		got  [][]byte
		want []string
	}{
		{ExactPath(""), []string{"<$>"}},
		{ExactPath("/"), []string{"", "<$>"}},
		{ExactPath("/foo/bar/"), []string{"foo", "bar", "", "<$>"}},
		{WildcardPath("/"), []string{"", "<*>"}},
		{WildcardPath("foo"), []string{"foo", "<*>"}},
	}
	for _, tt := range tests {
		if got := toStrings(tt.got); !slices.Equal(got, tt.want) {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	// A 404 fallback at "/" answering /a/b: the gateway looks up the fallback, the exact
	// path and the more specific wildcards.
	got := VerificationPaths("/a/b", WildcardPath("/"))
	want := [][]string{{"", "<*>"}, {"a", "b", "<$>"}, {"a", "b", "<*>"}, {"a", "", "<*>"}, {"a", "<*>"}}
	if len(got) != len(want) {
		t.Fatalf("VerificationPaths = %q, want %q", got, want)
	}
	for i := range want {
		if !slices.Equal(toStrings(got[i]), want[i]) {
			t.Errorf("path %d = %q, want %q", i, toStrings(got[i]), want[i])
		}
	}
	if got := VerificationPaths("/a", ExactPath("/a")); len(got) != 1 {
		t.Errorf("exact: %q, want the path alone", got)
	}
}

func TestPrepare(t *testing.T) {
	c := ResponseOnly("content-type")
	resp := httpgateway.Response{StatusCode: 200, Headers: []httpgateway.HeaderField{
		{Name: "Content-Type", Value: "text/plain"}, {Name: "IC-CertificateExpression", Value: "stale"}, {Name: "X-Other", Value: "1"},
	}, Body: []byte("hi")}
	h := c.Prepare(&resp)
	if n := len(resp.Headers); n != 3 || resp.Headers[n-1].Value != c.Expression {
		t.Fatalf("headers after Prepare: %v", resp.Headers)
	}
	// Uncertified headers do not change the hash; certified ones, the status and the body do.
	other := resp
	other.Headers = append([]httpgateway.HeaderField{{Name: "X-Another", Value: "2"}}, resp.Headers...)
	if c.ResponseHash(&other) != h {
		t.Error("an uncertified header changed the hash")
	}
	for _, mutate := range []func(r *httpgateway.Response){
		func(r *httpgateway.Response) { r.StatusCode = 201 },
		func(r *httpgateway.Response) { r.Body = []byte("ho") },
		func(r *httpgateway.Response) {
			r.Headers = append([]httpgateway.HeaderField{{Name: "content-type", Value: "text/html"}}, r.Headers[1:]...)
		},
	} {
		m := resp
		m.Headers = append([]httpgateway.HeaderField(nil), resp.Headers...)
		mutate(&m)
		if c.ResponseHash(&m) == h {
			t.Errorf("a certified change kept the hash: %+v", m)
		}
	}
}

// entries builds a tree of n exact entries and a 404 fallback, with a response map of m
// entries mounted at /checkout.
func buildTree(t *testing.T, n, m int, r *rand.Rand) (*Tree, *ResponseMap, []string) {
	t.Helper()
	c := ResponseOnly("content-type")
	st, err := stablestore.Open(stablestore.NewBuffer(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	rm := NewResponseMap(st.Merkle(), c)
	var tree Tree
	tree.Mount([][]byte{[]byte("checkout")}, rm)
	var paths []string
	for i := range n {
		p := "/f" + strconv.Itoa(r.IntN(1000)) + ".js"
		if i%5 == 0 {
			p = "/dir/" + strconv.Itoa(i) + "/"
		}
		tree.Insert(ExactPath(p), c, [32]byte{byte(i)})
		paths = append(paths, p)
	}
	tree.Insert(WildcardPath("/"), c, [32]byte{0xee})
	tree.Insert(ExactPath("/webhook"), Skip(), [32]byte{})
	for i := range m {
		if _, err := rm.Put("cs_test_"+strconv.Itoa(i), [32]byte{byte(i), 1}); err != nil {
			t.Fatal(err)
		}
	}
	return &tree, rm, paths
}

// TestTreeWitness: witnesses have the tree's root hash, are well formed, reveal the
// requested entries and prove the absent paths absent, for static entries and mounted ones.
func TestTreeWitness(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tree, rm, paths := buildTree(t, 30, 200, r)
	root := tree.RootHash()
	c := ResponseOnly("content-type")
	check := func(req string, exprPath [][]byte) {
		t.Helper()
		ps := VerificationPaths(req, exprPath)
		w := tree.Witness(ps...)
		if w.Digest() != root {
			t.Fatalf("%s: witness digest %x, root %x", req, w.Digest(), root)
		}
		if err := hashtree.WellFormed(w); err != nil {
			t.Fatalf("%s: %v", req, err)
		}
		if _, res := hashtree.LookupSubtree(w, append([][]byte{[]byte("http_expr")}, exprPath...)...); res != hashtree.Found {
			t.Fatalf("%s: expr path %q: %v", req, toStrings(exprPath), res)
		}
		for _, p := range ps[1:] {
			if _, res := hashtree.LookupSubtree(w, append([][]byte{[]byte("http_expr")}, p...)...); res != hashtree.Absent {
				t.Fatalf("%s: more specific path %q: %v, want Absent", req, toStrings(p), res)
			}
		}
		// The encoded witness decodes to the same tree.
		dec, err := hashtree.Decode(WitnessCBOR(w))
		if err != nil || dec.Digest() != root {
			t.Fatalf("%s: decoded witness: %v", req, err)
		}
	}
	for _, p := range paths {
		check(p, ExactPath(p))
	}
	for i := 0; i < 200; i += 17 {
		p := "/checkout/cs_test_" + strconv.Itoa(i)
		check(p, ExactPath(p))
		w := tree.Witness(ExactPath(p))
		leaf, res := hashtree.LookupSubtree(w, append([][]byte{[]byte("http_expr")}, append(ExactPath(p), c.ExprHash[:], []byte{})...)...)
		if res != hashtree.Found {
			t.Fatalf("%s: entry not revealed: %v", p, res)
		}
		if _, res := hashtree.Lookup(leaf, []byte{byte(i), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); res != hashtree.Found {
			t.Fatalf("%s: response hash not found: %v", p, res)
		}
		if !rm.Certified("cs_test_"+strconv.Itoa(i), [32]byte{byte(i), 1}) || rm.Certified("cs_test_"+strconv.Itoa(i), [32]byte{}) {
			t.Fatal("Certified disagrees")
		}
		if !Certifies(w, ExactPath(p), c, [32]byte{byte(i), 1}) || Certifies(w, ExactPath(p), c, [32]byte{byte(i), 2}) ||
			Certifies(w, ExactPath(p+"x"), c, [32]byte{byte(i), 1}) || Certifies(w, ExactPath(p), Skip(), [32]byte{byte(i), 1}) {
			t.Fatalf("%s: Certifies disagrees with the witness", p)
		}
	}
	// Fallbacks: unknown paths, including ones inside the mounted map and the directory
	// entries, are answered by the wildcard at "/" with the more specific paths absent.
	for _, p := range []string{"/nope", "/a/b/c", "/checkout/cs_test_unknown", "/checkout/", "/dir/", "/dir/x/y", "/f1.js/more", "/"} {
		check(p, WildcardPath("/"))
	}
	check("/webhook", ExactPath("/webhook"))
}

// TestTreeCaches: a tree changed step by step (caches kept between steps) has the root hash
// of a tree built from scratch with the same changes, and deleting a static entry gives the
// earlier root back (the mounted map's shape depends on its history, so only its content
// is compared).
func TestTreeCaches(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	tree, rm, _ := buildTree(t, 10, 20, r)
	c := ResponseOnly("content-type")
	before := tree.RootHash()
	tree.Insert(ExactPath("/new.css"), c, [32]byte{9})
	mid := tree.RootHash()
	if mid == before {
		t.Fatal("inserting did not change the root")
	}
	tree.Witness(ExactPath("/new.css"))
	if _, err := rm.Put("cs_test_extra", [32]byte{3}); err != nil {
		t.Fatal(err)
	}
	withExtra := tree.RootHash()
	if withExtra == mid {
		t.Fatal("the mounted map's change did not change the root")
	}
	fresh, frm, _ := buildTree(t, 10, 20, rand.New(rand.NewPCG(7, 8)))
	fresh.Insert(ExactPath("/new.css"), c, [32]byte{9})
	if _, err := frm.Put("cs_test_extra", [32]byte{3}); err != nil {
		t.Fatal(err)
	}
	if fresh.RootHash() != withExtra {
		t.Fatal("incrementally changed tree differs from one built from scratch")
	}
	if err := rm.Remove("cs_test_extra"); err != nil {
		t.Fatal(err)
	}
	before = tree.RootHash()
	tree.Insert(ExactPath("/new.js"), c, [32]byte{10})
	tree.Delete(ExactPath("/new.js"), c, [32]byte{10})
	if got := tree.RootHash(); got != before {
		t.Fatalf("root after deleting = %x, want %x", got, before)
	}
	if !bytes.Equal(WitnessCBOR(hashtree.Empty{}), []byte{0xd9, 0xd9, 0xf7, 0x81, 0}) {
		t.Error("WitnessCBOR of Empty")
	}
}

func TestAppendBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for n := range 300 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if got, want := string(appendBase64([]byte("x"), b)), "x"+base64.StdEncoding.EncodeToString(b); got != want {
			t.Fatalf("%d bytes: %s, want %s", n, got, want)
		}
	}
}
