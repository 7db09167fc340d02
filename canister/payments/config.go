package payments

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/internal/weburl"
)

// Config is the canister's init/upgrade argument (a Candid record in the canister; plain Go
// here). Zero values in Limits mean "use the default" so that Candid `opt` fields left out by
// a deploy command get sensible values.
type Config struct {
	// APIHost is the Stripe API host, e.g. "api.stripe.com" (no scheme, no path).
	APIHost string
	// APIKey is optional and only kept for compatibility with the seed demo's deploy
	// command: node memory is not secret, so the default is a proxy that injects the key.
	APIKey string
	// IdempotentProxy is the proxy as a host ("proxy.example.com[:port]") or an https URL
	// whose path is a route prefix ("https://proxy.example.com/URL_STRIPE"). Empty means
	// outcalls go straight to APIHost.
	IdempotentProxy string
	// ProxyAuthorization, when set, is sent as the `proxy-authorization` header.
	ProxyAuthorization string
	// WebhookSecrets are the endpoint signing secrets ("whsec_..."); several are accepted at
	// once so a secret can be rolled.
	WebhookSecrets []string
	// AllowedPrincipals (textual principals) may call create_checkout_session in addition
	// to the controllers.
	AllowedPrincipals []string
	// Limits bound what a request can cost the canister.
	Limits Limits
	// Events configures the event log and its delivery to destinations.
	Events EventConfig
}

// Limits are the cycles and memory protection policies. Every zero field takes the default
// documented on DefaultLimits.
type Limits struct {
	WebhookTolerance       time.Duration // how old a Stripe-Signature timestamp may be
	WebhookFutureTolerance time.Duration // how far ahead of canister time it may be
	MaxBodyBytes           int           // largest accepted HTTP request body
	MinRefetchInterval     time.Duration // minimum time between two fetches of one session
	InFlightTimeout        time.Duration // after this an unfinished fetch no longer blocks
	OutcallBudget          int           // outcalls allowed per OutcallWindow (all sessions)
	OutcallWindow          time.Duration // length of the budget window
	CyclesReserve          uint64        // no outcall when the balance is below this
	MaxPending             int           // stored non-terminal ("checking") records
	PendingTTL             time.Duration // non-terminal records older than this are dropped
	DedupCapacity          int           // webhook event ids remembered for de-duplication
	MaxPageSize            int           // largest page returned by List
}

// DefaultLimits returns the policies used for every zero field of Limits:
//
//   - WebhookTolerance 300 s: Stripe's own libraries' replay window.
//   - WebhookFutureTolerance 60 s: consensus time can lag wall time by a few seconds; a
//     timestamp further ahead is not a clock skew but a crafted header.
//   - MaxBodyBytes 256 KiB: Stripe events are a few KiB, large invoices tens of KiB.
//   - MinRefetchInterval 5 s: the page polls every ~2 s and an outcall takes ~2-5 s on the IC.
//   - InFlightTimeout 2 min: longer than any outcall; a fetch whose callback trapped does not
//     block its session forever.
//   - OutcallBudget 60 per OutcallWindow 1 min: on a 13-node subnet an outcall costs about
//     62 million cycles through the proxy (1 KiB response budget; 95 million more for
//     the rare session that needs the 4 KiB retry) and 390 million without (32 KiB), so at
//     most about 4-10 (or 24) billion cycles per minute whatever an attacker
//     polls. Sessions with no stored record may
//     use half of it, so polling random ids cannot starve known sessions.
//   - CyclesReserve 500 billion: keep enough to stay above the freezing threshold and to keep
//     answering queries when outcalls drain the balance.
//   - MaxPending 10,000 and PendingTTL 25 h: a Checkout Session expires after at most 24 h,
//     so an older unresolved entry is junk (random ids, abandoned sessions).
//   - DedupCapacity 100,000 event ids: more than Stripe's 3-day retry window at normal
//     volume; beyond it a replay is still harmless because state changes are monotonic.
//   - MaxPageSize 100 records.
func DefaultLimits() Limits {
	return Limits{
		WebhookTolerance:       300 * time.Second,
		WebhookFutureTolerance: 60 * time.Second,
		MaxBodyBytes:           256 << 10,
		MinRefetchInterval:     5 * time.Second,
		InFlightTimeout:        2 * time.Minute,
		OutcallBudget:          60,
		OutcallWindow:          time.Minute,
		CyclesReserve:          500_000_000_000,
		MaxPending:             10_000,
		PendingTTL:             25 * time.Hour,
		DedupCapacity:          100_000,
		MaxPageSize:            100,
	}
}

// withDefaults fills every zero field from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.WebhookTolerance, d.WebhookTolerance)
	orDefault(&l.WebhookFutureTolerance, d.WebhookFutureTolerance)
	orDefault(&l.MaxBodyBytes, d.MaxBodyBytes)
	orDefault(&l.MinRefetchInterval, d.MinRefetchInterval)
	orDefault(&l.InFlightTimeout, d.InFlightTimeout)
	orDefault(&l.OutcallBudget, d.OutcallBudget)
	orDefault(&l.OutcallWindow, d.OutcallWindow)
	orDefault(&l.CyclesReserve, d.CyclesReserve)
	orDefault(&l.MaxPending, d.MaxPending)
	orDefault(&l.PendingTTL, d.PendingTTL)
	orDefault(&l.DedupCapacity, d.DedupCapacity)
	orDefault(&l.MaxPageSize, d.MaxPageSize)
	return l
}

func (l Limits) validate() error {
	var errs []error
	neg := func(name string, bad bool) {
		if bad {
			errs = append(errs, errors.New("limits."+name+" must not be negative"))
		}
	}
	neg("webhook_tolerance", l.WebhookTolerance < 0)
	neg("webhook_future_tolerance", l.WebhookFutureTolerance < 0)
	neg("max_body_bytes", l.MaxBodyBytes < 0)
	neg("min_refetch_interval", l.MinRefetchInterval < 0)
	neg("in_flight_timeout", l.InFlightTimeout < 0)
	neg("outcall_budget", l.OutcallBudget < 0)
	neg("outcall_window", l.OutcallWindow < 0)
	neg("max_pending", l.MaxPending < 0)
	neg("pending_ttl", l.PendingTTL < 0)
	neg("dedup_capacity", l.DedupCapacity < 0)
	neg("max_page_size", l.MaxPageSize < 0)
	return errors.Join(errs...)
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if err := validHost(c.APIHost); err != nil {
		errs = append(errs, errfmt.Wrap("api_host: ", err, ""))
	}
	if c.IdempotentProxy != "" {
		if _, err := proxyBase(c.IdempotentProxy); err != nil {
			errs = append(errs, errfmt.Wrap("idempotent_proxy: ", err, ""))
		}
	}
	for i, s := range c.WebhookSecrets {
		if s == "" {
			errs = append(errs, errors.New("webhook_secrets["+strconv.Itoa(i)+"] is empty"))
		}
	}
	for i, p := range c.AllowedPrincipals {
		if p == "" || strings.TrimSpace(p) != p {
			errs = append(errs, errors.New("allowed_principals["+strconv.Itoa(i)+"] "+strconv.Quote(p)+" is not a textual principal"))
		}
	}
	if err := c.Limits.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validHost accepts "name" or "name:port" with DNS characters only.
func validHost(h string) error {
	if h == "" {
		return errors.New("empty host")
	}
	if len(h) > 253 {
		return errors.New("host longer than 253 bytes")
	}
	if strings.ContainsAny(h, "/?#@") {
		return errors.New(strconv.Quote(h) + " is not a host name (no scheme or path allowed)")
	}
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" {
		return errors.New(strconv.Quote(h) + " has no host name")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return errors.New(strconv.Quote(h) + " is not a host name (no scheme or path allowed)")
		}
	}
	if hasPort {
		if port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return errors.New(strconv.Quote(h) + " has an invalid port")
		}
	}
	return nil
}

// proxyBase turns the configured proxy into the URL prefix that request paths are appended
// to. HTTPS outcalls only allow https, so a bare host means https.
func proxyBase(p string) (string, error) {
	if !strings.Contains(p, "://") {
		if err := validHost(p); err != nil {
			return "", err
		}
		return "https://" + p, nil
	}
	u, err := weburl.Parse(p)
	if err != nil {
		return "", errfmt.Wrap("parse "+strconv.Quote(p)+": ", err, "")
	}
	if u.Scheme != "https" {
		return "", errors.New(strconv.Quote(p) + ": outcalls must use https")
	}
	if err := validHost(u.Host); err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New(strconv.Quote(p) + ": a query or fragment is not allowed")
	}
	return "https://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// RedactedConfig is the view returned by get_config: secrets are never shown in full.
type RedactedConfig struct {
	APIHost            string
	APIKey             string // "" when unset
	IdempotentProxy    string
	ProxyAuthorization string
	WebhookSecrets     []string
	AllowedPrincipals  []string
	Limits             Limits // with defaults applied
}

// Redacted returns the configuration with every secret masked: "whsec_...abcd" when the
// secret is long enough that its last four characters reveal nothing useful, "***" otherwise.
func (c Config) Redacted() RedactedConfig {
	r := RedactedConfig{
		APIHost:            c.APIHost,
		APIKey:             redactSecret(c.APIKey),
		IdempotentProxy:    redactURL(c.IdempotentProxy),
		ProxyAuthorization: redactSecret(c.ProxyAuthorization),
		AllowedPrincipals:  append([]string(nil), c.AllowedPrincipals...),
		Limits:             c.Limits.withDefaults(),
	}
	for _, s := range c.WebhookSecrets {
		r.WebhookSecrets = append(r.WebhookSecrets, redactSecret(s))
	}
	return r
}

// redactSecret keeps a known prefix (up to the last '_' within the first 8 bytes, as in
// "whsec_", "sk_test_", "rk_live_") and the last four characters of secrets of at least 20
// bytes; shorter secrets would leak too large a fraction.
func redactSecret(s string) string {
	if s == "" {
		return ""
	}
	if len(s) < 20 {
		return "***"
	}
	prefix := ""
	if i := strings.LastIndexByte(s[:min(len(s), 9)], '_'); i > 0 {
		prefix = s[:i+1]
	}
	return prefix + "..." + s[len(s)-4:]
}

// redactURL hides userinfo (credentials) in a proxy URL.
func redactURL(p string) string {
	u, err := weburl.Parse(p)
	if err != nil || u.User == nil {
		return p
	}
	u.User = &weburl.Userinfo{Username: "***"}
	return u.String()
}
