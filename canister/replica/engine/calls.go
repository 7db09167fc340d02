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
}

// handleRequest executes an update call (ingress or from a canister). It runs on c's queue.
func (c *canister) handleRequest(req request) {
	cc := c.newCallContext(req.origin, req.caller, req.cycles)
	defer c.finish(cc)
	if rej := c.acceptsUpdates(); rej != nil {
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
	x := c.newExec(typ, cc)
	x.arg = req.arg
	c.execute(x, export)
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

// acceptsUpdates is acceptsCalls for messages that would change state: a frozen canister
// refuses them (queries it still answers).
func (c *canister) acceptsUpdates() *protocol.Reject {
	if rej := c.acceptsCalls(); rej != nil {
		return rej
	}
	return c.frozen()
}

// handleResponse runs the reply or reject callback of call made from call context ccID.
func (c *canister) handleResponse(ccID uint64, call *outCall, r result, refund uint64) {
	size := len(r.reply)
	if r.reject != nil {
		size = len(r.reject.Message)
	}
	c.cycles += refund + c.e.costs().ResponseRefund(call.reserved, uint64(size))
	cc := c.contexts[ccID]
	if cc == nil || c.mod == nil {
		// The context was dropped by a reinstall or uninstall: the response is discarded.
		return
	}
	defer c.finish(cc)
	defer func() { cc.outstanding-- }()

	typ, cb := apiReplyCallback, call.reply
	if r.reject != nil {
		typ, cb = apiRejectCallback, call.reject
	}
	x := c.newExec(typ, cc)
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
	select {
	case r := <-done:
		if r.reject != nil {
			return nil, r.reject
		}
		return r.reply, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
