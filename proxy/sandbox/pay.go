package sandbox

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

var (
	errNoLink       = errors.New("no such payment link")
	errInactiveLink = errors.New("payment link is no longer active")
	errNoSession    = errors.New("no such checkout session")
)

// cardInput is what the checkout form posts.
type cardInput struct {
	Number string
	Expiry string // "MM / YY", "MM/YY" or empty
	CVC    string
	Email  string
	Name   string
}

// cardOutcome is what a test card number does, after Stripe's testing docs
// (https://docs.stripe.com/testing).
type cardOutcome struct {
	code, declineCode, message string
}

var testCards = map[string]cardOutcome{
	"4242424242424242": {},
	"4000056655665556": {},
	"5555555555554444": {},
	"4000000000000002": {"card_declined", "generic_decline", "Your card was declined."},
	"4000000000009995": {"card_declined", "insufficient_funds", "Your card has insufficient funds."},
	"4000000000000069": {"expired_card", "expired_card", "Your card has expired."},
	"4000000000000127": {"incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."},
}

// liveCardOutcome is Stripe's answer to a real card number in test mode.
var liveCardOutcome = cardOutcome{"card_declined", "test_mode_live_card",
	"Your card was declined. Your request was in test mode, but used a non test card. " +
		"For a list of valid test cards, visit: https://stripe.com/docs/testing."}

// payResult is the checkout page's view of a submission.
type payResult struct {
	Paid bool
	// FormError is shown on the form (validation failure or decline).
	FormError string
	Session   session // snapshot after the attempt
}

// validateCard checks the form fields that Stripe.js checks in the browser;
// a failure never reaches the PaymentIntent.
func validateCard(in cardInput, now time.Time) (number, msg string) {
	number = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, in.Number)
	if number == "" {
		return "", "Your card number is incomplete."
	}
	if len(number) < 12 || len(number) > 19 || !allDigits(number) || !luhn(number) {
		return "", "Your card number is invalid."
	}
	if exp := strings.ReplaceAll(in.Expiry, " ", ""); exp != "" {
		mm, yy, ok := strings.Cut(exp, "/")
		m, errM := strconv.Atoi(mm)
		y, errY := strconv.Atoi(yy)
		if !ok || errM != nil || errY != nil || m < 1 || m > 12 || (len(yy) != 2 && len(yy) != 4) {
			return "", "Your card's expiration date is incomplete."
		}
		if len(yy) == 2 {
			y += 2000
		}
		// A card is valid through the end of its expiry month.
		if time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC).Before(now) {
			return "", "Your card's expiration year is in the past."
		}
	}
	if cvc := strings.TrimSpace(in.CVC); cvc != "" && (len(cvc) < 3 || len(cvc) > 4 || !allDigits(cvc)) {
		return "", "Your card's security code is incomplete."
	}
	if in.Email != "" && !validEmail(in.Email) {
		return "", "Your email address is invalid."
	}
	return number, ""
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func luhn(number string) bool {
	sum := 0
	double := false
	for i := len(number) - 1; i >= 0; i-- {
		d := int(number[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// pay confirms an open session with a card: the PaymentIntent is created on
// first confirmation (as Checkout does since API 2022-08-01), then succeeds
// or records the decline.
func (s *Server) pay(id string, in cardInput) (payResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.st.Sessions[id]
	if sess == nil {
		return payResult{}, errNoSession
	}
	s.expireIfDueLocked(sess)
	if sess.Status != "open" {
		return payResult{Paid: sess.Status == "complete", Session: *sess}, nil
	}
	now := s.now()
	number, msg := validateCard(in, now)
	if msg != "" {
		return payResult{FormError: msg, Session: *sess}, nil
	}
	outcome, isTest := testCards[number]
	if !isTest {
		outcome = liveCardOutcome
	}
	pi := s.st.Intents[sess.PaymentIntent]
	if pi == nil {
		pi = &paymentIntent{
			ID: newID("pi_", objectIDLen), Amount: sess.amountTotal(), Currency: sess.Currency,
			Status: "requires_payment_method", Created: now.Unix(), Metadata: map[string]string{},
		}
		s.st.Intents[pi.ID] = pi
		sess.PaymentIntent = pi.ID
		s.emitLocked("payment_intent.created", pi.stripe(), reqInfo{})
	}
	pi.Method = newID("pm_", objectIDLen)
	if outcome.code != "" {
		pi.Status = "requires_payment_method"
		pi.ErrCode, pi.ErrDeclineCode, pi.ErrMessage = outcome.code, outcome.declineCode, outcome.message
		s.stats.payment(false)
		s.emitLocked("payment_intent.payment_failed", pi.stripe(), reqInfo{})
		s.persistLocked()
		return payResult{FormError: outcome.message, Session: *sess}, nil
	}
	pi.Status = "succeeded"
	pi.ErrCode, pi.ErrDeclineCode, pi.ErrMessage = "", "", ""
	pi.LatestCharge = newID("ch_", objectIDLen)
	sess.Status, sess.PaymentStatus = "complete", "paid"
	sess.PaidEmail = in.Email
	if sess.PaidEmail == "" {
		sess.PaidEmail = sess.CustomerEmail
	}
	sess.PaidName = strings.TrimSpace(in.Name)
	s.stats.payment(true)
	s.emitLocked("charge.succeeded", pi.charge(now), reqInfo{})
	s.emitLocked("payment_intent.succeeded", pi.stripe(), reqInfo{})
	s.emitLocked("checkout.session.completed", sess.stripe(s.cfg.BaseURL, pi, false), reqInfo{})
	s.persistLocked()
	return payResult{Paid: true, Session: *sess}, nil
}

// successURL is where the browser goes after paying; Stripe replaces the
// literal {CHECKOUT_SESSION_ID} template and leaves the rest untouched.
func successURL(sess *session) string {
	return strings.ReplaceAll(sess.SuccessURL, "{CHECKOUT_SESSION_ID}", sess.ID)
}
