package sandbox

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	stripe "github.com/stripe/stripe-go/v79"
)

// maxEvents bounds the event log kept for GET /v1/events; maxSavedEvents the
// part of it written to the state file.
const (
	maxEvents      = 5000
	maxSavedEvents = 200
)

// reqInfo identifies the API request that caused an event (event.request).
type reqInfo struct {
	ID             string
	IdempotencyKey string
}

// clientReferenceIDPattern is what Payment Links accept in
// ?client_reference_id= (others are dropped, as at Stripe).
var clientReferenceIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// LinkSpec describes a one-price Payment Link created at start-up.
type LinkSpec struct {
	ProductName string
	Currency    string // ISO code, lower or upper case
	UnitAmount  int64  // minor units
	Quantity    int64  // default 1
	// SuccessURL makes the link redirect after payment; {CHECKOUT_SESSION_ID}
	// is replaced by the session id. Empty shows a hosted confirmation.
	SuccessURL string
	Message    string // hosted confirmation message when SuccessURL is empty
}

// CreatePaymentLink creates a product, a price and a Payment Link (what
// POST /v1/products, /v1/prices and /v1/payment_links do through the API).
func (s *Server) CreatePaymentLink(spec LinkSpec) (*stripe.PaymentLink, error) {
	if spec.Quantity == 0 {
		spec.Quantity = 1
	}
	cur := strings.ToLower(spec.Currency)
	if !validCurrency(cur) {
		return nil, fmt.Errorf("create payment link: invalid currency %q", spec.Currency)
	}
	if spec.UnitAmount <= 0 || spec.Quantity <= 0 {
		return nil, fmt.Errorf("create payment link: amount and quantity must be positive")
	}
	if spec.SuccessURL != "" && !validURL(spec.SuccessURL) {
		return nil, fmt.Errorf("create payment link: invalid success URL %q", spec.SuccessURL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prod := s.addProductLocked(spec.ProductName)
	pr := s.addPriceLocked(prod.ID, cur, spec.UnitAmount)
	link := &paymentLink{
		ID: newID("plink_", objectIDLen), Active: true, Currency: cur,
		Metadata: map[string]string{}, Created: s.now().Unix(),
		LineItems: []lineItem{s.lineItemLocked(pr, spec.Quantity)},
		AfterType: "hosted_confirmation", Message: spec.Message,
	}
	if spec.SuccessURL != "" {
		link.AfterType, link.RedirectURL = "redirect", spec.SuccessURL
	}
	s.st.Links[link.ID] = link
	s.persistLocked()
	return link.stripe(s.cfg.BaseURL, false), nil
}

func (s *Server) addProductLocked(name string) *product {
	if name == "" {
		name = "Payment"
	}
	p := &product{ID: newID("prod_", 14), Name: name, Created: s.now().Unix()}
	s.st.Products[p.ID] = p
	return p
}

func (s *Server) addPriceLocked(productID, currency string, unitAmount int64) *price {
	p := &price{
		ID: newID("price_", objectIDLen), Product: productID, Currency: currency,
		UnitAmount: unitAmount, Created: s.now().Unix(),
	}
	s.st.Prices[p.ID] = p
	return p
}

func (s *Server) lineItemLocked(p *price, qty int64) lineItem {
	name := ""
	if prod := s.st.Products[p.Product]; prod != nil {
		name = prod.Name
	}
	return lineItem{
		ID: newID("li_", objectIDLen), Price: p.ID, Product: p.Product, Description: name,
		Currency: p.Currency, UnitAmount: p.UnitAmount, Quantity: qty,
	}
}

// newSessionLocked stores a fresh open session.
func (s *Server) newSessionLocked(sess *session) *session {
	now := s.now()
	sess.ID = newID("cs_test_", sessionIDLen)
	sess.Created = now.Unix()
	if sess.ExpiresAt == 0 {
		sess.ExpiresAt = now.Add(s.cfg.SessionTTL).Unix()
	}
	sess.Status, sess.PaymentStatus = "open", "unpaid"
	if sess.Metadata == nil {
		sess.Metadata = map[string]string{}
	}
	if len(sess.LineItems) > 0 {
		sess.Currency = sess.LineItems[0].Currency
	}
	s.st.Sessions[sess.ID] = sess
	return sess
}

// sessionFromLink opens a Checkout Session for a Payment Link visit, taking
// client_reference_id and prefilled_email from the query like Stripe.
func (s *Server) sessionFromLink(linkID string, q url.Values) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	link := s.st.Links[linkID]
	if link == nil {
		return nil, errNoLink
	}
	if !link.Active {
		return nil, errInactiveLink
	}
	sess := &session{
		LineItems: append([]lineItem(nil), link.LineItems...), PaymentLink: link.ID,
		ConfirmMessage: link.Message,
	}
	if link.AfterType == "redirect" {
		sess.SuccessURL = link.RedirectURL
	}
	if ref := q.Get("client_reference_id"); clientReferenceIDPattern.MatchString(ref) {
		sess.ClientReferenceID = ref
	}
	if email := q.Get("prefilled_email"); validEmail(email) {
		sess.CustomerEmail = email
	}
	s.newSessionLocked(sess)
	s.persistLocked()
	return sess, nil
}

// expireIfDueLocked moves an open session past expires_at to expired, as
// Stripe's background job does, and emits checkout.session.expired.
func (s *Server) expireIfDueLocked(sess *session) {
	if sess.Status == "open" && s.now().Unix() >= sess.ExpiresAt {
		s.expireLocked(sess, reqInfo{})
	}
}

func (s *Server) expireLocked(sess *session, req reqInfo) {
	sess.Status = "expired"
	s.emitLocked("checkout.session.expired", sess.stripe(s.cfg.BaseURL, s.st.Intents[sess.PaymentIntent], false), req)
	s.persistLocked()
}

// emitLocked records an event and queues its delivery.
func (s *Server) emitLocked(typ string, obj any, req reqInfo) {
	data, err := render(obj, nil)
	if err != nil {
		s.log.Error("event not rendered", "type", typ, "err", err)
		return
	}
	targets := s.targetsLocked(typ)
	evt := &stripe.Event{
		PendingWebhooks: int64(len(targets)),
		ID:              newID("evt_", objectIDLen), Object: "event", APIVersion: APIVersion,
		Created: s.now().Unix(), Data: &stripe.EventData{Raw: data},
		Type:    stripe.EventType(typ),
		Request: &stripe.EventRequest{ID: req.ID, IdempotencyKey: req.IdempotencyKey},
	}
	body, err := render(evt, nil)
	if err != nil {
		s.log.Error("event not rendered", "type", typ, "err", err)
		return
	}
	s.st.Events = append(s.st.Events, storedEvent{ID: evt.ID, Body: body})
	if n := len(s.st.Events); n > maxEvents {
		s.st.Events = append([]storedEvent(nil), s.st.Events[n-maxEvents:]...)
	}
	s.stats.event()
	s.log.Info("event", "id", evt.ID, "type", typ)
	s.hooks.enqueue(targets, evt.ID, typ, body)
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func validURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>") && len(s) <= 512
}
