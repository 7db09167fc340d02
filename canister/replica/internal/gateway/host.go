package gateway

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/aviate-labs/agent-go/principal"
)

// target is the canister a request is for and whether it came through the
// raw (unverified) domain.
type target struct {
	id  principal.Principal
	raw bool
}

// resolve finds the canister: from the host name (<id>.<domain> or
// <id>.raw.<domain>), else from the canisterId query parameter, which like
// dfx's gateway is served as the certified domain.
func (g *Gateway) resolve(r *http.Request) (target, error) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	for _, d := range g.cfg.Domains {
		sub, ok := strings.CutSuffix(host, "."+d)
		if !ok {
			continue
		}
		raw := false
		if s, ok := strings.CutSuffix(sub, ".raw"); ok {
			sub, raw = s, true
		}
		id, err := parseCanisterID(sub)
		if err != nil {
			return target{}, fail(http.StatusBadRequest, "Invalid canister id %q in host %q", sub, r.Host)
		}
		return target{id: id, raw: raw}, nil
	}
	param := r.URL.Query().Get("canisterId")
	if param == "" {
		return target{}, fail(http.StatusBadRequest, "Could not find a canister id to forward to: use http://<canister-id>.%s/ or ?canisterId=<canister-id>", g.cfg.Domains[0])
	}
	id, err := parseCanisterID(param)
	if err != nil {
		return target{}, fail(http.StatusBadRequest, "Invalid canister id %q in the canisterId query parameter", param)
	}
	return target{id: id}, nil
}

// parseCanisterID accepts only the canonical textual form of a principal.
func parseCanisterID(s string) (principal.Principal, error) {
	p, err := principal.Decode(s)
	if err != nil {
		return principal.Principal{}, err
	}
	if len(p.Raw) > 29 || p.Encode() != strings.ToLower(s) {
		return principal.Principal{}, errNotCanonical
	}
	return p, nil
}

var errNotCanonical = errors.New("principal is not in canonical form")
