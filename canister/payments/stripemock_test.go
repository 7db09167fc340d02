package payments

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// httpOutcaller performs outcalls with net/http against a local server standing in for
// https://<host>, and applies the transform like the IC does.
type httpOutcaller struct {
	base string // http://127.0.0.1:port
}

func (h httpOutcaller) Outcall(ctx context.Context, req OutcallRequest) (OutcallResponse, error) {
	_, path, ok := strings.Cut(strings.TrimPrefix(req.URL, "https://"), "/")
	if !ok {
		return OutcallResponse{}, fmt.Errorf("url %s has no path", req.URL)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, h.base+"/"+path, bytes.NewReader(req.Body))
	if err != nil {
		return OutcallResponse{}, err
	}
	for _, hd := range req.Headers {
		hr.Header.Add(hd.Name, hd.Value)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return OutcallResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(req.MaxResponseBytes)+1))
	if err != nil {
		return OutcallResponse{}, err
	}
	if uint64(len(body)) > req.MaxResponseBytes {
		return OutcallResponse{}, fmt.Errorf("response larger than max_response_bytes %d", req.MaxResponseBytes)
	}
	return TransformResponse(OutcallResponse{Status: resp.StatusCode, Body: body}, req.TransformContext), nil
}

// startStripeMock runs stripe-mock (go install github.com/stripe/stripe-mock@v0.203.0) on
// a free local port.
func startStripeMock(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "stripe-mock")
		if _, err := os.Stat(bin); err != nil {
			t.Skip("stripe-mock not installed (go install github.com/stripe/stripe-mock@v0.203.0)")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "-http-addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("stripe-mock did not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAgainstStripeMock sends the canister's real outcalls to stripe-mock, which checks
// every parameter against Stripe's OpenAPI specification.
func TestAgainstStripeMock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts stripe-mock")
	}
	out := httpOutcaller{base: startStripeMock(t)}
	s := newTestService(t, Config{APIKey: "sk_test_123"}, out)
	ctx := context.Background()
	created, err := s.CreateCheckoutSession(ctx, Caller{Principal: "ctl", IsController: true}, sampleCreate(), env(0))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !ValidSessionID(created.ID) || !strings.HasPrefix(created.URL, "https://") {
		t.Fatalf("created %+v", created)
	}
	rec, err := s.Refresh(ctx, created.ID, env(10*time.Second))
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if !rec.Confirmed || rec.SessionID != created.ID {
		t.Fatalf("record %+v", rec)
	}
	t.Logf("stripe-mock session %s: %s/%s -> %s", rec.SessionID, rec.StripeStatus, rec.PaymentStatus, rec.Status)
	// The same request with one unknown parameter is refused: stripe-mock really checks
	// what the canister sends.
	req := s.createRequest(Caller{Principal: "ctl"}, ptr(sampleCreate()))
	req.Body = append(req.Body, "&bogus_param=1"...)
	if resp, err := out.Outcall(ctx, req); err != nil || resp.Status != 400 {
		t.Fatalf("unknown parameter: %d %v", resp.Status, err)
	}
	// Without a key stripe-mock answers 401: a configuration error, not a failed payment.
	s2 := newTestService(t, Config{}, out)
	if _, err := s2.Refresh(ctx, created.ID, env(0)); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("no key: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
