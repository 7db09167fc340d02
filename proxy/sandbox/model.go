package sandbox

import (
	"encoding/json"
	"time"

	stripe "github.com/stripe/stripe-go/v79"
)

// The records below are the sandbox's own state; they are converted to
// stripe-go types only when rendered, so the state file stays small and
// independent of stripe-go's many optional fields.

type product struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Created int64  `json:"created"`
}

type price struct {
	ID         string `json:"id"`
	Product    string `json:"product"`
	Currency   string `json:"currency"`
	UnitAmount int64  `json:"unit_amount"`
	Created    int64  `json:"created"`
}

// lineItem is a price snapshot times a quantity.
type lineItem struct {
	ID          string `json:"id"`
	Price       string `json:"price"`
	Product     string `json:"product"`
	Description string `json:"description"`
	Currency    string `json:"currency"`
	UnitAmount  int64  `json:"unit_amount"`
	Quantity    int64  `json:"quantity"`
}

func (li lineItem) total() int64 { return li.UnitAmount * li.Quantity }

type paymentLink struct {
	ID        string            `json:"id"`
	Active    bool              `json:"active"`
	LineItems []lineItem        `json:"line_items"`
	Currency  string            `json:"currency"`
	Metadata  map[string]string `json:"metadata"`
	Created   int64             `json:"created"`
	// AfterType is "redirect" or "hosted_confirmation".
	AfterType   string `json:"after_type"`
	RedirectURL string `json:"redirect_url,omitempty"`
	Message     string `json:"message,omitempty"`
}

type session struct {
	ID                string            `json:"id"`
	Created           int64             `json:"created"`
	ExpiresAt         int64             `json:"expires_at"`
	Status            string            `json:"status"`
	PaymentStatus     string            `json:"payment_status"`
	LineItems         []lineItem        `json:"line_items"`
	Currency          string            `json:"currency"`
	ClientReferenceID string            `json:"client_reference_id,omitempty"`
	CustomerEmail     string            `json:"customer_email,omitempty"`
	SuccessURL        string            `json:"success_url,omitempty"`
	CancelURL         string            `json:"cancel_url,omitempty"`
	PaymentLink       string            `json:"payment_link,omitempty"`
	PaymentIntent     string            `json:"payment_intent,omitempty"`
	Metadata          map[string]string `json:"metadata"`
	// Filled when the customer pays.
	PaidEmail string `json:"paid_email,omitempty"`
	PaidName  string `json:"paid_name,omitempty"`
	// ConfirmMessage is shown instead of a redirect when there is no
	// success URL (a hosted_confirmation Payment Link).
	ConfirmMessage string `json:"confirm_message,omitempty"`
}

func (s *session) amountTotal() int64 {
	var sum int64
	for _, li := range s.LineItems {
		sum += li.total()
	}
	return sum
}

type paymentIntent struct {
	ID           string            `json:"id"`
	Amount       int64             `json:"amount"`
	Currency     string            `json:"currency"`
	Status       string            `json:"status"`
	Created      int64             `json:"created"`
	LatestCharge string            `json:"latest_charge,omitempty"`
	Method       string            `json:"payment_method,omitempty"`
	Metadata     map[string]string `json:"metadata"`
	// Last decline, if any.
	ErrCode        string `json:"err_code,omitempty"`
	ErrDeclineCode string `json:"err_decline_code,omitempty"`
	ErrMessage     string `json:"err_message,omitempty"`
}

// storedEvent keeps the rendered event body so GET /v1/events/{id} and every
// webhook delivery carry the same bytes.
type storedEvent struct {
	ID   string          `json:"id"`
	Body json.RawMessage `json:"body"`
}

func (p *product) stripe() *stripe.Product {
	return &stripe.Product{
		ID: p.ID, Object: "product", Active: true, Name: p.Name,
		Created: p.Created, Updated: p.Created, Type: stripe.ProductTypeService,
		Images: []string{}, MarketingFeatures: []*stripe.ProductMarketingFeature{},
		Metadata: map[string]string{},
	}
}

func (p *price) stripe() *stripe.Price {
	return &stripe.Price{
		ID: p.ID, Object: "price", Active: true, BillingScheme: stripe.PriceBillingSchemePerUnit,
		Created: p.Created, Currency: stripe.Currency(p.Currency),
		Product: &stripe.Product{ID: p.Product}, Type: stripe.PriceTypeOneTime,
		TaxBehavior: stripe.PriceTaxBehaviorUnspecified,
		UnitAmount:  p.UnitAmount, UnitAmountDecimal: float64(p.UnitAmount),
	}
}

func (li lineItem) stripe() *stripe.LineItem {
	return &stripe.LineItem{
		ID: li.ID, Object: "item", AmountSubtotal: li.total(), AmountTotal: li.total(),
		Currency: stripe.Currency(li.Currency), Description: li.Description,
		Quantity: li.Quantity, Discounts: []*stripe.LineItemDiscount{},
		Price: (&price{
			ID: li.Price, Product: li.Product, Currency: li.Currency, UnitAmount: li.UnitAmount,
		}).stripe(),
	}
}

func lineItemList(items []lineItem, url string) *stripe.LineItemList {
	l := &stripe.LineItemList{ListMeta: stripe.ListMeta{URL: url}}
	for _, li := range items {
		l.Data = append(l.Data, li.stripe())
	}
	return l
}

func (l *paymentLink) stripe(baseURL string, withItems bool) *stripe.PaymentLink {
	out := &stripe.PaymentLink{
		ID: l.ID, Object: "payment_link", Active: l.Active, Currency: stripe.Currency(l.Currency),
		Metadata: l.Metadata, URL: baseURL + "/b/" + l.ID,
		AfterCompletion: &stripe.PaymentLinkAfterCompletion{
			Type: stripe.PaymentLinkAfterCompletionType(l.AfterType),
		},
		AutomaticTax:             &stripe.PaymentLinkAutomaticTax{},
		BillingAddressCollection: stripe.PaymentLinkBillingAddressCollectionAuto,
		CustomerCreation:         stripe.PaymentLinkCustomerCreationIfRequired,
		PaymentMethodCollection:  stripe.PaymentLinkPaymentMethodCollectionAlways,
		SubmitType:               stripe.PaymentLinkSubmitTypeAuto,
		CustomFields:             []*stripe.PaymentLinkCustomField{},
		PhoneNumberCollection:    &stripe.PaymentLinkPhoneNumberCollection{},
		TaxIDCollection: &stripe.PaymentLinkTaxIDCollection{
			Required: stripe.PaymentLinkTaxIDCollectionRequiredNever,
		},
		ShippingOptions: []*stripe.PaymentLinkShippingOption{},
		CustomText:      &stripe.PaymentLinkCustomText{},
	}
	if l.AfterType == "redirect" {
		out.AfterCompletion.Redirect = &stripe.PaymentLinkAfterCompletionRedirect{URL: l.RedirectURL}
	} else {
		out.AfterCompletion.HostedConfirmation = &stripe.PaymentLinkAfterCompletionHostedConfirmation{
			CustomMessage: l.Message,
		}
	}
	if withItems {
		out.LineItems = lineItemList(l.LineItems, "/v1/payment_links/"+l.ID+"/line_items")
	}
	return out
}

func (s *session) stripe(baseURL string, pi *paymentIntent, withItems bool) *stripe.CheckoutSession {
	total := s.amountTotal()
	out := &stripe.CheckoutSession{
		ID: s.ID, Object: "checkout.session", AmountSubtotal: total, AmountTotal: total,
		AutomaticTax:          &stripe.CheckoutSessionAutomaticTax{},
		PhoneNumberCollection: &stripe.CheckoutSessionPhoneNumberCollection{},
		TaxIDCollection: &stripe.CheckoutSessionTaxIDCollection{
			Required: stripe.CheckoutSessionTaxIDCollectionRequiredNever,
		},
		CancelURL: s.CancelURL, ClientReferenceID: s.ClientReferenceID,
		Created: s.Created, Currency: stripe.Currency(s.Currency),
		CustomerCreation: stripe.CheckoutSessionCustomerCreationIfRequired,
		CustomerEmail:    s.CustomerEmail, ExpiresAt: s.ExpiresAt,
		CustomFields: []*stripe.CheckoutSessionCustomField{},
		CustomText:   &stripe.CheckoutSessionCustomText{},
		Metadata:     s.Metadata, Mode: stripe.CheckoutSessionModePayment,
		PaymentMethodCollection: stripe.CheckoutSessionPaymentMethodCollectionAlways,
		PaymentMethodTypes:      []string{"card"},
		PaymentStatus:           stripe.CheckoutSessionPaymentStatus(s.PaymentStatus),
		Status:                  stripe.CheckoutSessionStatus(s.Status),
		SubmitType:              stripe.CheckoutSessionSubmitTypeAuto,
		SuccessURL:              s.SuccessURL,
		TotalDetails:            &stripe.CheckoutSessionTotalDetails{},
		UIMode:                  stripe.CheckoutSessionUIModeHosted,
		ShippingOptions:         []*stripe.CheckoutSessionShippingOption{},
	}
	if s.Status == "open" {
		// Stripe only exposes the hosted page URL while the session is open.
		out.URL = baseURL + "/c/pay/" + s.ID
	}
	if s.PaymentLink != "" {
		out.PaymentLink = &stripe.PaymentLink{ID: s.PaymentLink}
	}
	if pi != nil {
		out.PaymentIntent = pi.stripe()
	}
	if s.Status == "complete" {
		// Checkout always records who paid once the session completes.
		out.CustomerDetails = &stripe.CheckoutSessionCustomerDetails{
			Email: s.PaidEmail, Name: s.PaidName, TaxExempt: "none",
			TaxIDs: []*stripe.CheckoutSessionCustomerDetailsTaxID{},
		}
	}
	if withItems {
		out.LineItems = lineItemList(s.LineItems, "/v1/checkout/sessions/"+s.ID+"/line_items")
	}
	return out
}

func (pi *paymentIntent) stripe() *stripe.PaymentIntent {
	out := &stripe.PaymentIntent{
		ID: pi.ID, Object: "payment_intent", Amount: pi.Amount, Created: pi.Created,
		Currency: stripe.Currency(pi.Currency), Status: stripe.PaymentIntentStatus(pi.Status),
		CaptureMethod:      stripe.PaymentIntentCaptureMethodAutomaticAsync,
		ConfirmationMethod: stripe.PaymentIntentConfirmationMethodAutomatic,
		ClientSecret:       pi.ID + "_secret_sandbox",
		Metadata:           pi.Metadata, PaymentMethodTypes: []string{"card"},
		AmountDetails: &stripe.PaymentIntentAmountDetails{Tip: &stripe.PaymentIntentAmountDetailsTip{}},
	}
	if pi.Status == "succeeded" {
		out.AmountReceived = pi.Amount
	}
	if pi.LatestCharge != "" {
		out.LatestCharge = &stripe.Charge{ID: pi.LatestCharge}
	}
	if pi.Method != "" {
		out.PaymentMethod = &stripe.PaymentMethod{ID: pi.Method}
	}
	if pi.ErrCode != "" {
		out.LastPaymentError = &stripe.Error{
			Type: stripe.ErrorTypeCard, Code: stripe.ErrorCode(pi.ErrCode),
			DeclineCode: stripe.DeclineCode(pi.ErrDeclineCode), Msg: pi.ErrMessage,
			DocURL: "https://stripe.com/docs/error-codes/" + pi.ErrCode,
		}
	}
	return out
}

// chargeObject is the minimal charge a charge.succeeded event carries.
func (pi *paymentIntent) charge(now time.Time) *stripe.Charge {
	return &stripe.Charge{
		ID: pi.LatestCharge, Object: "charge", Amount: pi.Amount, AmountCaptured: pi.Amount,
		Captured: true, Paid: true, Created: now.Unix(), Currency: stripe.Currency(pi.Currency),
		Status: stripe.ChargeStatusSucceeded, PaymentIntent: &stripe.PaymentIntent{ID: pi.ID},
		PaymentMethod: pi.Method, Metadata: pi.Metadata,
		BillingDetails: &stripe.ChargeBillingDetails{},
	}
}
