package cdk

import "errors"

// The CDK's sentinel errors, in one place for callers that test them with errors.Is.

// Errors of blocking calls.
var (
	// ErrCannotCall: the IC forbids calls in this kind of execution (queries that are not
	// composite, init, post_upgrade, pre_upgrade, inspect_message, cleanup).
	ErrCannotCall = errors.New("cdk: this execution cannot make calls")
	// ErrNotRunning: a call or Wait from outside its handler's execution (after the
	// handler returned, or from another goroutine). Calls from goroutines the handler
	// started are not always detected: do not make them.
	ErrNotRunning = errors.New("cdk: blocking call from outside the handler's execution")
	// ErrCallbackTrapped is the result of a call whose callback trapped before the handler
	// waited on it.
	ErrCallbackTrapped = errors.New("cdk: the call's callback trapped")
	// ErrCallNotPerformed matches (errors.Is) a CallError whose call ic0.call_perform
	// refused.
	ErrCallNotPerformed = errors.New("cdk: the IC did not perform the call")
)

// Errors of replying.
var (
	ErrAlreadyReplied = errors.New("cdk: the message was already replied to")
	ErrCannotReply    = errors.New("cdk: this execution has no caller to reply to")
)

// ErrCannotSetTimer: queries and inspect_message cannot arm the global timer.
var ErrCannotSetTimer = errors.New("cdk: timers cannot be set in this execution")

// ErrCertifiedDataTooLong is returned for certified data over 32 bytes.
var ErrCertifiedDataTooLong = errors.New("cdk: certified data is limited to 32 bytes")

// ErrHTTPMethod is returned for a method http_request does not support.
var ErrHTTPMethod = errors.New("cdk: unsupported outcall method")
