package cdk

import (
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Message is the message a handler answers: its argument, its caller and the reply. What
// is not about the message (calls, time, stable memory, timers...) is a package-level
// function.
type Message struct {
	rt      *Runtime
	task    *task // the goroutine running the handler
	kind    Kind  // the kind of the execution that started the handler
	replied bool
	arg     []byte
	hasArg  bool
}

// Kind is the kind of the execution that started the handler (after an await, the handler
// runs in callback executions, but Kind stays: it says what the handler may do).
func (m *Message) Kind() Kind { return m.kind }

// Caller is the principal that sent the message (the canister itself in heartbeats; the
// controller that installed the code in init).
func (m *Message) Caller() principal.Principal {
	return principal.FromBytes(m.rt.sys.MsgCaller())
}

// ArgData is the raw argument (Candid bytes for methods, the reply in a reply callback).
// It stays the method's argument after the handler awaited a call.
func (m *Message) ArgData() []byte {
	if !m.hasArg {
		m.arg, m.hasArg = m.rt.sys.MsgArgData(), true
	}
	return m.arg
}

// Args decodes the Candid argument into the values ptrs point to.
func (m *Message) Args(ptrs ...any) error {
	if err := candid.Unmarshal(m.ArgData(), ptrs...); err != nil {
		return errfmt.Wrap("decoding the arguments of "+m.kind.String()+": ", err, "")
	}
	return nil
}

// MustArgs is Args that traps on a malformed argument.
func (m *Message) MustArgs(ptrs ...any) {
	if err := m.Args(ptrs...); err != nil {
		m.rt.trap(err.Error())
	}
}

func (m *Message) checkReply() {
	if !m.kind.canReply() {
		panic(errfmt.Wrap("", ErrCannotReply, " ("+m.kind.String()+")"))
	}
	if m.replied {
		panic(ErrAlreadyReplied)
	}
}

// Reply answers the caller with the Candid encoding of values. A value that cannot be
// encoded is a programming error: it panics, and so traps.
func (m *Message) Reply(values ...any) {
	m.checkReply()
	b, err := candid.Marshal(values...)
	if err != nil {
		panic(errfmt.Wrap("cdk: encoding the reply: ", err, ""))
	}
	m.replyRaw(b)
}

// ReplyRaw answers the caller with data as is.
func (m *Message) ReplyRaw(data []byte) {
	m.checkReply()
	m.replyRaw(data)
}

func (m *Message) replyRaw(data []byte) {
	if len(data) > 0 {
		m.rt.sys.MsgReplyDataAppend(data)
	}
	m.rt.sys.MsgReply()
	m.replied = true
}

// Reject answers the caller with an error (reject code CANISTER_REJECT).
func (m *Message) Reject(msg string) {
	m.checkReply()
	m.rt.sys.MsgReject(msg)
	m.replied = true
}

// Replied reports whether this execution replied or rejected.
func (m *Message) Replied() bool { return m.replied }

// MethodName is the method an ingress message is for (in inspect_message only).
func (m *Message) MethodName() string { return m.rt.sys.MsgMethodName() }

// Accept lets an ingress message through (in inspect_message only).
func (m *Message) Accept() { m.rt.sys.AcceptMessage() }

// Deadline is the time by which a best-effort call must be answered (zero for calls with
// a guaranteed response).
func (m *Message) Deadline() time.Time {
	d := m.rt.sys.MsgDeadline()
	if d == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(d)).UTC()
}

// CyclesAvailable is the amount of cycles sent with the message not yet accepted.
func (m *Message) CyclesAvailable() Cycles { return m.rt.sys.MsgCyclesAvailable() }

// AcceptCycles moves up to max of the cycles sent with the message to the canister's
// balance and returns the amount moved.
func (m *Message) AcceptCycles(max Cycles) Cycles { return m.rt.sys.MsgCyclesAccept(max) }

// CyclesRefunded is the amount of cycles a call returned (in its callback).
func (m *Message) CyclesRefunded() Cycles { return m.rt.sys.MsgCyclesRefunded() }
