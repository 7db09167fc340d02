package engine

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// result is the answer of a call context: a reply or a reject.
type result struct {
	reply  []byte
	reject *protocol.Reject
	// For ingress answers: what the message used and paid, and the canister's commit count.
	usage Usage
	seq   uint64
}

type originKind uint8

const (
	originIngress  originKind = iota // an ingress message: answered on done
	originCanister                   // a call from a canister of the engine
	originTask                       // heartbeat / global timer: nobody waits
)

// origin is who waits for a call context's answer.
type origin struct {
	kind originKind
	done chan result // ingress
	tag  any         // ingress: Ingress.Tag, kept with the answer (Answer)
	// canister calls
	from   *canister
	fromCC uint64
	call   *outCall
}

// callContext is the IC's call context: the state of one incoming call while the canister
// processes it, possibly over several executions (the method and its callbacks).
type callContext struct {
	id           uint64
	origin       origin
	caller       []byte
	available    uint64 // attached cycles not accepted yet
	responded    bool
	outstanding  int // calls made and not answered yet
	instructions int64
	usage        Usage // fees paid for the call so far (execution, calls, outcalls...)
	lastErr      *protocol.Reject
}

func (c *canister) newCallContext(o origin, caller []byte, cycles uint64) *callContext {
	c.nextCC++
	cc := &callContext{id: c.nextCC, origin: o, caller: caller, available: cycles}
	c.contexts[cc.id] = cc
	return cc
}

// respond answers cc (once) and delivers the answer to its origin. Unaccepted cycles go back
// to the caller.
func (c *canister) respond(cc *callContext, r result) {
	if cc.responded {
		return
	}
	cc.responded = true
	refund := cc.available
	cc.available = 0
	o := cc.origin
	switch o.kind {
	case originIngress:
		r.usage = cc.usage
		r.usage.Instructions = cc.instructions
		r.seq = c.seq
		if o.tag != nil {
			c.answers = append(c.answers, Answer{Tag: o.tag, Reply: r.reply, Reject: r.reject, Seq: r.seq, Time: c.e.cfg.Now()})
		}
		o.done <- r
	case originCanister:
		if r.reply != nil && len(r.reply) > protocol.MaxReplyBytes {
			r = result{reject: &protocol.Reject{Code: protocol.CanisterError, Message: "reply too large", ErrorCode: protocol.ErrCanisterContractViolation}}
		}
		o.from.enqueue(func() { o.from.handleResponse(o.fromCC, o.call, r, refund) })
	}
}

// finish closes cc when nothing is pending any more: an unanswered context is rejected with
// the error of its last failed execution, or with "did not reply".
func (c *canister) finish(cc *callContext) {
	if cc.outstanding > 0 {
		return
	}
	if !cc.responded {
		r := cc.lastErr
		if r == nil {
			r = rejectDidNotReply(c.id)
		}
		c.respond(cc, result{reject: r})
	}
	delete(c.contexts, cc.id)
	c.checkStopped()
}

// request is an incoming call to a canister's method.
type request struct {
	method string
	arg    []byte
	caller []byte
	cycles uint64
	origin origin
	// reception is the ingress reception fee the canister paid for the message.
	reception uint64
}

// handleRequest executes an update call (ingress or from a canister). It runs on c's queue.
func (c *canister) handleRequest(req request) {
	cc := c.newCallContext(req.origin, req.caller, req.cycles)
	cc.usage.Cycles[FeeIngress] = req.reception
	defer c.finish(cc)
	if rej := c.acceptsCalls(); rej != nil {
		cc.lastErr = rej
		return
	}
	if min := c.settings.MinIncomingCallCycles; req.origin.kind == originCanister && req.cycles < min {
		cc.lastErr = &protocol.Reject{Code: protocol.CanisterError, ErrorCode: protocol.ErrInsufficientCyclesInCall,
			Message: fmt.Sprintf("Canister %s requires at least %d cycles attached to calls from canisters, but the call attached %d.", c.id, min, req.cycles)}
		return
	}
	export, typ := "canister_update "+req.method, apiUpdate
	if !c.mod.has(export) {
		export, typ = "canister_query "+req.method, apiReplicatedQuery
		if !c.mod.has(export) {
			cc.lastErr = errMethodNotFound("update", req.method).reject(c.id)
			return
		}
	}
	// The fee of the whole instruction limit is paid up front, above the freezing threshold;
	// what the execution did not use comes back after it.
	m := newMeter(c.e.costs(), c.e.cfg.Limits.forType(typ))
	if msg, ok := c.withdraw(req.caller, m.prepaid); !ok {
		cc.lastErr = rejectOutOfCycles(msg)
		return
	}
	x := c.newExec(typ, cc)
	x.arg = req.arg
	x.meter = m
	c.execute(x, export)
	c.cycles += m.refund()
}

// execute runs x (an execution with a call context) and commits or rolls it back.
func (c *canister) execute(x *execution, export string) {
	err := x.run(export)
	c.settle(x, err)
}

// settle commits x, or rolls it back and records its error; queries always roll back but
// still answer.
func (c *canister) settle(x *execution, err *execError) {
	if x.cc != nil {
		x.cc.instructions += x.used
	}
	if err == nil && !x.typ.isQuery() {
		if err = c.checkMemoryLimits(x.in); err != nil {
			x.err = err
			c.logTrap(x, err)
		}
	}
	switch {
	case err != nil:
		c.rollback(x)
		if x.cc != nil {
			x.cc.lastErr = err.reject(c.id)
		}
	case x.typ.isQuery():
		c.rollback(x)
		c.respondFrom(x)
	default:
		c.commit(x)
	}
}

// acceptsCalls returns the reject for a call the canister cannot take now.
func (c *canister) acceptsCalls() *protocol.Reject {
	if c.deleted {
		return rejectNotFound(c.id)
	}
	switch c.status {
	case Stopping:
		return rejectStopping(c.id)
	case Stopped:
		return rejectStopped(c.id)
	}
	if c.mod == nil {
		return errModuleNotFound().reject(c.id)
	}
	return nil
}

// handleResponse runs the reply or reject callback of call made from call context ccID.
func (c *canister) handleResponse(ccID uint64, call *outCall, r result, refund uint64) {
	size := len(r.reply)
	if r.reject != nil {
		size = len(r.reject.Message)
	}
	transmission := c.e.costs().ResponseRefund(call.reserved, uint64(size))
	c.cycles += refund + transmission
	cc := c.contexts[ccID]
	c.charge(cc, FeeXnet, call.reserved-transmission)
	if isManagement(call.callee) {
		c.chargeManagement(cc, call, r, refund)
	}
	if cc == nil || c.mod == nil {
		// The context was dropped by a reinstall or uninstall: the response is discarded, and
		// so is the execution it had paid for.
		c.cycles += call.execPrepaid
		return
	}
	defer c.finish(cc)
	defer func() { cc.outstanding-- }()
	// The callback runs on the execution fee call_perform prepaid.
	m := &meter{costs: c.e.costs(), prepaid: call.execPrepaid, limit: c.e.cfg.Limits.Update}
	defer func() { c.cycles += m.refund() }()

	typ, cb := apiReplyCallback, call.reply
	if r.reject != nil {
		typ, cb = apiRejectCallback, call.reject
	}
	x := c.newExec(typ, cc)
	x.meter = m
	x.refunded = refund
	if r.reject != nil {
		x.rejectCode, x.rejectMsg = r.reject.Code, r.reject.Message
	} else {
		x.arg = r.reply
	}
	err := x.runCallback(cb)
	c.settle(x, err)
	if err == nil || call.cleanup == nil {
		return
	}
	cl := c.newExec(apiCleanup, cc)
	cl.meter = m
	cl.rejectCode = x.rejectCode
	clErr := cl.runCallback(*call.cleanup)
	if clErr != nil {
		c.rollback(cl)
		cc.lastErr = (&execError{code: err.code, errorCode: err.errorCode,
			text: err.text + "\n\ncall_on_cleanup also failed:\n\n" + clErr.text}).reject(c.id)
		return
	}
	c.commit(cl)
}

// chargeManagement records the fee in the cycles a call to the management canister kept:
// an outcall's or a signature's price, or the creation fee of create_canister (whose other
// cycles became the new canister's balance).
func (c *canister) chargeManagement(cc *callContext, call *outCall, r result, refund uint64) {
	kept := call.cycles - min(refund, call.cycles)
	switch call.method {
	case "http_request":
		c.charge(cc, FeeOutcall, kept)
	case "sign_with_ecdsa", "sign_with_schnorr", "vetkd_derive_key":
		c.charge(cc, FeeSignature, kept)
	case "create_canister":
		if r.reject == nil {
			c.charge(cc, FeeCreation, min(kept, c.e.costs().CreateCanister()))
		}
	}
}

// send delivers an outgoing call made by c from call context cc.
func (e *Engine) send(from *canister, cc *callContext, call *outCall) {
	o := origin{kind: originCanister, from: from, fromCC: cc.id, call: call}
	if isManagement(call.callee) {
		go e.callManagement(from.id, true, call.method, call.arg, call.cycles, func(r result, refund uint64) {
			from.enqueue(func() { from.handleResponse(cc.id, call, r, refund) })
		})
		return
	}
	callee := e.lookup(call.callee)
	if callee == nil {
		r := result{reject: rejectNotFound(principal.Principal{Raw: call.callee})}
		from.enqueue(func() { from.handleResponse(cc.id, call, r, call.cycles) })
		return
	}
	req := request{method: call.method, arg: call.arg, caller: from.id.Raw, cycles: call.cycles, origin: o}
	callee.enqueue(func() { callee.handleRequest(req) })
}

func isManagement(id []byte) bool { return len(id) == 0 }

// callManagement runs a call to the management canister through the configured handler, on
// its own goroutine, and passes the answer to done.
func (e *Engine) callManagement(caller principal.Principal, fromCanister bool, method string, arg []byte, cycles uint64,
	done func(result, uint64)) {
	if e.cfg.Management == nil {
		done(result{reject: &protocol.Reject{Code: protocol.DestinationInvalid, Message: "the management canister is not available in this replica"}}, cycles)
		return
	}
	reply, refund, err := e.cfg.Management.HandleManagement(e.ctx, ManagementCall{
		Caller: caller, FromCanister: fromCanister, Method: method, Arg: arg, Cycles: cycles,
	})
	refund = min(refund, cycles)
	if err != nil {
		rej, ok := err.(*protocol.Reject)
		if !ok {
			rej = &protocol.Reject{Code: protocol.CanisterError, Message: err.Error()}
		}
		done(result{reject: rej}, refund)
		return
	}
	done(result{reply: reply}, refund)
}

func (e *Engine) lookup(id []byte) *canister {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.canisters[string(id)]
}

// ingress sends an ingress update call and waits for its answer.
func (e *Engine) ingress(ctx context.Context, c *canister, method string, arg, caller []byte) ([]byte, error) {
	done := make(chan result, 1)
	req := request{method: method, arg: bytes.Clone(arg), caller: bytes.Clone(caller), origin: origin{kind: originIngress, done: done}}
	c.enqueue(func() { c.handleRequest(req) })
	return wait(ctx, done)
}

// wait returns the reply or reject of an ingress call, or ctx's error if ctx ends first.
func wait(ctx context.Context, done <-chan result) ([]byte, error) {
	r, err := waitResult(ctx, done)
	if err != nil {
		return nil, err
	}
	return r.values()
}

// waitResult returns the answer of an ingress call, or ctx's error if ctx ends first.
func waitResult(ctx context.Context, done <-chan result) (result, error) {
	select {
	case r := <-done:
		return r, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}
