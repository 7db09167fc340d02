package sandbox

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

var pageTemplates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// pageData feeds templates/checkout.html.
type pageData struct {
	Title      string
	SessionID  string
	Items      []pageItem
	Total      string
	Email      string
	Name       string
	Card       string
	Expiry     string
	CVC        string
	Error      string
	CancelURL  string
	Status     string // open | complete | expired
	Message    string // confirmation text once paid
	SuccessURL string
	ActionURL  string
}

type pageItem struct {
	Name     string
	Quantity int64
	Amount   string
}

// linkPage opens a Checkout Session for a Payment Link and sends the
// browser to it, as buy.stripe.com does.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.sessionFromLink(r.PathValue("id"), r.URL.Query())
	switch {
	case errors.Is(err, errNoLink):
		s.renderPage(w, http.StatusNotFound, "message.html", map[string]string{
			"Title": "Link not found", "Text": "This payment link does not exist.",
		})
		return
	case errors.Is(err, errInactiveLink):
		s.renderPage(w, http.StatusGone, "message.html", map[string]string{
			"Title": "Link inactive", "Text": "This payment link is no longer active.",
		})
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/c/pay/"+sess.ID, http.StatusSeeOther)
}

func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sess := s.st.Sessions[r.PathValue("id")]
	var snap session
	if sess != nil {
		s.expireIfDueLocked(sess)
		snap = *sess
	}
	s.mu.Unlock()
	if sess == nil {
		s.notFoundPage(w)
		return
	}
	data := s.pageFor(&snap)
	data.Email = snap.CustomerEmail
	status := http.StatusOK
	if snap.Status == "expired" {
		status = http.StatusGone
	}
	s.renderPage(w, status, "checkout.html", data)
}

// checkoutSubmit is the plain HTML form POST: no JavaScript needed.
func (s *Server) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	in := cardInput{
		Number: r.PostForm.Get("card_number"), Expiry: r.PostForm.Get("card_expiry"),
		CVC: r.PostForm.Get("card_cvc"), Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"),
	}
	res, err := s.pay(r.PathValue("id"), in)
	if errors.Is(err, errNoSession) {
		s.notFoundPage(w)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sess := &res.Session
	if res.Paid && sess.SuccessURL != "" {
		http.Redirect(w, r, successURL(sess), http.StatusSeeOther)
		return
	}
	data := s.pageFor(sess)
	status := http.StatusOK
	if res.FormError != "" {
		// Keep what was typed (never the CVC), like Checkout does.
		data.Error = res.FormError
		data.Email, data.Name, data.Card, data.Expiry = in.Email, in.Name, in.Number, in.Expiry
		status = http.StatusPaymentRequired
	}
	s.renderPage(w, status, "checkout.html", data)
}

func (s *Server) pageFor(sess *session) pageData {
	d := pageData{
		Title: "Pay", SessionID: sess.ID, Total: formatAmount(sess.amountTotal(), sess.Currency),
		CancelURL: sess.CancelURL, Status: sess.Status, ActionURL: "/c/pay/" + sess.ID,
		Message: sess.ConfirmMessage,
	}
	if sess.SuccessURL != "" {
		d.SuccessURL = successURL(sess)
	}
	for _, li := range sess.LineItems {
		d.Items = append(d.Items, pageItem{Name: li.Description, Quantity: li.Quantity,
			Amount: formatAmount(li.total(), li.Currency)})
	}
	if len(d.Items) == 1 {
		d.Title = d.Items[0].Name
	}
	return d
}

func (s *Server) notFoundPage(w http.ResponseWriter) {
	s.renderPage(w, http.StatusNotFound, "message.html", map[string]string{
		"Title": "Session not found", "Text": "This checkout session does not exist.",
	})
}

func (s *Server) renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "template", name, "err", err)
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The pages use no script at all; the policy makes that a guarantee.
	// form-action must allow any http(s) origin: Chromium applies it to the
	// redirect that follows the form POST (to the merchant's success URL).
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "+
		"form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
