package payments

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk/sha256"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/internal/weburl"
)

// anonymousPrincipal is never allowed, even if configured by mistake.
const anonymousPrincipal = "2vxsx-fae"

// Caller identifies who called create_checkout_session.
type Caller struct {
	Principal    string // textual principal
	IsController bool   // ic0.is_controller
}

// CreateSessionRequest is the subset of Stripe's POST /v1/checkout/sessions parameters the
// canister offers.
type CreateSessionRequest struct {
	Mode              string // payment (default) | subscription | setup
	LineItems         []LineItem
	SuccessURL        string
	CancelURL         string
	ClientReferenceID string
	CustomerEmail     string
	Metadata          map[string]string
	// RequestID distinguishes otherwise identical requests that are meant to create two
	// sessions. Equal requests with equal RequestIDs return the same session (within
	// Stripe's 24 h idempotency window): a retried call never creates a second one.
	RequestID string
}

// LineItem is either a Price id or inline price data.
type LineItem struct {
	Price     string
	Quantity  int64
	PriceData *PriceData
}

// PriceData describes a one-off price.
type PriceData struct {
	Currency    string // ISO code, lower case
	UnitAmount  int64  // minor units (none for zero-decimal currencies such as jpy)
	ProductName string
}

// CreatedSession is what the caller gets back.
type CreatedSession struct {
	ID  string
	URL string
}

func (c Caller) check(allowed map[string]bool) error {
	if c.Principal == anonymousPrincipal {
		return errfmt.Wrap("", ErrUnauthorized, ": anonymous")
	}
	if c.IsController || allowed[c.Principal] {
		return nil
	}
	return errfmt.Wrap("", ErrUnauthorized, ": "+clip(c.Principal))
}

// Validate checks the request against Stripe's documented limits so that a bad request
// costs no outcall.
func (r CreateSessionRequest) Validate() error {
	var errs []error
	switch r.Mode {
	case "", "payment", "subscription", "setup":
	default:
		errs = append(errs, errors.New("mode "+strconv.Quote(clip(r.Mode))+" is not payment, subscription or setup"))
	}
	if len(r.LineItems) == 0 && r.Mode != "setup" {
		errs = append(errs, errors.New("at least one line item is required"))
	}
	if len(r.LineItems) > 100 {
		errs = append(errs, errors.New("at most 100 line items"))
	}
	for i, li := range r.LineItems {
		if (li.Price == "") == (li.PriceData == nil) {
			errs = append(errs, errors.New("line_items["+strconv.Itoa(i)+"]: set exactly one of price and price_data"))
		}
		if li.Quantity < 1 || li.Quantity > 999_999 {
			errs = append(errs, errors.New("line_items["+strconv.Itoa(i)+"]: quantity "+errfmt.Int(li.Quantity)+" out of 1..999999"))
		}
		if pd := li.PriceData; pd != nil {
			if len(pd.Currency) != 3 || strings.ToLower(pd.Currency) != pd.Currency {
				errs = append(errs, errors.New("line_items["+strconv.Itoa(i)+"]: currency "+strconv.Quote(clip(pd.Currency))+" is not a lower-case ISO code"))
			}
			if pd.UnitAmount < 0 {
				errs = append(errs, errors.New("line_items["+strconv.Itoa(i)+"]: negative unit_amount"))
			}
			if pd.ProductName == "" {
				errs = append(errs, errors.New("line_items["+strconv.Itoa(i)+"]: product name required"))
			}
		}
	}
	for name, u := range map[string]string{"success_url": r.SuccessURL, "cancel_url": r.CancelURL} {
		if u == "" && name == "cancel_url" {
			continue
		}
		p, err := weburl.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, errors.New(name+" "+strconv.Quote(clip(u))+" is not an absolute http(s) URL"))
		}
	}
	if len(r.ClientReferenceID) > 200 {
		errs = append(errs, errors.New("client_reference_id longer than 200 characters"))
	}
	if len(r.Metadata) > 50 {
		errs = append(errs, errors.New("at most 50 metadata keys"))
	}
	for k, v := range r.Metadata {
		if k == "" || len(k) > 40 || strings.ContainsAny(k, "[]") || len(v) > 500 {
			errs = append(errs, errors.New("metadata key "+strconv.Quote(clip(k))+": keys 1-40 characters without brackets, values up to 500"))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// Form encodes the request like Stripe's API expects (application/x-www-form-urlencoded,
// nested keys in brackets), in a fixed order with sorted metadata keys, so every replica
// sends identical bytes.
func (r CreateSessionRequest) Form() string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(weburl.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(weburl.QueryEscape(v))
	}
	mode := r.Mode
	if mode == "" {
		mode = "payment"
	}
	add("mode", mode)
	for i, li := range r.LineItems {
		p := "line_items[" + strconv.Itoa(i) + "]"
		if li.Price != "" {
			add(p+"[price]", li.Price)
		}
		if pd := li.PriceData; pd != nil {
			add(p+"[price_data][currency]", pd.Currency)
			add(p+"[price_data][unit_amount]", strconv.FormatInt(pd.UnitAmount, 10))
			add(p+"[price_data][product_data][name]", pd.ProductName)
		}
		add(p+"[quantity]", strconv.FormatInt(li.Quantity, 10))
	}
	add("success_url", r.SuccessURL)
	if r.CancelURL != "" {
		add("cancel_url", r.CancelURL)
	}
	if r.ClientReferenceID != "" {
		add("client_reference_id", r.ClientReferenceID)
	}
	if r.CustomerEmail != "" {
		add("customer_email", r.CustomerEmail)
	}
	keys := make([]string, 0, len(r.Metadata))
	for k := range r.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add("metadata["+k+"]", r.Metadata[k])
	}
	return b.String()
}

// createRequest builds the POST outcall. The idempotency key hashes the canister, the
// caller, the form and the RequestID: the 13+ replicas send the same key (Stripe creates
// one session), and a retry of the same call gets the same session back.
func (s *Service) createRequest(caller Caller, req *CreateSessionRequest) OutcallRequest {
	form := req.Form()
	h := sha256.New()
	for _, part := range []string{s.canisterID, caller.Principal, form, req.RequestID} {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	key := idempotencyKey(s.canisterID, "create", errfmt.Hex(h.Sum(nil)))
	u, hdr := s.endpoint("/v1/checkout/sessions", sessionMask)
	out := OutcallRequest{
		Method:           "POST",
		URL:              u,
		Headers:          append(hdr, s.commonHeaders(key)...),
		Body:             []byte(form),
		MaxResponseBytes: fullSessionResponseBytes,
		TransformContext: []byte(transformSession),
	}
	out.Headers = append(out.Headers, Header{"content-type", "application/x-www-form-urlencoded"})
	if s.proxyBase != "" {
		out.MaxResponseBytes = maskedResponseBytes
	}
	return out
}

// CreateCheckoutSession creates a Checkout Session at Stripe for a controller or an allowed
// principal, stores it as "checking" and returns its id and URL.
func (s *Service) CreateCheckoutSession(ctx context.Context, caller Caller, req CreateSessionRequest, env Env) (CreatedSession, error) {
	if err := caller.check(s.allowed); err != nil {
		return CreatedSession{}, err
	}
	if err := req.Validate(); err != nil {
		return CreatedSession{}, errfmt.Wrap("create checkout session: ", err, "")
	}
	release, err := s.guard.begin("", 0, classKnown, env.Now, env.CyclesBalance)
	if err != nil {
		return CreatedSession{}, errfmt.Wrap("create checkout session: ", err, "")
	}
	defer release()
	nowNS := env.Now.UnixNano()
	s.led.m.outcalls++
	s.led.saveMeta(nowNS)
	resp, err := s.outcall(ctx, s.createRequest(caller, &req))
	if err == nil {
		var so SessionObject
		so, err = parseCreateResponse(resp)
		if err == nil {
			if err := s.storeCreated(&so, nowNS); err != nil {
				return CreatedSession{}, err
			}
			return CreatedSession{ID: so.ID, URL: *so.URL}, nil
		}
	}
	s.led.m.outcallErrors++
	s.led.saveMeta(nowNS)
	return CreatedSession{}, errfmt.Wrap("create checkout session: ", err, "")
}

// parseCreateResponse reads Stripe's answer to the POST.
func parseCreateResponse(resp OutcallResponse) (SessionObject, error) {
	if resp.Status < 200 || resp.Status > 299 {
		return SessionObject{}, errfmt.Wrap("", errUpstream, ": status "+errfmt.Int(resp.Status)+": "+stripeMessage(resp.Body))
	}
	so, err := parseSessionObject(resp.Body)
	if err != nil {
		return so, errfmt.Wrap("", errUpstream, ": "+err.Error())
	}
	if so.URL == nil || !strings.HasPrefix(*so.URL, "https://") && !strings.HasPrefix(*so.URL, "http://") {
		return so, errfmt.Wrap("", errUpstream, ": session "+so.ID+" has no checkout url")
	}
	return so, nil
}

func (s *Service) storeCreated(so *SessionObject, nowNS int64) error {
	old, ok, err := s.led.get(so.ID)
	if err != nil {
		return err
	}
	if ok {
		return nil // a retried create: the record is already there
	}
	r := newRecord(so.ID)
	mergeSession(&r, so)
	r.Status, r.Reason = sessionStatus(so)
	s.led.put(ptrIf(ok, &old), r, nowNS)
	return nil
}
