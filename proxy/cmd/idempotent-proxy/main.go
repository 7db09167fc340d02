// Command idempotent-proxy is the HTTPS outcall proxy for IC canisters: every replica sends
// the same request, the proxy executes it upstream once and answers all of them alike.
// Configuration: flags, environment, or a dotenv file (-config); see proxy/README.md.
// `idempotent-proxy token` signs the proxy-authorization token a canister sends.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/app"
	"github.com/gocanister/stripe-ic/proxy/internal/config"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "token" {
		if err := runToken(os.Args[2:], os.Stdout, os.Stderr, time.Now()); err != nil {
			fmt.Fprintln(os.Stderr, "idempotent-proxy:", err)
			os.Exit(2)
		}
		return
	}
	cfg, err := config.Load(os.Args[1:], os.Environ(), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "idempotent-proxy:", err)
		os.Exit(2)
	}
	log := app.NewLogger(os.Stdout, cfg.LogLevel)
	app.RouteRedisLogs(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cfg, log, nil); err != nil {
		log.Error("exit", "err", err.Error())
		os.Exit(1)
	}
}
