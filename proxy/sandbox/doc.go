// Package sandbox is a stateful, in-memory stand-in for the part of Stripe this
// product touches, for offline development and tests.
//
// It serves the API endpoints the canister and the proxy call (Checkout
// Sessions, Payment Links, Prices, Products, Payment Intents, Events) with
// Stripe's authentication rules for test keys, Stripe's Idempotency-Key
// semantics and Stripe's JSON shapes (built from stripe-go v79 types, so
// stripe-go decodes them). Payment Links open a hosted-checkout-like page that
// works without JavaScript; paying with the test card 4242 4242 4242 4242
// completes the session and redirects to the link's success URL, while
// 4000 0000 0000 0002 is declined. Every state change emits a Stripe event that
// is delivered, signed like Stripe signs it, to the configured webhook
// endpoints with bounded retries.
//
// It does not replace real Stripe: with STRIPE_SECRET_KEY set the proxy talks
// to api.stripe.com and the sandbox is not started.
package sandbox
