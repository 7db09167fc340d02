package weburl

import (
	"net/url"
	"strings"
	"testing"
)

// seeds are URLs that reach every branch of Parse: schemes, opaque forms, userinfo,
// hosts with ports and IP literals, escapes in each part, query and fragment edge cases.
var seeds = []string{
	"", "*", "/", "//", "///x", "a", "a:b", ":x", "1a:b", "a b:c", "./a:b", "a/b:c",
	"https://api.stripe.com", "https://proxy.example.com:8443/URL_STRIPE",
	"HTTPS://Proxy.Example.COM/URL_STRIPE/", "https:///path", "https:opaque", "https:opaque?q#f",
	"https://user:pass@proxy.example.com/URL_STRIPE", "https://user@h", "https://us%65r:p%zz@h",
	"https://u:p@q@h/x", "https://u[x@h", "https://%41@h", "//u:p@h/x", "///u@h",
	"https://h:", "https://h:8x", "https://h:1:2", "mongodb://a:1,b:2/db", "https://h:99999",
	"https://a b", "https://a%20b", "https://a%C3%A9b/", "https://a%25b", "https://a%zz",
	"https://a_b.c~d", "https://a<b", "https://a\"b", "https://[::1]", "https://[::1]:80/x",
	"https://[::1", "https://[::1]x", "https://x[::1]", "https://[1.2.3.4]", "https://[::ffff:1.2.3.4]",
	"https://[fe80::1%25en0]/", "https://[fe80::1%25]", "https://[fe80::1%25%41]", "https://[fe80::1%25%2F]",
	"https://[fe80::1%25x%20y]", "https://[1:2:3:4:5:6:7:8]", "https://[1:2:3:4:5:6:7:8:9]",
	"https://[1:2:3:4:5:6:7::8]", "https://[1::2::3]", "https://[12345::]", "https://[::1:]",
	"https://[1:2:3:4:5:6:1.2.3.4]", "https://[1:2:3:4:5:1.2.3.4]", "https://[::1.2.3.04]",
	"https://[::1.2.3.256]", "https://[:1]", "https://[]", "https://[%25x]", "https://[x]",
	"https://h/a b", "https://h/a%2Fb", "https://h/a%2fb c", "https://h/%zz", "https://h/%4",
	"https://h/a?b", "https://h/?", "https://h/??", "https://h/a?b?", "https://h/?x=1",
	"https://h/#", "https://h/#f", "https://h/#f%20g", "https://h/#f g", "https://h/#%zz",
	"https://h/#a#b", "https://h/#!()*'", "https://h/p;q,r=s&t$u+v:w@x[y]", "https://h/é",
	"https://h/a\x7fb", "https://h/\x00", "https://h/#\x01", "http://h/ok?session_id={CHECKOUT_SESSION_ID}",
	"https://checkout.stripe.com/c/pay/cs_test_new123#fidkdWxOYHwnPyd1blpxYHZxWjA0",
	"https://u:p@h/p%20q?r#s%2Ft", "https://u:p@[::1]:8/p", "ftp://u@h:1:2/", "a:/b", "a://",
}

// TestParseMatchesNetURL holds Parse, String, EscapedPath and EscapedFragment against
// net/url on the seeds.
func TestParseMatchesNetURL(t *testing.T) {
	for _, s := range seeds {
		compare(t, s)
	}
}

func FuzzParseMatchesNetURL(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(compare)
}

func compare(t *testing.T, s string) {
	want, wantErr := url.Parse(s)
	got, err := Parse(s)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("Parse(%q): error %v, net/url: %v", s, err, wantErr)
	}
	if err != nil {
		// net/netip explains a malformed IPv6 literal in its own words; every other
		// message is net/url's.
		if err.Error() != wantErr.Error() && !strings.Contains(wantErr.Error(), "invalid host: ParseAddr(") {
			t.Fatalf("Parse(%q): error %q, net/url: %q", s, err, wantErr)
		}
		return
	}
	pass, passSet := want.User.Password()
	wantUser := &Userinfo{want.User.Username(), pass, passSet}
	if want.User == nil {
		wantUser = nil
	}
	if got.Scheme != want.Scheme || got.Opaque != want.Opaque || got.Host != want.Host ||
		got.Path != want.Path || got.RawPath != want.RawPath || got.OmitHost != want.OmitHost ||
		got.ForceQuery != want.ForceQuery || got.RawQuery != want.RawQuery ||
		got.Fragment != want.Fragment || got.RawFragment != want.RawFragment ||
		(got.User == nil) != (wantUser == nil) || got.User != nil && *got.User != *wantUser {
		t.Fatalf("Parse(%q) = %+v, net/url: %+v (user %+v)", s, *got, *want, wantUser)
	}
	if got.String() != want.String() || got.EscapedPath() != want.EscapedPath() ||
		got.EscapedFragment() != want.EscapedFragment() {
		t.Fatalf("Parse(%q): String %q path %q fragment %q, net/url: %q %q %q", s,
			got.String(), got.EscapedPath(), got.EscapedFragment(), want.String(), want.EscapedPath(), want.EscapedFragment())
	}
	// The form redaction uses: another user in place of the parsed one.
	got.User, want.User = &Userinfo{Username: "***"}, url.User("***")
	if got.String() != want.String() {
		t.Fatalf("Parse(%q) with user ***: %q, net/url: %q", s, got.String(), want.String())
	}
}

func TestQueryEscapeMatchesNetURL(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, s := range []string{"", "plain", "a b", "a+b", "line_items[0][price_data][currency]",
		"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}", "é ü", "~-._", string(all)} {
		if got, want := QueryEscape(s), url.QueryEscape(s); got != want {
			t.Errorf("QueryEscape(%q) = %q, net/url: %q", s, got, want)
		}
	}
}

func FuzzQueryEscapeMatchesNetURL(f *testing.F) {
	f.Add("a b+c&d=é")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := QueryEscape(s), url.QueryEscape(s); got != want {
			t.Fatalf("QueryEscape(%q) = %q, net/url: %q", s, got, want)
		}
	})
}

// TestIPLiteral checks the IPv6 rules on their own, with net/url's verdict as the oracle.
func TestIPLiteral(t *testing.T) {
	for _, lit := range []string{"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8",
		"::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::1.2.3.4.5",
		"fe80::1%25en0", "fe80::1%25", "1.2.3.4", "01.2.3.4", "::00.1.2.3", "::0.1.2.3", "abcd::ABCD",
		"::g", ":::", "1:::2", "1:", ":1", "", "%25x", "12345::", "0000::", "00000::"} {
		_, wantErr := url.Parse("https://[" + lit + "]/")
		_, err := Parse("https://[" + lit + "]/")
		if (err != nil) != (wantErr != nil) {
			t.Errorf("[%s]: error %v, net/url: %v", lit, err, wantErr)
		}
	}
}
