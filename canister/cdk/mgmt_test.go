package cdk_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// The management canister's http_request types as ic.did spells them, to check the CDK's
// encoding independently.
type (
	mgmtHeader struct {
		Name  string `ic:"name"`
		Value string `ic:"value"`
	}
	mgmtResult struct {
		Status  candid.Nat   `ic:"status"`
		Headers []mgmtHeader `ic:"headers"`
		Body    []byte       `ic:"body"`
	}
	mgmtTransformArgs struct {
		Response mgmtResult `ic:"response"`
		Context  []byte     `ic:"context"`
	}
	mgmtMethod struct {
		Get    *candid.Null `ic:"get,variant"`
		Head   *candid.Null `ic:"head,variant"`
		Post   *candid.Null `ic:"post,variant"`
		Put    *candid.Null `ic:"put,variant"`
		Delete *candid.Null `ic:"delete,variant"`
		Patch  *candid.Null `ic:"patch,variant"`
	}
	mgmtRequest struct {
		URL              string       `ic:"url"`
		MaxResponseBytes *uint64      `ic:"max_response_bytes"`
		Method           mgmtMethod   `ic:"method"`
		Headers          []mgmtHeader `ic:"headers"`
		Body             *[]byte      `ic:"body"`
		Transform        *struct {
			Function candid.QueryFunc[mgmtTransformArgs, mgmtResult] `ic:"function"`
			Context  []byte                                          `ic:"context"`
		} `ic:"transform"`
		IsReplicated *bool `ic:"is_replicated"`
	}
)

func TestOutcall(t *testing.T) {
	tests := []struct {
		name     string
		req      cdk.HTTPRequest
		wantSize uint64 // request bytes charged
		wantMax  uint64 // max_response_bytes charged
		check    func(t *testing.T, r mgmtRequest)
	}{
		{
			name: "post with transform",
			req: cdk.HTTPRequest{URL: "https://api.stripe.com/v1/x", Method: "POST",
				Headers: []cdk.HTTPHeader{{Name: "Idempotency-Key", Value: "k1"}}, Body: []byte("a=1"),
				MaxResponseBytes: 4096, Transform: &cdk.HTTPTransform{Method: "transform", Context: []byte("session")}},
			wantSize: uint64(len("https://api.stripe.com/v1/x") + len("Idempotency-Key") + 2 + 3 + len("transform") + len("session")),
			wantMax:  4096,
			check: func(t *testing.T, r mgmtRequest) {
				if r.Method.Post == nil || r.Body == nil || string(*r.Body) != "a=1" || *r.MaxResponseBytes != 4096 ||
					r.Transform == nil || r.Transform.Function.Method != "transform" ||
					r.Transform.Function.Service != selfID || string(r.Transform.Context) != "session" || r.IsReplicated != nil {
					t.Errorf("request %+v", r)
				}
			},
		},
		{
			name:     "defaults",
			req:      cdk.HTTPRequest{URL: "https://example.com", NonReplicated: true},
			wantSize: uint64(len("https://example.com")),
			wantMax:  cdk.DefaultMaxResponseBytes,
			check: func(t *testing.T, r mgmtRequest) {
				if r.Method.Get == nil || r.Body != nil || r.MaxResponseBytes != nil || r.Transform != nil ||
					r.IsReplicated == nil || *r.IsReplicated || len(r.Headers) != 0 {
					t.Errorf("request %+v", r)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, ic0test.Update)
			var resp cdk.HTTPResponse
			var err error
			s.exec(ic0test.Update, func() {
				s.rt.Update(func(m *cdk.Message) {
					resp, err = cdk.Outcall(tt.req)
					m.Reply()
				})
			})
			c := s.calls[0]
			if !bytes.Equal(c.Callee, principal.ManagementCanister.Bytes()) {
				t.Fatalf("callee %x", c.Callee)
			}
			if want := s.f.CostHTTPRequest(tt.wantSize, tt.wantMax); c.Cycles != want {
				t.Fatalf("attached %v cycles, want %v", c.Cycles, want)
			}
			var r mgmtRequest
			if err := candid.Unmarshal(c.Arg, &r); err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
			if err := s.reply("http_request", mgmtResult{Status: 201, Headers: []mgmtHeader{{"a", "b"}}, Body: []byte("ok")}); err != nil {
				t.Fatal(err)
			}
			if err != nil || resp.Status != 201 || string(resp.Body) != "ok" || len(resp.Headers) != 1 || resp.Headers[0].Value != "b" {
				t.Fatalf("response %+v, %v", resp, err)
			}
		})
	}
}

func TestOutcallErrors(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var errMethod, errReject error
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			_, errMethod = cdk.Outcall(cdk.HTTPRequest{URL: "https://x", Method: "TRACE"})
			_, errReject = cdk.Outcall(cdk.HTTPRequest{URL: "https://x", Cycles: ic0.U128From(7)})
			m.Reply()
		})
	})
	if len(s.calls) != 1 || s.calls[0].Cycles != ic0.U128From(7) {
		t.Fatalf("calls %+v", s.calls)
	}
	if err := s.reject("http_request", cdk.RejectSysTransient, "connection refused"); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(errMethod, cdk.ErrHTTPMethod) {
		t.Errorf("TRACE: %v", errMethod)
	}
	var ce *cdk.CallError
	if !errors.As(errReject, &ce) || ce.Code != cdk.RejectSysTransient || ce.Message != "connection refused" {
		t.Errorf("reject: %v", errReject)
	}
}

func TestTransformQuery(t *testing.T) {
	arg := mgmtTransformArgs{
		Response: mgmtResult{Status: 200, Headers: []mgmtHeader{{"Date", "today"}}, Body: []byte("body")},
		Context:  []byte("ctx"),
	}
	f := newFake(ic0test.Query, arg)
	rt := cdk.NewRuntime(f)
	err := f.Run(func() {
		rt.TransformQuery(func(resp cdk.HTTPResponse, ctx []byte) cdk.HTTPResponse {
			return cdk.HTTPResponse{Status: resp.Status, Body: append(resp.Body, ctx...)}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Result()
	if err != nil {
		t.Fatal(err)
	}
	var r mgmtResult
	if err := candid.Unmarshal(out, &r); err != nil || r.Status != 200 || string(r.Body) != "bodyctx" || len(r.Headers) != 0 {
		t.Fatalf("transform reply %+v %v", r, err)
	}
}

func TestRawRandAndSeed(t *testing.T) {
	s := newSim(t, ic0test.Update)
	var seedErr, shortErr error
	s.exec(ic0test.Update, func() {
		s.rt.Update(func(m *cdk.Message) {
			seedErr = cdk.SeedRandom()
			_, shortErr = cdk.RawRand()
			m.Reply()
		})
	})
	c := s.take("raw_rand")
	if !bytes.Equal(c.Callee, principal.ManagementCanister.Bytes()) || string(c.Arg) != "DIDL\x00\x00" {
		t.Fatalf("raw_rand call %+v", c)
	}
	rnd := make([]byte, 32)
	for i := range rnd {
		rnd[i] = byte(i)
	}
	s.calls = append([]ic0test.Call{c}, s.calls...)
	if err := s.reply("raw_rand", rnd); err != nil {
		t.Fatal(err)
	}
	if err := s.reply("raw_rand", []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	// The seed folds the four little-endian words.
	want := uint64(0x0706050403020100 ^ 0x0f0e0d0c0b0a0908 ^ 0x1716151413121110 ^ 0x1f1e1d1c1b1a1918)
	if seedErr != nil || len(s.f.Seeds) != 1 || s.f.Seeds[0] != want {
		t.Fatalf("seeds %x, %v", s.f.Seeds, seedErr)
	}
	if shortErr == nil {
		t.Fatal("a 2-byte raw_rand was accepted")
	}
}
