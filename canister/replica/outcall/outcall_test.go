package outcall

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// tlsServer starts a local HTTPS server and returns a Client that trusts it through the
// extra-CA-file path, as the replica's --outcall-ca flag does.
func tlsServer(t *testing.T, h http.HandlerFunc, nodes int) (*httptest.Server, *Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	// Connections the client pools are cut at Close; that is not a test failure.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Nodes: nodes, ExtraCAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

var self = []byte{1, 2, 3}

func stripDate(_ context.Context, _ Transform, raw Response) (Response, *protocol.Reject) {
	return Response{Status: raw.Status, Body: raw.Body}, nil
}

func TestReplicatedOutcallReachesConsensusThroughTransform(t *testing.T) {
	var hits atomic.Int64
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		w.Header().Set("X-Request-Id", fmt.Sprint(n)) // differs per replica
		if ua := r.Header.Get("User-Agent"); ua != "ic/1.0" {
			t.Errorf("user agent %q, want ic/1.0", ua)
		}
		fmt.Fprint(w, `{"ok":true}`)
	}, 13)
	req := Request{URL: srv.URL + "/v1/x", Method: "GET", Transform: &Transform{Canister: self, Method: "transform"}}
	if rej := req.Validate(self); rej != nil {
		t.Fatal(rej)
	}
	resp, rej := c.Do(context.Background(), req, stripDate)
	if rej != nil {
		t.Fatalf("reject: %v", rej)
	}
	if resp.Status != 200 || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("got %d %q", resp.Status, resp.Body)
	}
	if got := hits.Load(); got != 13 {
		t.Fatalf("upstream saw %d requests, want one per replica (13)", got)
	}
}

func TestDivergentResponsesWithoutTransformAreRejected(t *testing.T) {
	var hits atomic.Int64
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "answer %d", hits.Add(1))
	}, 13)
	_, rej := c.Do(context.Background(), Request{URL: srv.URL, Method: "GET"}, nil)
	if rej == nil {
		t.Fatal("divergent responses reached consensus")
	}
	if rej.Code != protocol.SysTransient || !strings.HasPrefix(rej.Message, "No consensus could be reached. Replicas had different responses.") {
		t.Fatalf("got %v", rej)
	}
}

func TestConsensusToleratesFaultyMinority(t *testing.T) {
	var hits atomic.Int64
	// 4 of 13 replicas (f = 4) see a different body; 9 = 2f+1 still agree.
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 4 {
			fmt.Fprint(w, "odd")
			return
		}
		fmt.Fprint(w, "same")
	}, 13)
	resp, rej := c.Do(context.Background(), Request{URL: srv.URL, Method: "GET", Transform: &Transform{Canister: self}}, stripDate)
	if rej != nil || string(resp.Body) != "same" {
		t.Fatalf("got %q %v", resp.Body, rej)
	}
}

func TestNonReplicatedSendsOnce(t *testing.T) {
	var hits atomic.Int64
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusCreated)
	}, 13)
	no := false
	resp, rej := c.Do(context.Background(), Request{URL: srv.URL, Method: "PUT", IsReplicated: &no}, nil)
	if rej != nil || resp.Status != 201 {
		t.Fatalf("got %d %v", resp.Status, rej)
	}
	if hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", hits.Load())
	}
}

func TestSendFailures(t *testing.T) {
	big := strings.Repeat("x", 5000)
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		fmt.Fprint(w, big)
	}, 4)
	limit := uint64(1000)
	tests := []struct {
		name    string
		req     Request
		code    protocol.RejectCode
		message string
		status  uint64
	}{
		{"plain http", Request{URL: "http://example.com/", Method: "GET"}, protocol.SysFatal, "URL needs to specify HTTPS scheme", 0},
		{"body over max_response_bytes", Request{URL: srv.URL, Method: "GET", MaxResponseBytes: &limit}, protocol.SysFatal, "Http body exceeds size limit of 1000 bytes.", 0},
		{"connection refused", Request{URL: "https://127.0.0.1:1/", Method: "GET"}, protocol.SysTransient, "Connecting to 127.0.0.1:1 failed", 0},
		{"redirect not followed", Request{URL: srv.URL + "/redirect", Method: "GET"}, 0, "", 302},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, rej := c.Do(context.Background(), tt.req, nil)
			if tt.code == 0 {
				if rej != nil || resp.Status != tt.status {
					t.Fatalf("got %d %v, want status %d", resp.Status, rej, tt.status)
				}
				return
			}
			if rej == nil || rej.Code != tt.code || !strings.Contains(rej.Message, tt.message) {
				t.Fatalf("got %v, want code %d containing %q", rej, tt.code, tt.message)
			}
		})
	}
}

func TestTransformOutcomes(t *testing.T) {
	srv, c := tlsServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "body") }, 4)
	limit := uint64(200) // room for the test server's headers, not for the grown body
	trap := func(context.Context, Transform, Response) (Response, *protocol.Reject) {
		return Response{}, &protocol.Reject{Code: protocol.CanisterError, Message: "transform trapped"}
	}
	grow := func(_ context.Context, _ Transform, r Response) (Response, *protocol.Reject) {
		return Response{Status: 200, Body: []byte(strings.Repeat("y", 201))}, nil
	}
	tr := &Transform{Canister: self, Method: "t"}
	if _, rej := c.Do(context.Background(), Request{URL: srv.URL, Method: "GET", Transform: tr}, trap); rej == nil || rej.Code != protocol.CanisterError {
		t.Fatalf("trapping transform: %v", rej)
	}
	if _, rej := c.Do(context.Background(), Request{URL: srv.URL, Method: "GET", Transform: tr, MaxResponseBytes: &limit}, grow); rej == nil || rej.Code != protocol.SysFatal || !strings.Contains(rej.Message, "Transformed http response exceeds limit") {
		t.Fatalf("oversize transform: %v", rej)
	}
}

func TestValidate(t *testing.T) {
	tooBig := uint64(protocol.OutcallMaxResponseBytes + 1)
	yes := true
	many := make([]Header, protocol.OutcallMaxHeaders+1)
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"ok", Request{URL: "https://a", Method: "GET"}, ""},
		{"url too long", Request{URL: "https://" + strings.Repeat("a", protocol.OutcallMaxURLBytes), Method: "GET"}, "url size 8200 exceeds 8192"},
		{"too many headers", Request{URL: "https://a", Method: "GET", Headers: many}, "number of all http headers 65 exceeds 64"},
		{"long header value", Request{URL: "https://a", Method: "GET", Headers: []Header{{Name: "a", Value: strings.Repeat("v", protocol.OutcallMaxHeaderBytes+1)}}}, "some http header value"},
		{"max_response_bytes", Request{URL: "https://a", Method: "GET", MaxResponseBytes: &tooBig}, "max_response_bytes expected to be in the range [0..2000000], got 2000001"},
		{"put replicated", Request{URL: "https://a", Method: "PUT", IsReplicated: &yes}, "only allowed for non-replicated requests"},
		{"patch replicated", Request{URL: "https://a", Method: "PATCH", IsReplicated: &yes}, "only allowed for non-replicated requests"},
		{"patch by default", Request{URL: "https://a", Method: "PATCH"}, "only allowed for non-replicated requests"},
		{"foreign transform", Request{URL: "https://a", Method: "GET", Transform: &Transform{Canister: []byte{9}}}, "transform principal id"},
		{"body too large", Request{URL: "https://a", Method: "POST", Body: make([]byte, protocol.OutcallMaxRequestBytes+1)}, "exceeds 2000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rej := tt.req.Validate(self)
			if tt.want == "" {
				if rej != nil {
					t.Fatalf("unexpected reject %v", rej)
				}
				return
			}
			if rej == nil || rej.Code != protocol.CanisterReject || !strings.Contains(rej.Message, tt.want) {
				t.Fatalf("got %v, want CanisterReject containing %q", rej, tt.want)
			}
		})
	}
}

func TestSize(t *testing.T) {
	r := Request{URL: "https://a/b", Headers: []Header{{Name: "k", Value: "vv"}}, Body: []byte("xyz"), Transform: &Transform{Method: "tr", Context: []byte{1}}}
	if got := r.Size(); got != 11+3+3+2+1 {
		t.Errorf("Size = %d, want 20", got)
	}
}
