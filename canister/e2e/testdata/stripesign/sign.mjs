// Reads [{"payload": "<event JSON>", "secret": "whsec_...", "timestamp": <unix seconds>}, ...]
// on stdin and writes the Stripe-Signature header the npm stripe library computes for each,
// as a JSON array of strings.
import Stripe from 'stripe';

const stripe = new Stripe('sk_test_unused');
let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map(({ payload, secret, timestamp }) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }));
process.stdout.write(JSON.stringify(out));
