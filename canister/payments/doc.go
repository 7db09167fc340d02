// Package payments is the payments domain of the Stripe canister: Checkout Session lookups,
// webhook verification and processing, the payment state machine, HTTP routes, persistent
// records and the policies that bound what a request can cost in cycles.
//
// It is plain Go: it imports neither the CDK nor ic0, so it runs and is tested natively and
// compiles unchanged for GOOS=wasip1 (standard library only). Everything that differs
// between replicas or between runs comes in from outside: the time and the cycles balance
// (Env, per message), storage (Store), HTTPS outcalls (Outcaller) and the canister id
// (Deps). Given the same inputs every replica computes the same bytes: outcall requests,
// idempotency keys, stored records and answers.
//
// # Wiring (what the canister does with it)
//
//   - init / post_upgrade: New(config, Deps{Store: <stable-memory B-tree>, Outcaller:
//     <management canister http_request>, CanisterID: <canister_self>}). Records live in the
//     Store, so an upgrade keeps them without a pre_upgrade dump.
//   - http_request (query): HTTPQuery(req, Env{Now: ic0.time}).
//   - http_request_update: HTTPUpdate(ctx, req, Env{Now, CyclesBalance}).
//   - the outcall transform query: TransformResponse(resp, context).
//   - create_checkout_session: CreateCheckoutSession(ctx, Caller{principal,
//     is_controller}, request, env).
//   - canister_inspect_message for http_request_update: InspectHTTPUpdate(req, env).
//   - the confirmation timer: after every update, every confirmation and in init and
//     post_upgrade (timers do not survive an upgrade; the queue does), arm one timer at
//     NextConfirmation(env); when it fires, StartConfirmations(env, n) and Run each
//     Confirmation in an execution of its own.
//   - get_config: RedactedConfig(); list_payments: List; get_stats: Stats and EventStats.
//   - list_events: ListEvents; add_destination, remove_destination, list_destinations,
//     list_dead_letters, retry_dead_letters: the destination API; a delivery timer (armed
//     by Deps.EventsChanged) calls DueDeliveries, makes one call per Delivery and reports
//     each answer with DeliveryDone (see "Event log and destinations").
//
// # Routes
//
// GET /checkout/<session id> answers {"status":"checking"},
// {"status":"completed","value":{id, status, payment_status, amount_total, currency,
// client_reference_id, created}} or {"status":"failed","value":"<reason>"}. The query
// answers a terminal session from state and upgrades otherwise; the update fetches the
// session from Stripe (through the idempotent proxy when configured), stores it and
// answers. An id that is not cs_test_/cs_live_ plus letters and digits (at most 255 bytes)
// is 400 before any outcall. Stripe's 404 is "failed"; 429, 5xx and network errors are
// transient: "checking" with 503 and Retry-After, retried by the next poll. A direct
// update call that the query would refuse is refused by canister_inspect_message.
//
// POST /webhook verifies Stripe-Signature (HMAC-SHA256 over "<t>.<raw body>" keyed with
// the whole secret, any of several v1 entries against any of several secrets, constant
// time, timestamp within the past and future tolerance), then applies the event. It
// answers 400 with the reason for a bad, missing or expired signature or a malformed event
// and 200 otherwise, including duplicates, ignored types and parked ("pending") events. The
// query already refuses what fails verification and acknowledges known duplicates, so
// those never cost an update (and are not counted: see Stats).
//
// Other paths are 404, other methods 405 (with Allow), bodies above the limit 413; every
// error body is {"error":"<message>"}.
//
// # State machine
//
// Records are keyed by session id. Statuses: checking, needs_confirmation, completed,
// failed, not_found, refunded. Webhook claims only move a record up in rank (checking and
// not_found < needs_confirmation < completed and failed < refunded) and only newer events
// (event.created; of one second, those not behind the record) update session fields, so
// late, duplicated or reordered deliveries never undo a newer state. With a proxy
// configured, a webhook never completes a payment by itself: it records
// needs_confirmation and a fetch from Stripe decides, so a leaked webhook secret cannot
// create a payment. A fetched final state overrides webhook claims; a fetched "open"
// snapshot does not lower a claim that may have arrived while the fetch was in flight. A
// 404 clears every claimed field (not_found shows nothing Stripe did not say); claimed
// amounts (0..999,999,999,999), currencies (lowercase ISO 4217) and creation times (not
// beyond WebhookFutureTolerance) are validated before they are stored.
//
// The confirmation queue (stable memory, earliest due first) holds every claim awaiting
// Stripe's word: due at once when claimed, leased for InFlightTimeout while fetched, then
// asked again after MinRefetchInterval, doubling up to 10 minutes while Stripe still says
// open (a session expires within 24 hours, which ends any claim; an asynchronous payment
// failure claim ends when Stripe shows the session complete and unpaid). Nothing of it
// lives on the heap, so an upgrade or a trapped callback only delays it.
//
// Refunds and disputes apply to settled (completed or refunded) payments: amount_refunded
// only grows (a partial refund keeps completed, a full one refunds), a dispute's status
// moves forward (a closed one is never reopened). An event about a payment intent or an
// invoice whose session is not known yet - or, with a proxy, not confirmed yet, or not
// settled yet - is answered 200 "pending" and parked as a fact under that object; it is
// applied when a record with that id is stored (confirmed), and only then is its event id
// remembered as done. Payment intents and invoices that only a claim names are indexed
// apart (they only make that session's confirmation due at once).
//
// Handled events: checkout.session.completed (paid or no_payment_required completes;
// unpaid only teaches fields), checkout.session.async_payment_succeeded / _failed,
// checkout.session.expired, payment_intent.succeeded (found through the session's
// payment_intent), charge.refunded, charge.dispute.created / updated / closed,
// invoice.paid / payment_succeeded (through the session's invoice).
// payment_intent.payment_failed and invoice.payment_failed are acknowledged without change
// (the customer or Stripe retries); other types and v2 thin events are acknowledged and
// ignored.
//
// # Storage
//
// Store is an ordered byte key-value map, the shape of a stable-memory B-tree. Records are
// encoded by Record.MarshalBinary: versioned (first byte; version 1 records of earlier
// builds are still read), deterministic, one-to-one within a version. Next to the records
// the store keeps a status index (filtered paging without scanning), payment intent and
// invoice indexes, the evictable order, the confirmation queue, the not-found cache, the
// parked events, the de-duplication ring and the counters. A million payments take three
// entries each; lookups and pages stay logarithmic.
// Keys are at most MaxKeyBytes and values at most MaxValueBytes (inputs that would exceed
// them are refused). MemStore is the in-memory implementation for tests and native use;
// package storetest checks any implementation (such as the canister's stable-memory one)
// against the contract.
//
// # Policies and defaults (Limits; every zero field takes the default)
//
//   - WebhookTolerance 300 s (Stripe's replay window) and WebhookFutureTolerance 60 s.
//   - MaxBodyBytes 256 KiB per request.
//   - Id format checked before any outcall; at most one fetch in flight per session
//     (InFlightTimeout 2 min frees a fetch whose callback trapped); MinRefetchInterval 5 s
//     between fetches of one session.
//   - OutcallBudget 60 outcalls per OutcallWindow of 1 min, for all sessions together
//     (429 beyond). Known sessions (polled before, created) and claimed sessions (a
//     webhook told about them: the confirmation queue and their customers' polls) each
//     keep a quarter no other class may take; ids without a stored record may use at most
//     half. So polling random ids starves neither customers nor confirmations, and a burst
//     of confirmations drains at up to 45 per minute. CyclesReserve 500 billion cycles:
//     below it no outcall is made (503).
//   - MaxPending 10,000 evictable records - open sessions only polls or creations know -
//     oldest evicted first, and PendingTTL 25 h (a session expires after at most 24 h).
//     Nothing a webhook acknowledged is evictable, nor is anything in the queue. Ids
//     polled without a record that Stripe does not know live in the not-found cache,
//     bounded at MaxPending entries of its own.
//   - Parked events: at most DedupCapacity, each for at most 72 h (Stripe's retry window).
//   - DedupCapacity 100,000 remembered event ids (beyond it a replay is still harmless:
//     state changes are monotonic).
//   - MaxPageSize 100 records per List page.
//   - Response budgets (max_response_bytes): 1 KiB for a session fetched through the proxy
//     (x-json-mask), repeated at once with 4 KiB (same idempotency key: the proxy answers
//     from its cache) when the replicas refuse a larger answer; 4 KiB for a created
//     session; 32 KiB for a full session straight from Stripe.
//
// # Outcalls
//
// A session fetch is GET <proxy or https://api_host>/v1/checkout/sessions/<id> with
// idempotency-key "<canister id>/<store epoch>/<session id>/<attempt>": identical on every
// replica (the proxy forwards one request), new for every attempt (a refetch is not served
// the cached answer), and never reused after a reinstall (the epoch is the time of the
// store's first write). Through the proxy it also sends x-forwarded-host, response-headers
// and x-json-mask (fetchMask: sessionMask without url) and, if configured, proxy-authorization; api_key, when
// configured, is sent as a Bearer token. Stripe-Version is pinned to 2024-06-20.
// Creating a session POSTs the form-encoded parameters with a key derived from a SHA-256
// of canister, caller, form and RequestID.
//
// # Event log and destinations
//
// Every change of a payment's status, every partial refund and every change of its
// dispute's status appends a LogEntry to an event log in the Store, in the message that
// commits the change (ledger.put calls the log, so webhooks, fetches, the confirmation queue
// and parked events all log; a parked event applied later logs under its own Stripe event):
// sequence number, kind (payment.created, .updated, .completed, .failed, .refunded,
// .partially_refunded, .disputed), session, old and new status, amount, amount refunded,
// dispute status, currency, time and the Stripe event that caused it (events.go). The
// log keeps EventConfig.LogRetention entries, never dropping one a destination still needs;
// ListEvents pages through it for controllers and allowed principals.
//
// Destinations (at most MaxDestinations) are other canisters that get the log by
// inter-canister call, filtered by kind and status (destinations.go): at least once, in
// sequence order (so in order per payment), one batch in flight per destination, retried
// with exponential backoff (RetryBase doubling up to RetryMax); after MaxAttempts failed
// calls a batch becomes dead letters and the destination moves on, and later events of
// those payments follow them into the dead letters so that RetryDeadLetters replays each
// payment's events in order. Each destination has its own cursor, backoff and dead letters
// in the Store, so a failing one delays nobody and an upgrade of either side loses nothing
// (calls whose answers an upgrade lost are sent again: subscribers deduplicate by seq).
package payments
