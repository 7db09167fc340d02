package payments

import "strings"

// notFound answers a path no route serves. Browsers (Accept names text/html) get a short
// HTML page instead of JSON they would show raw; other clients keep JSON. "/" and
// "/index.html" reach here only while the payment page is not uploaded, so both answers
// say how to upload it.
func notFound(req *HTTPRequest, path string) HTTPResponse {
	accept, _ := req.Header("accept")
	page := path == "/" || path == "/index.html"
	if !strings.Contains(accept, "text/html") {
		msg := "no route for " + clip(path) + "; routes are GET /checkout/<session id> and POST /webhook"
		if page {
			msg = "no route for " + path + ": the payment page is not uploaded yet (make run uploads it; controllers call upload_assets); routes are GET /checkout/<session id> and POST /webhook"
		}
		return errorResponse(404, msg)
	}
	if page {
		return htmlResponse(404, "Payment page not uploaded",
			`<h1>The payment page is not uploaded yet</h1>
<p>This canister serves the payment page once a controller has uploaded its files with the
<code>upload_assets</code> method. <code>make run</code> uploads them (the files in
<code>frontend/</code> and a <code>config.js</code> naming the Payment Link) as soon as the
Stripe sandbox is up: wait for its <code>Ready.</code> line and reload.</p>
<p>For a canister deployed another way, call <code>upload_assets</code> as a controller with
<code>index.html</code>, <code>app.js</code>, <code>style.css</code>, <code>favicon.svg</code>
and your <code>config.js</code> (see <code>frontend/README.md</code>).</p>`)
	}
	return htmlResponse(404, "Not found",
		`<h1>Not found</h1>
<p>There is nothing at <code>`+escapeHTML(clipTo(path, 200))+`</code>.
The payment page is at <a href="/">/</a>; a payment's status at
<code>/checkout/&lt;session id&gt;</code>.</p>`)
}

// htmlResponse is a small self-contained page (no script, no outside resources).
func htmlResponse(status int, title, body string) HTTPResponse {
	doc := `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + title + `</title></head>
<body>
` + body + `
</body></html>
`
	return HTTPResponse{Status: status, Body: []byte(doc), Headers: []Header{
		{"content-type", "text/html; charset=utf-8"},
		{"cache-control", "no-store"}, // the page may be uploaded any moment
		{"x-content-type-options", "nosniff"},
		{"content-security-policy", "default-src 'none'"},
	}}
}

// escapeHTML escapes text for an HTML element or attribute. It is written here because
// package html initialises its whole entity table for unescaping (about 21 KB gzip in the
// canister) and strings.Replacer adds another 10 KB, for a page only a lost visitor sees.
func escapeHTML(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
