// Package weburl parses, escapes and reassembles URLs exactly as net/url does, for the
// parts a canister needs: Parse, URL.String, URL.EscapedPath and QueryEscape.
//
// It exists because net/url links fmt, net/netip and unique into a Go wasip1 module that
// only validates a few configured URLs and form-encodes a request body. The code follows
// net/url of Go 1.26 (strict colons in http(s) hosts), and the tests hold it against net/url
// as the oracle. The one difference: a malformed IPv6 literal in a host is rejected with a
// shorter message than net/netip's.
//
// Derived from Go's net/url: Copyright The Go Authors, under the BSD-style license in the
// Go distribution's LICENSE file.
package weburl

import (
	"errors"
	"strconv"
	"strings"
)

// URL is a parsed URL, field for field as net/url.URL has it.
type URL struct {
	Scheme      string
	Opaque      string
	User        *Userinfo
	Host        string
	Path        string
	RawPath     string
	OmitHost    bool
	ForceQuery  bool
	RawQuery    string
	Fragment    string
	RawFragment string
}

// Userinfo is the user name and optional password of a URL.
type Userinfo struct {
	Username    string
	Password    string
	PasswordSet bool
}

// String returns the userinfo escaped, "username[:password]".
func (u *Userinfo) String() string {
	if u == nil {
		return ""
	}
	s := escape(u.Username, encodeUserPassword)
	if u.PasswordSet {
		s += ":" + escape(u.Password, encodeUserPassword)
	}
	return s
}

// Error is a parse error; its message is net/url's: `parse "<url>": <reason>`.
type Error struct {
	Op  string
	URL string
	Err error
}

func (e *Error) Error() string { return e.Op + " " + strconv.Quote(e.URL) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

type escapeError string

func (e escapeError) Error() string { return "invalid URL escape " + strconv.Quote(string(e)) }

type invalidHostError string

func (e invalidHostError) Error() string {
	return "invalid character " + strconv.Quote(string(e)) + " in host name"
}

type encoding int

const (
	encodePath encoding = iota
	encodeHost
	encodeZone
	encodeUserPassword
	encodeQueryComponent
	encodeFragment
)

// shouldEscape is net/url's rule (gen_encoding_table.go) for the modes used here.
func shouldEscape(c byte, mode encoding) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return false
	}
	if mode == encodeHost || mode == encodeZone {
		switch c {
		case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '[', ']', '<', '>', '"':
			return false
		}
	}
	switch c {
	case '-', '_', '.', '~':
		return false
	case '$', '&', '+', ',', '/', ':', ';', '=', '?', '@':
		switch mode {
		case encodePath:
			return c == '?'
		case encodeUserPassword:
			return c == '@' || c == '/' || c == '?' || c == ':'
		case encodeQueryComponent:
			return true
		case encodeFragment:
			return false
		}
	}
	if mode == encodeFragment {
		switch c {
		case '!', '(', ')', '*':
			return false
		}
	}
	return true
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex is the value of the hex digit c (ishex(c) holds).
func unhex(c byte) byte { return 9*(c>>6) + (c & 15) }

// unescape decodes %XX sequences, refusing malformed ones and, in a host, bytes that
// may not appear there.
func unescape(s string, mode encoding) (string, error) {
	n := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '%':
			n++
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				return "", escapeError(s[i:min(len(s), i+3)])
			}
			// A host may %-encode only non-ASCII bytes, except %25 before a zone.
			if mode == encodeHost && unhex(s[i+1]) < 8 && s[i:i+3] != "%25" {
				return "", escapeError(s[i : i+3])
			}
			if mode == encodeZone {
				v := unhex(s[i+1])<<4 | unhex(s[i+2])
				if s[i:i+3] != "%25" && v != ' ' && shouldEscape(v, encodeHost) {
					return "", escapeError(s[i : i+3])
				}
			}
			i += 3
		default:
			if (mode == encodeHost || mode == encodeZone) && s[i] < 0x80 && shouldEscape(s[i], mode) {
				return "", invalidHostError(s[i : i+1])
			}
			i++
		}
	}
	if n == 0 {
		return s, nil
	}
	t := make([]byte, 0, len(s)-2*n)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			t = append(t, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		} else {
			t = append(t, s[i])
		}
	}
	return string(t), nil
}

// QueryEscape escapes s for a query component (form encoding), as url.QueryEscape does:
// space becomes '+', every byte but letters, digits and -_.~ becomes %XX.
func QueryEscape(s string) string { return escape(s, encodeQueryComponent) }

const upperhex = "0123456789ABCDEF"

func escape(s string, mode encoding) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; shouldEscape(c, mode) && !(c == ' ' && mode == encodeQueryComponent) {
			n++
		}
	}
	if n == 0 && (mode != encodeQueryComponent || !strings.Contains(s, " ")) {
		return s
	}
	t := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' && mode == encodeQueryComponent:
			t = append(t, '+')
		case shouldEscape(c, mode):
			t = append(t, '%', upperhex[c>>4], upperhex[c&15])
		default:
			t = append(t, c)
		}
	}
	return string(t)
}

// Parse parses a URL reference, absolute or relative, as url.Parse does.
func Parse(rawURL string) (*URL, error) {
	u, frag, _ := strings.Cut(rawURL, "#")
	url, err := parse(u)
	if err != nil {
		return nil, &Error{"parse", u, err}
	}
	if frag == "" {
		return url, nil
	}
	if url.Fragment, err = unescape(frag, encodeFragment); err != nil {
		return nil, &Error{"parse", rawURL, err}
	}
	if escape(url.Fragment, encodeFragment) != frag {
		url.RawFragment = frag
	}
	return url, nil
}

func parse(rawURL string) (*URL, error) {
	for i := 0; i < len(rawURL); i++ {
		if b := rawURL[i]; b < ' ' || b == 0x7f {
			return nil, errors.New("net/url: invalid control character in URL")
		}
	}
	url := new(URL)
	if rawURL == "*" {
		url.Path = "*"
		return url, nil
	}
	scheme, rest, err := getScheme(rawURL)
	if err != nil {
		return nil, err
	}
	url.Scheme = strings.ToLower(scheme)
	if strings.HasSuffix(rest, "?") && strings.Count(rest, "?") == 1 {
		url.ForceQuery = true
		rest = rest[:len(rest)-1]
	} else {
		rest, url.RawQuery, _ = strings.Cut(rest, "?")
	}
	if !strings.HasPrefix(rest, "/") {
		if url.Scheme != "" {
			url.Opaque = rest // a rootless path is opaque (RFC 3986)
			return url, nil
		}
		if segment, _, _ := strings.Cut(rest, "/"); strings.Contains(segment, ":") {
			return nil, errors.New("first path segment in URL cannot contain colon")
		}
	}
	if (url.Scheme != "" || !strings.HasPrefix(rest, "///")) && strings.HasPrefix(rest, "//") {
		authority := rest[2:]
		rest = ""
		if i := strings.IndexByte(authority, '/'); i >= 0 {
			authority, rest = authority[:i], authority[i:]
		}
		if url.User, url.Host, err = parseAuthority(url.Scheme, authority); err != nil {
			return nil, err
		}
	} else if url.Scheme != "" && strings.HasPrefix(rest, "/") {
		url.OmitHost = true
	}
	if url.Path, err = unescape(rest, encodePath); err != nil {
		return nil, err
	}
	if escape(url.Path, encodePath) != rest {
		url.RawPath = rest
	}
	return url, nil
}

// getScheme splits off a leading scheme ([a-zA-Z][a-zA-Z0-9+.-]*:), if there is one.
func getScheme(rawURL string) (scheme, rest string, err error) {
	for i := 0; i < len(rawURL); i++ {
		c := rawURL[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", rawURL, nil
			}
		case c == ':':
			if i == 0 {
				return "", "", errors.New("missing protocol scheme")
			}
			return rawURL[:i], rawURL[i+1:], nil
		default:
			return "", rawURL, nil
		}
	}
	return "", rawURL, nil
}

func parseAuthority(scheme, authority string) (*Userinfo, string, error) {
	i := strings.LastIndexByte(authority, '@')
	host, err := parseHost(scheme, authority[i+1:])
	if err != nil {
		return nil, "", err
	}
	if i < 0 {
		return nil, host, nil
	}
	userinfo := authority[:i]
	if !validUserinfo(userinfo) {
		return nil, "", errors.New("net/url: invalid userinfo")
	}
	user := new(Userinfo)
	name, password, hasPassword := strings.Cut(userinfo, ":")
	if user.Username, err = unescape(name, encodeUserPassword); err != nil {
		return nil, "", err
	}
	if hasPassword {
		if user.Password, err = unescape(password, encodeUserPassword); err != nil {
			return nil, "", err
		}
		user.PasswordSet = true
	}
	return user, host, nil
}

// parseHost checks and unescapes host[:port].
func parseHost(scheme, host string) (string, error) {
	if open := strings.LastIndexByte(host, '['); open > 0 {
		return "", errors.New("invalid IP-literal")
	} else if open == 0 {
		closing := strings.LastIndexByte(host, ']')
		if closing < 0 {
			return "", errors.New("missing ']' in host")
		}
		colonPort := host[closing+1:]
		if !validOptionalPort(colonPort) {
			return "", errors.New("invalid port " + strconv.Quote(colonPort) + " after host")
		}
		hostname := host[1:closing]
		var literal string
		if zone := strings.Index(hostname, "%25"); zone >= 0 {
			addr, err := unescape(hostname[:zone], encodeHost)
			if err != nil {
				return "", err
			}
			zonePart, err := unescape(hostname[zone:], encodeZone)
			if err != nil {
				return "", err
			}
			literal = addr + zonePart
		} else {
			var err error
			if literal, err = unescape(hostname, encodeHost); err != nil {
				return "", err
			}
		}
		// Only an IPv6 address may stand in brackets (RFC 3986).
		switch ipLiteral(literal) {
		case ipv4:
			return "", errors.New("invalid IP-literal")
		case ipInvalid:
			return "", errors.New("invalid host: " + strconv.Quote(literal) + " is not an IPv6 address")
		}
		return "[" + literal + "]" + colonPort, nil
	} else if i := strings.IndexByte(host, ':'); i >= 0 {
		// Go 1.26 allows only one colon in an http(s) host; other schemes keep
		// comma-separated host lists with ports, the port being after the last colon.
		if scheme != "http" && scheme != "https" {
			i = strings.LastIndexByte(host, ':')
		}
		if colonPort := host[i:]; !validOptionalPort(colonPort) {
			return "", errors.New("invalid port " + strconv.Quote(colonPort) + " after host")
		}
	}
	return unescape(host, encodeHost)
}

// validOptionalPort reports whether port is empty or matches :[0-9]*.
func validOptionalPort(port string) bool {
	if port == "" {
		return true
	}
	return port[0] == ':' && strings.Trim(port[1:], "0123456789") == ""
}

// validUserinfo reports whether s holds only the characters RFC 3986 allows in userinfo,
// and '@' (as net/url tolerates); escapes are checked by unescape.
func validUserinfo(s string) bool {
	for _, r := range s {
		if 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			continue
		}
		if !strings.ContainsRune("-._:~!$&'()*+,;=%@", r) {
			return false
		}
	}
	return true
}

type ipKind int

const (
	ipInvalid ipKind = iota
	ipv4
	ipv6
)

// ipLiteral classifies s as net/netip.ParseAddr would: an IPv4 address, an IPv6 address
// (with an optional non-empty %zone and an optional embedded IPv4 tail), or neither.
func ipLiteral(s string) ipKind {
	i := strings.IndexAny(s, ".:%")
	switch {
	case i < 0 || s[i] == '%':
		return ipInvalid
	case s[i] == '.':
		if validIPv4(s) {
			return ipv4
		}
		return ipInvalid
	}
	if addr, zone, hasZone := strings.Cut(s, "%"); hasZone {
		if zone == "" {
			return ipInvalid
		}
		s = addr
	}
	fields := 0 // 16-bit fields parsed
	ellipsis := false
	if strings.HasPrefix(s, "::") {
		ellipsis, s = true, s[2:]
		if s == "" {
			return ipv6
		}
	}
	for fields < 8 {
		n := 0
		for n < len(s) && ishex(s[n]) {
			n++
		}
		if n == 0 || n > 4 {
			return ipInvalid
		}
		if n < len(s) && s[n] == '.' {
			// An embedded IPv4 address takes the last two fields.
			if !ellipsis && fields != 6 || fields+2 > 8 || !validIPv4(s) {
				return ipInvalid
			}
			fields, s = fields+2, ""
			break
		}
		fields++
		s = s[n:]
		if s == "" {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return ipInvalid
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis {
				return ipInvalid
			}
			ellipsis, s = true, s[1:]
			if s == "" {
				break
			}
		}
	}
	if s != "" || fields < 8 && !ellipsis || fields == 8 && ellipsis {
		return ipInvalid
	}
	return ipv6
}

// validIPv4 reports whether s is a dotted quad without leading zeros.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 1 && p[0] == '0' || strings.Trim(p, "0123456789") != "" {
			return false
		}
		if v, err := strconv.Atoi(p); err != nil || v > 255 {
			return false
		}
	}
	return true
}

// EscapedPath returns the escaped form of u.Path: RawPath when it is a valid encoding
// of Path, the default encoding otherwise.
func (u *URL) EscapedPath() string {
	if u.RawPath != "" && validEncoded(u.RawPath, encodePath) {
		if p, err := unescape(u.RawPath, encodePath); err == nil && p == u.Path {
			return u.RawPath
		}
	}
	if u.Path == "*" {
		return "*"
	}
	return escape(u.Path, encodePath)
}

// EscapedFragment is EscapedPath for the fragment.
func (u *URL) EscapedFragment() string {
	if u.RawFragment != "" && validEncoded(u.RawFragment, encodeFragment) {
		if f, err := unescape(u.RawFragment, encodeFragment); err == nil && f == u.Fragment {
			return u.RawFragment
		}
	}
	return escape(u.Fragment, encodeFragment)
}

// validEncoded reports whether s contains no byte that its mode would escape.
func validEncoded(s string, mode encoding) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '[', ']', '%':
		default:
			if shouldEscape(s[i], mode) {
				return false
			}
		}
	}
	return true
}

// String reassembles the URL as url.URL.String does.
func (u *URL) String() string {
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteByte(':')
	}
	if u.Opaque != "" {
		b.WriteString(u.Opaque)
	} else {
		if (u.Scheme != "" || u.Host != "" || u.User != nil) && !(u.OmitHost && u.Host == "" && u.User == nil) {
			if u.Host != "" || u.Path != "" || u.User != nil {
				b.WriteString("//")
			}
			if u.User != nil {
				b.WriteString(u.User.String())
				b.WriteByte('@')
			}
			b.WriteString(escape(u.Host, encodeHost))
		}
		path := u.EscapedPath()
		if path != "" && path[0] != '/' && u.Host != "" {
			b.WriteByte('/')
		}
		if b.Len() == 0 {
			// A first segment with a colon would read as a scheme (RFC 3986 §4.2).
			if segment, _, _ := strings.Cut(path, "/"); strings.Contains(segment, ":") {
				b.WriteString("./")
			}
		}
		b.WriteString(path)
	}
	if u.ForceQuery || u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(u.RawQuery)
	}
	if u.Fragment != "" {
		b.WriteByte('#')
		b.WriteString(u.EscapedFragment())
	}
	return b.String()
}
