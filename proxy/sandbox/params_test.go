package sandbox

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		want    Params
		wantErr bool
	}{
		{"flat", "mode=payment&success_url=x", Params{"mode": "payment", "success_url": "x"}, false},
		{"nested", "line_items[0][price]=p&line_items[0][quantity]=2&line_items[1][price]=q",
			Params{"line_items": Params{"0": Params{"price": "p", "quantity": "2"}, "1": Params{"price": "q"}}}, false},
		{"deep", "line_items[0][price_data][product_data][name]=Tea",
			Params{"line_items": Params{"0": Params{"price_data": Params{"product_data": Params{"name": "Tea"}}}}}, false},
		{"append", "expand[]=a&expand[]=b", Params{"expand": Params{"0": "a", "1": "b"}}, false},
		{"metadata", "metadata[order]=7&metadata[user]=u", Params{"metadata": Params{"order": "7", "user": "u"}}, false},
		{"empty", "", Params{}, false},
		{"unclosed", "a[b=1", nil, true},
		{"leading bracket", "[a]=1", nil, true},
		{"stray close", "a]=1", nil, true},
		{"junk between", "a[b]x[c]=1", nil, true},
		{"scalar then object", "a=1&a[b]=2", nil, true},
		{"duplicate scalar", "a=1&a=2", nil, true},
		{"append then nested", "a[][b]=1", nil, true},
		{"nested bracket", "a[[b]]=1", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseParams(v)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParamsAccessors(t *testing.T) {
	v, _ := url.ParseQuery("expand[1]=b&expand[0]=a&expand[10]=c&n=12&bad=x&one=only&meta[k]=v&obj[x]=1")
	p, err := ParseParams(v)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Strings("expand"); err != nil || !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Strings(expand) = %v, %v", got, err)
	}
	if got, err := p.Strings("one"); err != nil || !reflect.DeepEqual(got, []string{"only"}) {
		t.Errorf("Strings(one) = %v, %v", got, err)
	}
	if _, err := p.Strings("meta"); err == nil {
		t.Error("Strings on an object with non-index keys succeeded")
	}
	if n, ok, err := p.Int("n"); n != 12 || !ok || err != nil {
		t.Errorf("Int(n) = %d %v %v", n, ok, err)
	}
	if _, ok, err := p.Int("bad"); !ok || err == nil {
		t.Errorf("Int(bad) = %v %v", ok, err)
	}
	if _, ok, err := p.Int("obj"); !ok || err == nil {
		t.Errorf("Int(obj) = %v %v", ok, err)
	}
	if _, ok, _ := p.Int("absent"); ok {
		t.Error("Int(absent) present")
	}
	if m, err := p.StringMap("meta"); err != nil || m["k"] != "v" {
		t.Errorf("StringMap(meta) = %v %v", m, err)
	}
	if k := p.unknown("expand", "n", "bad", "one", "meta"); k != "obj" {
		t.Errorf("unknown = %q", k)
	}
}

// FuzzParseParams checks that no input panics and that accepted input keeps
// every value reachable.
func FuzzParseParams(f *testing.F) {
	for _, seed := range []string{
		"mode=payment", "line_items[0][price]=p&line_items[0][quantity]=1", "expand[]=a&expand[]=b",
		"a[b=1", "a=1&a[b]=2", "metadata[]=x", "a[][b]=1", "[]=1", "a[0][1][2][3]=deep",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, err := ParseParams(v)
		if err != nil {
			return
		}
		for key := range v {
			path, err := splitKey(key)
			if err != nil {
				t.Fatalf("accepted key %q does not split: %v", key, err)
			}
			var cur any = p
			for _, seg := range path {
				m, ok := cur.(Params)
				if !ok {
					t.Fatalf("key %q: %v is not an object", key, cur)
				}
				if seg == "" {
					cur = nil // appended element: index unknown here
					break
				}
				cur = m[seg]
			}
			if cur != nil {
				if _, ok := cur.(string); !ok {
					t.Fatalf("key %q resolves to %T", key, cur)
				}
			}
		}
	})
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		amount   int64
		currency string
		want     string
	}{
		{1234, "usd", "$12.34"},
		{5, "usd", "$0.05"},
		{123456789, "usd", "$1,234,567.89"},
		{1234, "jpy", "¥1,234"},
		{1234, "JPY", "¥1,234"},
		{50000, "krw", "₩50,000"},
		{1234, "eur", "€12.34"},
		{1000, "kwd", "KWD 1.000"},
		{999, "chf", "CHF 9.99"},
		{100, "xyz", "XYZ 1.00"},
		{-250, "gbp", "-£2.50"},
	}
	for _, tt := range tests {
		if got := formatAmount(tt.amount, tt.currency); got != tt.want {
			t.Errorf("formatAmount(%d, %s) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

func TestValidateCard(t *testing.T) {
	now := timeAt(2026, 6, 15)
	tests := []struct {
		name    string
		in      cardInput
		number  string
		wantMsg string
	}{
		{"spaces", cardInput{Number: "4242 4242 4242 4242"}, "4242424242424242", ""},
		{"dashes and expiry", cardInput{Number: "4000-0000-0000-0002", Expiry: "06/26", CVC: "123"}, "4000000000000002", ""},
		{"four digit year", cardInput{Number: "4242424242424242", Expiry: "12 / 2030"}, "4242424242424242", ""},
		{"empty", cardInput{}, "", "Your card number is incomplete."},
		{"luhn", cardInput{Number: "4242424242424241"}, "", "Your card number is invalid."},
		{"letters", cardInput{Number: "4242abcd42424242"}, "", "Your card number is invalid."},
		{"short", cardInput{Number: "4242"}, "", "Your card number is invalid."},
		{"past expiry", cardInput{Number: "4242424242424242", Expiry: "05/26"}, "", "Your card's expiration year is in the past."},
		{"bad month", cardInput{Number: "4242424242424242", Expiry: "13/30"}, "", "Your card's expiration date is incomplete."},
		{"bad cvc", cardInput{Number: "4242424242424242", CVC: "12"}, "", "Your card's security code is incomplete."},
		{"bad email", cardInput{Number: "4242424242424242", Email: "nope"}, "", "Your email address is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			number, msg := validateCard(tt.in, now)
			if number != tt.number || msg != tt.wantMsg {
				t.Errorf("validateCard = %q, %q; want %q, %q", number, msg, tt.number, tt.wantMsg)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	id := newID("cs_test_", sessionIDLen)
	if len(id) != 66 {
		t.Errorf("len(%q) = %d", id, len(id))
	}
	for _, r := range id[len("cs_test_"):] {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			t.Fatalf("%q has non-alphanumeric %q", id, r)
		}
	}
	if newID("x_", 24) == newID("x_", 24) {
		t.Error("two ids are equal")
	}
}

// FuzzValidateCard checks that any form input either is refused with a
// message or yields a Luhn-valid digit string.
func FuzzValidateCard(f *testing.F) {
	for _, seed := range []struct{ number, expiry, cvc string }{
		{"4242 4242 4242 4242", "12 / 34", "123"}, {"4000-0000-0000-0002", "", ""},
		{"", "01/2", "1"}, {"4242424242424241", "13/99", "abcd"}, {"٤٢٤٢", "1/", "12345"},
	} {
		f.Add(seed.number, seed.expiry, seed.cvc)
	}
	now := timeAt(2026, 6, 15)
	f.Fuzz(func(t *testing.T, number, expiry, cvc string) {
		got, msg := validateCard(cardInput{Number: number, Expiry: expiry, CVC: cvc}, now)
		if (got == "") == (msg == "") {
			t.Fatalf("validateCard(%q, %q, %q) = %q, %q: want exactly one", number, expiry, cvc, got, msg)
		}
		if got != "" && (!allDigits(got) || !luhn(got) || len(got) < 12 || len(got) > 19) {
			t.Fatalf("accepted %q", got)
		}
	})
}
