// Command bigprog is a large wasip1 module (stripe-go, net/http, TLS, JSON)
// for the decode and link benchmarks: about the size of the real canister.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/checkout/session"
	"github.com/stripe/stripe-go/v79/webhook"
)

//go:wasmexport update.run
func run() {
	params := &stripe.CheckoutSessionParams{Mode: stripe.String(string(stripe.CheckoutSessionModePayment))}
	s, err := session.New(params)
	ev, err2 := webhook.ConstructEvent(nil, "", "")
	b, _ := json.Marshal(ev)
	fmt.Fprintln(os.Stderr, s, err, err2, len(b), http.DefaultClient != nil)
}

func main() {}
