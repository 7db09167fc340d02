package payments

import (
	"errors"
	"strconv"
)

// The package's sentinel errors, in one place for callers that test them with errors.Is.
// Each is returned wrapped with its context.

// ErrUnauthorized: the caller may not create sessions.
var ErrUnauthorized = errors.New("caller is neither a controller nor an allowed principal")

// ErrMalformedEvent wraps every reason an event body is refused.
var ErrMalformedEvent = errors.New("malformed event")

// ErrCorruptStore reports a value in the Store that does not decode.
var ErrCorruptStore = errors.New("corrupt payment store")

// Signature verification errors. Each becomes the reason of a 400 answer.
var (
	ErrNoSignature        = errors.New("missing Stripe-Signature header")
	ErrMalformedSignature = errors.New("malformed Stripe-Signature header")
	ErrNoV1Signature      = errors.New("Stripe-Signature has no v1 signature")
	ErrSignatureTooOld    = errors.New("Stripe-Signature timestamp is older than the tolerance")
	ErrSignatureInFuture  = errors.New("Stripe-Signature timestamp is too far in the future")
	ErrSignatureMismatch  = errors.New("no v1 signature matches any webhook secret")
	ErrNoWebhookSecret    = errors.New("no webhook secret is configured")
)

// Outcall refusals. None of them is an error of the request: the caller answers "checking"
// (or 429/503) and the page polls again.
var (
	ErrFetchInFlight  = errors.New("a fetch of this session is already in flight")
	ErrRefetchTooSoon = errors.New("this session was fetched too recently")
	ErrOutcallBudget  = errors.New("outcall budget of this window is spent")
	ErrLowCycles      = errors.New("cycles balance is below the reserve; no outcalls")
)

// Errors of the destination API.
var (
	ErrNoDestination   = errors.New("no such destination")
	ErrTooManyDest     = errors.New("at most " + strconv.Itoa(MaxDestinations) + " destinations")
	ErrBadDestination  = errors.New("invalid destination")
	ErrControllersOnly = errors.New("only controllers may manage destinations")
)
