// Command replica is the local Internet Computer replica: it runs canisters on wazero, serves
// the IC HTTP interface (for agents such as agent-go and dfx's tools) and the HTTP gateway
// (http://<canister-id>.localhost:4943/), and makes real HTTPS outcalls.
//
//	replica [flags]                           serve (Ctrl-C stops, state is kept)
//
// Canisters pay the IC's fees (a 13-node application subnet unless -nodes says otherwise).
// With -v the log has a line per ingress message ("message": canister, method,
// instructions, cycles and the fees by kind) and per execution; GET /_/metrics reports the
// totals per canister in Prometheus' text format (replica_cycles_charged_total{fee=...}).
//
//	replica deploy [flags] MODULE.wasm[.gz]   create/install/upgrade a canister, like dfx deploy
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/deploy"
	"github.com/gocanister/stripe-ic/canister/replica/server"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "deploy" {
		err = runDeploy(os.Args[2:])
	} else {
		err = serve(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		os.Exit(1)
	}
}

func serve(args []string) error {
	fs := flag.NewFlagSet("replica", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:4943", "address to listen on")
	state := fs.String("state", filepath.Join(".dfx", "local", "replica"), "state directory (keys, canisters)")
	nodes := fs.Int("nodes", protocol.SubnetNodes, "simulated subnet size: replicas sending each HTTPS outcall, and the cycles cost basis")
	ca := fs.String("outcall-ca", "", "PEM file of extra CAs trusted for HTTPS outcalls (local TLS servers)")
	system := fs.String("system-canisters", defaultSystemDir(), "directory of the system canister modules (cycles ledger, CMC, ICP ledger; `make system-canisters`)")
	verbose := fs.Bool("v", false, "debug logging, with one line per message (canister, method, instructions, cycles by fee) and per execution")
	fs.Parse(args)

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	mods, err := server.LoadSystemModules(*system)
	if err != nil {
		log.Warn("running without the system canisters: icp-cli cannot create canisters", "err", err)
	}
	srv, err := server.Open(server.Config{StateDir: *state, Nodes: *nodes, OutcallCAFile: *ca, Logger: log, System: mods})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listen on %s: %w (is another replica or dfx running? stop it or pass -addr)", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("replica listening on http://%s\n", ln.Addr())
	fmt.Printf("root key: %s\n", hex.EncodeToString(srv.RootKey()))
	fmt.Printf("state: %s\n", *state)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		fmt.Println("replica: stopping")
	case err := <-errc:
		srv.Close()
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	herr := hs.Shutdown(shutdown)
	if err := srv.Close(); err != nil {
		return err
	}
	if herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		return herr
	}
	return nil
}

// defaultSystemDir is where `make` puts the system canister modules, relative to where it
// puts this binary: canister/build/bin/replica next to canister/build/system/.
func defaultSystemDir() string {
	exe, err := os.Executable()
	if err != nil {
		return filepath.Join("canister", "build", "system")
	}
	return filepath.Join(filepath.Dir(exe), "..", "system")
}

func runDeploy(args []string) error {
	fs := flag.NewFlagSet("replica deploy", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:4943", "replica URL")
	name := fs.String("name", "stripe_backend", "canister name (key in the ids file)")
	arg := fs.String("argument", "", "init/upgrade argument in Candid text, e.g. '(record { api_host = \"api.stripe.com\" })'")
	mode := fs.String("mode", "auto", "auto, install, reinstall or upgrade")
	ids := fs.String("ids", filepath.Join(".dfx", "local", "canister_ids.json"), "canister ids file (dfx format)")
	ident := fs.String("identity", filepath.Join(".dfx", "local", "identity.pem"), "controller identity (Ed25519 PEM; created if missing)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: replica deploy [flags] MODULE.wasm[.gz]")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("deploy needs exactly one module file")
	}
	module, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	argBytes, err := deploy.ArgFromText(*arg)
	if err != nil {
		return err
	}
	res, err := deploy.Deploy(deploy.Options{
		URL: *url, IdentityFile: *ident, Name: *name, IDsFile: *ids, Module: module, Arg: argBytes, Mode: deploy.Mode(*mode),
		Log: func(format string, a ...any) { fmt.Printf(format+"\n", a...) },
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", *name, res.CanisterID)
	fmt.Printf("  page:  http://%s.localhost:4943/\n", res.CanisterID)
	return nil
}
