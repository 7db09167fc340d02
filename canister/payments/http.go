package payments

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// HTTPRequest is the gateway's request (http_request / http_request_update): URL is the
// path plus query string.
type HTTPRequest struct {
	Method  string
	URL     string
	Headers []Header
	Body    []byte
}

// HTTPResponse is the answer. Upgrade asks the gateway to repeat the request as the
// http_request_update update call.
type HTTPResponse struct {
	Status  int
	Headers []Header
	Body    []byte
	Upgrade bool
}

// Header returns the first value of a header, matched case-insensitively.
func (r *HTTPRequest) Header(name string) (string, bool) {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

const (
	pathWebhook  = "/webhook"
	pathCheckout = "/checkout/"
)

type routeKind int

const (
	routeCheckout routeKind = iota + 1
	routeWebhook
)

// route matches the request to a handler or answers it (404, 405, 413, 400 for a bad
// session id). It reads no state, so queries and updates share it.
func (s *Service) route(req *HTTPRequest) (routeKind, string, *HTTPResponse) {
	path, _, _ := strings.Cut(req.URL, "?")
	// The gateway sends path and query; tolerate an absolute URL from other clients.
	if rest, ok := strings.CutPrefix(path, "https://"); ok {
		path = rest[strings.IndexByte(rest+"/", '/'):]
	} else if rest, ok := strings.CutPrefix(path, "http://"); ok {
		path = rest[strings.IndexByte(rest+"/", '/'):]
	}
	var kind routeKind
	var id, allow string
	switch {
	case path == pathWebhook:
		kind, allow = routeWebhook, "POST"
	case strings.HasPrefix(path, pathCheckout):
		kind, allow, id = routeCheckout, "GET", path[len(pathCheckout):]
	default:
		resp := notFound(req, path)
		return 0, "", &resp
	}
	if req.Method != allow {
		resp := errorResponse(405, "method "+clip(req.Method)+" not allowed on "+clip(path)+"; use "+allow)
		resp.Headers = append(resp.Headers, Header{"allow", allow})
		return 0, "", &resp
	}
	if len(req.Body) > s.limits.MaxBodyBytes {
		resp := errorResponse(413, "request body of "+strconv.Itoa(len(req.Body))+" bytes exceeds the limit of "+strconv.Itoa(s.limits.MaxBodyBytes))
		return 0, "", &resp
	}
	if kind == routeCheckout {
		if err := checkSessionID(id); err != nil {
			resp := errorResponse(400, "invalid checkout session id: "+err.Error())
			return 0, "", &resp
		}
	}
	return kind, id, nil
}

// HTTPQuery answers the http_request query. It never changes state (queries cannot): a
// terminal session is answered from state, a forged, expired or malformed webhook is
// refused here (so it never costs an update), a webhook already applied is acknowledged,
// and everything else is upgraded to HTTPUpdate.
func (s *Service) HTTPQuery(req HTTPRequest, env Env) HTTPResponse {
	kind, id, resp := s.route(&req)
	if resp != nil {
		return *resp
	}
	switch kind {
	case routeCheckout:
		rec, done, err := s.resolved(id)
		if err != nil {
			return errorResponse(500, err.Error())
		}
		if done {
			return sessionResponse(200, &rec)
		}
	case routeWebhook:
		sig, _ := req.Header("stripe-signature")
		ev, err := s.verifyWebhook(req.Body, sig, env)
		if err != nil {
			return errorResponse(400, err.Error())
		}
		if s.led.seenEvent(ev.ID) {
			return webhookResponse(WebhookResult{EventID: ev.ID, Type: ev.Type, Outcome: string(outcomeDuplicate)})
		}
	}
	return HTTPResponse{Status: 200, Upgrade: true, Headers: []Header{{"cache-control", "no-store"}}}
}

// InspectHTTPUpdate is canister_inspect_message for http_request_update: it refuses, before
// any execution, an update call that the query path would refuse (unknown route, wrong
// method, oversize body, bad session id, a webhook with a bad, missing or expired
// signature or a malformed envelope). Calls made straight to http_request_update, not
// through the gateway's upgrade, then cost no more than the query would have. nil accepts.
func (s *Service) InspectHTTPUpdate(req HTTPRequest, env Env) error {
	kind, _, resp := s.route(&req)
	if resp != nil {
		return errors.New("http_request_update refused: " + strconv.Itoa(resp.Status) + " " + string(resp.Body))
	}
	if kind == routeWebhook {
		sig, _ := req.Header("stripe-signature")
		if _, err := s.verifyWebhook(req.Body, sig, env); err != nil {
			return errors.New("http_request_update refused: " + err.Error())
		}
	}
	return nil
}

// HTTPUpdate answers http_request_update: it may fetch from Stripe and changes state.
func (s *Service) HTTPUpdate(ctx context.Context, req HTTPRequest, env Env) HTTPResponse {
	kind, id, resp := s.route(&req)
	if resp != nil {
		return *resp
	}
	switch kind {
	case routeCheckout:
		rec, err := s.Refresh(ctx, id, env)
		var le *LookupError
		switch {
		case errors.As(err, &le):
			out := sessionResponse(le.Status, &rec)
			secs := int((le.RetryAfter + time.Second - 1) / time.Second)
			out.Headers = append(out.Headers, Header{"retry-after", strconv.Itoa(max(secs, 1))})
			if le.Status != 200 {
				out.Headers = append(out.Headers, Header{"x-lookup-error", headerSafe(clipTo(le.Err.Error(), 200))})
			}
			return out
		case err != nil:
			return errorResponse(500, err.Error())
		}
		return sessionResponse(200, &rec)
	default: // routeWebhook
		sig, _ := req.Header("stripe-signature")
		res, err := s.HandleWebhook(req.Body, sig, env)
		switch {
		case IsWebhookRejection(err):
			return errorResponse(400, err.Error())
		case err != nil:
			return errorResponse(500, err.Error())
		}
		return webhookResponse(res)
	}
}

func jsonResponse(status int, body []byte) HTTPResponse {
	headers := make([]Header, 2, 4) // room for retry-after and x-lookup-error
	headers[0] = Header{"content-type", "application/json"}
	headers[1] = Header{"cache-control", "no-store"}
	return HTTPResponse{Status: status, Headers: headers, Body: body}
}

func errorResponse(status int, msg string) HTTPResponse {
	b := []byte(`{"error":`)
	b = appendJSONString(b, msg)
	return jsonResponse(status, append(b, '}'))
}

func webhookResponse(r WebhookResult) HTTPResponse {
	b := []byte(`{"received":true,"event":`)
	b = appendJSONString(b, r.EventID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, r.Type)
	b = append(b, `,"outcome":`...)
	b = appendJSONString(b, r.Outcome)
	return jsonResponse(200, append(b, '}'))
}

// sessionResponse renders the page's view of a record:
//
//	{"status":"checking"}
//	{"status":"completed","value":{id, status, payment_status, amount_total, currency,
//	                                client_reference_id, created}}
//	{"status":"failed","value":"<reason>"}
func sessionResponse(status int, r *Record) HTTPResponse {
	return jsonResponse(status, AppendSessionJSON(make([]byte, 0, 256), r))
}

// AppendSessionJSON appends the JSON view of r that GET /checkout/<id> answers.
func AppendSessionJSON(b []byte, r *Record) []byte {
	switch r.Status {
	case StatusCompleted:
		b = append(b, `{"status":"completed","value":{"id":`...)
		b = appendJSONString(b, r.SessionID)
		b = append(b, `,"status":`...)
		b = appendJSONString(b, r.StripeStatus)
		b = append(b, `,"payment_status":`...)
		b = appendJSONString(b, r.PaymentStatus)
		b = append(b, `,"amount_total":`...)
		if r.HasAmountTotal {
			b = strconv.AppendInt(b, r.AmountTotal, 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"currency":`...)
		b = appendJSONIDOrNull(b, r.Currency)
		b = append(b, `,"client_reference_id":`...)
		b = appendJSONIDOrNull(b, r.ClientReferenceID)
		b = append(b, `,"created":`...)
		b = strconv.AppendInt(b, r.Created, 10)
		return append(b, "}}"...)
	case StatusFailed, StatusNotFound, StatusRefunded:
		b = append(b, `{"status":"failed","value":`...)
		reason := r.Reason
		if reason == "" {
			reason = r.Status.String()
		}
		b = appendJSONString(b, reason)
		return append(b, '}')
	}
	return append(b, `{"status":"checking"}`...)
}

// headerSafe replaces bytes that may not appear in a header value (error text can quote
// upstream answers).
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
