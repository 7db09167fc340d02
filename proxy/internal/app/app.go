// Package app wires the proxy together from a Config: store, verifier, metrics, handler,
// listeners. cmd/idempotent-proxy and the end-to-end tests both run it.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocanister/stripe-ic/proxy/internal/auth"
	"github.com/gocanister/stripe-ic/proxy/internal/config"
	"github.com/gocanister/stripe-ic/proxy/internal/metrics"
	"github.com/gocanister/stripe-ic/proxy/internal/proxy"
	"github.com/gocanister/stripe-ic/proxy/internal/server"
	"github.com/gocanister/stripe-ic/proxy/internal/store"
)

// NewLogger returns the JSON logger at the configured level.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// RouteRedisLogs sends go-redis's own log lines (connection pool trouble) to log as warnings.
// go-redis keeps its logger in a package variable, so only a main package should call this.
func RouteRedisLogs(log *slog.Logger) {
	redis.SetLogger(redisLogger{log})
}

type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis", "detail", fmt.Sprintf(format, v...))
}

// Run serves the proxy until ctx ends. ready, if set, receives the listening addresses.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger, ready func([]net.Addr)) error {
	m := metrics.New()
	var st store.Store
	if cfg.RedisURL != "" {
		r, err := store.NewRedis(store.RedisOptions{
			URL: cfg.RedisURL, PollInterval: cfg.PollInterval, Quarantine: cfg.RedisQuarantine,
			JournalMaxKeys: cfg.MaxKeys, JournalMaxBytes: cfg.MaxStoreBytes,
			OnEpoch: func(e store.EpochChange) {
				how := "joined"
				if e.Created {
					how = "created"
				}
				m.StoreEpochs.WithLabelValues(how).Inc()
				m.StoreRestored.Add(float64(e.Restored))
				// The first contact with a new Redis looks the same as a loss; both are worth
				// a line, neither is an error.
				log.Warn("redis epoch: Redis is new, restarted or lost data; claims and answers of this instance written back",
					"epoch", e.ID, "how", how, "restored", e.Restored, "quarantine", e.Quarantine.String())
			},
		})
		if err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = r.Ping(pctx)
		cancel()
		if err != nil {
			// Not fatal: requests get 503 until Redis is back, /readyz says so.
			log.Warn("redis not reachable at start", "err", err.Error())
		}
		st = r
		log.Info("store", "kind", "redis", "quarantine", cfg.RedisQuarantine.String())
	} else {
		mem := store.NewMemory(cfg.MaxKeys, time.Minute)
		mem.SetMaxBytes(cfg.MaxStoreBytes)
		st = mem
		log.Info("store", "kind", "memory", "max_keys", cfg.MaxKeys, "max_bytes", cfg.MaxStoreBytes)
	}
	defer st.Close()

	ver, err := auth.NewVerifier(auth.VerifierOptions{
		Ed25519Keys: cfg.Ed25519Keys, ECDSAKeys: cfg.ECDSAKeys, AllowAgents: cfg.AllowAgents,
		MaxLifetime: cfg.TokenLifetime,
	})
	if err != nil {
		return err
	}
	switch {
	case ver.Enabled():
		log.Info("proxy-authorization required", "keys", len(cfg.Ed25519Keys)+len(cfg.ECDSAKeys),
			"agents", cfg.AllowAgents, "max_token_lifetime", cfg.TokenLifetime.String())
	case len(cfg.Headers) > 0 && cfg.InsecureSecrets:
		m.Insecure.WithLabelValues("secrets_without_auth").Set(1)
		log.Error("INSECURE: INSECURE_SECRETS_WITHOUT_AUTH is set and no token key is configured: " +
			"ANYONE who reaches this proxy can use its HEADER_* secrets. Configure ED25519_PUB_KEY* or ECDSA_PUB_KEY* " +
			"and give the canister a token (idempotent-proxy token).")
	default:
		log.Warn("no ED25519_PUB_KEY* or ECDSA_PUB_KEY* set: callers are anonymous (no HEADER_* secret is configured)")
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Rules)) {
		log.Info("route", "name", name, "allow", cfg.Rules[name].String())
	}
	var roots *x509.CertPool
	if cfg.UpstreamCAFile != "" {
		pem, err := os.ReadFile(cfg.UpstreamCAFile)
		if err != nil {
			return fmt.Errorf("UPSTREAM_CA_FILE: %w", err)
		}
		if roots, err = x509.SystemCertPool(); err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("UPSTREAM_CA_FILE %s: no PEM certificate", cfg.UpstreamCAFile)
		}
	}
	h, err := proxy.New(proxy.Options{
		Store: st, Verifier: ver, Metrics: m, Logger: log,
		URLs: cfg.URLs, Rules: cfg.Rules, Headers: cfg.Headers, SecretHeaders: cfg.SecretHeaders,
		InsecureSecretsWithoutAuth: cfg.InsecureSecrets, AllowHosts: cfg.AllowHosts, AllowPrivate: cfg.AllowPrivate,
		RootCAs: roots, RequestTimeout: cfg.RequestTimeout, IdempotencyTTL: cfg.IdempotencyTTL,
		FailureTTL: cfg.FailureTTL, MaxRequestBody: cfg.MaxRequestBody, MaxResponseBody: cfg.MaxResponseBody,
	})
	if err != nil {
		return err
	}
	defer h.Close()

	var tlsCfg *tls.Config
	switch {
	case cfg.TLSCertFile != "":
		if tlsCfg, err = server.LoadTLS(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
			return err
		}
	case cfg.TLSSelfSigned:
		var certPEM []byte
		var fp string
		if tlsCfg, certPEM, fp, err = server.SelfSigned(); err != nil {
			return err
		}
		// Printed (and written out) so a local client, or the local replica, can trust it.
		log.Info("self-signed TLS certificate", "sha256", fp, "pem", string(certPEM))
		if cfg.TLSCertOut != "" {
			if err := os.WriteFile(cfg.TLSCertOut, certPEM, 0o644); err != nil {
				return fmt.Errorf("TLS_CERT_OUT: %w", err)
			}
		}
	}
	return server.Serve(ctx, server.Routes(h, st, m.Handler()), server.Options{
		Addrs: cfg.ServerAddrs, TLS: tlsCfg, ShutdownTimeout: cfg.ShutdownTimeout,
		RequestTimeout: cfg.RequestTimeout, Logger: log, Ready: ready,
	})
}
