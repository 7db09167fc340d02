package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestListenFamilies(t *testing.T) {
	tests := []struct {
		addr, network string
	}{
		{"127.0.0.1:0", "tcp4"},
		{"[::1]:0", "tcp6"},
		{"localhost:0", "tcp"},
	}
	for _, tc := range tests {
		ln, err := listen(tc.addr)
		if err != nil {
			t.Fatalf("listen(%s): %v", tc.addr, err)
		}
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		ip := net.ParseIP(host)
		switch tc.network {
		case "tcp4":
			if ip.To4() == nil {
				t.Errorf("%s bound %s", tc.addr, ln.Addr())
			}
		case "tcp6":
			if ip.To4() != nil {
				t.Errorf("%s bound %s", tc.addr, ln.Addr())
			}
		}
		ln.Close()
	}
	if _, err := listen("no-port"); err == nil {
		t.Error("listen accepted an address without a port")
	}
}

func TestSelfSigned(t *testing.T) {
	cfg, certPEM, fp, err := SelfSigned("proxy.local", "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q", fp)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("printed PEM does not parse")
	}
	// A client that trusts the printed certificate verifies the server (name 127.0.0.1).
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("verified TLS with the printed certificate: %v", err)
	}
	resp.Body.Close()
	leaf, _ := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err := leaf.VerifyHostname("proxy.local"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("::1"); err != nil {
		t.Error(err)
	}
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestRoutes(t *testing.T) {
	proxied := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "proxied") })
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics") })
	tests := []struct {
		name, method, path, fwd string
		ready                   error
		status                  int
		body                    string
	}{
		{"healthz", "GET", "/healthz", "", nil, 200, "ok"},
		{"ready", "GET", "/readyz", "", nil, 200, "ready"},
		{"not ready", "GET", "/readyz", "", errors.New("redis down"), 503, "redis down"},
		{"metrics", "GET", "/metrics", "", nil, 200, "metrics"},
		{"upstream healthz", "GET", "/healthz", "api.stripe.com", nil, 200, "proxied"},
		{"post healthz", "POST", "/healthz", "", nil, 200, "proxied"},
		{"other", "GET", "/v1/x", "", nil, 200, "proxied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Routes(proxied, pinger{tc.ready}, metrics)
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.fwd != "" {
				req.Header.Set("X-Forwarded-Host", tc.fwd)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("%d %q, want %d %q", rec.Code, rec.Body.String(), tc.status, tc.body)
			}
		})
	}
}

func TestServeStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan []net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, http.NotFoundHandler(), Options{
			Addrs: []string{"127.0.0.1:0"}, ShutdownTimeout: time.Second, RequestTimeout: time.Second,
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Ready: func(a []net.Addr) { addrs <- a },
		})
	}()
	a := <-addrs
	if _, err := http.Get("http://" + a[0].String()); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A bad address fails before serving.
	if err := Serve(context.Background(), http.NotFoundHandler(), Options{Addrs: []string{"256.0.0.1:0"},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}); err == nil {
		t.Fatal("Serve accepted an invalid address")
	}
}
