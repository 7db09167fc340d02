// Command localnet runs the whole payment flow on one machine, offline: the local replica,
// the idempotent proxy (HTTPS with a certificate the replica trusts), the Stripe sandbox
// (unless STRIPE_SECRET_KEY names a real key), the stripe_backend canister deployed and
// configured to use them, and the payment page uploaded into the canister. It prints the
// URLs and stops everything on Ctrl-C. `make run` builds the binaries and starts it.
//
// Readiness: the "Ready." line on stdout, and <state>/localnet.json (written atomically once
// the page answers through the gateway, removed at stop). <state>/canister_ids.json, dfx's
// file, is likewise only (re)written once the canister answers.
//
// The stack stops on SIGINT, SIGTERM and SIGHUP, and when the parent process (make) exits
// or is signalled; the children also get SIGTERM from the kernel if localnet itself dies.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/deploy"
)

type options struct {
	root, bin, module, frontend string
	state                       string
	replicaAddr, proxyAddr      string
	sandboxAddr                 string
	nodes                       int
	linkAmount                  int64  // the sandbox's Payment Link, in minor units
	linkCurrency                string // its currency
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "repository root; the relative paths below are relative to it")
	flag.StringVar(&o.bin, "bin", "canister/build/bin", "directory with replica, idempotent-proxy and stripe-sandbox")
	flag.StringVar(&o.module, "module", "canister/build/stripe_backend.wasm.gz", "the canister module")
	flag.StringVar(&o.frontend, "frontend", "frontend", "the payment page's files")
	flag.StringVar(&o.replicaAddr, "replica-addr", "127.0.0.1:4943", "replica listen address")
	flag.StringVar(&o.proxyAddr, "proxy-addr", "127.0.0.1:8443", "idempotent proxy listen address (HTTPS)")
	flag.StringVar(&o.sandboxAddr, "sandbox-addr", "127.0.0.1:12111", "Stripe sandbox listen address")
	flag.IntVar(&o.nodes, "nodes", protocol.SubnetNodes, "simulated subnet size")
	flag.Int64Var(&o.linkAmount, "link-amount", 1234, "the sandbox Payment Link's price in minor units (1234 = $12.34); shown on the page")
	flag.StringVar(&o.linkCurrency, "link-currency", "usd", "the sandbox Payment Link's currency")
	flag.StringVar(&o.state, "state", filepath.Join(".dfx", "local"), "state and logs directory (dfx's layout)")
	flag.Parse()
	ctx, stop := stopContext()
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

func checkFree(addr, what string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s address %s is in use (%v): stop whatever listens there (another `make run`, `make replica` or dfx) and retry", what, addr, err)
	}
	return ln.Close()
}

// waitFor polls until check succeeds, the deadline passes or the run is stopped, printing
// a dot per second.
func waitFor(ctx context.Context, what string, d time.Duration, check func() error) error {
	fmt.Printf("    waiting for %s ", what)
	deadline := time.Now().Add(d)
	last := time.Now()
	for {
		err := check()
		if err == nil {
			fmt.Println("ok")
			return nil
		}
		if time.Now().After(deadline) {
			fmt.Println("failed")
			return fmt.Errorf("%s not ready after %v: %v", what, d, err)
		}
		if time.Since(last) > time.Second {
			fmt.Print(".")
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			fmt.Println("stopped")
			return errStopped
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// errStopped ends a run stopped (by a signal or the parent) before it was ready.
var errStopped = errors.New("stopped before the stack was ready")

// httpOK checks that url answers 2xx; host, when set, is the Host header (a canister's
// <id>.localhost domain on the replica's address, without relying on name resolution).
func httpOK(url, host string) func() error {
	return func() error {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return err
		}
		req.Host = host
		req.Header.Set("Accept", "text/html")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	}
}

// settings are kept across runs so a second `make run` reuses the canister's secret.
type settings struct {
	WebhookSecret string `json:"webhook_secret"`
}

func loadSettings(path string) (settings, error) {
	var s settings
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("%s: %w (delete it to start over)", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	if s.WebhookSecret == "" {
		b := make([]byte, 24)
		rand.Read(b)
		s.WebhookSecret = "whsec_" + hex.EncodeToString(b)
	}
	out, _ := json.MarshalIndent(s, "", "  ")
	return s, os.WriteFile(path, out, 0o600)
}

func run(ctx context.Context, o options) error {
	if err := os.Chdir(o.root); err != nil {
		return err
	}
	// Absolute from here on: localnet.json hands these paths to other processes.
	local, err := filepath.Abs(o.state)
	if err != nil {
		return err
	}
	logs := filepath.Join(local, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	readyFile := filepath.Join(local, "localnet.json")
	os.Remove(readyFile) // written again when ready
	for _, c := range []struct{ addr, what string }{{o.replicaAddr, "replica"}, {o.proxyAddr, "proxy"}, {o.sandboxAddr, "sandbox"}} {
		if err := checkFree(c.addr, c.what); err != nil {
			return err
		}
	}
	ids, err := stageIDs(local)
	if err != nil {
		return err
	}
	defer ids.abandon()
	cfg, err := loadSettings(filepath.Join(local, "run.json"))
	if err != nil {
		return err
	}
	realStripe := os.Getenv("STRIPE_SECRET_KEY")
	svc := &services{}
	defer svc.stop()
	stopped := func(err error) error {
		if errors.Is(err, errStopped) {
			fmt.Printf("==> stopping (%v)\n", context.Cause(ctx))
			return nil
		}
		return err
	}

	// 1. The proxy first: the replica must trust its certificate from the start.
	fmt.Println("==> starting the idempotent proxy (HTTPS, self-signed certificate trusted by the replica)")
	certFile := filepath.Join(local, "proxy-cert.pem")
	os.Remove(certFile)
	upstream, key := "http://"+o.sandboxAddr, "sk_test_localnet"
	if realStripe != "" {
		upstream, key = "https://api.stripe.com", realStripe
	}
	// The proxy gives its Stripe key only to a caller with a token it can verify: the
	// canister, which gets the token in its init argument.
	tokenKey, token, err := proxyToken(filepath.Join(o.bin, "idempotent-proxy"), filepath.Join(local, "proxy-token.pem"))
	if err != nil {
		return err
	}
	if _, err := svc.start(logs, "proxy", filepath.Join(o.bin, "idempotent-proxy"), []string{
		"SERVER_ADDR=" + o.proxyAddr, "TLS_SELF_SIGNED=true", "TLS_CERT_OUT=" + certFile,
		"URL_STRIPE=" + upstream, "HEADER_STRIPE_KEY=" + key,
		"ALLOW_URL_STRIPE=GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions",
		"ED25519_PUB_KEY=" + tokenKey, "ALLOW_AGENTS=stripe_backend",
	}); err != nil {
		return err
	}
	if err := waitFor(ctx, "the proxy's certificate", 30*time.Second, func() error { _, err := os.Stat(certFile); return err }); err != nil {
		return stopped(fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "proxy.log")))
	}

	// 2. The replica.
	fmt.Println("==> starting the local replica")
	if _, err := svc.start(logs, "replica", filepath.Join(o.bin, "replica"), nil,
		"-addr", o.replicaAddr, "-state", filepath.Join(local, "replica"), "-outcall-ca", certFile, "-nodes", fmt.Sprint(o.nodes)); err != nil {
		return err
	}
	replicaURL := "http://" + o.replicaAddr
	if err := waitFor(ctx, "the replica", 60*time.Second, httpOK(replicaURL+"/api/v2/status", "")); err != nil {
		return stopped(fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "replica.log")))
	}

	// 3. The canister.
	fmt.Println("==> deploying stripe_backend")
	module, err := os.ReadFile(o.module)
	if err != nil {
		return fmt.Errorf("%w (run `make canister`)", err)
	}
	arg := fmt.Sprintf(`(record { api_host = "api.stripe.com"; api_key = opt "HEADER_STRIPE_KEY"; idempotent_proxy = opt "https://%s/URL_STRIPE"; proxy_authorization = opt %q; webhook_secrets = opt vec { %q } })`,
		strings.Replace(o.proxyAddr, "127.0.0.1", "localhost", 1), token, cfg.WebhookSecret)
	argBytes, err := deploy.ArgFromText(arg)
	if err != nil {
		return err
	}
	identity := filepath.Join(local, "identity.pem")
	res, err := deploy.Deploy(deploy.Options{URL: replicaURL, Name: "stripe_backend", Module: module, Arg: argBytes,
		IDsFile: ids.pending, IdentityFile: identity,
		Log: func(f string, a ...any) { fmt.Printf("    "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	id := res.CanisterID
	page := fmt.Sprintf("http://%s.localhost:%s/", id, port(o.replicaAddr))

	// 4. The Stripe sandbox, pointing its redirect and webhooks at the canister.
	paymentLink := os.Getenv("STRIPE_PAYMENT_LINK")
	price := priceFromEnv()
	if realStripe == "" {
		fmt.Println("==> starting the Stripe sandbox")
		price = &linkPrice{Amount: o.linkAmount, Currency: o.linkCurrency}
		info := filepath.Join(local, "sandbox-info.json")
		os.Remove(info)
		if _, err := svc.start(logs, "sandbox", filepath.Join(o.bin, "stripe-sandbox"), nil,
			"-addr", o.sandboxAddr, "-api-key", "sk_test_localnet", "-info", info,
			"-webhook-secret", cfg.WebhookSecret,
			"-webhook-url", fmt.Sprintf("http://%s.raw.localhost:%s/webhook", id, port(o.replicaAddr)),
			"-success-url", page+"?checkout_session_id={CHECKOUT_SESSION_ID}",
			"-link-amount", fmt.Sprint(o.linkAmount), "-link-currency", o.linkCurrency); err != nil {
			return err
		}
		if err := waitFor(ctx, "the sandbox", 30*time.Second, func() error {
			b, err := os.ReadFile(info)
			if err != nil {
				return err
			}
			var i struct {
				PaymentLinkURL string `json:"payment_link_url"`
			}
			if err := json.Unmarshal(b, &i); err != nil || i.PaymentLinkURL == "" {
				return fmt.Errorf("no payment link yet")
			}
			paymentLink = i.PaymentLinkURL
			return nil
		}); err != nil {
			return stopped(fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "sandbox.log")))
		}
	}

	// 5. The payment page, with its configuration, into the canister.
	fmt.Println("==> uploading the payment page")
	if err := uploadPage(replicaURL, identity, id, o.frontend, paymentLink, price); err != nil {
		return err
	}
	// The canister answers through the gateway: now publish its id and the stack.
	if err := waitFor(ctx, "the page", 30*time.Second, httpOK(replicaURL+"/", fmt.Sprintf("%s.localhost:%s", id, port(o.replicaAddr)))); err != nil {
		return stopped(fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "replica.log")))
	}
	if err := ids.publish(); err != nil {
		return err
	}
	ready, _ := json.MarshalIndent(map[string]string{
		"page": page, "payment_link": paymentLink, "replica": replicaURL, "canister_id": id.String(),
		"proxy": "https://" + o.proxyAddr, "sandbox": "http://" + o.sandboxAddr, "identity": identity,
	}, "", "  ")
	if err := writeFileAtomic(readyFile, ready, 0o644); err != nil {
		return err
	}
	fmt.Printf(`
Ready.
  payment page    %s
  payment link    %s
  replica         %s   (canister %s)
  proxy           https://%s
  Stripe          %s
  logs            %s/
Pay with 4242 4242 4242 4242 (any future date, any CVC); 4000 0000 0000 0002 is declined.
Ctrl-C stops everything; state is kept in %s.
`, page, orNone(paymentLink), replicaURL, id, o.proxyAddr, stripeWhere(realStripe, o.sandboxAddr), logs, local)

	<-ctx.Done()
	fmt.Printf("\n==> stopping (%v)\n", context.Cause(ctx))
	os.Remove(readyFile)
	return nil
}

// stagedIDs keeps dfx's canister_ids.json from naming a canister before it answers (tools
// poll for the file): the deployment records ids in a pending file, renamed over
// canister_ids.json once the page answers. A run that ends before that puts back the file it
// found if nothing changed, and otherwise keeps the pending file, so the next run reuses the
// canister this one created.
type stagedIDs struct {
	final, pending string
	found          []byte // canister_ids.json as the run found it; nil: none
}

func stageIDs(local string) (*stagedIDs, error) {
	s := &stagedIDs{final: filepath.Join(local, "canister_ids.json"), pending: filepath.Join(local, "canister_ids.pending.json")}
	b, err := os.ReadFile(s.final)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil // a pending file left by a run that did not get ready is used as is
	case err != nil:
		return nil, fmt.Errorf("staging %s: %w", s.final, err)
	}
	s.found = b
	if err := os.Rename(s.final, s.pending); err != nil {
		return nil, fmt.Errorf("staging %s: %w", s.final, err)
	}
	return s, nil
}

// publish makes the pending ids dfx's canister_ids.json.
func (s *stagedIDs) publish() error {
	if err := os.Rename(s.pending, s.final); err != nil {
		return fmt.Errorf("publishing %s: %w", s.final, err)
	}
	s.found = nil
	return nil
}

// abandon ends a run that did not publish: the file found at the start comes back when the
// deployment did not change it.
func (s *stagedIDs) abandon() {
	if s.found == nil {
		return
	}
	if b, err := os.ReadFile(s.pending); err == nil && bytes.Equal(b, s.found) {
		os.Rename(s.pending, s.final)
	}
}

// writeFileAtomic writes a file that readers polling for it never see half written.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// proxyToken runs the proxy's token subcommand: it signs a token for the agent
// stripe_backend with the key in keyFile (created on first use) and returns the public key
// for the proxy and the proxy-authorization value for the canister.
func proxyToken(proxyBin, keyFile string) (pub, header string, err error) {
	out, err := exec.Command(proxyBin, "token", "-key", keyFile, "-agent", "stripe_backend", "-lifetime", "720h").Output()
	if err != nil {
		return "", "", fmt.Errorf("signing the canister's proxy token: %w (run `make run`, which builds %s)", err, proxyBin)
	}
	for line := range strings.Lines(string(out)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "ED25519_PUB_KEY":
			pub = v
		case "PROXY_AUTHORIZATION":
			header = strings.Trim(v, "'")
		}
	}
	if pub == "" || header == "" {
		return "", "", fmt.Errorf("%s token printed no key or token: %q", proxyBin, out)
	}
	return pub, header, nil
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func orNone(s string) string {
	if s == "" {
		return "(none: set STRIPE_PAYMENT_LINK to your Payment Link)"
	}
	return s
}

func stripeWhere(real, sandbox string) string {
	if real != "" {
		return "api.stripe.com (STRIPE_SECRET_KEY)"
	}
	return "sandbox http://" + sandbox
}

// linkPrice is what the Payment Link charges, shown on the page before paying.
type linkPrice struct {
	Amount   int64  `json:"amount"`   // minor units, as Stripe counts them
	Currency string `json:"currency"` // ISO code, lower case
}

// priceFromEnv reads the price of a real Payment Link (Stripe's link URL does not say it):
// STRIPE_PAYMENT_AMOUNT in minor units and STRIPE_PAYMENT_CURRENCY; nil when not set.
func priceFromEnv() *linkPrice {
	amount, err := strconv.ParseInt(os.Getenv("STRIPE_PAYMENT_AMOUNT"), 10, 64)
	currency := strings.ToLower(strings.TrimSpace(os.Getenv("STRIPE_PAYMENT_CURRENCY")))
	if err != nil || amount <= 0 || currency == "" {
		return nil
	}
	return &linkPrice{Amount: amount, Currency: currency}
}

// uploadPage sends the page's files and a generated config.js to the canister.
func uploadPage(replicaURL, identity string, id principal.Principal, dir, paymentLink string, price *linkPrice) error {
	files := []struct{ name, contentType string }{
		{"index.html", "text/html; charset=utf-8"},
		{"app.js", "text/javascript; charset=utf-8"},
		{"style.css", "text/css; charset=utf-8"},
		{"favicon.svg", "image/svg+xml"},
	}
	var assets []deploy.Asset
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return err
		}
		assets = append(assets, deploy.Asset{Path: "/" + f.name, ContentType: f.contentType, Content: b})
	}
	assets = append(assets, deploy.Asset{Path: "/config.js", ContentType: "text/javascript; charset=utf-8", Content: []byte(configJS(paymentLink, price))})
	return deploy.UploadAssets(replicaURL, identity, id, assets)
}

// configJS is the page's config.js (see frontend/README.md); price may be nil.
func configJS(paymentLink string, price *linkPrice) string {
	link, _ := json.Marshal(paymentLink)
	amount, currency := []byte("null"), []byte(`""`)
	if price != nil {
		amount = strconv.AppendInt(nil, price.Amount, 10)
		currency, _ = json.Marshal(price.Currency)
	}
	return fmt.Sprintf(`// Written by make run.
window.PAYMENT_PAGE_CONFIG = {
  paymentLinkUrl: %s,
  amount: %s,
  currency: %s,
  allowedLinkOrigins: [],
  checkoutEndpoint: "/checkout/",
  pollInitialMs: 300,
  pollMaxMs: 3000,
  pollTimeoutMs: 120000
};
`, link, amount, currency)
}
