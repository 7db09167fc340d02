// Headless-browser test of the payment page: a tiny static server serves
// frontend/ plus a fake canister (/checkout/<id>) and a fake Payment Link, and
// Debian's Chromium (driven by playwright-core) loads the page.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn, execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { chromiumExecutable } from "./chromium.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const artifacts = path.resolve(root, "..", "artifacts", "frontend");
const chromiumPath = chromiumExecutable();

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml" };

const created = 1700000000; // 2023-11-14 22:13:20 UTC
const completed = (id, amount, currency) => ({
  status: "completed",
  value: { id, status: "complete", payment_status: "paid", amount_total: amount, currency,
    client_reference_id: "ref_test-123", created },
});

// scenarios: what the fake canister answers for each session id, per poll.
const scenarios = {
  "cs_test_paid": (n) => (n <= 2 ? { status: "checking" } : completed("cs_test_paid", 1234, "usd")),
  "cs_test_jpy": () => completed("cs_test_jpy", 1234, "jpy"),
  "cs_test_legacy": () => completed("cs_test_legacy", 500, "eur"),
  "cs_test_failed": () => ({ status: "failed", value: "The checkout session expired." }),
  "cs_test_unpaid": () => ({ status: "completed", value: { id: "cs_test_unpaid", status: "complete",
    payment_status: "unpaid", amount_total: 700, currency: "usd", client_reference_id: null, created } }),
  "cs_test_slow": () => ({ status: "checking" }),
  "cs_test_busy": () => completed("cs_test_busy", 100, "gbp"),
};

let server, baseURL, context, configOverride = {};
let sandboxOrigin = null; // set while the Go sandbox test runs
const SANDBOX_KEY = "sk_test_frontend_e2e";
const polls = new Map(); // session id -> [timestamps]
const linkVisits = [];

function configJS() {
  const cfg = { paymentLinkUrl: `${baseURL}/fake-link/plink_test`, ...configOverride };
  return `window.PAYMENT_PAGE_CONFIG = ${JSON.stringify(cfg)};\n`;
}

async function handle(req, res) {
  const url = new URL(req.url, baseURL);
  if (url.pathname.startsWith("/checkout/")) {
    const id = decodeURIComponent(url.pathname.slice("/checkout/".length));
    const times = polls.get(id) || [];
    times.push(Date.now());
    polls.set(id, times);
    if (id === "cs_test_busy" && times.length === 1) {
      // What the canister answers while Stripe rate-limits it.
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" });
      return res.end(JSON.stringify({ status: "checking" }));
    }
    if (id === "cs_test_gone") {
      res.writeHead(404, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ status: "failed", value: "No such checkout.session" }));
    }
    if (id === "cs_test_bad400") {
      res.writeHead(400, { "Content-Type": "text/plain" });
      return res.end("invalid checkout session id: cs_test_bad400");
    }
    if (sandboxOrigin && !scenarios[id]) return forwardToSandbox(id, res);
    const scenario = scenarios[id];
    if (!scenario) {
      res.writeHead(404, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ status: "failed", value: "unknown" }));
    }
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    return res.end(JSON.stringify(scenario(times.length)));
  }
  if (url.pathname.startsWith("/fake-link/")) {
    linkVisits.push(url);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    return res.end("<!doctype html><html lang=en><title>Fake Payment Link</title><h1>Fake Stripe</h1></html>");
  }
  if (url.pathname === "/config.js") {
    res.writeHead(200, { "Content-Type": TYPES[".js"], "Cache-Control": "no-store" });
    return res.end(configJS());
  }
  const rel = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep) || rel.startsWith("node_modules") || rel.startsWith("test")) {
    res.writeHead(404);
    return res.end();
  }
  try {
    const data = await fs.readFile(file);
    // A strict policy, as the canister may send: any inline script or style,
    // or a resource from elsewhere, would show up as a console error.
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream",
      "Content-Security-Policy": "default-src 'self'; base-uri 'self'; form-action 'self'" });
    res.end(data);
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
  }
}

before(async () => {
  server = http.createServer((req, res) => {
    handle(req, res).catch((err) => { res.writeHead(500); res.end(String(err)); });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${server.address().port}`;
  await fs.mkdir(artifacts, { recursive: true });
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "payment-page-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync"],
    locale: "en-US",
    timezoneId: "UTC",
    viewport: { width: 900, height: 700 },
  });
  // Offline: every request must stay on the local test server.
  await context.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.origin === baseURL || u.origin === sandboxOrigin || u.protocol === "data:") return route.continue();
    externalRequests.push(u.href);
    return route.abort();
  });
});

const externalRequests = [];

after(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  configOverride = {};
  polls.clear();
  linkVisits.length = 0;
});

// openPage loads the page and records console errors and page exceptions.
async function openPage(query) {
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("console", (msg) => { if (msg.type() === "error") errors.push(msg.text()); });
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(`${baseURL}/${query}`);
  return { page, errors };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

test("paid session: polls with backoff, shows Paid and $12.34", async () => {
  const { page, errors } = await openPage("?checkout_session_id=cs_test_paid");
  await page.getByRole("heading", { name: "Checking your payment…" }).waitFor();
  const status = page.getByTestId("status");
  await status.filter({ hasText: "Paid" }).waitFor({ timeout: 10000 });
  assert.equal(await page.getByTestId("amount").textContent(), "$12.34");
  assert.equal(await page.getByTestId("reference").textContent(), "ref_test-123");
  assert.match(await page.getByTestId("date").textContent(), /Nov 14, 2023/);
  const times = polls.get("cs_test_paid");
  assert.equal(times.length, 3, "checking, checking, completed");
  const gaps = [times[1] - times[0], times[2] - times[1]];
  // The first wait is pollInitialMs (300), the second twice that; a loaded machine can only
  // lengthen a gap (the first includes the page's start), so the doubling is checked as a floor.
  assert.ok(gaps[0] >= 250 && gaps[1] >= 500, `backoff gaps ${gaps}`); // 300 and 600, less timer slack
  // The result heading takes focus so screen readers land on it.
  assert.equal(await page.evaluate(() => document.activeElement?.id), "result-title");
  await shot(page, "paid-usd");
  assert.deepEqual(errors, []);
  await page.close();
});

test("zero-decimal currency: JPY 1234 is ¥1,234", async () => {
  const { page, errors } = await openPage("?checkout_session_id=cs_test_jpy");
  await page.getByTestId("status").filter({ hasText: "Paid" }).waitFor();
  assert.equal(await page.getByTestId("amount").textContent(), "¥1,234");
  await shot(page, "paid-jpy");
  assert.deepEqual(errors, []);
  await page.close();
});

test("amounts follow Stripe's minor units for every kind of currency", async () => {
  const { page, errors } = await openPage("");
  const cases = [
    [1234, "usd", "$12.34"], [5, "usd", "$0.05"], [123456789, "usd", "$1,234,567.89"],
    [1234, "jpy", "¥1,234"], [1234, "JPY", "¥1,234"], [50000, "krw", "₩50,000"],
    [1500, "clp", "CLP 1,500"], [1234, "eur", "€12.34"], [1000, "kwd", "KWD 1.000"],
    [999, "gbp", "£9.99"],
  ];
  const got = await page.evaluate((cs) => cs.map(([a, c]) => window.PaymentPage.formatAmount(a, c)), cases);
  // Intl may put a no-break space after a currency code; compare with plain spaces.
  assert.deepEqual(got.map((s) => s.replace(/\u00a0/g, " ")), cases.map((c) => c[2]));
  const refs = await page.evaluate(() => Array.from({ length: 50 }, () => window.PaymentPage.newReference()));
  assert.equal(new Set(refs).size, 50);
  for (const r of refs) assert.match(r, /^ref_[A-Za-z0-9_-]{24}$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("legacy check_out_session_id spelling is accepted", async () => {
  const { page, errors } = await openPage("?check_out_session_id=cs_test_legacy");
  await page.getByTestId("status").filter({ hasText: "Paid" }).waitFor();
  assert.equal(await page.getByTestId("amount").textContent(), "€5.00");
  assert.deepEqual(errors, []);
  await page.close();
});

test("complete but unpaid is not shown as Paid", async () => {
  const { page, errors } = await openPage("?checkout_session_id=cs_test_unpaid");
  await page.getByTestId("status").filter({ hasText: "Processing" }).waitFor();
  assert.equal(await page.getByTestId("reference").textContent(), "—");
  assert.deepEqual(errors, []);
  await page.close();
});

test("failed session shows the reason and a Try again button", async () => {
  const { page, errors } = await openPage("?checkout_session_id=cs_test_failed");
  const reason = page.getByRole("alert");
  await reason.filter({ hasText: "The checkout session expired." }).waitFor();
  const retry = page.getByRole("button", { name: "Try again" });
  assert.ok(await retry.isVisible());
  await shot(page, "failed");
  assert.deepEqual(errors, []);
  // Try again starts a new payment on the link.
  await Promise.all([page.waitForURL(/\/fake-link\/plink_test\?/), retry.click()]);
  assert.equal(linkVisits.length, 1);
  await page.close();
});

test("a 400 from the canister is a failure with its message", async () => {
  const { page, errors } = await openPage("?checkout_session_id=cs_test_bad400");
  await page.getByTestId("failure-reason").filter({ hasText: "invalid checkout session id" }).waitFor();
  // Chromium itself logs the failed resource load; the page adds nothing.
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  await page.close();
});

test("a 503 with Retry-After is retried after the server's delay", async () => {
  const { page, errors } = await openPage("?checkout_session_id=cs_test_busy");
  await page.getByTestId("status").filter({ hasText: "Paid" }).waitFor();
  assert.equal(await page.getByTestId("amount").textContent(), "£1.00");
  const times = polls.get("cs_test_busy");
  assert.equal(times.length, 2);
  assert.ok(times[1] - times[0] >= 950, `waited ${times[1] - times[0]} ms`);
  assert.deepEqual(errors.filter((e) => !/status of 503/.test(e)), []);
  await page.close();
});

test("a failed answer is final even with a 404 status", async () => {
  const { page } = await openPage("?checkout_session_id=cs_test_gone");
  await page.getByTestId("failure-reason").filter({ hasText: "No such checkout.session" }).waitFor();
  assert.equal(polls.get("cs_test_gone").length, 1);
  await page.close();
});

test("an invalid session id is refused without polling", async () => {
  const { page, errors } = await openPage("?checkout_session_id=not-a-session");
  await page.getByTestId("failure-reason").filter({ hasText: "valid Stripe Checkout Session id" }).waitFor();
  assert.equal(polls.size, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("polling gives up after the timeout and offers Check again", async () => {
  configOverride = { pollInitialMs: 50, pollMaxMs: 100, pollTimeoutMs: 600 };
  const { page, errors } = await openPage("?checkout_session_id=cs_test_slow");
  await page.getByRole("button", { name: "Check again" }).waitFor({ timeout: 5000 });
  const n = polls.get("cs_test_slow").length;
  assert.ok(n >= 3 && n <= 10, `polled ${n} times`);
  await shot(page, "timeout");
  assert.deepEqual(errors, []);
  await page.close();
});

test("pay button opens the Payment Link with a fresh client_reference_id", async () => {
  const refs = [];
  for (let i = 0; i < 2; i++) {
    const { page, errors } = await openPage("");
    const pay = page.getByRole("button", { name: "Pay" });
    if (i === 0) await shot(page, "start");
    await Promise.all([page.waitForURL(/\/fake-link\/plink_test\?/), pay.click()]);
    const url = new URL(page.url());
    assert.equal(url.pathname, "/fake-link/plink_test");
    const ref = url.searchParams.get("client_reference_id");
    assert.match(ref, /^[A-Za-z0-9_-]{1,200}$/, "Stripe's client_reference_id alphabet");
    refs.push(ref);
    assert.deepEqual(errors, []);
    await page.close();
  }
  assert.notEqual(refs[0], refs[1]);
});

test("the start page shows the configured amount before paying", async () => {
  const cases = [
    [{ amount: 1234, currency: "usd" }, "$12.34"],
    [{ amount: 500, currency: "JPY" }, "¥500"],
    [{ amount: 1000, currency: "kwd" }, "KWD 1.000"],
    [{}, null], // not configured (the checked-in default): no amount line
    [{ amount: 1234, currency: "" }, null],
    [{ amount: "1234", currency: "usd" }, null], // a number, not text
    [{ amount: 1234, currency: "usd", paymentLinkUrl: "" }, null], // no link, no amount
  ];
  for (const [cfg, want] of cases) {
    configOverride = cfg;
    const { page, errors } = await openPage("");
    const amount = page.getByTestId("pay-amount");
    if (want === null) {
      assert.equal(await amount.isVisible(), false, JSON.stringify(cfg));
    } else {
      assert.ok(await amount.isVisible(), JSON.stringify(cfg));
      assert.equal((await amount.textContent()).replace(/\u00a0/g, " "), want);
      // Stated next to the button, and tied to it for screen readers.
      assert.equal(await page.getByRole("button", { name: "Pay" }).getAttribute("aria-describedby"), "pay-amount");
      if (want === "$12.34") await shot(page, "start-amount");
    }
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("payment_link query parameter is honoured only for allowed origins", async () => {
  configOverride = { paymentLinkUrl: "", allowedLinkOrigins: [baseURL] };
  let { page } = await openPage(`?payment_link=${encodeURIComponent(baseURL + "/fake-link/plink_q")}`);
  await Promise.all([page.waitForURL(/\/fake-link\/plink_q\?client_reference_id=/),
    page.getByRole("button", { name: "Pay" }).click()]);
  await page.close();

  ({ page } = await openPage(`?payment_link=${encodeURIComponent("https://evil.example/pay")}`));
  assert.equal(await page.getByRole("button", { name: "Pay" }).count(), 0);
  assert.ok(await page.getByText("Payments are not configured").isVisible());
  await page.close();
});


// forwardToSandbox answers /checkout/<id> like the canister would, from the
// Go sandbox's GET /v1/checkout/sessions/<id>.
async function forwardToSandbox(id, res) {
  const r = await fetch(`${sandboxOrigin}/v1/checkout/sessions/${encodeURIComponent(id)}`, {
    headers: { Authorization: `Bearer ${SANDBOX_KEY}` },
  });
  const cs = await r.json();
  let body;
  if (r.status !== 200) body = { status: "failed", value: cs.error?.message || `HTTP ${r.status}` };
  else if (cs.status === "open") body = { status: "checking" };
  else if (cs.status === "expired") body = { status: "failed", value: "The checkout session expired." };
  else {
    const { id: sid, status, payment_status, amount_total, currency, client_reference_id, created } = cs;
    body = { status: "completed", value: { id: sid, status, payment_status, amount_total, currency,
      client_reference_id, created } };
  }
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

// startSandbox builds and starts cmd/stripe-sandbox with a Payment Link whose
// success URL returns to the page; it resolves to {origin, link, stop}.
async function startSandbox(successURL) {
  const proxyDir = path.resolve(root, "..", "proxy");
  const bin = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "stripe-sandbox-")), "stripe-sandbox");
  execFileSync(process.env.GO || "go", ["build", "-o", bin, "./cmd/stripe-sandbox"], { cwd: proxyDir, stdio: "inherit" });
  const child = spawn(bin, ["-addr", "127.0.0.1:0", "-api-key", SANDBOX_KEY, "-link-name", "Donation",
    "-link-amount", "1234", "-link-currency", "usd", "-success-url", successURL], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", () => {});
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${out}`)), 20000);
    child.on("exit", (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const origin = out.match(/listening on (http:\/\/\S+)/);
      const link = out.match(/payment link: (\S+)/);
      if (origin && link) {
        clearTimeout(timer);
        resolve({ origin: origin[1], link: link[1] });
      }
    });
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on("exit", resolve);
    child.kill("SIGTERM");
  });
  return { ...info, stop };
}

test("end to end with the Go sandbox: decline, then pay, then Paid", async () => {
  const sb = await startSandbox(`${baseURL}/?checkout_session_id={CHECKOUT_SESSION_ID}`);
  sandboxOrigin = sb.origin;
  configOverride = { paymentLinkUrl: sb.link };
  try {
    const { page, errors } = await openPage("");
    const linkRequests = [];
    page.on("request", (req) => { if (req.url().startsWith(sb.link)) linkRequests.push(new URL(req.url())); });
    await Promise.all([page.waitForURL(`${sb.origin}/c/pay/cs_test_*`), page.getByRole("button", { name: "Pay" }).click()]);
    // The sandbox's checkout page: a plain form, no script.
    await page.getByRole("heading", { name: "Donation" }).waitFor();
    assert.equal(await page.getByTestId("total").textContent(), "$12.34");
    await shot(page, "sandbox-checkout");

    await page.getByLabel("Card number").fill("4000 0000 0000 0002");
    await page.getByLabel("Expiry").fill("12 / 34");
    await page.getByLabel("CVC").fill("123");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: /^Pay \$12\.34$/ }).click()]);
    await page.getByRole("alert").filter({ hasText: "Your card was declined." }).waitFor();
    await shot(page, "sandbox-declined");

    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await Promise.all([page.waitForURL(`${baseURL}/?checkout_session_id=cs_test_*`),
      page.getByRole("button", { name: /^Pay / }).click()]);
    const sessionID = new URL(page.url()).searchParams.get("checkout_session_id");
    assert.match(sessionID, /^cs_test_[A-Za-z0-9]{58}$/);
    await page.getByTestId("status").filter({ hasText: "Paid" }).waitFor();
    assert.equal(await page.getByTestId("amount").textContent(), "$12.34");
    // The reference the page generated went through Stripe and came back.
    assert.equal(linkRequests.length, 1);
    const ref = linkRequests[0].searchParams.get("client_reference_id");
    assert.match(ref, /^ref_[A-Za-z0-9_-]+$/);
    assert.equal(await page.getByTestId("reference").textContent(), ref);
    await shot(page, "sandbox-paid");
    // The browser's own 402 answer to the declined form is the only console noise.
    assert.deepEqual(errors.filter((e) => !/status of 402/.test(e)), []);

    const stats = await (await fetch(`${sb.origin}/_sandbox/stats`)).json();
    assert.equal(stats.payments.succeeded, 1);
    assert.equal(stats.payments.declined, 1);
    await page.close();
  } finally {
    sandboxOrigin = null;
    await sb.stop();
  }
});

// Last: covers every page opened above.
test("no request leaves the page's origin", () => {
  assert.deepEqual(externalRequests, []);
});
