package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	t.Setenv("SANDBOX_WEBHOOK_URLS", "http://a.test/hook, http://b.test/hook")
	t.Setenv("SANDBOX_LINK_AMOUNT", "500")
	tests := []struct {
		name     string
		args     []string
		wantURLs int
		amount   int64
		attempts int
		wantErr  bool
	}{
		{"env defaults", nil, 2, 500, 8, false},
		{"flags add to env", []string{"-webhook-url", "http://c.test/h", "-link-amount", "99",
			"-webhook-max-attempts", "3"}, 3, 99, 3, false},
		{"bad duration", []string{"-webhook-backoff", "soon"}, 0, 0, 0, true},
		{"stray argument", []string{"extra"}, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, &bytes.Buffer{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			if len(o.webhookURLs) != tt.wantURLs || o.link.UnitAmount != tt.amount || o.retry.MaxAttempts != tt.attempts {
				t.Errorf("options = %+v", o)
			}
		})
	}
}

// syncBuffer is a goroutine-safe output capture.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info.json")
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-info", info, "-state", filepath.Join(dir, "state.json"),
			"-webhook-secret", "whsec_fixed", "-success-url", "http://app.test/?checkout_session_id={CHECKOUT_SESSION_ID}"},
			&out, &logs)
	}()
	var got map[string]string
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(info)
		if err == nil && json.Unmarshal(data, &got) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no info file; output %q, logs %q", out.String(), logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got["webhook_secret"] != "whsec_fixed" || !strings.HasPrefix(got["payment_link_url"], got["api_base"]+"/b/plink_") {
		t.Errorf("info = %v", got)
	}
	if !strings.Contains(out.String(), "payment link: "+got["payment_link_url"]) ||
		!strings.Contains(out.String(), "webhook secret: whsec_fixed") {
		t.Errorf("stdout = %q", out.String())
	}
	resp, err := http.Get(got["api_base"] + "/_sandbox/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not shut down")
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err != nil {
		t.Errorf("state file not written: %v", err)
	}
}
