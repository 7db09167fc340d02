// Payment page configuration. The deploy step (make run / make deploy)
// overwrites this file with the real Payment Link URL; see README.md.
window.PAYMENT_PAGE_CONFIG = {
  // The Stripe Payment Link the "Pay" button opens (https://buy.stripe.com/...
  // or the local sandbox's http://127.0.0.1:12111/b/plink_...). Empty: the page
  // accepts ?payment_link=<url> from an allowed origin (below) or shows no button.
  paymentLinkUrl: "",
  // What the link charges, shown on the start page: minor units (1234 = $12.34,
  // 500 JPY = ¥500) and the ISO currency code. null / "": no amount shown.
  amount: null,
  currency: "",
  // Origins a ?payment_link= query parameter may point at.
  allowedLinkOrigins: ["https://buy.stripe.com", "http://127.0.0.1:12111", "http://localhost:12111"],
  // Where the session status is read: "<checkoutEndpoint><session id>".
  checkoutEndpoint: "/checkout/",
  // Polling: first wait, doubling up to the maximum, giving up after the timeout.
  pollInitialMs: 300,
  pollMaxMs: 3000,
  pollTimeoutMs: 120000
};
