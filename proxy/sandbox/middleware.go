package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	maxBodyBytes      = 1 << 20
	maxIdempotencyKey = 255
	// idempotencyTTL is how long Stripe keeps a key (at least 24 hours).
	idempotencyTTL = 24 * time.Hour
)

// idemRecord is the saved first execution of an idempotent request.
type idemRecord struct {
	Fingerprint string `json:"fingerprint"`
	Status      int    `json:"status"`
	Body        []byte `json:"body"`
	RequestID   string `json:"request_id"`
	Created     int64  `json:"created"`
}

// apiHandler handles one /v1 route. It returns a stripe-go value to render
// (expand applies to its top-level fields) or an error in Stripe's shape.
type apiHandler func(r *http.Request, p Params, req reqInfo) (any, *apiError)

// api wraps h with what every Stripe endpoint does: count the call, set
// Request-Id, authenticate, parse the parameters, apply idempotency.
func (s *Server) api(route string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.stats.apiCall(route)
		reqID := newID("req_", requestIDLen)
		w.Header().Set("Request-Id", reqID)
		w.Header().Set("Stripe-Version", APIVersion)
		if e := s.authenticate(r); e != nil {
			s.stats.unauthorized()
			w.Header().Set("WWW-Authenticate", `Basic realm="Stripe"`)
			writeError(w, e)
			return
		}
		var raw string
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
			if err != nil {
				writeError(w, invalidRequest("", "Could not read the request body: %v", err))
				return
			}
			raw = string(body)
		} else {
			raw = r.URL.RawQuery
		}
		values, err := url.ParseQuery(raw)
		if err != nil {
			writeError(w, invalidRequest("", "Invalid request: could not parse parameters: %v", err))
			return
		}
		params, err := ParseParams(values)
		if err != nil {
			writeError(w, invalidRequest("", "Invalid request: %v", err))
			return
		}
		req := reqInfo{ID: reqID}
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			status, body := s.execute(h, r, params, req)
			writeJSON(w, status, body)
			return
		}
		if len(key) > maxIdempotencyKey {
			writeError(w, invalidRequest("", "Idempotency-Key must be at most %d characters long.", maxIdempotencyKey))
			return
		}
		req.IdempotencyKey = key
		s.idempotent(w, r, key, fingerprint(r, values), func() (int, []byte) {
			return s.execute(h, r, params, req)
		}, reqID)
	})
}

// fingerprint identifies "the same request" for idempotency: method, path and
// the parameters in canonical (sorted) form, so the field order of a retry
// does not matter but any changed value does.
func fingerprint(r *http.Request, values url.Values) string {
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + values.Encode()))
	return hex.EncodeToString(sum[:])
}

// idempotent implements Stripe's Idempotency-Key rules: the first execution's
// status and body are saved (server errors too) and replayed for the same
// key and parameters; other parameters get an idempotency_error; a
// concurrent duplicate gets 409. Validation errors (400) are not saved, as
// at Stripe, so a corrected retry can reuse the key.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, key, fp string,
	run func() (int, []byte), reqID string) {
	now := s.now()
	s.mu.Lock()
	if rec := s.st.Idempotency[key]; rec != nil && now.Sub(time.Unix(rec.Created, 0)) < idempotencyTTL {
		s.mu.Unlock()
		if rec.Fingerprint != fp {
			writeError(w, idempotencyMismatch(key))
			return
		}
		s.stats.replay()
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Original-Request", rec.RequestID)
		w.Header().Set("Idempotency-Key", key)
		writeJSON(w, rec.Status, rec.Body)
		return
	}
	if s.inFlight[key] {
		s.mu.Unlock()
		writeError(w, idempotencyInUse())
		return
	}
	s.inFlight[key] = true
	s.mu.Unlock()

	status, body := run()

	s.mu.Lock()
	delete(s.inFlight, key)
	if status != http.StatusBadRequest && status != http.StatusNotFound {
		s.st.Idempotency[key] = &idemRecord{
			Fingerprint: fp, Status: status, Body: body, RequestID: reqID, Created: now.Unix(),
		}
		s.pruneIdempotencyLocked(now)
		s.persistLocked()
	}
	s.mu.Unlock()
	w.Header().Set("Idempotency-Key", key)
	w.Header().Set("Original-Request", reqID)
	writeJSON(w, status, body)
}

func (s *Server) pruneIdempotencyLocked(now time.Time) {
	for k, rec := range s.st.Idempotency {
		if now.Sub(time.Unix(rec.Created, 0)) >= idempotencyTTL {
			delete(s.st.Idempotency, k)
		}
	}
}

// execute runs a handler and renders its answer.
func (s *Server) execute(h apiHandler, r *http.Request, p Params, req reqInfo) (int, []byte) {
	expand, err := p.Strings("expand")
	if err != nil {
		return errorBody(invalidRequest("expand", "Invalid array"))
	}
	v, e := h(r, p, req)
	if e != nil {
		return errorBody(e)
	}
	body, err := render(v, expand)
	if err != nil {
		return errorBody(internalError(err))
	}
	return http.StatusOK, body
}

// authenticate applies Stripe's rules: a Bearer or Basic (key as user name)
// secret or restricted key; the sandbox only knows test mode.
func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return unauthorized("You did not provide an API key. You need to provide your API key in the " +
			"Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). " +
			"See https://stripe.com/docs/api#authentication for details, or we can help at " +
			"https://support.stripe.com/.")
	}
	scheme, cred, _ := strings.Cut(h, " ")
	var key string
	switch strings.ToLower(scheme) {
	case "bearer":
		key = strings.TrimSpace(cred)
	case "basic":
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return unauthorized("Invalid API Key provided: the Basic credentials are not valid base64.")
		}
		key, _, _ = strings.Cut(string(dec), ":")
	default:
		return unauthorized("Invalid Authorization header: use Bearer auth with your API key.")
	}
	if strings.HasPrefix(key, "pk_") {
		return unauthorized("This API call cannot be made with a publishable API key. Please use a secret API key. " +
			"You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.")
	}
	if !isTestSecretKey(key) || (s.cfg.APIKey != "" && key != s.cfg.APIKey) {
		return unauthorized("Invalid API Key provided: " + redactKey(key))
	}
	return nil
}

func isTestSecretKey(key string) bool {
	for _, prefix := range []string{"sk_test_", "rk_test_"} {
		if rest, ok := strings.CutPrefix(key, prefix); ok && rest != "" && !strings.ContainsAny(rest, " \t") {
			return true
		}
	}
	return false
}

// redactKey masks a key like Stripe's error message does.
func redactKey(key string) string {
	if len(key) <= 12 {
		return strings.Repeat("*", len(key))
	}
	return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
}

func errorBody(e *apiError) (int, []byte) {
	body, err := json.MarshalIndent(map[string]any{"error": e.err}, "", "  ")
	if err != nil {
		return http.StatusInternalServerError, []byte(`{"error":{"type":"api_error","message":"encode error"}}`)
	}
	return e.status, append(body, '\n')
}

func writeError(w http.ResponseWriter, e *apiError) {
	status, body := errorBody(e)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}
