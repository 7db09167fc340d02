package main

import (
	"errors"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
	"github.com/gocanister/stripe-ic/canister/internal/jsonlite"
	"github.com/gocanister/stripe-ic/canister/payments"
)

// initArgs is init_args of stripe_backend.did. Every field but api_host is opt, so the seed
// demo's `(record { api_host = "..."; api_key = "sk_..." })` decodes unchanged (a text where
// opt text is declared is accepted by Candid subtyping) and fields added later are optional.
type initArgs struct {
	APIHost            string                 `ic:"api_host"`
	APIKey             *string                `ic:"api_key"`
	IdempotentProxy    *string                `ic:"idempotent_proxy"`
	ProxyAuthorization *string                `ic:"proxy_authorization"`
	WebhookSecrets     *[]string              `ic:"webhook_secrets"`
	WebhookSecret      *string                `ic:"webhook_secret"`
	AllowedPrincipals  *[]principal.Principal `ic:"allowed_principals"`
	Limits             *limitsArgs            `ic:"limits"`
	Events             *eventArgs             `ic:"events"`
}

// limitsArgs is limits of stripe_backend.did; absent fields keep the defaults.
type limitsArgs struct {
	WebhookToleranceSeconds       *uint64 `ic:"webhook_tolerance_seconds"`
	WebhookFutureToleranceSeconds *uint64 `ic:"webhook_future_tolerance_seconds"`
	MaxBodyBytes                  *uint32 `ic:"max_body_bytes"`
	MinRefetchIntervalSeconds     *uint64 `ic:"min_refetch_interval_seconds"`
	OutcallBudget                 *uint32 `ic:"outcall_budget"`
	OutcallWindowSeconds          *uint64 `ic:"outcall_window_seconds"`
	CyclesReserve                 *uint64 `ic:"cycles_reserve"`
	MaxPending                    *uint32 `ic:"max_pending"`
	PendingTTLSeconds             *uint64 `ic:"pending_ttl_seconds"`
	DedupCapacity                 *uint32 `ic:"dedup_capacity"`
	MaxPageSize                   *uint32 `ic:"max_page_size"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func seconds(p *uint64) time.Duration {
	if p == nil {
		return 0
	}
	return time.Duration(*p) * time.Second
}

func num32(p *uint32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// toConfig converts the Candid argument into the payments configuration.
func (a *initArgs) toConfig() (payments.Config, error) {
	if a.APIHost == "" {
		return payments.Config{}, errors.New(`init argument: api_host is required (e.g. "api.stripe.com")`)
	}
	c := payments.Config{
		APIHost:            a.APIHost,
		APIKey:             str(a.APIKey),
		IdempotentProxy:    str(a.IdempotentProxy),
		ProxyAuthorization: str(a.ProxyAuthorization),
	}
	if a.WebhookSecrets != nil {
		c.WebhookSecrets = append(c.WebhookSecrets, *a.WebhookSecrets...)
	}
	if a.WebhookSecret != nil {
		c.WebhookSecrets = append(c.WebhookSecrets, *a.WebhookSecret)
	}
	if a.AllowedPrincipals != nil {
		for _, p := range *a.AllowedPrincipals {
			c.AllowedPrincipals = append(c.AllowedPrincipals, p.String())
		}
	}
	c.Events = a.Events.toConfig()
	if l := a.Limits; l != nil {
		c.Limits = payments.Limits{
			WebhookTolerance:       seconds(l.WebhookToleranceSeconds),
			WebhookFutureTolerance: seconds(l.WebhookFutureToleranceSeconds),
			MaxBodyBytes:           num32(l.MaxBodyBytes),
			MinRefetchInterval:     seconds(l.MinRefetchIntervalSeconds),
			OutcallBudget:          num32(l.OutcallBudget),
			OutcallWindow:          seconds(l.OutcallWindowSeconds),
			MaxPending:             num32(l.MaxPending),
			PendingTTL:             seconds(l.PendingTTLSeconds),
			DedupCapacity:          num32(l.DedupCapacity),
			MaxPageSize:            num32(l.MaxPageSize),
		}
		if l.CyclesReserve != nil {
			c.Limits.CyclesReserve = *l.CyclesReserve
		}
	}
	return c, nil
}

// configView is config of stripe_backend.did (secrets redacted).
type configView struct {
	APIHost            string                `ic:"api_host"`
	APIKey             *string               `ic:"api_key"`
	IdempotentProxy    *string               `ic:"idempotent_proxy"`
	ProxyAuthorization *string               `ic:"proxy_authorization"`
	WebhookSecrets     []string              `ic:"webhook_secrets"`
	AllowedPrincipals  []principal.Principal `ic:"allowed_principals"`
	Limits             limitsArgs            `ic:"limits"`
	Events             eventArgs             `ic:"events"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func u64(d time.Duration) *uint64 { v := uint64(d / time.Second); return &v }
func u32(n int) *uint32           { v := uint32(n); return &v }

func viewOf(r payments.RedactedConfig) configView {
	v := configView{
		APIHost: r.APIHost, APIKey: opt(r.APIKey), IdempotentProxy: opt(r.IdempotentProxy),
		ProxyAuthorization: opt(r.ProxyAuthorization), WebhookSecrets: r.WebhookSecrets,
		AllowedPrincipals: []principal.Principal{},
	}
	if v.WebhookSecrets == nil {
		v.WebhookSecrets = []string{}
	}
	for _, p := range r.AllowedPrincipals {
		if pp, err := principal.Parse(p); err == nil {
			v.AllowedPrincipals = append(v.AllowedPrincipals, pp)
		}
	}
	l := r.Limits
	reserve := l.CyclesReserve
	v.Limits = limitsArgs{
		WebhookToleranceSeconds: u64(l.WebhookTolerance), WebhookFutureToleranceSeconds: u64(l.WebhookFutureTolerance),
		MaxBodyBytes: u32(l.MaxBodyBytes), MinRefetchIntervalSeconds: u64(l.MinRefetchInterval),
		OutcallBudget: u32(l.OutcallBudget), OutcallWindowSeconds: u64(l.OutcallWindow), CyclesReserve: &reserve,
		MaxPending: u32(l.MaxPending), PendingTTLSeconds: u64(l.PendingTTL), DedupCapacity: u32(l.DedupCapacity),
		MaxPageSize: u32(l.MaxPageSize),
	}
	if state.svc != nil {
		v.Events = eventArgsOf(state.svc.EventConfig())
	}
	return v
}

// The configuration is kept in stable memory (as JSON under keyConfig) so an upgrade without
// an argument keeps it. The bytes are what json.Marshal wrote for payments.Config, and are
// read as json.Unmarshal read them, so a module built with encoding/json and this one read
// each other's stored configuration.
func encodeConfig(c payments.Config) []byte {
	return jsonlite.AppendObject(nil, configFields(&c))
}

func decodeConfig(b []byte) (payments.Config, error) {
	var c payments.Config
	if err := jsonlite.Unmarshal(b, "payments.Config", configFields(&c)); err != nil {
		return c, errfmt.Wrap("stored configuration: ", err, "")
	}
	return c, nil
}

// configFields describes payments.Config as encoding/json saw it: every exported field in
// declaration order under its Go name (TestConfigJSON fails when a field is missing here).
func configFields(c *payments.Config) []jsonlite.Field {
	l, e := &c.Limits, &c.Events
	const dur = "time.Duration"
	return []jsonlite.Field{
		jsonlite.String("APIHost", &c.APIHost),
		jsonlite.String("APIKey", &c.APIKey),
		jsonlite.String("IdempotentProxy", &c.IdempotentProxy),
		jsonlite.String("ProxyAuthorization", &c.ProxyAuthorization),
		jsonlite.Strings("WebhookSecrets", &c.WebhookSecrets),
		jsonlite.Strings("AllowedPrincipals", &c.AllowedPrincipals),
		jsonlite.Object("Limits", "payments.Limits", []jsonlite.Field{
			jsonlite.Int("WebhookTolerance", dur, &l.WebhookTolerance),
			jsonlite.Int("WebhookFutureTolerance", dur, &l.WebhookFutureTolerance),
			jsonlite.Int("MaxBodyBytes", "int", &l.MaxBodyBytes),
			jsonlite.Int("MinRefetchInterval", dur, &l.MinRefetchInterval),
			jsonlite.Int("InFlightTimeout", dur, &l.InFlightTimeout),
			jsonlite.Int("OutcallBudget", "int", &l.OutcallBudget),
			jsonlite.Int("OutcallWindow", dur, &l.OutcallWindow),
			jsonlite.Uint("CyclesReserve", "uint64", &l.CyclesReserve),
			jsonlite.Int("MaxPending", "int", &l.MaxPending),
			jsonlite.Int("PendingTTL", dur, &l.PendingTTL),
			jsonlite.Int("DedupCapacity", "int", &l.DedupCapacity),
			jsonlite.Int("MaxPageSize", "int", &l.MaxPageSize),
		}),
		jsonlite.Object("Events", "payments.EventConfig", []jsonlite.Field{
			jsonlite.Int("LogRetention", "int", &e.LogRetention),
			jsonlite.Int("MaxAttempts", "int", &e.MaxAttempts),
			jsonlite.Int("RetryBase", dur, &e.RetryBase),
			jsonlite.Int("RetryMax", dur, &e.RetryMax),
			jsonlite.Int("MaxBatch", "int", &e.MaxBatch),
			jsonlite.Int("MaxBatchBytes", "int", &e.MaxBatchBytes),
			jsonlite.Int("MaxDeadLetters", "int", &e.MaxDeadLetters),
			jsonlite.Int("CallTimeout", dur, &e.CallTimeout),
		}),
	}
}
