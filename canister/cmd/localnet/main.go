// Command localnet runs the whole payment flow on one machine, offline: the local replica,
// the idempotent proxy (HTTPS with a certificate the replica trusts), the Stripe sandbox
// (unless STRIPE_SECRET_KEY names a real key), the stripe_backend canister deployed and
// configured to use them, and the payment page uploaded into the canister. It prints the
// URLs and stops everything on Ctrl-C. `make run` builds the binaries and starts it.
package main

import (
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
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/deploy"
)

type options struct {
	root, bin, module, frontend string
	state                       string
	replicaAddr, proxyAddr      string
	sandboxAddr                 string
	nodes                       int
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "repository root")
	flag.StringVar(&o.bin, "bin", "canister/build/bin", "directory with replica, idempotent-proxy and stripe-sandbox")
	flag.StringVar(&o.module, "module", "canister/build/stripe_backend.wasm.gz", "the canister module")
	flag.StringVar(&o.frontend, "frontend", "frontend", "the payment page's files")
	flag.StringVar(&o.replicaAddr, "replica-addr", "127.0.0.1:4943", "replica listen address")
	flag.StringVar(&o.proxyAddr, "proxy-addr", "127.0.0.1:8443", "idempotent proxy listen address (HTTPS)")
	flag.StringVar(&o.sandboxAddr, "sandbox-addr", "127.0.0.1:12111", "Stripe sandbox listen address")
	flag.IntVar(&o.nodes, "nodes", 13, "simulated subnet size")
	flag.StringVar(&o.state, "state", filepath.Join(".dfx", "local"), "state and logs directory (dfx's layout)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

// services are the child processes, stopped in reverse order.
type services struct{ procs []*exec.Cmd }

func (s *services) stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		p := s.procs[i]
		if p.Process == nil || p.ProcessState != nil {
			continue
		}
		p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.Process.Kill()
			<-done
		}
	}
}

// start runs a binary with its output in logs/<name>.log.
func (s *services) start(logDir, name, bin string, env []string, args ...string) (*exec.Cmd, error) {
	f, err := os.OpenFile(filepath.Join(logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "\n==== %s: %s %s\n", time.Now().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w (run `make run`, which builds it)", name, err)
	}
	s.procs = append(s.procs, cmd)
	return cmd, nil
}

func checkFree(addr, what string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s address %s is in use (%v): stop whatever listens there (another `make run`, `make replica` or dfx) and retry", what, addr, err)
	}
	return ln.Close()
}

// waitFor polls until check succeeds or the deadline passes, printing a dot per second.
func waitFor(what string, d time.Duration, check func() error) error {
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
		time.Sleep(200 * time.Millisecond)
	}
}

func httpOK(url string) func() error {
	return func() error {
		resp, err := http.Get(url)
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

func run(o options) error {
	if err := os.Chdir(o.root); err != nil {
		return err
	}
	local := o.state
	logs := filepath.Join(local, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	os.Remove(filepath.Join(local, "localnet.json")) // written again when ready
	for _, c := range []struct{ addr, what string }{{o.replicaAddr, "replica"}, {o.proxyAddr, "proxy"}, {o.sandboxAddr, "sandbox"}} {
		if err := checkFree(c.addr, c.what); err != nil {
			return err
		}
	}
	cfg, err := loadSettings(filepath.Join(local, "run.json"))
	if err != nil {
		return err
	}
	realStripe := os.Getenv("STRIPE_SECRET_KEY")
	svc := &services{}
	defer svc.stop()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

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
	if err := waitFor("the proxy's certificate", 30*time.Second, func() error { _, err := os.Stat(certFile); return err }); err != nil {
		return fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "proxy.log"))
	}

	// 2. The replica.
	fmt.Println("==> starting the local replica")
	if _, err := svc.start(logs, "replica", filepath.Join(o.bin, "replica"), nil,
		"-addr", o.replicaAddr, "-state", filepath.Join(local, "replica"), "-outcall-ca", certFile, "-nodes", fmt.Sprint(o.nodes)); err != nil {
		return err
	}
	replicaURL := "http://" + o.replicaAddr
	if err := waitFor("the replica", 60*time.Second, httpOK(replicaURL+"/api/v2/status")); err != nil {
		return fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "replica.log"))
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
	res, err := deploy.Deploy(deploy.Options{URL: replicaURL, Name: "stripe_backend", Module: module, Arg: argBytes,
		IDsFile: filepath.Join(local, "canister_ids.json"), IdentityFile: filepath.Join(local, "identity.pem"),
		Log: func(f string, a ...any) { fmt.Printf("    "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	id := res.CanisterID
	page := fmt.Sprintf("http://%s.localhost:%s/", id, port(o.replicaAddr))

	// 4. The Stripe sandbox, pointing its redirect and webhooks at the canister.
	paymentLink := os.Getenv("STRIPE_PAYMENT_LINK")
	if realStripe == "" {
		fmt.Println("==> starting the Stripe sandbox")
		info := filepath.Join(local, "sandbox-info.json")
		os.Remove(info)
		if _, err := svc.start(logs, "sandbox", filepath.Join(o.bin, "stripe-sandbox"), nil,
			"-addr", o.sandboxAddr, "-api-key", "sk_test_localnet", "-info", info,
			"-webhook-secret", cfg.WebhookSecret,
			"-webhook-url", fmt.Sprintf("http://%s.raw.localhost:%s/webhook", id, port(o.replicaAddr)),
			"-success-url", page+"?checkout_session_id={CHECKOUT_SESSION_ID}"); err != nil {
			return err
		}
		if err := waitFor("the sandbox", 30*time.Second, func() error {
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
			return fmt.Errorf("%w (see %s)", err, filepath.Join(logs, "sandbox.log"))
		}
	}

	// 5. The payment page, with its configuration, into the canister.
	fmt.Println("==> uploading the payment page")
	if err := uploadPage(replicaURL, filepath.Join(local, "identity.pem"), id, o.frontend, paymentLink); err != nil {
		return err
	}

	ready, _ := json.MarshalIndent(map[string]string{
		"page": page, "payment_link": paymentLink, "replica": replicaURL, "canister_id": id.String(),
		"proxy": "https://" + o.proxyAddr, "sandbox": "http://" + o.sandboxAddr, "identity": filepath.Join(local, "identity.pem"),
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(local, "localnet.json"), ready, 0o644); err != nil {
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
	fmt.Println("\n==> stopping")
	os.Remove(filepath.Join(local, "localnet.json"))
	return nil
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

// uploadPage sends the page's files and a generated config.js to the canister.
func uploadPage(replicaURL, identity string, id principal.Principal, dir, paymentLink string) error {
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
	assets = append(assets, deploy.Asset{Path: "/config.js", ContentType: "text/javascript; charset=utf-8", Content: []byte(configJS(paymentLink))})
	return deploy.UploadAssets(replicaURL, identity, id, assets)
}

func configJS(paymentLink string) string {
	b, _ := json.Marshal(paymentLink)
	return fmt.Sprintf(`// Written by make run.
window.PAYMENT_PAGE_CONFIG = {
  paymentLinkUrl: %s,
  allowedLinkOrigins: [],
  checkoutEndpoint: "/checkout/",
  pollInitialMs: 300,
  pollMaxMs: 3000,
  pollTimeoutMs: 120000
};
`, b)
}
