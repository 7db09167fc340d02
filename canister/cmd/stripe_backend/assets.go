package main

import (
	"strings"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/httpcert"
	"github.com/gocanister/stripe-ic/canister/cdk/httpgateway"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// The payment page's files live in stable memory (region prefixAssets: key = path, value =
// part count and content type; key = path NUL part number, value = a part; key = "#" path,
// value = SHA-256 of the content), uploaded by controllers with upload_assets - so the
// page's configuration (the Payment Link) changes without a rebuild, and upgrades keep it.
// Each file is certified at upload (cert.go); post_upgrade certifies it again from the
// kept body hash, without reading the content.

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
			state.cert.certifyAsset(f.Path, f.ContentType, httpcert.BodyHash(f.Content))
		}
		state.cert.publish()
		m.Reply()
	})
}

func partKey(path string, i int) []byte { return []byte(path + "\x00" + errfmt.IntPad(i, 4)) }

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
	h := httpcert.BodyHash(f.Content)
	state.assets.Set(hashKey(f.Path), h[:])
}

func hashKey(path string) []byte { return []byte("#" + path) }

// assetBodyHash returns the kept SHA-256 of a file's content; a file uploaded before the
// hash was kept is hashed (once) and its hash kept.
func assetBodyHash(path string) [32]byte {
	if h, ok := state.assets.Get(hashKey(path)); ok && len(h) == 32 {
		return [32]byte(h)
	}
	_, body := assetContent(path)
	h := httpcert.BodyHash(body)
	state.assets.Set(hashKey(path), h[:])
	return h
}

// assetContent reads a file's content type and content.
func assetContent(path string) (contentType string, body []byte) {
	header, ok := state.assets.Get([]byte(path))
	if !ok {
		return "", nil
	}
	ct, n := splitHeader(header)
	body = []byte{}
	for i := 0; i < n; i++ {
		part, _ := state.assets.Get(partKey(path, i))
		body = append(body, part...)
	}
	return ct, body
}

func splitContentType(header []byte) string {
	ct, _ := splitHeader(header)
	return ct
}

func splitHeader(h []byte) (contentType string, parts int) {
	if len(h) < 2 {
		return "", 0
	}
	return string(h[2:]), int(h[0])<<8 | int(h[1])
}

// serveAsset answers GET and HEAD of an uploaded file ("/" is "/index.html"; the query
// string is ignored so the Stripe redirect's ?checkout_session_id= reaches the page) and
// says where its answer is certified. HEAD gets the body too: it is part of the certified
// response, and the gateway's HTTP server does not send a body for HEAD.
func serveAsset(method, url string) (httpgateway.Response, [][]byte, bool) {
	if method != "GET" && method != "HEAD" {
		return httpgateway.Response{}, nil, false
	}
	path := urlPath(url)
	file := path
	if file == "/" {
		file = "/index.html"
	}
	if _, ok := state.cert.assets[path]; !ok {
		return httpgateway.Response{}, nil, false
	}
	ct, body := assetContent(file)
	resp := httpgateway.Response{StatusCode: 200, Body: body, Headers: certified.WithExpression(assetHeaders(ct))}
	return resp, httpcert.ExactPath(path), true
}

// assetHeaders are the headers of a page file (all certified).
func assetHeaders(contentType string) []httpgateway.HeaderField {
	return []httpgateway.HeaderField{
		{Name: "Content-Type", Value: contentType},
		{Name: "Cache-Control", Value: "no-cache"},
		{Name: "X-Content-Type-Options", Value: "nosniff"},
		{Name: "Content-Security-Policy", Value: "default-src 'self'; img-src 'self' data:; form-action 'self' http: https:; frame-ancestors 'none'"},
	}
}
