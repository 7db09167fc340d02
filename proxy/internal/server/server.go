// Package server runs the proxy's HTTP(S) listeners: it binds every configured address
// (IPv6 and IPv4), serves TLS from files or a generated self-signed certificate, answers the
// operational endpoints (/healthz, /readyz, /metrics) and shuts down gracefully.
package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// Pinger reports readiness (the idempotency store).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Routes puts the operational endpoints in front of the proxy. They answer only requests
// without x-forwarded-host, so an upstream path such as /healthz can still be proxied.
func Routes(proxy http.Handler, ready Pinger, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-Host") == "" && r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/healthz":
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				fmt.Fprintln(w, "ok")
				return
			case "/readyz":
				ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
				defer cancel()
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				if err := ready.Ping(ctx); err != nil {
					http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
					return
				}
				fmt.Fprintln(w, "ready")
				return
			case "/metrics":
				metrics.ServeHTTP(w, r)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	})
}

// Options configure Serve.
type Options struct {
	Addrs           []string
	TLS             *tls.Config // nil: plain HTTP
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration // bounds a whole exchange together with the wait margin
	Logger          *slog.Logger
	// Ready, if set, receives the bound addresses once every listener is up.
	Ready func(addrs []net.Addr)
}

// Serve listens on every address and serves h until ctx ends, then drains in-flight requests
// for up to ShutdownTimeout.
func Serve(ctx context.Context, h http.Handler, o Options) error {
	var lns []net.Listener
	for _, a := range o.Addrs {
		ln, err := listen(a)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		lns = append(lns, ln)
	}
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         o.TLS,
		ReadHeaderTimeout: 5 * time.Second,
		// A duplicate may wait up to two request timeouts for the first one's answer.
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   3*o.RequestTimeout + 10*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	var addrs []net.Addr
	for _, ln := range lns {
		addrs = append(addrs, ln.Addr())
		scheme := "http"
		if o.TLS != nil {
			scheme = "https"
		}
		o.Logger.Info("listening", "addr", ln.Addr().String(), "scheme", scheme)
	}
	errc := make(chan error, len(lns))
	var wg sync.WaitGroup
	for _, ln := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if o.TLS != nil {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve %s: %w", ln.Addr(), err)
			}
		}()
	}
	if o.Ready != nil {
		o.Ready(addrs)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	o.Logger.Info("shutting down", "grace", o.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	wg.Wait()
	if serveErr != nil {
		return serveErr
	}
	if err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return nil
}

// listen binds one address. A literal IPv6 address is bound IPv6-only ("tcp6"), so
// "127.0.0.1:8080,[::1]:8080" works; an empty host (":8080") or "[::]" binds dual-stack.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen %q: %w", addr, err)
	}
	network := "tcp"
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil && !ip.IsUnspecified() {
		network = "tcp6"
	} else if ip != nil && ip.To4() != nil {
		network = "tcp4"
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return ln, nil
}

// LoadTLS reads a certificate chain and key from PEM files.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS key pair: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// SelfSigned generates a P-256 certificate for localhost, 127.0.0.1, ::1 and the given extra
// names, valid for 30 days. It returns the TLS config, the certificate PEM (to hand to
// clients) and its SHA-256 fingerprint.
func SelfSigned(names ...string) (*tls.Config, []byte, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, "", fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, "", fmt.Errorf("serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "idempotent-proxy (self-signed)"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if n != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, "", fmt.Errorf("create certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, certPEM, hex.EncodeToString(sum[:]), nil
}
