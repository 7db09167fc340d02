package httpapi

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/gocanister/stripe-ic/canister/cdk/reprhash"
)

// The request id example of the specification, section "Request ids".
func TestRequestIDSpecExample(t *testing.T) {
	content := map[string]any{
		"request_type":   "call",
		"sender":         []byte{0x04},
		"ingress_expiry": uint64(1685570400000000000),
		"canister_id":    []byte{0, 0, 0, 0, 0, 0, 0x04, 0xD2},
		"method_name":    "hello",
		"arg":            []byte("DIDL\x00\xFD*"),
	}
	body, err := cbor.Marshal(map[string]any{"content": content})
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	const want = "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101"
	if got := hex.EncodeToString(env.RequestID[:]); got != want {
		t.Errorf("request id %s, want %s", got, want)
	}
}

// The request id of what agent-go sends equals agent-go's own request id for every request
// type and field combination it produces.
func TestRequestIDMatchesAgentGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for i := range 300 {
		req := agent.Request{
			Sender:        principal.Principal{Raw: randBytes(1 + r.IntN(29))},
			IngressExpiry: r.Uint64() | 1,
		}
		if r.IntN(2) == 0 {
			req.Nonce = randBytes(1 + r.IntN(32))
		}
		switch i % 3 {
		case 0, 1:
			req.Type = []string{agent.RequestTypeCall, agent.RequestTypeQuery}[i%3]
			req.CanisterID = principal.Principal{Raw: randBytes(r.IntN(11))}
			req.MethodName = fmt.Sprintf("m%d", r.IntN(1000))
			req.Arguments = randBytes(r.IntN(100))
		default:
			req.Type = agent.RequestTypeReadState
			req.Paths = [][]hashtree.Label{}
			for range r.IntN(4) {
				var p []hashtree.Label
				for range r.IntN(4) {
					if r.IntN(8) == 0 {
						p = append(p, nil) // agent-go sends null
						continue
					}
					p = append(p, randBytes(r.IntN(33)))
				}
				req.Paths = append(req.Paths, p)
			}
		}
		body, err := cbor.Marshal(agent.Envelope{Content: req})
		if err != nil {
			t.Fatal(err)
		}
		env, err := ParseEnvelope(body)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if want := agent.NewRequestID(req); env.RequestID != RequestID(want) {
			t.Fatalf("request %d (%s): id %x, agent-go %x", i, req.Type, env.RequestID, want)
		}
	}
}

// Field values hash as the specification says, whatever their CBOR representation: a
// natural sent as a bignum hashes like the same natural sent as an integer.
func TestHashRepresentationIndependence(t *testing.T) {
	small, err := hashValue(uint64(1) << 40)
	if err != nil {
		t.Fatal(err)
	}
	big40 := new(big.Int).Lsh(big.NewInt(1), 40)
	viaBig, err := hashValue(big40)
	if err != nil {
		t.Fatal(err)
	}
	if small != viaBig {
		t.Error("bignum and integer encodings of one natural hash differently")
	}
	neg, err := hashValue(new(big.Int).Neg(big40))
	if err != nil || neg != reprhash.Int(-(1<<40)) {
		t.Errorf("negative bignum: %x, %v", neg, err)
	}
	if _, err := hashValue(new(big.Int).Lsh(big40, 40)); err == nil {
		t.Error("an 81-bit integer was hashed")
	}
	for _, v := range []any{1.5, true, nil} {
		if _, err := hashValue(v); err == nil {
			t.Errorf("%T value hashed", v)
		}
	}
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpus in testdata/fuzz")

// seedEnvelopes are valid and borderline request bodies for the fuzzer to start from.
func seedEnvelopes(t testing.TB) [][]byte {
	user := bytes.Repeat([]byte{0x42}, 28)
	user = append(user, 0x02) // a self-authenticating principal
	expiry := time.Unix(1700000000, 0)
	call, _ := envelope(t, callContent(user, expiry), nil, nil)
	anon, _ := envelope(t, callContent(anonymous, expiry), nil, nil)
	query := callContent(anonymous, expiry)
	query["request_type"] = "query"
	q, _ := envelope(t, query, nil, nil)
	rs := readStateBody(t, nil, anonymous, [][]byte{[]byte("time")}, [][]byte{[]byte("request_status"), make([]byte, 32)})
	deleg, _ := envelope(t, callContent(anonymous, expiry), nil, map[string]any{
		"sender_delegation": []any{map[string]any{
			"delegation": map[string]any{"pubkey": []byte{1}, "expiration": uint64(5), "targets": []any{[]byte{2}}},
			"signature":  []byte{3},
		}},
		"sender_pubkey": []byte{4},
		"sender_sig":    []byte{5},
	})
	tagged := append([]byte{0xd9, 0xd9, 0xf7}, anon...)
	return [][]byte{call, anon, q, rs, deleg, tagged, {0xa0}, {0xff}}
}

// TestWriteSeedCorpus regenerates the seed corpora in testdata/fuzz with -update-corpus.
func TestWriteSeedCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite the seed corpus")
	}
	writeCorpus(t, "FuzzParseEnvelope", seedEnvelopes(t))
	writeCorpus(t, "FuzzEffectiveCanisterID", seedCandid(t))
}

func writeCorpus(t *testing.T, target string, seeds [][]byte) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range seeds {
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// agentKeys are, per request type, the content fields agent-go's request id covers.
var agentKeys = map[string]map[string]bool{
	RequestTypeCall: {"request_type": true, "sender": true, "nonce": true, "ingress_expiry": true,
		"canister_id": true, "method_name": true, "arg": true},
	RequestTypeQuery: {"request_type": true, "sender": true, "nonce": true, "ingress_expiry": true,
		"canister_id": true, "method_name": true, "arg": true},
	RequestTypeReadState: {"request_type": true, "sender": true, "nonce": true, "ingress_expiry": true, "paths": true},
}

// FuzzParseEnvelope: parsing never panics; accepted envelopes respect the limits; and for
// contents agent-go can express, the request id agrees with agent-go's computation.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range seedEnvelopes(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := ParseEnvelope(body)
		if err != nil {
			return
		}
		c := env.Content
		if len(c.Nonce) > maxNonceLen || len(c.Paths) > maxPaths || len(c.Sender) > 29 {
			t.Fatalf("limits not enforced: %+v", c)
		}
		again, err := ParseEnvelope(body)
		if err != nil || again.RequestID != env.RequestID {
			t.Fatal("parsing is not deterministic")
		}
		var raw struct {
			Content map[string]cbor.RawMessage `cbor:"content"`
		}
		if cbor.Unmarshal(body, &raw) != nil {
			return
		}
		for k := range raw.Content {
			if !agentKeys[c.RequestType][k] {
				return
			}
		}
		// agent-go leaves out empty fields, so only compare where it cannot.
		if c.IngressExpiry == 0 || len(c.Sender) == 0 || c.RequestType == "" ||
			(c.Nonce != nil && len(c.Nonce) == 0) || (c.RequestType != RequestTypeReadState && c.MethodName == "") {
			return
		}
		req := agent.Request{
			Type:          c.RequestType,
			Sender:        principal.Principal{Raw: c.Sender},
			Nonce:         c.Nonce,
			IngressExpiry: c.IngressExpiry,
			MethodName:    c.MethodName,
		}
		if c.CanisterID != nil {
			req.CanisterID = principal.Principal{Raw: c.CanisterID}
			req.Arguments = nonNil(c.Arg)
		}
		if c.Paths != nil {
			req.Paths = make([][]hashtree.Label, len(c.Paths))
			for i, p := range c.Paths {
				req.Paths[i] = make([]hashtree.Label, len(p))
				for j, l := range p {
					req.Paths[i][j] = l
				}
			}
		}
		if want := agent.NewRequestID(req); !bytes.Equal(want[:], env.RequestID[:]) {
			t.Fatalf("request id %x, agent-go %x for %+v", env.RequestID, want, c)
		}
	})
}
