package sandbox

import (
	"net/http"
	"slices"
	"sort"

	stripe "github.com/stripe/stripe-go/v79"
)

// apiList is Stripe's list envelope (stripe-go's ListMeta lacks "object").
type apiList struct {
	Object  string `json:"object"`
	URL     string `json:"url"`
	HasMore bool   `json:"has_more"`
	Data    any    `json:"data"`
}

// webhookEndpoint is an endpoint registered with POST /v1/webhook_endpoints.
type webhookEndpoint struct {
	ID            string            `json:"id"`
	URL           string            `json:"url"`
	Secret        string            `json:"secret"`
	EnabledEvents []string          `json:"enabled_events"`
	Disabled      bool              `json:"disabled,omitempty"`
	Description   string            `json:"description,omitempty"`
	Metadata      map[string]string `json:"metadata"`
	Created       int64             `json:"created"`
}

func (w *webhookEndpoint) wants(eventType string) bool {
	return !w.Disabled && (slices.Contains(w.EnabledEvents, "*") || slices.Contains(w.EnabledEvents, eventType))
}

// stripe renders the endpoint; Stripe shows the secret only when creating it.
func (w *webhookEndpoint) stripe(withSecret bool) *stripe.WebhookEndpoint {
	out := &stripe.WebhookEndpoint{
		ID: w.ID, Object: "webhook_endpoint", APIVersion: APIVersion, Created: w.Created,
		Description: w.Description, EnabledEvents: w.EnabledEvents, Metadata: w.Metadata,
		Status: "enabled", URL: w.URL,
	}
	if w.Disabled {
		out.Status = "disabled"
	}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

// targetsLocked lists where an event of this type goes: every configured
// endpoint plus the registered ones that subscribe to the type.
func (s *Server) targetsLocked(eventType string) []target {
	out := make([]target, 0, len(s.cfg.WebhookEndpoints)+len(s.st.Webhooks))
	for _, u := range s.cfg.WebhookEndpoints {
		out = append(out, target{URL: u, Secret: s.cfg.WebhookSecret})
	}
	ids := make([]string, 0, len(s.st.Webhooks))
	for id := range s.st.Webhooks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if w := s.st.Webhooks[id]; w.wants(eventType) {
			out = append(out, target{URL: w.URL, Secret: w.Secret})
		}
	}
	return out
}

func (s *Server) createWebhookEndpoint(_ *http.Request, p Params, _ reqInfo) (any, *apiError) {
	if k := p.unknown("url", "enabled_events", "description", "metadata", "api_version", "expand"); k != "" {
		return nil, unknownParam(k)
	}
	u, _ := p.String("url")
	if u == "" {
		return nil, missingParam("url")
	}
	if !validURL(u) {
		return nil, invalidRequest("url", "Invalid URL: %s", u)
	}
	events, err := p.Strings("enabled_events")
	if err != nil || len(events) == 0 {
		return nil, missingParam("enabled_events")
	}
	meta, err := p.StringMap("metadata")
	if err != nil {
		return nil, invalidRequest("metadata", "Invalid hash")
	}
	desc, _ := p.String("description")
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &webhookEndpoint{
		ID: newID("we_", objectIDLen), URL: u, Secret: newSecret(), EnabledEvents: events,
		Description: desc, Metadata: meta, Created: s.now().Unix(),
	}
	s.st.Webhooks[w.ID] = w
	s.persistLocked()
	return w.stripe(true), nil
}

func (s *Server) getWebhookEndpointLocked(w *webhookEndpoint, _ Params, _ reqInfo) (any, *apiError) {
	return w.stripe(false), nil
}

func (s *Server) listWebhookEndpoints(_ *http.Request, _ Params, _ reqInfo) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := []*stripe.WebhookEndpoint{}
	for _, w := range s.st.Webhooks {
		data = append(data, w.stripe(false))
	}
	// Newest first, like Stripe's lists.
	sort.Slice(data, func(i, j int) bool {
		if data[i].Created != data[j].Created {
			return data[i].Created > data[j].Created
		}
		return data[i].ID > data[j].ID
	})
	return apiList{Object: "list", URL: "/v1/webhook_endpoints", Data: data}, nil
}

func (s *Server) deleteWebhookEndpointLocked(w *webhookEndpoint, _ Params, _ reqInfo) (any, *apiError) {
	delete(s.st.Webhooks, w.ID)
	s.persistLocked()
	return &stripe.WebhookEndpoint{ID: w.ID, Object: "webhook_endpoint", Deleted: true}, nil
}
