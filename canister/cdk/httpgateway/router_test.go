package httpgateway

import (
	"strings"
	"testing"
)

// ctx stands for the *cdk.Message a canister passes.
type ctx struct{ name string }

func text(s string) Response {
	return Response{StatusCode: 200, Body: []byte(s)}
}

func newTestRouter() *Router[*ctx] {
	r := &Router[*ctx]{}
	r.Handle("GET /checkout/{id}", func(c *ctx, req *Request, p Params) Response {
		return text(c.name + " session " + p.Get("id"))
	})
	r.Handle("GET /checkout/new", func(*ctx, *Request, Params) Response { return text("literal new") })
	r.HandleUpdate("POST /checkout", func(c *ctx, req *Request, p Params) Response {
		return text("created from " + string(req.Body))
	})
	r.HandleUpdate("POST /webhook", func(*ctx, *Request, Params) Response { return text("webhook") })
	r.Handle("GET /static/{path...}", func(_ *ctx, _ *Request, p Params) Response { return text("file " + p.Get("path")) })
	r.Handle("GET /", func(*ctx, *Request, Params) Response { return text("home") })
	return r
}

func TestRouterQuery(t *testing.T) {
	r := newTestRouter()
	c := &ctx{name: "q"}
	tests := []struct {
		method, url string
		status      uint16
		body        string
		upgrade     bool
		allow       string
	}{
		{"GET", "/checkout/cs_123", 200, "q session cs_123", false, ""},
		{"GET", "/checkout/cs%2F1?expand=x", 200, "q session cs/1", false, ""},
		{"GET", "/checkout/new", 200, "literal new", false, ""},
		{"GET", "/checkout/", 404, "not found\n", false, ""},
		{"GET", "/checkout/a/b", 404, "not found\n", false, ""},
		{"POST", "/checkout", 200, "", true, ""},
		{"GET", "/checkout", 405, "method not allowed\n", false, "POST"},
		{"DELETE", "/checkout/x", 405, "method not allowed\n", false, "GET"},
		{"GET", "/static/css/site.css", 200, "file css/site.css", false, ""},
		{"GET", "/static/", 200, "file ", false, ""},
		{"GET", "/", 200, "home", false, ""},
		{"GET", "/nowhere", 404, "not found\n", false, ""},
		{"GET", "/checkout/%zz", 404, "not found\n", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			resp := r.ServeQuery(c, &Request{Method: tt.method, URL: tt.url})
			if resp.StatusCode != tt.status || string(resp.Body) != tt.body || (resp.Upgrade != nil && *resp.Upgrade) != tt.upgrade {
				t.Fatalf("got %d %q upgrade %v", resp.StatusCode, resp.Body, resp.Upgrade)
			}
			if resp.Headers == nil {
				t.Fatal("nil headers (Candid needs a vec)")
			}
			allow := (&Request{Headers: resp.Headers}).Header("allow")
			if allow != tt.allow {
				t.Fatalf("Allow %q, want %q", allow, tt.allow)
			}
		})
	}
}

func TestRouterUpdate(t *testing.T) {
	r := newTestRouter()
	c := &ctx{name: "u"}
	resp := r.ServeUpdate(c, &UpdateRequest{Method: "POST", URL: "/checkout", Body: []byte("cart")})
	if resp.StatusCode != 200 || string(resp.Body) != "created from cart" || resp.Upgrade != nil {
		t.Fatalf("update = %d %q", resp.StatusCode, resp.Body)
	}
	// Query routes answer in an update too.
	resp = r.ServeUpdate(c, &UpdateRequest{Method: "GET", URL: "/checkout/x"})
	if string(resp.Body) != "u session x" {
		t.Fatalf("query route in update = %q", resp.Body)
	}
	r.NotFound = func(*ctx, *Request) Response { return Response{StatusCode: 404, Body: []byte("custom")} }
	if resp := r.ServeUpdate(c, &UpdateRequest{Method: "GET", URL: "/x"}); string(resp.Body) != "custom" || resp.Headers == nil {
		t.Fatalf("custom 404 = %q", resp.Body)
	}
}

func TestRouterBadPatterns(t *testing.T) {
	for _, p := range []string{"/no-method", "GET no-slash", "GET /a/{rest...}/b", "GET /checkout/{id}"} {
		t.Run(p, func(t *testing.T) {
			r := newTestRouter()
			defer func() {
				if v := recover(); v == nil || !strings.Contains(v.(string), "httpgateway:") {
					t.Fatalf("recover() = %v", v)
				}
			}()
			r.Handle(p, func(*ctx, *Request, Params) Response { return Response{} })
		})
	}
}

// FuzzRouter: any method and URL gets an answer with Candid-ready slices, and a 405 always
// names the allowed methods.
func FuzzRouter(f *testing.F) {
	for _, s := range []string{"/checkout/cs_1", "/static/a/b", "/", "", "//", "/checkout/%", "/a?b#c", "/checkout/new/"} {
		f.Add("GET", s)
	}
	f.Add("POST", "/checkout")
	r := newTestRouter()
	f.Fuzz(func(t *testing.T, method, url string) {
		resp := r.ServeQuery(&ctx{}, &Request{Method: method, URL: url})
		if resp.Headers == nil || resp.Body == nil {
			t.Fatal("nil slices")
		}
		if resp.StatusCode == 405 && (&Request{Headers: resp.Headers}).Header("Allow") == "" {
			t.Fatal("405 without Allow")
		}
		up := r.ServeUpdate(&ctx{}, &UpdateRequest{Method: method, URL: url})
		if resp.Upgrade == nil && up.StatusCode != resp.StatusCode {
			t.Fatalf("query %d, update %d", resp.StatusCode, up.StatusCode)
		}
	})
}
