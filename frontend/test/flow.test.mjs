// The whole product in a real browser: `make run`'s stack (local replica, idempotent proxy,
// Stripe sandbox, stripe_backend canister serving this page) on free ports; headless
// Chromium opens the page from the canister's certified gateway domain, pays through the
// sandbox and lands back on "Paid". Run by `make test` after the Go build (it needs
// canister/build/bin/* and canister/build/stripe_backend.wasm.gz; `make binaries canister`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { get, rootKey, verify } from "./certified.mjs";
import { chromiumExecutable } from "./chromium.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.LOCALNET_BIN_DIR || path.join(root, "canister/build/bin");
const wasm = process.env.CANISTER_WASM || path.join(root, "canister/build/stripe_backend.wasm.gz");
const chromiumPath = chromiumExecutable();
const artifacts = path.join(root, "artifacts", "flow");

let stack, child, context, state, paidSession;
const timings = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on("error", reject);
  });
}

before(async () => {
  for (const f of [path.join(bin, "localnet"), wasm, chromiumPath]) {
    await fs.access(f).catch(() => { throw new Error(`${f} is missing: run \`make test\` (it builds the binaries and installs Chromium)`); });
  }
  await fs.mkdir(artifacts, { recursive: true });
  state = await fs.mkdtemp(path.join(os.tmpdir(), "localnet-"));
  const args = ["-root", root, "-bin", bin, "-module", wasm, "-state", state,
    "-replica-addr", `127.0.0.1:${await freePort()}`, "-proxy-addr", `127.0.0.1:${await freePort()}`,
    "-sandbox-addr", `127.0.0.1:${await freePort()}`];
  child = spawn(path.join(bin, "localnet"), args, { env: { ...process.env, STRIPE_SECRET_KEY: "" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  const deadline = Date.now() + 180000;
  for (;;) {
    try {
      stack = JSON.parse(await fs.readFile(path.join(state, "localnet.json"), "utf8"));
      break;
    } catch { /* not ready yet */ }
    if (child.exitCode !== null) throw new Error(`localnet exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`localnet not ready after 3 min:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync"],
    locale: "en-US", timezoneId: "UTC", viewport: { width: 900, height: 700 },
  });
});

after(async () => {
  await context?.close();
  if (child && child.exitCode === null) {
    child.kill("SIGINT");
    await new Promise((r) => { child.on("exit", r); setTimeout(r, 20000); });
  }
  if (timings.length) console.log(`redirect back -> "Paid" on screen: ${timings.map((t) => `${t} ms`).join(", ")} (target <= 2000 ms)`);
});

async function open() {
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(stack.page);
  return { page, errors };
}

async function checkout(page, card) {
  await Promise.all([page.waitForURL(/\/c\/pay\/cs_test_/), page.getByRole("button", { name: "Pay" }).click()]);
  await page.getByLabel("Card number").fill(card);
  await page.getByLabel("Expiry").fill("12 / 34");
  await page.getByLabel("CVC").fill("123");
}

test("the page comes from the canister's certified domain", async () => {
  const { page, errors } = await open();
  assert.match(stack.page, /^http:\/\/[a-z0-9-]+\.localhost:\d+\/$/);
  await page.getByRole("button", { name: "Pay" }).waitFor();
  // make run writes the sandbox link's price into config.js.
  assert.equal(await page.getByTestId("pay-amount").textContent(), "$12.34");
  await page.screenshot({ path: path.join(artifacts, "page.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("pay with 4242: back on the page, Paid with the amount", async () => {
  const { page, errors } = await open();
  await checkout(page, "4242 4242 4242 4242");
  await page.screenshot({ path: path.join(artifacts, "checkout.png") });
  await Promise.all([page.waitForURL((u) => u.href.startsWith(stack.page) && u.searchParams.has("checkout_session_id")),
    page.getByRole("button", { name: /^Pay / }).click()]);
  const back = Date.now();
  paidSession = new URL(page.url()).searchParams.get("checkout_session_id");
  await page.getByTestId("status").filter({ hasText: "Paid" }).waitFor({ timeout: 30000 });
  timings.push(Date.now() - back);
  assert.equal(await page.getByTestId("amount").textContent(), "$12.34");
  assert.match(await page.getByTestId("reference").textContent(), /^ref_/);
  await page.screenshot({ path: path.join(artifacts, "paid.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a declined card shows the failure", async () => {
  const { page, errors } = await open();
  await checkout(page, "4000 0000 0000 0002");
  await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: /^Pay / }).click()]);
  await page.getByRole("alert").filter({ hasText: "Your card was declined." }).waitFor();
  await page.screenshot({ path: path.join(artifacts, "declined.png") });
  // The browser reports the sandbox's 402 answer; nothing else may be logged.
  assert.deepEqual(errors.filter((e) => !/status of 402/.test(e)), []);
  await page.close();
});

// The answers the page is built from, fetched from the raw domain (the canister's own
// bytes and headers) and verified by DFINITY's verifier with the replica's root key: every
// path the page uses is fully certified (not skip), the certified domain serves the same
// body, and a changed body or certified header fails verification.
test("the page's answers verify with @dfinity/response-verification, tampered ones do not", async () => {
  assert.ok(paidSession, "the payment test ran first and left a paid session");
  const key = await rootKey(stack.replica);
  const id = stack.canister_id;
  const port = new URL(stack.replica).port;
  const raw = `${id}.raw.localhost:${port}`, certified = `${id}.localhost:${port}`;
  const paths = ["/", "/index.html", "/app.js", "/style.css", "/config.js", "/favicon.svg",
    `/?checkout_session_id=${paidSession}`, `/checkout/${paidSession}`];
  for (const path of [...paths, "/nope"]) {
    const answer = await get(stack.replica, raw, path);
    const { version, response } = verify({ path, answer, canisterId: id, key });
    assert.equal(version, 2, path);
    assert.ok(response, `${path}: verified as skip certification, want a certified response`);
    assert.equal(response.statusCode, path === "/nope" ? 404 : 200, path);
    assert.deepEqual(Buffer.from(response.body), Buffer.from(answer.body), path);
    const served = await get(stack.replica, certified, path);
    assert.deepEqual(Buffer.from(served.body), Buffer.from(answer.body), `${path} on the certified domain`);
    if (path.startsWith("/checkout/")) {
      assert.match(Buffer.from(answer.body).toString(), /"status":"completed"/);
    }
  }
  for (const path of ["/", "/app.js", "/config.js", `/checkout/${paidSession}`]) {
    const answer = await get(stack.replica, raw, path);
    const body = answer.body.slice();
    body[body.length - 2] ^= 1;
    assert.throws(() => verify({ path, answer: { ...answer, body }, canisterId: id, key }), undefined, `${path}: tampered body verified`);
    const headers = answer.headers.map(([n, v]) => (n.toLowerCase() === "content-type" ? [n, "text/html; charset=evil"] : [n, v]));
    assert.throws(() => verify({ path, answer: { ...answer, headers }, canisterId: id, key }), undefined, `${path}: tampered content-type verified`);
    const status = { ...answer, status: 203 };
    assert.throws(() => verify({ path, answer: status, canisterId: id, key }), undefined, `${path}: tampered status verified`);
  }
});
