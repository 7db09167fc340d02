package sandbox

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/client"
)

// stripeClient points an unmodified stripe-go v79 client at the sandbox.
func stripeClient(baseURL, key string) *client.API {
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:               stripe.String(baseURL),
		HTTPClient:        &http.Client{},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(0),
	})
	sc := &client.API{}
	sc.Init(key, &stripe.Backends{API: backend, Uploads: backend, Connect: backend})
	return sc
}

func TestStripeGoClient(t *testing.T) {
	_, ts := startSandbox(t, Config{})
	sc := stripeClient(ts.URL, testKey)

	pr, err := sc.Prices.New(&stripe.PriceParams{
		Currency:    stripe.String("usd"),
		UnitAmount:  stripe.Int64(1234),
		ProductData: &stripe.PriceProductDataParams{Name: stripe.String("Coffee")},
	})
	if err != nil {
		t.Fatalf("create price: %v", err)
	}
	if !strings.HasPrefix(pr.ID, "price_") || pr.UnitAmount != 1234 || pr.Product == nil || pr.Product.ID == "" {
		t.Fatalf("price = %+v", pr)
	}

	link, err := sc.PaymentLinks.New(&stripe.PaymentLinkParams{
		LineItems: []*stripe.PaymentLinkLineItemParams{{Price: stripe.String(pr.ID), Quantity: stripe.Int64(2)}},
		AfterCompletion: &stripe.PaymentLinkAfterCompletionParams{
			Type:     stripe.String("redirect"),
			Redirect: &stripe.PaymentLinkAfterCompletionRedirectParams{URL: stripe.String("https://shop.test/ok?cs={CHECKOUT_SESSION_ID}")},
		},
	})
	if err != nil {
		t.Fatalf("create payment link: %v", err)
	}
	if !strings.HasPrefix(link.ID, "plink_") || link.URL != ts.URL+"/b/"+link.ID || !link.Active ||
		link.AfterCompletion.Redirect.URL != "https://shop.test/ok?cs={CHECKOUT_SESSION_ID}" {
		t.Fatalf("payment link = %+v", link)
	}
	gotLink, err := sc.PaymentLinks.Get(link.ID, nil)
	if err != nil || gotLink.ID != link.ID || gotLink.Currency != "usd" {
		t.Fatalf("get payment link = %+v, %v", gotLink, err)
	}

	params := &stripe.CheckoutSessionParams{
		Mode:              stripe.String("payment"),
		SuccessURL:        stripe.String("https://shop.test/ok?cs={CHECKOUT_SESSION_ID}"),
		ClientReferenceID: stripe.String("order-42"),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String("jpy"),
				UnitAmount:  stripe.Int64(1234),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String("Tea")},
			},
		}},
	}
	params.AddMetadata("order", "42")
	cs, err := sc.CheckoutSessions.New(params)
	if err != nil {
		t.Fatalf("create checkout session: %v", err)
	}
	if !strings.HasPrefix(cs.ID, "cs_test_") || len(cs.ID) != len("cs_test_")+58 {
		t.Errorf("session id %q: want cs_test_ + 58 characters", cs.ID)
	}
	if cs.URL != ts.URL+"/c/pay/"+cs.ID {
		t.Errorf("session url = %q", cs.URL)
	}

	got, err := sc.CheckoutSessions.Get(cs.ID, &stripe.CheckoutSessionParams{
		Params: stripe.Params{Expand: []*string{stripe.String("line_items")}},
	})
	if err != nil {
		t.Fatalf("get checkout session: %v", err)
	}
	want := struct {
		status        stripe.CheckoutSessionStatus
		paymentStatus stripe.CheckoutSessionPaymentStatus
		amount        int64
		currency      stripe.Currency
		ref, meta     string
		mode          stripe.CheckoutSessionMode
	}{stripe.CheckoutSessionStatusOpen, stripe.CheckoutSessionPaymentStatusUnpaid, 1234, "jpy", "order-42", "42",
		stripe.CheckoutSessionModePayment}
	if got.ID != cs.ID || got.Status != want.status || got.PaymentStatus != want.paymentStatus ||
		got.AmountTotal != want.amount || got.Currency != want.currency || got.ClientReferenceID != want.ref ||
		got.Metadata["order"] != want.meta || got.Mode != want.mode || got.Object != "checkout.session" {
		t.Errorf("retrieved session = %+v", got)
	}
	if got.LineItems == nil || len(got.LineItems.Data) != 1 || got.LineItems.Data[0].Price.UnitAmount != 1234 ||
		got.LineItems.Data[0].Description != "Tea" {
		t.Errorf("expanded line items = %+v", got.LineItems)
	}

	// Deactivated links refuse new checkouts, as buy.stripe.com does.
	off, err := sc.PaymentLinks.Update(link.ID, &stripe.PaymentLinkParams{Active: stripe.Bool(false)})
	if err != nil || off.Active {
		t.Fatalf("deactivate link = %+v, %v", off, err)
	}
	if resp, err := http.Get(link.URL); err != nil || resp.StatusCode != http.StatusGone {
		t.Errorf("inactive link page: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	gotPrice, err := sc.Prices.Get(pr.ID, nil)
	if err != nil || gotPrice.UnitAmount != 1234 || gotPrice.Currency != "usd" {
		t.Errorf("get price = %+v, %v", gotPrice, err)
	}
	items := sc.CheckoutSessions.ListLineItems(&stripe.CheckoutSessionListLineItemsParams{Session: stripe.String(cs.ID)})
	var n int
	for items.Next() {
		if li := items.LineItem(); li.AmountTotal != 1234 || li.Currency != "jpy" {
			t.Errorf("session line item = %+v", li)
		}
		n++
	}
	if items.Err() != nil || n != 1 {
		t.Errorf("session line items: %d, %v", n, items.Err())
	}
	linkItems := sc.PaymentLinks.ListLineItems(&stripe.PaymentLinkListLineItemsParams{PaymentLink: stripe.String(link.ID)})
	n = 0
	for linkItems.Next() {
		if li := linkItems.LineItem(); li.Quantity != 2 || li.AmountTotal != 2468 || li.Price.ID != pr.ID {
			t.Errorf("link line item = %+v", li)
		}
		n++
	}
	if linkItems.Err() != nil || n != 1 {
		t.Errorf("link line items: %d, %v", n, linkItems.Err())
	}

	// An unknown session is Stripe's 404 resource_missing, decoded by stripe-go.
	_, err = sc.CheckoutSessions.Get("cs_test_missing", nil)
	var serr *stripe.Error
	if !errors.As(err, &serr) || serr.HTTPStatusCode != http.StatusNotFound ||
		serr.Code != stripe.ErrorCodeResourceMissing || serr.Type != stripe.ErrorTypeInvalidRequest {
		t.Errorf("missing session error = %#v", err)
	}

	// A live key is refused with 401 like Stripe's test-mode-only sandbox would.
	_, err = stripeClient(ts.URL, "sk_live_abc").CheckoutSessions.Get(cs.ID, nil)
	if !errors.As(err, &serr) || serr.HTTPStatusCode != http.StatusUnauthorized {
		t.Errorf("live key error = %#v", err)
	}
}
