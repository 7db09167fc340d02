package filter

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestMaskApply(t *testing.T) {
	session := `{"id":"cs_1","object":"checkout.session","status":"complete","amount_total":1000,
	 "customer_details":{"email":"a@b.c","name":"A","address":{"city":"Z"}},
	 "metadata":{"order":"<42>"},"line_items":{"data":[{"id":"li_1","price":1},{"id":"li_2","price":2},"x"]}}`
	tests := []struct {
		name, mask, body, want string
	}{
		{"top level", "id,status", session, `{"id":"cs_1","status":"complete"}`},
		{"spaces and order", " status , id ", session, `{"id":"cs_1","status":"complete"}`},
		{"nested", "id,customer_details.email", session, `{"customer_details":{"email":"a@b.c"},"id":"cs_1"}`},
		{"through arrays", "line_items.data.id", session, `{"line_items":{"data":[{"id":"li_1"},{"id":"li_2"}]}}`},
		{"whole wins over narrower", "customer_details.email,customer_details", session,
			`{"customer_details":{"email":"a@b.c","name":"A","address":{"city":"Z"}}}`},
		{"narrower after whole", "customer_details,customer_details.email", session,
			`{"customer_details":{"email":"a@b.c","name":"A","address":{"city":"Z"}}}`},
		{"no html escaping", "metadata", session, `{"metadata":{"order":"<42>"}}`},
		{"missing fields", "nope,id.deeper", session, `{}`},
		{"top-level array", "id", `[{"id":1,"x":2},{"y":3}]`, `[{"id":1},{}]`},
		{"numbers kept verbatim", "n", `{"n":1.50000000000000000001e300}`, `{"n":1.50000000000000000001e300}`},
		{"scalar body", "id", `42`, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMask(tc.mask)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Apply([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMaskErrors(t *testing.T) {
	for _, s := range []string{"a..b", ".a", "a."} {
		if _, err := ParseMask(s); err == nil {
			t.Errorf("ParseMask(%q) accepted", s)
		}
	}
	if m, err := ParseMask(" , "); err != nil || m != nil {
		t.Errorf("empty mask: %v %v", m, err)
	}
	m, _ := ParseMask("id")
	if _, err := m.Apply([]byte(`{"id":`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}

func TestResponseHeaders(t *testing.T) {
	h := http.Header{
		"Content-Type":   {"application/json"},
		"Content-Length": {"10"},
		"Connection":     {"close, X-Conn, Content-Type"},
		"X-Conn":         {"1"},
		"Request-Id":     {"req_1"},
		"Set-Cookie":     {"a=b"},
		"Keep-Alive":     {"timeout=5"},
	}
	all := ResponseHeaders(h, nil)
	if want := []string{"Content-Type", "Request-Id", "Set-Cookie"}; !reflect.DeepEqual(keys(all), want) {
		t.Fatalf("no filter: %v, want %v", keys(all), want)
	}
	some := ResponseHeaders(h, SplitList("request-id, x-conn"))
	if want := []string{"Content-Type", "Request-Id"}; !reflect.DeepEqual(keys(some), want) {
		t.Fatalf("filtered: %v, want %v", keys(some), want)
	}
	if h.Get("Content-Length") != "10" {
		t.Fatal("input modified")
	}
}

func TestRemoveHopByHopKeeps(t *testing.T) {
	h := http.Header{
		"Connection":      {"Idempotency-Key, x-conn", "content-type"},
		"Idempotency-Key": {"k1"},
		"Content-Type":    {"application/json"},
		"X-Conn":          {"1"},
		"Keep-Alive":      {"timeout=5"},
		"Te":              {"trailers"},
	}
	RemoveHopByHop(h, "idempotency-key", "Content-Type")
	want := http.Header{"Idempotency-Key": {"k1"}, "Content-Type": {"application/json"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("after RemoveHopByHop: %v, want %v", h, want)
	}
	// Without keep, Connection wins, as RFC 9110 asks of a proxy.
	h = http.Header{"Connection": {"X-A"}, "X-A": {"1"}, "X-B": {"2"}}
	RemoveHopByHop(h)
	if !reflect.DeepEqual(h, http.Header{"X-B": {"2"}}) {
		t.Fatalf("after RemoveHopByHop: %v", h)
	}
}

func keys(h http.Header) []string {
	var out []string
	for _, k := range []string{"Connection", "Content-Length", "Content-Type", "Keep-Alive", "Request-Id", "Set-Cookie", "X-Conn"} {
		if _, ok := h[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true,
		"application/problem+json": true, "text/html": false, "": false,
	} {
		if IsJSON(ct) != want {
			t.Errorf("IsJSON(%q) = %v", ct, !want)
		}
	}
}

func FuzzMask(f *testing.F) {
	f.Add("id,a.b", `{"id":1,"a":{"b":[1,{"c":2}]}}`)
	f.Add("a.b.c", `[{"a":{"b":{"c":"<&>"}}}]`)
	f.Fuzz(func(t *testing.T, mask, body string) {
		m, err := ParseMask(mask)
		if err != nil {
			return
		}
		out, err := m.Apply([]byte(body))
		if err != nil {
			return
		}
		if m != nil && !json.Valid(out) {
			t.Fatalf("mask %q of %q produced invalid JSON %q", mask, body, out)
		}
		// Masking is idempotent: applying the mask to its own output changes nothing.
		again, err := m.Apply(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("mask not idempotent: %q then %q (%v)", out, again, err)
		}
	})
}
