package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	stripe "github.com/stripe/stripe-go/v79"
)

// APIVersion is the Stripe API version the sandbox speaks (stripe-go v79's).
const APIVersion = stripe.APIVersion

// Config configures a Server. Zero values get the documented defaults.
type Config struct {
	// BaseURL is the externally reachable URL of the sandbox, used in Payment
	// Link and Checkout URLs (default http://127.0.0.1:12111).
	BaseURL string
	// APIKey, when set, is the only secret key accepted; otherwise any
	// well-formed test key (sk_test_..., rk_test_...) is.
	APIKey string
	// WebhookEndpoints receive every event, signed with WebhookSecret.
	WebhookEndpoints []string
	// WebhookSecret is the whsec_ signing secret (generated when empty).
	WebhookSecret string
	Retry         RetryPolicy
	// SessionTTL is how long a new Checkout Session stays open (default 24h).
	SessionTTL time.Duration
	// StateFile, when set, is loaded at start and rewritten after every
	// change so a restarted sandbox keeps its links and sessions.
	StateFile string
	// HTTPClient delivers webhooks (default: resolves *.localhost to
	// loopback, follows no redirects; RetryPolicy.Timeout bounds each attempt).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

// Server is the sandbox: state, API, checkout pages and webhook delivery.
// It is safe for concurrent use.
type Server struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	stats *stats
	hooks *dispatcher
	mux   *http.ServeMux

	mu       sync.Mutex
	st       state
	inFlight map[string]bool // idempotency keys being executed
}

// state is everything that survives a restart through Config.StateFile.
type state struct {
	Products    map[string]*product       `json:"products"`
	Prices      map[string]*price         `json:"prices"`
	Links       map[string]*paymentLink   `json:"payment_links"`
	Sessions    map[string]*session       `json:"checkout_sessions"`
	Intents     map[string]*paymentIntent `json:"payment_intents"`
	Events      []storedEvent             `json:"events"`
	Idempotency map[string]*idemRecord    `json:"idempotency"`
	// Webhooks are the endpoints registered through the API; those given in
	// Config.WebhookEndpoints are not stored.
	Webhooks map[string]*webhookEndpoint `json:"webhook_endpoints"`
}

func newState() state {
	var st state
	st.makeMaps()
	return st
}

// makeMaps makes every nil map of st empty, so that handlers can store into
// them: in a new state, and after loading a file that holds one as null.
func (st *state) makeMaps() {
	makeMap(&st.Products)
	makeMap(&st.Prices)
	makeMap(&st.Links)
	makeMap(&st.Sessions)
	makeMap(&st.Intents)
	makeMap(&st.Idempotency)
	makeMap(&st.Webhooks)
}

func makeMap[V any](m *map[string]V) {
	if *m == nil {
		*m = map[string]V{}
	}
}

// New builds a Server, loading Config.StateFile if it exists.
func New(cfg Config) (*Server, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:12111"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.APIKey != "" && !isTestSecretKey(cfg.APIKey) {
		return nil, fmt.Errorf("sandbox API key must be a test key (sk_test_... or rk_test_...)")
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = newSecret()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 24 * time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = newWebhookClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, now: cfg.Now, stats: newStats(),
		st: newState(), inFlight: map[string]bool{},
	}
	s.hooks = newDispatcher(cfg.Retry, cfg.HTTPClient, cfg.Now, cfg.Logger, s.stats)
	for _, u := range cfg.WebhookEndpoints {
		if !validURL(u) {
			return nil, fmt.Errorf("webhook endpoint %q is not an http(s) URL", u)
		}
	}
	if cfg.StateFile != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	s.mux = s.routes()
	return s, nil
}

// WebhookSecret returns the secret webhooks are signed with.
func (s *Server) WebhookSecret() string { return s.cfg.WebhookSecret }

// BaseURL returns the URL links and checkout pages are built on.
func (s *Server) BaseURL() string { return s.cfg.BaseURL }

// ServeHTTP serves the API, the checkout pages and the /_sandbox endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Close stops webhook retries, waits for in-flight deliveries and saves the
// state file.
func (s *Server) Close() error {
	s.hooks.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Server) load() error {
	data, err := os.ReadFile(s.cfg.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read sandbox state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("decode sandbox state %s: %w", s.cfg.StateFile, err)
	}
	st.makeMaps()
	s.st = st
	return nil
}

// saveLocked writes the state file atomically (temp file + rename).
func (s *Server) saveLocked() error {
	if s.cfg.StateFile == "" {
		return nil
	}
	// The file is rewritten after every change: keep only recent events
	// there so it stays small (the in-memory log keeps maxEvents).
	st := s.st
	if n := len(st.Events); n > maxSavedEvents {
		st.Events = st.Events[n-maxSavedEvents:]
	}
	data, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("encode sandbox state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.cfg.StateFile), ".sandbox-state-*")
	if err != nil {
		return fmt.Errorf("save sandbox state: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.cfg.StateFile)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save sandbox state: %w", err)
	}
	return nil
}

// persistLocked saves after a change; a failed save is logged, not fatal,
// because the in-memory state is authoritative.
func (s *Server) persistLocked() {
	if err := s.saveLocked(); err != nil {
		s.log.Error("sandbox state not saved", "err", err)
	}
}
