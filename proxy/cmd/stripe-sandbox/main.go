// Command stripe-sandbox runs the local Stripe stand-in (package sandbox) on
// 127.0.0.1:12111: it creates a Payment Link at start, prints its URL and the
// webhook signing secret, serves the Stripe API subset the product uses and
// delivers signed webhooks. It is for offline development and tests only;
// with STRIPE_SECRET_KEY set, the proxy talks to api.stripe.com instead.
//
// Every flag has an environment variable (shown in -help); flags win.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gocanister/stripe-ic/proxy/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stripe-sandbox:", err)
		stop()
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	addr, publicURL, apiKey, stateFile, infoFile, logLevel string
	webhookURLs                                            listFlag
	webhookSecret                                          string
	retry                                                  sandbox.RetryPolicy
	link                                                   sandbox.LinkSpec
	noLink                                                 bool
}

// listFlag is a repeatable, comma-separable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("stripe-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", env("SANDBOX_ADDR", "127.0.0.1:12111"), "listen address (SANDBOX_ADDR)")
	fs.StringVar(&o.publicURL, "public-url", env("SANDBOX_PUBLIC_URL", ""),
		"URL browsers reach the sandbox at (SANDBOX_PUBLIC_URL; default http://<addr>)")
	fs.StringVar(&o.apiKey, "api-key", env("SANDBOX_API_KEY", ""),
		"accept only this test key (SANDBOX_API_KEY; default any sk_test_/rk_test_ key)")
	fs.StringVar(&o.stateFile, "state", env("SANDBOX_STATE_FILE", ""), "JSON state file kept across restarts (SANDBOX_STATE_FILE)")
	fs.StringVar(&o.infoFile, "info", env("SANDBOX_INFO_FILE", ""),
		"write {api_base, payment_link_url, payment_link_id, webhook_secret} as JSON here (SANDBOX_INFO_FILE)")
	fs.StringVar(&o.logLevel, "log-level", env("SANDBOX_LOG_LEVEL", "info"), "debug|info|warn|error (SANDBOX_LOG_LEVEL)")
	_ = o.webhookURLs.Set(env("SANDBOX_WEBHOOK_URLS", ""))
	fs.Var(&o.webhookURLs, "webhook-url", "webhook endpoint; repeatable or comma-separated (SANDBOX_WEBHOOK_URLS)")
	fs.StringVar(&o.webhookSecret, "webhook-secret", env("STRIPE_WEBHOOK_SECRET", ""),
		"whsec_ signing secret (STRIPE_WEBHOOK_SECRET; generated and printed when empty)")
	attempts := fs.Int("webhook-max-attempts", int(envInt("SANDBOX_WEBHOOK_MAX_ATTEMPTS", 8)),
		"delivery attempts per event and endpoint (SANDBOX_WEBHOOK_MAX_ATTEMPTS)")
	fs.DurationVar(&o.retry.InitialBackoff, "webhook-backoff", envDuration("SANDBOX_WEBHOOK_BACKOFF", time.Second),
		"wait after the first failed delivery, doubling (SANDBOX_WEBHOOK_BACKOFF)")
	fs.DurationVar(&o.retry.MaxBackoff, "webhook-max-backoff", envDuration("SANDBOX_WEBHOOK_MAX_BACKOFF", time.Minute),
		"cap of the retry wait (SANDBOX_WEBHOOK_MAX_BACKOFF)")
	fs.DurationVar(&o.retry.Timeout, "webhook-timeout", envDuration("SANDBOX_WEBHOOK_TIMEOUT", 10*time.Second),
		"per-attempt timeout (SANDBOX_WEBHOOK_TIMEOUT)")
	fs.StringVar(&o.link.ProductName, "link-name", env("SANDBOX_LINK_NAME", "Test payment"), "start-up link: product name (SANDBOX_LINK_NAME)")
	fs.StringVar(&o.link.Currency, "link-currency", env("SANDBOX_LINK_CURRENCY", "usd"), "start-up link: currency (SANDBOX_LINK_CURRENCY)")
	fs.Int64Var(&o.link.UnitAmount, "link-amount", envInt("SANDBOX_LINK_AMOUNT", 1234),
		"start-up link: amount in minor units, e.g. 1234 = $12.34 (SANDBOX_LINK_AMOUNT)")
	fs.StringVar(&o.link.SuccessURL, "success-url", env("SANDBOX_SUCCESS_URL", ""),
		"start-up link: redirect after payment, {CHECKOUT_SESSION_ID} is substituted (SANDBOX_SUCCESS_URL; "+
			"empty shows a confirmation page)")
	fs.BoolVar(&o.noLink, "no-link", false, "do not create a Payment Link at start")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.retry.MaxAttempts = *attempts
	return o, nil
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if os.Getenv("STRIPE_SECRET_KEY") != "" {
		// The sandbox never replaces real Stripe; say so instead of refusing,
		// since tests may run both.
		log.Warn("STRIPE_SECRET_KEY is set: the proxy will use api.stripe.com, not this sandbox")
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if o.publicURL == "" {
		o.publicURL = "http://" + ln.Addr().String() // the real port when -addr has :0
	}
	sb, err := sandbox.New(sandbox.Config{
		BaseURL: o.publicURL, APIKey: o.apiKey, WebhookEndpoints: o.webhookURLs,
		WebhookSecret: o.webhookSecret, Retry: o.retry, StateFile: o.stateFile, Logger: log,
	})
	if err != nil {
		_ = ln.Close()
		return err
	}

	info := map[string]string{"api_base": o.publicURL, "webhook_secret": sb.WebhookSecret()}
	fmt.Fprintf(stdout, "stripe sandbox listening on %s\n", o.publicURL)
	fmt.Fprintf(stdout, "webhook secret: %s\n", sb.WebhookSecret())
	if len(o.webhookURLs) > 0 {
		fmt.Fprintf(stdout, "webhook endpoints: %s\n", o.webhookURLs.String())
	}
	if !o.noLink {
		link, err := sb.CreatePaymentLink(o.link)
		if err != nil {
			_ = ln.Close()
			_ = sb.Close()
			return err
		}
		fmt.Fprintf(stdout, "payment link: %s\n", link.URL)
		info["payment_link_url"], info["payment_link_id"] = link.URL, link.ID
	}
	if o.infoFile != "" {
		data, _ := json.MarshalIndent(info, "", "  ")
		if err := os.WriteFile(o.infoFile, append(data, '\n'), 0o600); err != nil {
			_ = ln.Close()
			_ = sb.Close()
			return fmt.Errorf("write info file: %w", err)
		}
	}

	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = sb.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	return sb.Close()
}
