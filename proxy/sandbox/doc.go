// Package sandbox is a stateful, in-memory stand-in for the part of Stripe this
// product touches, for offline development and tests.
//
// It does not replace real Stripe: with STRIPE_SECRET_KEY set the proxy talks
// to api.stripe.com and the sandbox is not started.
//
// # API (Stripe's shapes, built from stripe-go v79 types)
//
//	POST /v1/products, POST /v1/prices, GET /v1/prices/{id}
//	POST /v1/payment_links, GET|POST /v1/payment_links/{id}, GET .../{id}/line_items
//	POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}[/line_items]
//	POST /v1/checkout/sessions/{id}/expire
//	GET  /v1/payment_intents/{id}, GET /v1/events[/{id}]
//	POST|GET /v1/webhook_endpoints, GET|DELETE /v1/webhook_endpoints/{id}
//
// Requests need a test key (Bearer sk_test_... or rk_test_..., or Basic with
// the key as user name); errors are Stripe's {"error": {...}} with its types
// and codes (401, 404 resource_missing, 400 parameter_missing/unknown...).
// POSTs honour Idempotency-Key like Stripe: the first execution is saved for
// 24 h and replayed (Idempotent-Replayed: true) for the same method, path and
// parameters; other parameters get 400 idempotency_error, a concurrent
// duplicate 409. Unexpanded references are id strings, expand[] expands them.
//
// # Hosted pages (no JavaScript)
//
// GET /b/{plink} (alias /pay/{plink}) opens a Checkout Session for a Payment
// Link, taking client_reference_id and prefilled_email from the query as
// Stripe does, and redirects to /c/pay/{cs}: a form posting the card. 4242
// 4242 4242 4242 completes the session (status complete, payment_status paid)
// and redirects to the link's success URL with {CHECKOUT_SESSION_ID}
// replaced; 4000 0000 0000 0002 shows "Your card was declined." and records
// the failure on the PaymentIntent. Other test cards: 4000000000009995
// (insufficient funds), 4000000000000069 (expired), 4000000000000127 (CVC).
//
// # Webhooks
//
// Every change emits an event (payment_intent.created/succeeded/
// payment_failed, charge.succeeded, checkout.session.completed/expired) with
// api_version 2024-06-20, delivered to Config.WebhookEndpoints (signed with
// Config.WebhookSecret) and to endpoints registered through the API (each with
// its own secret), signed like Stripe (SignatureHeader) and retried with
// exponential backoff (RetryPolicy) until a 2xx. *.localhost resolves to
// loopback, so a canister on the local replica can be an endpoint.
//
// # Operations
//
// GET /_sandbox/health (also /healthz); GET /_sandbox/stats counts API calls
// by route, idempotent replays, payments and webhook deliveries; POST
// /_sandbox/stats/reset zeroes them.
package sandbox
