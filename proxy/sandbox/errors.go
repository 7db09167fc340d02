package sandbox

import (
	"fmt"
	"net/http"

	stripe "github.com/stripe/stripe-go/v79"
)

// apiError is an error answer in Stripe's shape: {"error": {...}} with an
// HTTP status.
type apiError struct {
	status int
	err    stripe.Error
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.err.Type, e.err.Msg) }

func invalidRequest(param, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, err: stripe.Error{
		Type: stripe.ErrorTypeInvalidRequest, Param: param, Msg: fmt.Sprintf(format, args...),
	}}
}

func missingParam(param string) *apiError {
	e := invalidRequest(param, "Missing required param: %s.", param)
	e.err.Code = stripe.ErrorCodeParameterMissing
	e.err.DocURL = "https://stripe.com/docs/error-codes/parameter-missing"
	return e
}

func unknownParam(param string) *apiError {
	e := invalidRequest(param, "Received unknown parameter: %s", param)
	e.err.Code = stripe.ErrorCodeParameterUnknown
	e.err.DocURL = "https://stripe.com/docs/error-codes/parameter-unknown"
	return e
}

func invalidInteger(param, value string) *apiError {
	e := invalidRequest(param, "Invalid integer: %s", value)
	e.err.Code = stripe.ErrorCodeParameterInvalidInteger
	return e
}

// noSuch is Stripe's 404 for an unknown id.
func noSuch(object, param, id string) *apiError {
	e := invalidRequest(param, "No such %s: '%s'", object, id)
	e.status = http.StatusNotFound
	e.err.Code = stripe.ErrorCodeResourceMissing
	e.err.DocURL = "https://stripe.com/docs/error-codes/resource-missing"
	return e
}

func unauthorized(msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, err: stripe.Error{
		Type: stripe.ErrorTypeInvalidRequest, Msg: msg,
	}}
}

func idempotencyMismatch(key string) *apiError {
	return &apiError{status: http.StatusBadRequest, err: stripe.Error{
		Type: stripe.ErrorTypeIdempotency,
		Msg: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters "+
			"they were first used with. Try using a key other than '%s' if you meant to execute "+
			"a different request.", key),
	}}
}

func idempotencyInUse() *apiError {
	return &apiError{status: http.StatusConflict, err: stripe.Error{
		Type: stripe.ErrorTypeInvalidRequest, Code: stripe.ErrorCodeIdempotencyKeyInUse,
		Msg: "There is currently another in-progress request using this Idempotent Key " +
			"(that probably means you submitted twice, and the other request is still going " +
			"through): please retry the request after a short wait.",
	}}
}

func notFoundRoute(method, path string) *apiError {
	e := invalidRequest("", "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs "+
		"or we can help at https://support.stripe.com/.", method, path)
	e.status = http.StatusNotFound
	return e
}

func internalError(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, err: stripe.Error{
		Type: stripe.ErrorTypeAPI, Msg: "An unknown error occurred: " + err.Error(),
	}}
}
