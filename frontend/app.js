// Payment page: starts a payment on a Stripe Payment Link and, on return,
// polls the canister for the Checkout Session until it is terminal.
// Plain script, no build step; configuration comes from config.js.
(function () {
  "use strict";

  var DEFAULTS = {
    paymentLinkUrl: "",
    amount: null,   // the Payment Link's price in minor units, shown before paying
    currency: "",
    allowedLinkOrigins: ["https://buy.stripe.com"],
    checkoutEndpoint: "/checkout/",
    pollInitialMs: 300,
    pollMaxMs: 3000,
    pollTimeoutMs: 120000
  };

  // Stripe's zero- and three-decimal currencies
  // (https://docs.stripe.com/currencies): amounts are in these units.
  var ZERO_DECIMAL = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
    "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];
  var THREE_DECIMAL = ["bhd", "jod", "kwd", "omr", "tnd"];

  // A Checkout Session id as Stripe issues it; anything else is not polled.
  var SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

  function config() {
    var given = window.PAYMENT_PAGE_CONFIG || {};
    var cfg = {};
    Object.keys(DEFAULTS).forEach(function (k) {
      cfg[k] = given[k] !== undefined && given[k] !== null ? given[k] : DEFAULTS[k];
    });
    return cfg;
  }

  function minorUnitDigits(currency) {
    var c = String(currency || "").toLowerCase();
    if (ZERO_DECIMAL.indexOf(c) >= 0) return 0;
    if (THREE_DECIMAL.indexOf(c) >= 0) return 3;
    return 2;
  }

  // formatAmount renders Stripe minor units for people: 1234 usd -> $12.34,
  // 1234 jpy -> ¥1,234 (zero-decimal currencies are not divided by 100).
  function formatAmount(minor, currency) {
    var digits = minorUnitDigits(currency);
    var value = Number(minor) / Math.pow(10, digits);
    var code = String(currency || "").toUpperCase();
    try {
      return new Intl.NumberFormat(undefined, {
        style: "currency", currency: code,
        minimumFractionDigits: digits, maximumFractionDigits: digits
      }).format(value);
    } catch (e) {
      // Unknown ISO code: Intl throws a RangeError; show the code instead.
      return value.toFixed(digits) + " " + code;
    }
  }

  function formatDate(unixSeconds) {
    var n = Number(unixSeconds);
    if (!isFinite(n) || n <= 0) return "—";
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" })
      .format(new Date(n * 1000));
  }

  // newReference returns a random URL-safe client_reference_id that Payment
  // Links accept (letters, digits, '-' and '_', at most 200 characters).
  function newReference() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return "ref_" + btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // priceText is the configured price for the start page, or "" when the
  // configuration does not state one (the Payment Link's URL does not say it).
  function priceText(cfg) {
    var amount = cfg.amount;
    if (typeof amount !== "number" || !isFinite(amount) || amount < 0) return "";
    if (!/^[A-Za-z]{3}$/.test(String(cfg.currency || ""))) return "";
    return formatAmount(amount, cfg.currency);
  }

  // paymentLink picks the configured link, or a ?payment_link= override whose
  // origin is allowed (so a crafted URL cannot send payers elsewhere).
  function paymentLink(cfg, params) {
    var candidate = cfg.paymentLinkUrl || params.get("payment_link") || "";
    if (!candidate) return null;
    var url;
    try {
      url = new URL(candidate, window.location.href);
    } catch (e) {
      return null;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    if (!cfg.paymentLinkUrl && cfg.allowedLinkOrigins.indexOf(url.origin) < 0) return null;
    return url;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // reasonFrom extracts a readable message from an error body that may be
  // plain text or JSON ({"error": ...}, {"message": ...}, {"value": ...}).
  function reasonFrom(text) {
    var t = String(text || "").trim();
    try {
      var j = JSON.parse(t);
      if (typeof j === "string") return j;
      if (j && typeof j === "object") {
        var e = j.error !== undefined ? j.error : j;
        if (typeof e === "string") return e;
        if (e && typeof e.message === "string") return e.message;
        if (typeof j.value === "string") return j.value;
      }
    } catch (ignored) {
      // Not JSON: the text itself is the reason.
    }
    return t || "The payment could not be checked.";
  }

  // checkOnce asks the canister once. It resolves to {state: "checking"},
  // {state: "completed", value}, {state: "failed", reason} or
  // {state: "retry"} for transient trouble (network, 5xx, odd answers);
  // retryAfterMs carries a Retry-After header (the canister sends one when
  // Stripe or the proxy asked it to back off).
  function checkOnce(cfg, id) {
    var url = cfg.checkoutEndpoint + encodeURIComponent(id);
    return fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (res) {
        var retryAfterMs = (parseInt(res.headers.get("Retry-After") || "", 10) || 0) * 1000;
        return res.text().then(function (text) {
          if (res.status === 400) return { state: "failed", reason: reasonFrom(text) };
          var body = null;
          try {
            body = JSON.parse(text);
          } catch (e) {
            // Not JSON (a gateway error page): retry below.
          }
          // A settled session is final whatever the HTTP status says.
          if (body && body.status === "completed" && body.value && typeof body.value === "object") {
            return { state: "completed", value: body.value };
          }
          if (body && body.status === "failed") {
            return { state: "failed", reason: reasonFrom(JSON.stringify(body.value)) };
          }
          if (res.ok && body && body.status === "checking") {
            return { state: "checking", retryAfterMs: retryAfterMs };
          }
          return { state: "retry", retryAfterMs: retryAfterMs };
        });
      }, function () {
        return { state: "retry", retryAfterMs: 0 };
      });
  }

  // poll waits 300 ms, 600 ms, ... up to pollMaxMs between checks (longer if
  // the server sent Retry-After, up to 30 s) and stops at pollTimeoutMs.
  function poll(cfg, id, onTick) {
    var started = Date.now();
    var delay = cfg.pollInitialMs;
    var attempt = 0;
    function next() {
      attempt++;
      onTick(attempt);
      return checkOnce(cfg, id).then(function (r) {
        if (r.state === "completed" || r.state === "failed") return r;
        var wait = Math.max(delay, Math.min(r.retryAfterMs || 0, 30000));
        if (Date.now() - started + wait > cfg.pollTimeoutMs) {
          return { state: "timeout" };
        }
        return sleep(wait).then(function () {
          delay = Math.min(delay * 2, cfg.pollMaxMs);
          return next();
        });
      });
    }
    return next();
  }

  // ---- view ----

  var el = {};
  function $(id) { return document.getElementById(id); }

  function show(view) {
    ["pay", "checking", "result", "failure"].forEach(function (v) {
      el[v].hidden = v !== view;
    });
  }

  function focusHeading(id) {
    var h = $(id);
    if (h) h.focus();
  }

  function announce(text) {
    el.live.textContent = text;
  }

  function statusLabel(v) {
    if (v.payment_status === "paid") return "Paid";
    if (v.payment_status === "no_payment_required") return "Completed";
    if (v.status === "expired") return "Expired";
    if (v.status === "complete") return "Processing";
    return "Not paid";
  }

  function showResult(sessionId, v) {
    var label = statusLabel(v);
    el.resultStatus.textContent = label;
    el.resultStatus.className = label === "Paid" ? "paid" : "";
    el.resultAmount.textContent =
      typeof v.amount_total === "number" && v.currency ? formatAmount(v.amount_total, v.currency) : "—";
    el.resultReference.textContent = v.client_reference_id || "—";
    el.resultDate.textContent = formatDate(v.created);
    el.resultSession.textContent = v.id || sessionId;
    show("result");
    document.title = label + " – Payment";
    announce("Payment status: " + label);
    focusHeading("result-title");
  }

  function showFailure(reason, canRecheck) {
    el.failureReason.textContent = reason;
    el.recheck.hidden = !canRecheck;
    el.retry.hidden = !state.link;
    show("failure");
    document.title = "Payment not completed – Payment";
    focusHeading("failure-title");
  }

  var state = { cfg: null, link: null, sessionId: null };

  function startPayment() {
    if (!state.link) return;
    var url = new URL(state.link.href);
    url.searchParams.set("client_reference_id", newReference());
    window.location.assign(url.href);
  }

  function check() {
    show("checking");
    focusHeading("checking-title");
    announce("Checking your payment");
    return poll(state.cfg, state.sessionId, function (attempt) {
      el.checkingDetail.textContent = attempt > 1
        ? "Still waiting for confirmation from Stripe…"
        : "Waiting for confirmation from Stripe.";
    }).then(function (r) {
      if (r.state === "completed") {
        showResult(state.sessionId, r.value);
      } else if (r.state === "failed") {
        showFailure(r.reason, false);
      } else {
        showFailure("We could not confirm the payment in time. If you paid, it will still be " +
          "recorded; check again in a moment.", true);
      }
    });
  }

  function init() {
    ["pay", "checking", "result", "failure", "live"].forEach(function (v) { el[v] = $(v); });
    el.payButton = $("pay-button");
    el.payUnavailable = $("pay-unavailable");
    el.payAmount = $("pay-amount");
    el.payAmountValue = $("pay-amount-value");
    el.checkingDetail = $("checking-detail");
    el.resultStatus = $("result-status");
    el.resultAmount = $("result-amount");
    el.resultReference = $("result-reference");
    el.resultDate = $("result-date");
    el.resultSession = $("result-session");
    el.failureReason = $("failure-reason");
    el.retry = $("retry-button");
    el.recheck = $("recheck-button");

    var params = new URLSearchParams(window.location.search);
    state.cfg = config();
    state.link = paymentLink(state.cfg, params);
    el.payButton.hidden = !state.link;
    el.payUnavailable.hidden = !!state.link;
    var price = priceText(state.cfg);
    el.payAmountValue.textContent = price;
    el.payAmount.hidden = !state.link || !price;
    el.payButton.addEventListener("click", startPayment);
    el.retry.addEventListener("click", startPayment);
    $("again-button").addEventListener("click", startPayment);
    $("again-button").hidden = !state.link;
    el.recheck.addEventListener("click", check);

    // checkout_session_id is what the success URL template carries; the seed
    // demo spelled it check_out_session_id, which old links still use.
    var id = params.get("checkout_session_id") || params.get("check_out_session_id");
    if (id === null) {
      show("pay");
      return;
    }
    if (!SESSION_ID.test(id)) {
      showFailure("This link does not carry a valid Stripe Checkout Session id.", false);
      return;
    }
    state.sessionId = id;
    check();
  }

  // Exposed for tests and the console; the page does not depend on it.
  window.PaymentPage = { formatAmount: formatAmount, newReference: newReference, reasonFrom: reasonFrom };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
