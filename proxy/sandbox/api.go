package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// routes maps every URL the sandbox serves.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(pattern string, h apiHandler) { mux.Handle(pattern, s.api(pattern, h)) }
	api("POST /v1/products", s.createProduct)
	api("POST /v1/prices", s.createPrice)
	api("GET /v1/prices/{id}", byID(s, prices, s.getPriceLocked))
	api("POST /v1/payment_links", s.createPaymentLink)
	api("GET /v1/payment_links/{id}", byID(s, links, s.getPaymentLinkLocked))
	api("POST /v1/payment_links/{id}", byID(s, links, s.updatePaymentLinkLocked, "active", "metadata", "expand"))
	api("GET /v1/payment_links/{id}/line_items", byID(s, links, s.getPaymentLinkItemsLocked))
	api("POST /v1/checkout/sessions", s.createSession)
	api("GET /v1/checkout/sessions/{id}", byID(s, sessions, s.getSessionLocked, "expand"))
	api("GET /v1/checkout/sessions/{id}/line_items", byID(s, sessions, s.getSessionItemsLocked))
	api("POST /v1/checkout/sessions/{id}/expire", byID(s, sessions, s.expireSessionLocked))
	api("GET /v1/payment_intents/{id}", byID(s, intents, s.getPaymentIntentLocked, "expand", "client_secret"))
	api("GET /v1/events/{id}", s.getEvent)
	api("GET /v1/events", s.listEvents)
	api("POST /v1/webhook_endpoints", s.createWebhookEndpoint)
	api("GET /v1/webhook_endpoints", s.listWebhookEndpoints)
	api("GET /v1/webhook_endpoints/{id}", byID(s, webhooks, s.getWebhookEndpointLocked))
	api("DELETE /v1/webhook_endpoints/{id}", byID(s, webhooks, s.deleteWebhookEndpointLocked))
	mux.Handle("/v1/", s.api("other /v1/", func(r *http.Request, _ Params, _ reqInfo) (any, *apiError) {
		return nil, notFoundRoute(r.Method, r.URL.Path)
	}))

	// Hosted pages: /b/ is Stripe's Payment Link path (buy.stripe.com/...),
	// /pay/ an alias; /c/pay/ is the Checkout page.
	mux.HandleFunc("GET /b/{id}", s.linkPage)
	mux.HandleFunc("GET /pay/{id}", s.linkPage)
	mux.HandleFunc("GET /c/pay/{id}", s.checkoutPage)
	mux.HandleFunc("POST /c/pay/{id}", s.checkoutSubmit)

	mux.HandleFunc("GET /_sandbox/health", s.health)
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /_sandbox/stats", s.serveStats)
	mux.HandleFunc("POST /_sandbox/stats/reset", s.resetStats)
	return mux
}

// objectKind is a kind of stored object that routes /v1/<objects>/{id} act
// on: the object and parameter names Stripe's 404 for an unknown id uses,
// and the state's map of them.
type objectKind[T any] struct {
	object, param string
	in            func(*state) map[string]*T
}

var (
	prices   = objectKind[price]{"price", "id", func(st *state) map[string]*price { return st.Prices }}
	links    = objectKind[paymentLink]{"payment_link", "id", func(st *state) map[string]*paymentLink { return st.Links }}
	sessions = objectKind[session]{"checkout.session", "session", func(st *state) map[string]*session { return st.Sessions }}
	intents  = objectKind[paymentIntent]{"payment_intent", "intent", func(st *state) map[string]*paymentIntent { return st.Intents }}
	webhooks = objectKind[webhookEndpoint]{"webhook_endpoint", "id", func(st *state) map[string]*webhookEndpoint { return st.Webhooks }}
)

// byID adapts h, which acts on one stored object, to the route of that
// object's URL: it looks up the object the path's {id} names and runs h on
// it with s.mu held, or answers Stripe's 404. When allowed names the
// parameters h accepts, any other is refused first, before the lookup.
func byID[T any](s *Server, kind objectKind[T], h func(obj *T, p Params, req reqInfo) (any, *apiError), allowed ...string) apiHandler {
	return func(r *http.Request, p Params, req reqInfo) (any, *apiError) {
		if len(allowed) > 0 {
			if k := p.unknown(allowed...); k != "" {
				return nil, unknownParam(k)
			}
		}
		id := r.PathValue("id")
		s.mu.Lock()
		defer s.mu.Unlock()
		obj := kind.in(&s.st)[id]
		if obj == nil {
			return nil, noSuch(kind.object, kind.param, id)
		}
		return h(obj, p, req)
	}
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`+"\n"))
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	body, err := json.MarshalIndent(s.stats.snapshot(), "", "  ")
	if err != nil {
		writeError(w, internalError(err))
		return
	}
	writeJSON(w, http.StatusOK, append(body, '\n'))
}

func (s *Server) resetStats(w http.ResponseWriter, r *http.Request) {
	s.stats.reset()
	s.serveStats(w, r)
}

func (s *Server) createProduct(_ *http.Request, p Params, _ reqInfo) (any, *apiError) {
	if k := p.unknown("name", "metadata", "description", "expand"); k != "" {
		return nil, unknownParam(k)
	}
	name, _ := p.String("name")
	if name == "" {
		return nil, missingParam("name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prod := s.addProductLocked(name)
	s.persistLocked()
	return prod.stripe(), nil
}

func (s *Server) createPrice(_ *http.Request, p Params, _ reqInfo) (any, *apiError) {
	if k := p.unknown("currency", "unit_amount", "product", "product_data", "metadata", "nickname", "expand"); k != "" {
		return nil, unknownParam(k)
	}
	cur, e := currencyParam(p, "", "currency")
	if e != nil {
		return nil, e
	}
	amount, e := amountParam(p, "", "unit_amount")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prodID, e := s.productParamLocked(p, "")
	if e != nil {
		return nil, e
	}
	pr := s.addPriceLocked(prodID, cur, amount)
	s.persistLocked()
	return pr.stripe(), nil
}

// paramName names a nested parameter the way Stripe's errors do:
// line_items[0][price_data] + product -> line_items[0][price_data][product].
func paramName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "[" + name + "]"
}

// productParamLocked resolves product=prod_... or product_data[name]=...
func (s *Server) productParamLocked(p Params, prefix string) (string, *apiError) {
	if id, ok := p.String("product"); ok {
		if s.st.Products[id] == nil {
			return "", noSuch("product", paramName(prefix, "product"), id)
		}
		return id, nil
	}
	pd := p.Map("product_data")
	if pd == nil {
		return "", missingParam(paramName(prefix, "product_data"))
	}
	name, _ := pd.String("name")
	if name == "" {
		return "", missingParam(paramName(prefix, "product_data") + "[name]")
	}
	return s.addProductLocked(name).ID, nil
}

func (s *Server) getPriceLocked(pr *price, _ Params, _ reqInfo) (any, *apiError) {
	return pr.stripe(), nil
}

func (s *Server) createPaymentLink(_ *http.Request, p Params, _ reqInfo) (any, *apiError) {
	if k := p.unknown("line_items", "after_completion", "metadata", "expand", "payment_method_types",
		"currency", "active"); k != "" {
		return nil, unknownParam(k)
	}
	meta, err := p.StringMap("metadata")
	if err != nil {
		return nil, invalidRequest("metadata", "Invalid hash")
	}
	link := &paymentLink{ID: newID("plink_", objectIDLen), Active: true, Metadata: meta,
		AfterType: "hosted_confirmation"}
	if ac := p.Map("after_completion"); ac != nil {
		typ, _ := ac.String("type")
		switch typ {
		case "redirect":
			u, _ := ac.Map("redirect").String("url")
			if u == "" {
				return nil, missingParam("after_completion[redirect][url]")
			}
			if !validURL(u) {
				return nil, invalidRequest("after_completion[redirect][url]", "Not a valid URL")
			}
			link.AfterType, link.RedirectURL = typ, u
		case "hosted_confirmation":
			link.Message, _ = ac.Map("hosted_confirmation").String("custom_message")
		case "":
			return nil, missingParam("after_completion[type]")
		default:
			return nil, invalidRequest("after_completion[type]",
				"Invalid after_completion[type]: must be one of redirect or hosted_confirmation")
		}
	}
	items, err := p.List("line_items")
	if err != nil || len(items) == 0 {
		return nil, missingParam("line_items")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range items {
		prefix := "line_items[" + strconv.Itoa(i) + "]"
		m, ok := it.(Params)
		if !ok {
			return nil, invalidRequest(prefix, "Invalid object")
		}
		if k := m.unknown("price", "quantity", "adjustable_quantity"); k != "" {
			return nil, unknownParam(prefix + "[" + k + "]")
		}
		priceID, _ := m.String("price")
		if priceID == "" {
			return nil, missingParam(prefix + "[price]")
		}
		pr := s.st.Prices[priceID]
		if pr == nil {
			return nil, noSuch("price", prefix+"[price]", priceID)
		}
		qty, e := quantityParam(m, prefix)
		if e != nil {
			return nil, e
		}
		link.LineItems = append(link.LineItems, s.lineItemLocked(pr, qty))
	}
	if e := sameCurrency(link.LineItems); e != nil {
		return nil, e
	}
	link.Currency = link.LineItems[0].Currency
	link.Created = s.now().Unix()
	s.st.Links[link.ID] = link
	s.persistLocked()
	return link.stripe(s.cfg.BaseURL, false), nil
}

func (s *Server) getPaymentLinkLocked(link *paymentLink, _ Params, _ reqInfo) (any, *apiError) {
	return link.stripe(s.cfg.BaseURL, false), nil
}

// updatePaymentLinkLocked supports what a merchant does most: deactivating a
// link (active=false) and editing metadata.
func (s *Server) updatePaymentLinkLocked(link *paymentLink, p Params, _ reqInfo) (any, *apiError) {
	if v, ok := p.String("active"); ok {
		switch v {
		case "true":
			link.Active = true
		case "false":
			link.Active = false
		default:
			return nil, invalidRequest("active", "Invalid boolean: %s", v)
		}
	}
	if _, ok := p["metadata"]; ok {
		meta, err := p.StringMap("metadata")
		if err != nil {
			return nil, invalidRequest("metadata", "Invalid hash")
		}
		for k, v := range meta {
			if v == "" {
				delete(link.Metadata, k) // Stripe: an empty value unsets the key
			} else {
				link.Metadata[k] = v
			}
		}
		if len(meta) == 0 {
			link.Metadata = map[string]string{}
		}
	}
	s.persistLocked()
	return link.stripe(s.cfg.BaseURL, false), nil
}

func (s *Server) getPaymentLinkItemsLocked(link *paymentLink, _ Params, _ reqInfo) (any, *apiError) {
	return lineItemList(link.LineItems, "/v1/payment_links/"+link.ID+"/line_items"), nil
}

func (s *Server) createSession(_ *http.Request, p Params, req reqInfo) (any, *apiError) {
	if k := p.unknown("mode", "line_items", "success_url", "cancel_url", "client_reference_id",
		"customer_email", "metadata", "expires_at", "payment_method_types", "expand", "currency",
		"payment_intent_data", "locale", "submit_type", "ui_mode"); k != "" {
		return nil, unknownParam(k)
	}
	mode, _ := p.String("mode")
	switch mode {
	case "payment":
	case "":
		return nil, missingParam("mode")
	default:
		return nil, invalidRequest("mode", "The sandbox supports mode=payment only (got %q).", mode)
	}
	meta, err := p.StringMap("metadata")
	if err != nil {
		return nil, invalidRequest("metadata", "Invalid hash")
	}
	sess := &session{Metadata: meta}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"success_url", &sess.SuccessURL}, {"cancel_url", &sess.CancelURL}} {
		if v, ok := p.String(f.name); ok {
			if !validURL(v) {
				return nil, invalidRequest(f.name, "Not a valid URL")
			}
			*f.dst = v
		}
	}
	if ref, ok := p.String("client_reference_id"); ok {
		if len(ref) > 200 {
			return nil, invalidRequest("client_reference_id",
				"Invalid string: must be at most 200 characters long")
		}
		sess.ClientReferenceID = ref
	}
	if email, ok := p.String("customer_email"); ok {
		if !validEmail(email) {
			return nil, invalidRequest("customer_email", "Invalid email address: %s", email)
		}
		sess.CustomerEmail = email
	}
	now := s.now().Unix()
	if exp, present, err := p.Int("expires_at"); err != nil {
		v, _ := p.String("expires_at")
		return nil, invalidInteger("expires_at", v)
	} else if present {
		if exp < now+30*60 || exp > now+24*3600 {
			return nil, invalidRequest("expires_at",
				"The `expires_at` timestamp must be between 30 minutes and 24 hours from now.")
		}
		sess.ExpiresAt = exp
	}
	items, err := p.List("line_items")
	if err != nil || len(items) == 0 {
		return nil, invalidRequest("line_items", "You must provide at least one of `line_items` in `payment` mode.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range items {
		li, e := s.sessionLineItemLocked(it, "line_items["+strconv.Itoa(i)+"]")
		if e != nil {
			return nil, e
		}
		sess.LineItems = append(sess.LineItems, li)
	}
	if e := sameCurrency(sess.LineItems); e != nil {
		return nil, e
	}
	s.newSessionLocked(sess)
	s.persistLocked()
	return sess.stripe(s.cfg.BaseURL, nil, false), nil
}

// sessionLineItemLocked accepts price=price_... or inline price_data.
func (s *Server) sessionLineItemLocked(it any, prefix string) (lineItem, *apiError) {
	m, ok := it.(Params)
	if !ok {
		return lineItem{}, invalidRequest(prefix, "Invalid object")
	}
	if k := m.unknown("price", "price_data", "quantity", "adjustable_quantity", "tax_rates"); k != "" {
		return lineItem{}, unknownParam(prefix + "[" + k + "]")
	}
	qty, e := quantityParam(m, prefix)
	if e != nil {
		return lineItem{}, e
	}
	if id, ok := m.String("price"); ok {
		pr := s.st.Prices[id]
		if pr == nil {
			return lineItem{}, noSuch("price", prefix+"[price]", id)
		}
		return s.lineItemLocked(pr, qty), nil
	}
	pd := m.Map("price_data")
	if pd == nil {
		return lineItem{}, invalidRequest(prefix, "You must specify either `price` or `price_data` in each line item.")
	}
	pp := prefix + "[price_data]"
	if k := pd.unknown("currency", "unit_amount", "product", "product_data", "tax_behavior"); k != "" {
		return lineItem{}, unknownParam(pp + "[" + k + "]")
	}
	cur, e := currencyParam(pd, pp, "currency")
	if e != nil {
		return lineItem{}, e
	}
	amount, e := amountParam(pd, pp, "unit_amount")
	if e != nil {
		return lineItem{}, e
	}
	prodID, e := s.productParamLocked(pd, pp)
	if e != nil {
		return lineItem{}, e
	}
	return s.lineItemLocked(s.addPriceLocked(prodID, cur, amount), qty), nil
}

func (s *Server) getSessionLocked(sess *session, p Params, _ reqInfo) (any, *apiError) {
	expand, _ := p.Strings("expand")
	s.expireIfDueLocked(sess)
	return sess.stripe(s.cfg.BaseURL, s.st.Intents[sess.PaymentIntent], slices.Contains(expand, "line_items")), nil
}

func (s *Server) getSessionItemsLocked(sess *session, _ Params, _ reqInfo) (any, *apiError) {
	return lineItemList(sess.LineItems, "/v1/checkout/sessions/"+sess.ID+"/line_items"), nil
}

func (s *Server) expireSessionLocked(sess *session, _ Params, req reqInfo) (any, *apiError) {
	if sess.Status != "open" {
		return nil, invalidRequest("", "Only Checkout Sessions with a status in [\"open\"] can be expired. "+
			"This Checkout Session has a status of \"%s\".", sess.Status)
	}
	s.expireLocked(sess, req)
	return sess.stripe(s.cfg.BaseURL, s.st.Intents[sess.PaymentIntent], false), nil
}

func (s *Server) getPaymentIntentLocked(pi *paymentIntent, _ Params, _ reqInfo) (any, *apiError) {
	return pi.stripe(), nil
}

func (s *Server) getEvent(r *http.Request, _ Params, _ reqInfo) (any, *apiError) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.st.Events {
		if e.ID == id {
			return json.RawMessage(e.Body), nil
		}
	}
	return nil, noSuch("event", "id", id)
}

// listEvents returns the newest events first; ?type= filters, ?limit= (1-100,
// default 10) bounds the page.
func (s *Server) listEvents(_ *http.Request, p Params, _ reqInfo) (any, *apiError) {
	limit, present, err := p.Int("limit")
	if err != nil || (present && (limit < 1 || limit > 100)) {
		return nil, invalidRequest("limit", "Invalid limit: must be an integer between 1 and 100")
	}
	if !present {
		limit = 10
	}
	typ, _ := p.String("type")
	s.mu.Lock()
	defer s.mu.Unlock()
	data := []json.RawMessage{}
	hasMore := false
	for i := len(s.st.Events) - 1; i >= 0; i-- {
		e := s.st.Events[i]
		if typ != "" && !eventTypeIs(e.Body, typ) {
			continue
		}
		if int64(len(data)) == limit {
			hasMore = true
			break
		}
		data = append(data, json.RawMessage(e.Body))
	}
	return apiList{Object: "list", URL: "/v1/events", HasMore: hasMore, Data: data}, nil
}

func eventTypeIs(body []byte, typ string) bool {
	var head struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(body, &head) == nil && head.Type == typ
}

func currencyParam(p Params, prefix, key string) (string, *apiError) {
	name := paramName(prefix, key)
	cur, _ := p.String(key)
	if cur == "" {
		return "", missingParam(name)
	}
	cur = strings.ToLower(cur)
	if !validCurrency(cur) {
		return "", invalidRequest(name, "Invalid currency: %s", cur)
	}
	return cur, nil
}

func amountParam(p Params, prefix, key string) (int64, *apiError) {
	name := paramName(prefix, key)
	v, present, err := p.Int(key)
	if err != nil {
		raw, _ := p.String(key)
		return 0, invalidInteger(name, raw)
	}
	if !present {
		return 0, missingParam(name)
	}
	if v < 0 || v > 99999999 {
		return 0, invalidRequest(name, "Invalid %s: must be between 0 and 99999999", name)
	}
	return v, nil
}

// maxQuantity keeps unit_amount × quantity far from int64 overflow.
const maxQuantity = 999999

func quantityParam(m Params, prefix string) (int64, *apiError) {
	qty, present, err := m.Int("quantity")
	if err != nil {
		raw, _ := m.String("quantity")
		return 0, invalidInteger(prefix+"[quantity]", raw)
	}
	if !present {
		return 0, missingParam(prefix + "[quantity]")
	}
	if qty < 1 || qty > maxQuantity {
		return 0, invalidRequest(prefix+"[quantity]", "Quantity must be between 1 and %d.", maxQuantity)
	}
	return qty, nil
}

func sameCurrency(items []lineItem) *apiError {
	for _, li := range items[1:] {
		if li.Currency != items[0].Currency {
			return invalidRequest("line_items", "All line items must use the same currency.")
		}
	}
	return nil
}
