package httpapi

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// signer produces sender_pubkey / sender_sig for raw requests.
type signer interface {
	PublicKey() []byte
	Sign(msg []byte) ([]byte, error)
}

// callContent returns the content map of a call to testCanister.greet from sender.
func callContent(sender []byte, expiry time.Time) map[string]any {
	arg, _ := hex.DecodeString("4449444c0001710161") // ("a")
	return map[string]any{
		"request_type":   "call",
		"sender":         sender,
		"canister_id":    testCanister.Raw,
		"method_name":    "greet",
		"arg":            arg,
		"ingress_expiry": uint64(expiry.UnixNano()),
		"nonce":          []byte("nonce-0123"),
	}
}

// envelope encodes content signed by s (s nil: unsigned). The request id is computed with
// hashOfMap, which TestRequestIDMatchesAgentGo ties to agent-go's computation.
func envelope(t testing.TB, content map[string]any, s signer, extra map[string]any) ([]byte, RequestID) {
	t.Helper()
	id, err := hashOfMap(content)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]any{"content": content}
	if s != nil {
		sig, err := s.Sign(append(append([]byte(nil), sepRequest...), id[:]...))
		if err != nil {
			t.Fatal(err)
		}
		env["sender_pubkey"] = s.PublicKey()
		env["sender_sig"] = sig
	}
	for k, v := range extra {
		env[k] = v
	}
	body, err := cbor.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return body, RequestID(id)
}

func post(t testing.TB, env *testEnv, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

var callPath = "/api/v4/canister/" + testCanister.Encode() + "/call"

func mustEd25519(t testing.TB) *identity.Ed25519Identity {
	t.Helper()
	id, err := identity.NewRandomEd25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// highS re-signs like s but returns the high-S twin of the signature, which is valid ECDSA
// but refused by the IC for secp256k1.
type highS struct{ *identity.Secp256k1Identity }

func (h highS) Sign(msg []byte) ([]byte, error) {
	sig, err := h.Secp256k1Identity.Sign(msg)
	if err != nil {
		return nil, err
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(k1Order, s)
	s.FillBytes(sig[32:])
	return sig, nil
}

// corrupt flips a bit of every signature.
type corrupt struct{ signer }

func (c corrupt) Sign(msg []byte) ([]byte, error) {
	sig, err := c.signer.Sign(msg)
	if err == nil {
		sig[len(sig)-1] ^= 1
	}
	return sig, err
}

// blsPubKey is a signer with a public key of an unsupported scheme.
type blsPubKey struct{ der []byte }

func (b blsPubKey) PublicKey() []byte           { return b.der }
func (b blsPubKey) Sign([]byte) ([]byte, error) { return make([]byte, 48), nil }

func TestRawRequestErrors(t *testing.T) {
	env := newTestEnv(t)
	now := time.Now()
	ed := mustEd25519(t)
	other := mustEd25519(t)
	k1, err := identity.NewRandomSecp256k1Identity()
	if err != nil {
		t.Fatal(err)
	}
	bls := blsPubKey{env.api.cfg.SubnetKey.PublicKeyDER()}
	signed := func(s signer, sender []byte, mod func(map[string]any)) []byte {
		c := callContent(sender, now.Add(time.Minute))
		if mod != nil {
			mod(c)
		}
		b, _ := envelope(t, c, s, nil)
		return b
	}
	dupKeys, _ := hex.DecodeString("a267636f6e74656e74a067636f6e74656e74a0")
	tests := []struct {
		name        string
		path        string
		contentType string
		body        []byte
		code        int
		msg         string
	}{
		{"malformed CBOR", callPath, "", []byte{0xff, 0x00, 0x13}, 400, "Could not parse body as call request: invalid CBOR"},
		{"truncated CBOR", callPath, "", signed(ed, ed.Sender().Raw, nil)[:40], 400, "invalid CBOR"},
		{"not a map", callPath, "", []byte{0x63, 'a', 'b', 'c'}, 400, "envelope is text, not a map"},
		{"duplicate keys", callPath, "", dupKeys, 400, "invalid CBOR"},
		{"no content", callPath, "", []byte{0xa0}, 400, "envelope has no content"},
		{"wrong content type", callPath, "application/json", signed(ed, ed.Sender().Raw, nil), 400, "expected application/cbor"},
		{"wrong sender", callPath, "", signed(ed, other.Sender().Raw, nil), 400, "does not match sender_pubkey"},
		{"bad signature", callPath, "", signed(corrupt{ed}, ed.Sender().Raw, nil), 400, "invalid signature"},
		{"secp256k1 high-S", callPath, "", signed(highS{k1}, k1.Sender().Raw, nil), 400, "invalid signature"},
		{"unsupported key", callPath, "", signed(bls, certify.SelfAuthenticating(bls.der), nil), 400, "unsupported public key algorithm"},
		{"unsigned", callPath, "", signed(nil, ed.Sender().Raw, nil), 400, "is not signed"},
		{"anonymous with key", callPath, "", signed(ed, anonymous, nil), 400, "anonymous request must not carry"},
		{"expired", callPath, "", signed(ed, ed.Sender().Raw, func(c map[string]any) {
			c["ingress_expiry"] = uint64(now.Add(-time.Minute).UnixNano())
		}), 400, "Specified ingress_expiry not within expected range"},
		{"far future", callPath, "", signed(ed, ed.Sender().Raw, func(c map[string]any) {
			c["ingress_expiry"] = uint64(now.Add(10 * time.Minute).UnixNano())
		}), 400, "Specified ingress_expiry not within expected range"},
		{"expiry not a nat", callPath, "", signed(nil, anonymous, func(c map[string]any) {
			c["ingress_expiry"] = "soon"
		}), 400, "ingress_expiry is text"},
		{"long nonce", callPath, "", signed(ed, ed.Sender().Raw, func(c map[string]any) {
			c["nonce"] = make([]byte, 33)
		}), 400, "nonce is 33 bytes"},
		{"query at call endpoint", callPath, "", signed(ed, ed.Sender().Raw, func(c map[string]any) {
			c["request_type"] = "query"
		}), 400, "Unexpected request_type"},
		{"canister id mismatch", "/api/v4/canister/" + emptyCanister.Encode() + "/call", "", signed(ed, ed.Sender().Raw, nil),
			400, "does not match effective canister id in URL"},
		{"bad effective id", "/api/v4/canister/not-a-principal/call", "", signed(ed, ed.Sender().Raw, nil), 400, "Invalid effective canister id"},
		{"body too large", callPath, "", make([]byte, DefaultMaxBodyBytes+1), 413, "exceeds"},
		{"unknown endpoint", "/api/v9/canister/" + testCanister.Encode() + "/call", "", nil, 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, env, tc.path, tc.contentType, tc.body)
			if code != tc.code || !strings.Contains(string(body), tc.msg) {
				t.Errorf("got %d %q, want %d containing %q", code, body, tc.code, tc.msg)
			}
		})
	}
	if n := len(env.backend.senders); n != 0 {
		t.Errorf("backend ran %d messages for refused requests", n)
	}
}

// decodeCallResponse checks a synchronous call answer and returns its certificate, verified
// by agent-go against the server's root key.
func decodeCallResponse(t testing.TB, env *testEnv, body []byte) certification.Certificate {
	t.Helper()
	var resp struct {
		Status      string `cbor:"status"`
		Certificate []byte `cbor:"certificate"`
	}
	if err := cbor.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Status != "replied" {
		t.Fatalf("status %q", resp.Status)
	}
	return verifiedCertificate(t, env, resp.Certificate)
}

func verifiedCertificate(t testing.TB, env *testEnv, raw []byte) certification.Certificate {
	t.Helper()
	var cert certification.Certificate
	if err := cbor.Unmarshal(raw, &cert); err != nil {
		t.Fatal(err)
	}
	if err := certification.VerifyCertificate(cert, testCanister, env.api.cfg.SubnetKey.PublicKeyDER()); err != nil {
		t.Fatalf("certificate does not verify: %v", err)
	}
	return cert
}

func lookupString(t testing.TB, cert certification.Certificate, path ...[]byte) string {
	t.Helper()
	ls := make([]hashtree.Label, len(path))
	for i, p := range path {
		ls[i] = p
	}
	v, err := cert.Tree.Lookup(ls...)
	if err != nil {
		t.Fatalf("lookup %q: %v", path, err)
	}
	return string(v)
}

// Submitting the same signed call twice executes it once; both submissions get the
// certified outcome.
func TestReplayExecutesOnce(t *testing.T) {
	env := newTestEnv(t)
	ed := mustEd25519(t)
	body, id := envelope(t, callContent(ed.Sender().Raw, time.Now().Add(time.Minute)), ed, nil)
	for i := range 2 {
		code, resp := post(t, env, callPath, "application/cbor", body)
		if code != 200 {
			t.Fatalf("submission %d: %d %s", i, code, resp)
		}
		cert := decodeCallResponse(t, env, resp)
		if got := lookupString(t, cert, []byte("request_status"), id[:], []byte("status")); got != "replied" {
			t.Errorf("status %q", got)
		}
	}
	if n := env.backend.executions(id); n != 1 {
		t.Errorf("executed %d times", n)
	}
}

func readStateBody(t testing.TB, s signer, sender []byte, paths ...[][]byte) []byte {
	t.Helper()
	ps := make([]any, len(paths))
	for i, p := range paths {
		ls := make([]any, len(p))
		for j, l := range p {
			ls[j] = l
		}
		ps[i] = ls
	}
	b, _ := envelope(t, map[string]any{
		"request_type":   "read_state",
		"sender":         sender,
		"paths":          ps,
		"ingress_expiry": uint64(time.Now().Add(time.Minute).UnixNano()),
	}, s, nil)
	return b
}

func TestReadStateRules(t *testing.T) {
	env := newTestEnv(t)
	alice, bob := mustEd25519(t), mustEd25519(t)
	// Alice calls asynchronously (v2): 202, then her status is readable by her only.
	body, id := envelope(t, callContent(alice.Sender().Raw, time.Now().Add(time.Minute)), alice, nil)
	if code, resp := post(t, env, "/api/v2/canister/"+testCanister.Encode()+"/call", "application/cbor", body); code != 202 {
		t.Fatalf("v2 call: %d %s", code, resp)
	}
	rsPath := "/api/v3/canister/" + testCanister.Encode() + "/read_state"
	status := [][]byte{[]byte("request_status"), id[:]}
	var other RequestID
	other[0] = 1
	tests := []struct {
		name string
		path string
		body []byte
		code int
		msg  string
	}{
		{"own request status", rsPath, readStateBody(t, alice, alice.Sender().Raw, status), 200, ""},
		{"someone else's request status", rsPath, readStateBody(t, bob, bob.Sender().Raw, status), 403, "another principal"},
		{"anonymous reads alice's status", rsPath, readStateBody(t, nil, anonymous, status), 403, "another principal"},
		{"status at another canister", "/api/v3/canister/" + emptyCanister.Encode() + "/read_state",
			readStateBody(t, alice, alice.Sender().Raw, status), 403, "another effective canister id"},
		{"two request ids", rsPath, readStateBody(t, alice, alice.Sender().Raw, status,
			[][]byte{[]byte("request_status"), other[:]}), 400, "must be the same"},
		{"unknown request is readable", rsPath, readStateBody(t, bob, bob.Sender().Raw,
			[][]byte{[]byte("request_status"), other[:]}), 200, ""},
		{"invalid path", rsPath, readStateBody(t, nil, anonymous, [][]byte{[]byte("foo")}), 404, "Invalid path requested"},
		{"empty path", rsPath, readStateBody(t, nil, anonymous, [][]byte{}), 404, "Invalid path requested"},
		{"other canister's module", rsPath, readStateBody(t, nil, anonymous,
			[][]byte{[]byte("canister"), emptyCanister.Raw, []byte("module_hash")}), 400, "does not match requested principal id"},
		{"certified data", rsPath, readStateBody(t, nil, anonymous,
			[][]byte{[]byte("canister"), testCanister.Raw, []byte("certified_data")}), 404, "Invalid path requested"},
		{"private metadata", rsPath, readStateBody(t, bob, bob.Sender().Raw,
			[][]byte{[]byte("canister"), testCanister.Raw, []byte("metadata"), []byte("secret")}), 403, "controllers"},
		{"canister ranges at canister endpoint", rsPath, readStateBody(t, nil, anonymous,
			[][]byte{[]byte("canister_ranges"), env.api.cfg.SubnetID.Raw}), 400, "subnet read_state endpoint"},
		{"canister ranges at subnet endpoint", "/api/v3/subnet/" + env.api.cfg.SubnetID.Encode() + "/read_state",
			readStateBody(t, nil, anonymous, [][]byte{[]byte("canister_ranges"), env.api.cfg.SubnetID.Raw}), 200, ""},
		{"wrong subnet", "/api/v3/subnet/" + testCanister.Encode() + "/read_state",
			readStateBody(t, nil, anonymous, [][]byte{[]byte("time")}), 400, "is not a subnet of this network"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, resp := post(t, env, tc.path, "application/cbor", tc.body)
			if code != tc.code || !strings.Contains(string(resp), tc.msg) {
				t.Fatalf("got %d %q, want %d containing %q", code, resp, tc.code, tc.msg)
			}
		})
	}

	// Alice's certificate carries the reply; an unknown request id is provably absent.
	_, resp := post(t, env, rsPath, "application/cbor", readStateBody(t, alice, alice.Sender().Raw, status,
		[][]byte{[]byte("api_boundary_nodes")}))
	var m map[string][]byte
	if err := cbor.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	cert := verifiedCertificate(t, env, m["certificate"])
	if got := lookupString(t, cert, []byte("request_status"), id[:], []byte("reply")); !strings.Contains(got, "Hello, a!") {
		t.Errorf("reply %q", got)
	}
	if _, err := cert.Tree.Lookup(hashtree.Label("api_boundary_nodes")); !isAbsent(err) {
		t.Errorf("api_boundary_nodes: %v, want absent", err)
	}
	_, resp = post(t, env, rsPath, "application/cbor", readStateBody(t, bob, bob.Sender().Raw, [][]byte{[]byte("request_status"), other[:]}))
	if err := cbor.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	cert = verifiedCertificate(t, env, m["certificate"])
	if _, err := cert.Tree.Lookup(hashtree.Label("request_status"), other[:], hashtree.Label("status")); !isAbsent(err) {
		t.Errorf("unknown request status: %v, want absent", err)
	}
}

// The /subnet subtree carries the subnet's public key, canister ranges and node keys in
// the layouts agent-go reads.
func TestReadStateSubnet(t *testing.T) {
	env := newTestEnv(t)
	rsPath := "/api/v3/canister/" + testCanister.Encode() + "/read_state"
	code, resp := post(t, env, rsPath, "application/cbor", readStateBody(t, nil, anonymous, [][]byte{[]byte("subnet")}))
	if code != 200 {
		t.Fatalf("%d %s", code, resp)
	}
	var m map[string][]byte
	if err := cbor.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	cert := verifiedCertificate(t, env, m["certificate"])
	sid := env.api.cfg.SubnetID
	ranges, err := certification.LookupCanisterRanges(cert.Tree, sid)
	if err != nil {
		t.Fatal(err)
	}
	if !ranges.InRange(testCanister) || !ranges.InRange(principal.MustDecode("aaaaa-aa")) {
		t.Errorf("ranges %v do not cover the canisters", ranges)
	}
	pk := lookupString(t, cert, []byte("subnet"), sid.Raw, []byte("public_key"))
	if pk != string(env.api.cfg.SubnetKey.PublicKeyDER()) {
		t.Error("subnet public key is not the root key")
	}
	node := env.api.cfg.NodeKey
	if got := lookupString(t, cert, []byte("subnet"), sid.Raw, []byte("node"), node.ID(), []byte("public_key")); got != string(node.PublicKeyDER()) {
		t.Error("node public key mismatch")
	}
	// The sharded layout is only served at the subnet endpoint.
	code, resp = post(t, env, "/api/v3/subnet/"+sid.Encode()+"/read_state", "application/cbor",
		readStateBody(t, nil, anonymous, [][]byte{[]byte("canister_ranges"), sid.Raw}))
	if code != 200 {
		t.Fatalf("%d %s", code, resp)
	}
	if err := cbor.Unmarshal(resp, &m); err != nil {
		t.Fatal(err)
	}
	var subnetCert certification.Certificate
	if err := cbor.Unmarshal(m["certificate"], &subnetCert); err != nil {
		t.Fatal(err)
	}
	if err := certification.VerifySubnetCertificate(subnetCert, sid, env.api.cfg.SubnetKey.PublicKeyDER()); err != nil {
		t.Fatal(err)
	}
	shard, err := subnetCert.Tree.LookupSubTree(hashtree.Label("canister_ranges"), sid.Raw)
	if err != nil {
		t.Fatalf("sharded canister ranges: %v", err)
	}
	if paths, _ := hashtree.AllChildren(shard); len(paths) != 1 {
		t.Errorf("%d shards, want 1", len(paths))
	}
}

// A refused call is answered with the bare reject map at v2 and a
// non_replicated_rejection at v3 and v4, and leaves no request status.
func TestRefusedCallBodies(t *testing.T) {
	env := newTestEnv(t)
	for _, version := range []string{"v2", "v3", "v4"} {
		c := callContent(anonymous, time.Now().Add(time.Minute))
		c["method_name"] = "refuse"
		body, id := envelope(t, c, nil, nil)
		code, resp := post(t, env, "/api/"+version+"/canister/"+testCanister.Encode()+"/call", "application/cbor", body)
		var r struct {
			Status     *string `cbor:"status"`
			RejectCode uint64  `cbor:"reject_code"`
			Message    string  `cbor:"reject_message"`
			ErrorCode  string  `cbor:"error_code"`
		}
		if err := cbor.Unmarshal(resp, &r); err != nil || code != 200 {
			t.Fatalf("%s: %d %q %v", version, code, resp, err)
		}
		wantStatus := version != "v2"
		if (r.Status != nil) != wantStatus || (wantStatus && *r.Status != "non_replicated_rejection") {
			t.Errorf("%s: status %v", version, r.Status)
		}
		if r.RejectCode != 4 || r.ErrorCode != "IC0406" || r.Message == "" {
			t.Errorf("%s: %+v", version, r)
		}
		_, resp = post(t, env, "/api/v3/canister/"+testCanister.Encode()+"/read_state", "application/cbor",
			readStateBody(t, nil, anonymous, [][]byte{[]byte("request_status"), id[:]}))
		var m map[string][]byte
		if err := cbor.Unmarshal(resp, &m); err != nil {
			t.Fatal(err)
		}
		cert := verifiedCertificate(t, env, m["certificate"])
		if _, err := cert.Tree.Lookup(hashtree.Label("request_status"), id[:], hashtree.Label("status")); !isAbsent(err) {
			t.Errorf("%s: refused call has a request status (%v)", version, err)
		}
	}
}

func isAbsent(err error) bool {
	le, ok := err.(hashtree.LookupError)
	return ok && le.Type == hashtree.LookupResultAbsent
}

// delegate signs a delegation of from to the key to.
func delegate(t testing.TB, from signer, to []byte, expiration time.Time, targets [][]byte, perms string) map[string]any {
	t.Helper()
	d := map[string]any{"pubkey": to, "expiration": uint64(expiration.UnixNano())}
	if targets != nil {
		ts := make([]any, len(targets))
		for i, x := range targets {
			ts[i] = x
		}
		d["targets"] = ts
	}
	if perms != "" {
		d["permissions"] = perms
	}
	h, err := hashOfMap(d)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := from.Sign(append(append([]byte(nil), sepDelegation...), h[:]...))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"delegation": d, "signature": sig}
}

func TestDelegationChains(t *testing.T) {
	env := newTestEnv(t)
	root := mustEd25519(t)
	session, err := identity.NewRandomPrime256v1Identity()
	if err != nil {
		t.Fatal(err)
	}
	rogue := mustEd25519(t)
	later := time.Now().Add(time.Hour)
	tests := []struct {
		name  string
		chain []any
		code  int
		msg   string
	}{
		{"valid", []any{delegate(t, root, session.PublicKey(), later, nil, "")}, 200, ""},
		{"valid with target", []any{delegate(t, root, session.PublicKey(), later, [][]byte{testCanister.Raw}, "all")}, 200, ""},
		{"expired", []any{delegate(t, root, session.PublicKey(), time.Now().Add(-time.Second), nil, "")}, 400, "expired"},
		{"other target", []any{delegate(t, root, session.PublicKey(), later, [][]byte{emptyCanister.Raw}, "")}, 400, "not a target"},
		{"queries only", []any{delegate(t, root, session.PublicKey(), later, nil, "queries")}, 400, "restricted to queries"},
		{"signed by another key", []any{delegate(t, rogue, session.PublicKey(), later, nil, "")}, 400, "invalid signature on delegation 0"},
		{"cycle", []any{
			delegate(t, root, rogue.PublicKey(), later, nil, ""),
			delegate(t, rogue, root.PublicKey(), later, nil, ""),
		}, 400, "repeats a public key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			content := callContent(root.Sender().Raw, time.Now().Add(time.Minute))
			id, _ := hashOfMap(content)
			sig, err := session.Sign(append(append([]byte(nil), sepRequest...), id[:]...))
			if err != nil {
				t.Fatal(err)
			}
			body, err := cbor.Marshal(map[string]any{
				"content":           content,
				"sender_pubkey":     root.PublicKey(),
				"sender_sig":        sig,
				"sender_delegation": tc.chain,
			})
			if err != nil {
				t.Fatal(err)
			}
			code, resp := post(t, env, callPath, "application/cbor", body)
			if code != tc.code || !strings.Contains(string(resp), tc.msg) {
				t.Errorf("got %d %q, want %d containing %q", code, resp, tc.code, tc.msg)
			}
		})
	}
}

func TestStatusEndpoint(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.ImplVersion = "test-1" })
	resp, err := http.Get(env.srv.URL + "/api/v2/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if !bytes.HasPrefix(raw, []byte{0xd9, 0xd9, 0xf7}) {
		t.Error("status is not tagged self-describing CBOR")
	}
	var st struct {
		RootKey     []byte `cbor:"root_key"`
		ImplVersion string `cbor:"impl_version"`
		APIVersion  string `cbor:"ic_api_version"`
		Health      string `cbor:"replica_health_status"`
	}
	if err := cbor.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.RootKey, env.api.cfg.SubnetKey.PublicKeyDER()) || st.ImplVersion != "test-1" || st.APIVersion == "" || st.Health != "healthy" {
		t.Errorf("status %+v", st)
	}
	if r, err := http.Post(env.srv.URL+"/api/v2/status", "application/cbor", nil); err != nil || r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status: %v %v", r.StatusCode, err)
	}
}

func TestCORS(t *testing.T) {
	env := newTestEnv(t)
	req, err := http.NewRequest(http.MethodOptions, env.srv.URL+callPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		resp.Header.Get("Access-Control-Allow-Headers") != "Content-Type" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	get, err := http.Get(env.srv.URL + "/api/v2/status")
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("status answer without CORS header")
	}
}

// Management canister calls are routed by the canister_id field of their argument.
func TestEffectiveCanisterID(t *testing.T) {
	arg, err := candidRecordWithCanisterID(testCanister)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		canister []byte
		method   string
		arg      []byte
		want     []byte
		ok       bool
	}{
		{"regular canister", testCanister.Raw, "greet", nil, testCanister.Raw, true},
		{"management with canister_id", []byte{}, "start_canister", arg, testCanister.Raw, true},
		{"management without record", []byte{}, "raw_rand", []byte("DIDL\x00\x00"), nil, false},
		{"management with garbage", []byte{}, "stop_canister", []byte("DIDL\xff\xff\xff"), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := EffectiveCanisterID(tc.canister, tc.method, tc.arg)
			if ok != tc.ok || !bytes.Equal(got, tc.want) {
				t.Errorf("got %x %v, want %x %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func candidRecordWithCanisterID(p principal.Principal) ([]byte, error) {
	type args struct {
		CanisterID principal.Principal `ic:"canister_id"`
	}
	return candidMarshal(args{CanisterID: p})
}

func candidMarshal(v any) ([]byte, error) { return candid.Marshal([]any{v}) }
