package main

import (
	"fmt"
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
)

// The payment page's files live in stable memory (region prefixAssets, key = path, value =
// content type, NUL, content), uploaded by controllers with upload_assets - so the page's
// configuration (the Payment Link) changes without a rebuild, and upgrades keep it.

// assetPart is the size of the parts a file is stored in (a value of the store is at most
// stablestore.MaxValueLen).
const assetPart = 2048

type asset struct {
	Path        string `ic:"path"`
	ContentType string `ic:"content_type"`
	Content     []byte `ic:"content"`
}

//go:wasmexport update.upload_assets
func uploadAssets() {
	cdk.Update(func(m *cdk.Message) {
		if !controllersOnly(m, "upload_assets") {
			return
		}
		var files []asset
		m.MustArgs(&files)
		for _, f := range files {
			if !strings.HasPrefix(f.Path, "/") || strings.ContainsAny(f.Path, "?#\x00") || len(f.Path) > 256 {
				m.Reject("upload_assets: invalid path " + f.Path)
				return
			}
			if strings.ContainsRune(f.ContentType, 0) || len(f.ContentType) > 128 {
				m.Reject("upload_assets: invalid content type for " + f.Path)
				return
			}
		}
		for _, f := range files {
			putAsset(f)
		}
		m.Reply()
	})
}

func partKey(path string, i int) []byte { return fmt.Appendf(nil, "%s\x00%04d", path, i) }

// putAsset replaces a file: its header (content type and part count) then its parts.
func putAsset(f asset) {
	old, _ := state.assets.Get([]byte(f.Path))
	if len(old) > 0 {
		_, n := splitHeader(old)
		for i := 0; i < n; i++ {
			state.assets.Delete(partKey(f.Path, i))
		}
	}
	n := (len(f.Content) + assetPart - 1) / assetPart
	state.assets.Set([]byte(f.Path), append([]byte{byte(n >> 8), byte(n)}, f.ContentType...))
	for i := 0; i < n; i++ {
		end := min((i+1)*assetPart, len(f.Content))
		state.assets.Set(partKey(f.Path, i), f.Content[i*assetPart:end])
	}
}

func splitHeader(h []byte) (contentType string, parts int) {
	if len(h) < 2 {
		return "", 0
	}
	return string(h[2:]), int(h[0])<<8 | int(h[1])
}

// serveAsset answers GET/HEAD for an uploaded file ("/" is "/index.html"; the query string
// is ignored so the Stripe redirect's ?checkout_session_id= reaches the page).
func serveAsset(method, url string) (httpgateway.Response, bool) {
	if method != "GET" && method != "HEAD" {
		return httpgateway.Response{}, false
	}
	path := url
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if path == "/" {
		path = "/index.html"
	}
	h, ok := state.assets.Get([]byte(path))
	if !ok {
		return httpgateway.Response{}, false
	}
	ct, n := splitHeader(h)
	var body []byte
	for i := 0; i < n; i++ {
		part, _ := state.assets.Get(partKey(path, i))
		body = append(body, part...)
	}
	if method == "HEAD" {
		body = []byte{}
	}
	if body == nil {
		body = []byte{}
	}
	return httpgateway.Response{StatusCode: 200, Body: body, Headers: []httpgateway.HeaderField{
		{Name: "Content-Type", Value: ct},
		{Name: "Cache-Control", Value: "no-cache"},
		{Name: "X-Content-Type-Options", Value: "nosniff"},
		{Name: "Content-Security-Policy", Value: "default-src 'self'; img-src 'self' data:; form-action 'self' http: https:; frame-ancestors 'none'"},
	}}, true
}
