// Package config loads the proxy's settings from defaults, a dotenv-style config file, the
// environment and command-line flags, in increasing precedence. Names follow the reference
// proxy (ldclabs/idempotent-proxy) where it has them: SERVER_ADDR, REDIS_URL, POLL_INTERVAL,
// REQUEST_TIMEOUT, URL_<NAME>, HEADER_<NAME>, ALLOW_AGENTS, ED25519_PUB_KEY*, ECDSA_PUB_KEY*,
// TLS_CERT_FILE, TLS_KEY_FILE.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/rules"
)

// Config is the complete proxy configuration.
type Config struct {
	ServerAddrs     []string // SERVER_ADDR: comma-separated listen addresses
	RedisURL        string   // REDIS_URL: empty selects the in-memory store
	PollInterval    time.Duration
	RequestTimeout  time.Duration
	IdempotencyTTL  time.Duration
	FailureTTL      time.Duration
	URLs            map[string]string       // URL_<NAME> -> upstream base URL
	Rules           map[string]*rules.Rules // URL_<NAME> -> its ALLOW_URL_<NAME> rules
	Headers         map[string]string       // HEADER_<NAME> -> secret header value
	SecretHeaders   []string                // request headers secrets are substituted in
	InsecureSecrets bool                    // INSECURE_SECRETS_WITHOUT_AUTH
	TokenLifetime   time.Duration           // TOKEN_MAX_LIFETIME
	RedisQuarantine time.Duration
	AllowHosts      []string // hosts x-forwarded-host may name
	AllowPrivate    bool     // let x-forwarded-host reach private addresses
	UpstreamCAFile  string
	AllowAgents     []string
	Ed25519Keys     []string
	ECDSAKeys       []string
	TLSCertFile     string
	TLSKeyFile      string
	TLSSelfSigned   bool
	TLSCertOut      string
	MaxRequestBody  int64
	MaxResponseBody int64
	MaxKeys         int
	MaxStoreBytes   int64
	ShutdownTimeout time.Duration
	LogLevel        string
}

// setting is one scalar option: its environment name, flag name, default and parser.
type setting struct {
	env, flag, def, help string
	set                  func(c *Config, v string) error
}

func durationMS(dst *time.Duration, minimum time.Duration) func(*Config, string) error {
	return func(_ *Config, v string) error {
		// The reference proxy takes plain milliseconds; Go durations ("250ms") work too.
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			*dst = time.Duration(n) * time.Millisecond
		} else if d, err := time.ParseDuration(v); err == nil {
			*dst = d
		} else {
			return fmt.Errorf("%q is neither milliseconds nor a duration", v)
		}
		if *dst < minimum {
			return fmt.Errorf("%v is below the minimum %v", *dst, minimum)
		}
		return nil
	}
}

func settings(c *Config) []setting {
	size := func(dst *int64) func(*Config, string) error {
		return func(_ *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("%q is not a positive byte count", v)
			}
			*dst = n
			return nil
		}
	}
	boolean := func(dst *bool) func(*Config, string) error {
		return func(_ *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not a boolean", v)
			}
			*dst = b
			return nil
		}
	}
	str := func(dst *string) func(*Config, string) error {
		return func(_ *Config, v string) error { *dst = v; return nil }
	}
	list := func(dst *[]string) func(*Config, string) error {
		return func(_ *Config, v string) error { *dst = splitList(v); return nil }
	}
	return []setting{
		{"SERVER_ADDR", "addr", "127.0.0.1:8080,[::1]:8080", "listen addresses, comma-separated (\":8080\" is every IPv6 and IPv4 address)", list(&c.ServerAddrs)},
		{"REDIS_URL", "redis-url", "", "Redis URL for a store shared by several instances; empty: in memory", str(&c.RedisURL)},
		{"REDIS_QUARANTINE", "redis-quarantine", "15s", "after Redis lost or may have lost its data, how long keys it does not hold wait (instances write theirs back meanwhile)", durationMS(&c.RedisQuarantine, 3*time.Second)},
		{"POLL_INTERVAL", "poll-interval", "100", "how often a waiting duplicate polls Redis (ms or duration)", durationMS(&c.PollInterval, 10*time.Millisecond)},
		{"REQUEST_TIMEOUT", "request-timeout", "10000", "upstream request timeout (ms or duration)", durationMS(&c.RequestTimeout, time.Second)},
		{"IDEMPOTENCY_TTL", "idempotency-ttl", "24h", "how long a final answer is replayed", durationMS(&c.IdempotencyTTL, time.Second)},
		{"FAILURE_TTL", "failure-ttl", "30s", "how long a 5xx/429/network failure is replayed before a retry may execute", durationMS(&c.FailureTTL, time.Second)},
		{"ALLOW_HOSTS", "allow-hosts", "api.stripe.com", "hosts x-forwarded-host may name (host or host:port), comma-separated", list(&c.AllowHosts)},
		{"ALLOW_PRIVATE_FORWARD", "allow-private-forward", "false", "let x-forwarded-host reach loopback/private addresses (tests only)", boolean(&c.AllowPrivate)},
		{"UPSTREAM_CA_FILE", "upstream-ca-file", "", "extra PEM CA certificates trusted for upstream HTTPS", str(&c.UpstreamCAFile)},
		{"ALLOW_AGENTS", "allow-agents", "", "agents admitted with a valid token, comma-separated; empty: any", list(&c.AllowAgents)},
		{"TOKEN_MAX_LIFETIME", "token-max-lifetime", "8760h", "refuse proxy-authorization tokens expiring further ahead than this", durationMS(&c.TokenLifetime, time.Minute)},
		{"SECRET_HEADERS", "secret-headers", "Authorization", "request headers in which HEADER_<NAME> secrets are substituted, comma-separated", list(&c.SecretHeaders)},
		{"INSECURE_SECRETS_WITHOUT_AUTH", "insecure-secrets-without-auth", "false", "substitute HEADER_<NAME> secrets without any token key configured, for anyone who reaches the proxy (INSECURE)", boolean(&c.InsecureSecrets)},
		{"TLS_CERT_FILE", "tls-cert-file", "", "PEM certificate chain to serve HTTPS", str(&c.TLSCertFile)},
		{"TLS_KEY_FILE", "tls-key-file", "", "PEM private key to serve HTTPS", str(&c.TLSKeyFile)},
		{"TLS_SELF_SIGNED", "tls-self-signed", "false", "serve HTTPS with a generated self-signed certificate (local use)", boolean(&c.TLSSelfSigned)},
		{"TLS_CERT_OUT", "tls-cert-out", "", "with TLS_SELF_SIGNED: write the generated certificate (PEM) to this file for clients to trust", str(&c.TLSCertOut)},
		{"MAX_REQUEST_BODY", "max-request-body", "1048576", "largest request body accepted (bytes)", size(&c.MaxRequestBody)},
		{"MAX_RESPONSE_BODY", "max-response-body", "2000000", "largest upstream answer accepted (bytes; the IC's outcall limit is 2 MB)", size(&c.MaxResponseBody)},
		{"MAX_KEYS", "max-keys", "1000000", "most idempotency keys the in-memory store holds", func(_ *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("%q is not a positive count", v)
			}
			c.MaxKeys = n
			return nil
		}},
		{"MAX_STORE_BYTES", "max-store-bytes", "536870912", "most answer bytes the in-memory store holds", size(&c.MaxStoreBytes)},
		{"SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "grace period for in-flight requests on SIGTERM", durationMS(&c.ShutdownTimeout, 0)},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(_ *Config, v string) error {
			v = strings.ToLower(v)
			if !slices.Contains([]string{"debug", "info", "warn", "error"}, v) {
				return fmt.Errorf("unknown log level %q", v)
			}
			c.LogLevel = v
			return nil
		}},
	}
}

// flagValue is a string flag that may behave as a boolean one ("-tls-self-signed").
type flagValue struct {
	s      string
	isBool bool
}

func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.s
}
func (f *flagValue) Set(v string) error { f.s = v; return nil }
func (f *flagValue) IsBoolFlag() bool   { return f.isBool }

func splitList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Load builds the configuration from args (without the program name) and environ
// ("KEY=VALUE" entries, as os.Environ returns). A -config FILE flag or CONFIG_FILE variable
// names a dotenv file read before the environment.
func Load(args, environ []string, usage io.Writer) (*Config, error) {
	c := &Config{URLs: map[string]string{}, Rules: map[string]*rules.Rules{}, Headers: map[string]string{}}
	ss := settings(c)
	fs := flag.NewFlagSet("idempotent-proxy", flag.ContinueOnError)
	fs.SetOutput(usage)
	configFile := fs.String("config", "", "dotenv-style config file (KEY=VALUE lines; also CONFIG_FILE)")
	flagVals := make(map[string]*flagValue, len(ss))
	for _, s := range ss {
		v := &flagValue{s: s.def, isBool: s.def == "false" || s.def == "true"}
		flagVals[s.flag] = v
		fs.Var(v, s.flag, s.help+" ["+s.env+"]")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	values := map[string]string{}
	for _, s := range ss {
		values[s.env] = s.def
	}
	env := parseEnviron(environ)
	if *configFile == "" {
		*configFile = env["CONFIG_FILE"]
	}
	if *configFile != "" {
		f, err := os.Open(*configFile)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		file, err := ParseDotenv(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("config file %s: %w", *configFile, err)
		}
		maps.Copy(values, file)
	}
	maps.Copy(values, env)
	fs.Visit(func(f *flag.Flag) {
		for _, s := range ss {
			if s.flag == f.Name {
				values[s.env] = flagVals[s.flag].s
			}
		}
	})

	var errs []error
	for _, s := range ss {
		if err := s.set(c, strings.TrimSpace(values[s.env])); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	names := slices.Sorted(maps.Keys(values))
	for _, k := range names {
		v := values[k]
		switch {
		case strings.HasPrefix(k, "URL_") && len(k) > len("URL_"):
			c.URLs[k] = v
		case strings.HasPrefix(k, "ALLOW_URL_") && len(k) > len("ALLOW_URL_"):
			r, err := rules.Parse(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k, err))
				continue
			}
			c.Rules[strings.TrimPrefix(k, "ALLOW_")] = r
		case strings.HasPrefix(k, "HEADER_") && len(k) > len("HEADER_"):
			c.Headers[k] = v
		case strings.HasPrefix(k, "ED25519_PUB_KEY"):
			c.Ed25519Keys = append(c.Ed25519Keys, strings.TrimSpace(v))
		case strings.HasPrefix(k, "ECDSA_PUB_KEY"):
			c.ECDSAKeys = append(c.ECDSAKeys, strings.TrimSpace(v))
		}
	}
	if err := c.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) validate() error {
	var errs []error
	if len(c.ServerAddrs) == 0 {
		errs = append(errs, errors.New("SERVER_ADDR: no listen address"))
	}
	for _, a := range c.ServerAddrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("SERVER_ADDR %q: %w", a, err))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.URLs)) {
		v := c.URLs[k]
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", k, v))
		}
		if _, ok := c.Rules[k]; !ok {
			errs = append(errs, fmt.Errorf("%s: set ALLOW_%s to the methods and paths the route needs "+
				`(e.g. "GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions"), or "*" for all`, k, k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Rules)) {
		if _, ok := c.URLs[k]; !ok {
			errs = append(errs, fmt.Errorf("ALLOW_%s: no %s route", k, k))
		}
	}
	// A secret is only ever given to an authenticated caller; without keys, every caller is
	// anonymous, so secrets need the explicit insecure setting.
	if len(c.Headers) > 0 && len(c.Ed25519Keys)+len(c.ECDSAKeys) == 0 && !c.InsecureSecrets {
		errs = append(errs, errors.New("HEADER_* secrets are set but no ED25519_PUB_KEY*/ECDSA_PUB_KEY*: "+
			"anyone reaching the proxy could use them; configure the canister's token key "+
			"(idempotent-proxy token -h), or set INSECURE_SECRETS_WITHOUT_AUTH=true knowingly"))
	}
	for k, v := range c.Headers {
		if strings.ContainsAny(v, "\r\n\x00") {
			errs = append(errs, fmt.Errorf("%s: value contains a line break or NUL", k))
		}
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("TLS_CERT_FILE and TLS_KEY_FILE must be set together"))
	}
	// A waiter must see a stored failure before it expires, or it could not tell it from a
	// claim Redis lost.
	if c.PollInterval > 0 && c.FailureTTL > 0 && 4*c.PollInterval > c.FailureTTL {
		errs = append(errs, fmt.Errorf("POLL_INTERVAL %v must be at most a quarter of FAILURE_TTL %v", c.PollInterval, c.FailureTTL))
	}
	if c.TLSCertOut != "" && !c.TLSSelfSigned {
		errs = append(errs, errors.New("TLS_CERT_OUT needs TLS_SELF_SIGNED"))
	}
	if c.TLSSelfSigned && c.TLSCertFile != "" {
		errs = append(errs, errors.New("TLS_SELF_SIGNED and TLS_CERT_FILE are exclusive"))
	}
	return errors.Join(errs...)
}

func parseEnviron(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
