package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gocanister/stripe-ic/proxy/internal/rules"
)

// routeError is a request the proxy does not route: it is answered with status, naming the
// reason. Each refusal states its status where it is made, so a new one cannot fall into
// another's answer.
type routeError struct {
	status int
	reason string
}

func (e *routeError) Error() string { return e.reason }

func refuse(status int, reason string) error { return &routeError{status: status, reason: reason} }

// route is a /URL_<NAME> target configured by the operator.
type route struct {
	name  string
	base  *url.URL
	rules *rules.Rules
}

// relPath is the decoded request path below the route's name, which its rules match.
func (rt *route) relPath(r *http.Request) string {
	return strings.TrimPrefix(r.URL.Path, "/"+rt.name)
}

// target resolves the upstream URL of a request and, for an operator route (trusted, may be
// plain HTTP on a private address), the route; nil for a forwarded host (HTTPS,
// allow-listed, public).
func (h *Handler) target(r *http.Request) (u *url.URL, rt *route, err error) {
	// Dot segments would let a path climb out of a route's base path ("/URL_API/../admin").
	for seg := range strings.SplitSeq(r.URL.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, nil, refuse(http.StatusBadRequest, "path has a . or .. segment: "+strconv.Quote(r.URL.Path))
		}
	}
	if name, rest, ok := splitRoute(r.URL.EscapedPath()); ok {
		found, ok := h.routes[name]
		// The decoded rest must match the escaped one: a name with escapes is no route.
		restDecoded, prefixed := strings.CutPrefix(r.URL.Path, "/"+name)
		if !ok || !prefixed {
			return nil, nil, refuse(http.StatusNotFound, "unknown /URL_ route: "+name)
		}
		rt = &found
		t := *rt.base
		t.Path = strings.TrimSuffix(rt.base.Path, "/") + restDecoded
		t.RawPath = strings.TrimSuffix(rt.base.EscapedPath(), "/") + rest // kept only if it encodes Path
		switch {
		case r.URL.RawQuery == "":
		case t.RawQuery == "":
			t.RawQuery = r.URL.RawQuery
		default:
			t.RawQuery += "&" + r.URL.RawQuery
		}
		return &t, rt, nil
	}
	host := r.Header.Get("X-Forwarded-Host")
	if host == "" {
		return nil, nil, refuse(http.StatusBadRequest, "no upstream: send x-forwarded-host or use a /URL_<NAME> route")
	}
	hostport, err := h.allowedHost(host)
	if err != nil {
		return nil, nil, err
	}
	return &url.URL{Scheme: "https", Host: hostport, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}, nil, nil
}

// splitRoute splits "/URL_NAME/rest" into ("URL_NAME", "/rest").
func splitRoute(p string) (name, rest string, ok bool) {
	if !strings.HasPrefix(p, "/URL_") {
		return "", "", false
	}
	name, rest, _ = strings.Cut(p[1:], "/")
	if rest != "" || strings.HasSuffix(p, "/") {
		rest = "/" + rest
	}
	return name, rest, true
}

// allowedHost normalises an x-forwarded-host value and checks it against the allow-list; an
// entry without a port allows port 443 only. The result is a URL host: an IPv6 literal keeps
// its brackets.
func (h *Handler) allowedHost(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" || strings.ContainsAny(v, "/@?#\\ ,") {
		return "", refuse(http.StatusBadRequest, "malformed x-forwarded-host: "+strconv.Quote(v))
	}
	host, port := v, "443"
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		host = v[1 : len(v)-1] // an IPv6 literal without a port
	} else if strings.Contains(v, ":") {
		var err error
		if host, port, err = net.SplitHostPort(v); err != nil {
			return "", refuse(http.StatusBadRequest, "malformed x-forwarded-host: "+strconv.Quote(v))
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		host = ip.String() // one spelling per address, as the allow-list has it
	}
	hostport := net.JoinHostPort(host, port)
	if !h.allowHosts[hostport] {
		return "", refuse(http.StatusForbidden, "x-forwarded-host is not in the allow-list: "+strconv.Quote(v))
	}
	return strings.TrimSuffix(hostport, ":443"), nil
}

// normalizeAllowHost turns an allow-list entry into host:port (443 when omitted). An IPv6
// literal may come bracketed ("[2001:db8::1]", "[2001:db8::1]:8443") or bare ("2001:db8::1").
func normalizeAllowHost(e string) (string, error) {
	e = strings.ToLower(strings.TrimSpace(e))
	if ip, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil && (ip.Is6() || !strings.Contains(e, ":")) {
		return net.JoinHostPort(ip.String(), "443"), nil
	}
	if !strings.Contains(e, ":") {
		return net.JoinHostPort(e, "443"), nil
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		return "", fmt.Errorf("allow-list entry %q: %w", e, err)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.String()
	}
	return net.JoinHostPort(host, port), nil
}

// blockedPrefixes are the address ranges a forwarded request may not reach: loopback,
// private, link-local, CGNAT, multicast, reserved and the NAT64 range that could map onto them.
var blockedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
		"::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "fc00::/7", "fe80::/10", "ff00::/8",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// PublicAddr reports whether ip is a public unicast address a forwarded request may reach.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return ip.IsValid()
}

// errPrivateAddr is returned by the forwarded transport's dialer.
var errPrivateAddr = errors.New("refusing to connect to a non-public address")

// newTransport builds an upstream transport. The forwarded one checks every address it
// connects to (after DNS resolution, so rebinding cannot slip through), the trusted one does
// not. Neither honours HTTP_PROXY: the proxy is the last hop.
func newTransport(checkAddr bool, roots *x509.CertPool, timeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if checkAddr {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", errPrivateAddr, address)
			}
			if !PublicAddr(ap.Addr()) {
				return fmt.Errorf("%w: %s", errPrivateAddr, address)
			}
			return nil
		}
	}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}
