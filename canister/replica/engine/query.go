package engine

import (
	"context"
	"sync"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// QueryOptions are per-query inputs from the HTTP interface.
type QueryOptions struct {
	// Certificate is served by ic0.data_certificate_*; nil falls back to
	// Config.DataCertificate.
	Certificate []byte
}

// outcome turns a finished query-like execution into its answer.
func (c *canister) outcome(x *execution, err *execError) result {
	switch {
	case err != nil:
		return result{reject: err.reject(c.id)}
	case x.replied:
		return result{reply: append([]byte{}, x.replyBuf...)}
	case x.rejected:
		return result{reject: &protocol.Reject{Code: protocol.CanisterReject, Message: x.rejectOut, ErrorCode: protocol.ErrCanisterRejectedMessage}}
	}
	return result{reject: rejectDidNotReply(c.id)}
}

func (r result) values() ([]byte, error) {
	if r.reject != nil {
		return nil, r.reject
	}
	return r.reply, nil
}

// Query executes a non-replicated query (or composite query) call. Nothing it changes persists.
func (e *Engine) Query(ctx context.Context, id principal.Principal, method string, arg []byte, caller principal.Principal, opts QueryOptions) ([]byte, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	composite := c.mod != nil && c.mod.has("canister_composite_query "+method)
	c.mu.Unlock()
	if composite {
		e.compositeMu.Lock()
		defer e.compositeMu.Unlock()
		return e.runComposite(c, "canister_composite_query "+method, apiCompositeQuery, arg, caller.Raw, opts.Certificate, map[*canister]bool{}).values()
	}
	return e.runQuery(c, "canister_query "+method, apiNonReplicatedQuery, arg, caller.Raw, opts.Certificate).values()
}

// Transform runs a query method in the HTTP outcall transform context (TQ), as the
// management canister does for http_request's transform function.
func (e *Engine) Transform(ctx context.Context, id principal.Principal, method string, arg []byte) ([]byte, error) {
	c, err := e.get(id)
	if err != nil {
		return nil, err
	}
	return e.runQuery(c, "canister_query "+method, apiTransform, arg, ManagementCanister().Raw, nil).values()
}

// runQuery executes export as a query of type typ and rolls everything back.
func (e *Engine) runQuery(c *canister, export string, typ apiType, arg, caller, cert []byte) result {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rej := c.acceptsCalls(); rej != nil {
		return result{reject: rej}
	}
	if typ != apiTransform && c.frozen() {
		return result{reject: rejectFrozenQuery(c.id)}
	}
	if !c.mod.has(export) {
		return result{reject: errMethodNotFound("query", export[len("canister_query "):]).reject(c.id)}
	}
	x := c.newExec(typ, &callContext{caller: caller})
	x.arg, x.cert = arg, cert
	err := x.run(export)
	c.rollback(x)
	return c.outcome(x, err)
}

// runComposite executes a composite query on c together with the queries it calls. c stays
// locked until the whole call tree finished, so its intermediate state (kept between the
// method and its callbacks, like on the IC) is invisible to other calls; everything is rolled
// back at the end.
func (e *Engine) runComposite(c *canister, export string, typ apiType, arg, caller, cert []byte, visiting map[*canister]bool) result {
	if typ == apiNonReplicatedQuery {
		return e.runQuery(c, export, typ, arg, caller, cert)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rej := c.acceptsCalls(); rej != nil {
		return result{reject: rej}
	}
	if c.frozen() {
		return result{reject: rejectFrozenQuery(c.id)}
	}
	if !c.mod.has(export) {
		return result{reject: errMethodNotFound("composite_query", export[len("canister_composite_query "):]).reject(c.id)}
	}
	visiting[c] = true
	defer delete(visiting, c)
	mark := len(c.journal)
	defer func() {
		c.undoStable(mark)
		c.restoreImage(&c.img)
	}()

	cc := &callContext{caller: caller}
	var answer *result
	record := func(x *execution, err *execError) {
		if err == nil && answer == nil && (x.replied || x.rejected) {
			r := c.outcome(x, nil)
			answer = &r
			cc.responded = true
		}
		if err != nil {
			cc.lastErr = err.reject(c.id)
		}
	}

	x := c.newExec(typ, cc)
	x.arg, x.cert = arg, cert
	err := x.run(export)
	record(x, err)
	if err != nil {
		return result{reject: cc.lastErr}
	}
	calls := x.calls
	for len(calls) > 0 {
		call := calls[0]
		calls = calls[1:]
		r := e.compositeCall(c, call, visiting)

		var snap image
		c.inst.capture(&snap)
		smark := len(c.journal)
		ytyp, cb := apiCompositeReply, call.reply
		if r.reject != nil {
			ytyp, cb = apiCompositeReject, call.reject
		}
		y := c.newExec(ytyp, cc)
		if r.reject != nil {
			y.rejectCode, y.rejectMsg = r.reject.Code, r.reject.Message
		} else {
			y.arg = r.reply
		}
		yerr := y.runCallback(cb)
		record(y, yerr)
		if yerr == nil {
			calls = append(calls, y.calls...)
			continue
		}
		c.undoStable(smark)
		c.restoreImage(&snap)
		if call.cleanup != nil {
			c.inst.capture(&snap)
			smark = len(c.journal)
			cl := c.newExec(apiCompositeCleanup, cc)
			if cl.runCallback(*call.cleanup) != nil {
				c.undoStable(smark)
				c.restoreImage(&snap)
			}
		}
	}
	if answer != nil {
		return *answer
	}
	if cc.lastErr != nil {
		return result{reject: cc.lastErr}
	}
	return result{reject: rejectDidNotReply(c.id)}
}

// compositeCall executes one call made by a composite query.
func (e *Engine) compositeCall(from *canister, call *outCall, visiting map[*canister]bool) result {
	if isManagement(call.callee) {
		return result{reject: &protocol.Reject{Code: protocol.DestinationInvalid, Message: "Composite query cannot be used to call the management canister."}}
	}
	callee := e.lookup(call.callee)
	if callee == nil {
		return result{reject: rejectNotFound(principal.Principal{Raw: call.callee})}
	}
	if visiting[callee] {
		return result{reject: &protocol.Reject{Code: protocol.CanisterError, Message: "Loop detected.  MVP version of composite queries does not support loops in the call graph.", ErrorCode: protocol.ErrQueryCallGraphLoopDetected}}
	}
	callee.mu.Lock()
	composite := callee.mod != nil && callee.mod.has("canister_composite_query "+call.method)
	callee.mu.Unlock()
	if composite {
		return e.runComposite(callee, "canister_composite_query "+call.method, apiCompositeQuery, call.arg, from.id.Raw, nil, visiting)
	}
	return e.runQuery(callee, "canister_query "+call.method, apiNonReplicatedQuery, call.arg, from.id.Raw, nil)
}

// CheckIngress is Admit for a message of unknown size (only the per-message reception fee
// is checked): the canister must exist, have a module, be running, be able to pay, and its
// canister_inspect_message (if exported) must accept the message. A refusal is a
// *protocol.Reject, which the HTTP interface reports as a non-replicated rejection (no request
// status). Calls to the management canister are always accepted here.
func (e *Engine) CheckIngress(ctx context.Context, id principal.Principal, method string, arg []byte, caller principal.Principal) error {
	if isManagement(id.Raw) {
		return nil
	}
	return e.Admit(ctx, Ingress{Canister: id, Method: method, Arg: arg, Caller: caller})
}

// InspectMessage runs canister_inspect_message for an ingress update call. It returns nil when
// the message is accepted (also when the canister does not export the method).
func (e *Engine) InspectMessage(ctx context.Context, id principal.Principal, method string, arg []byte, caller principal.Principal) error {
	c, err := e.get(id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mod == nil || !c.mod.has("canister_inspect_message") {
		return nil
	}
	x := c.newExec(apiInspectMessage, &callContext{caller: caller.Raw})
	x.method, x.arg = method, arg
	xerr := x.run("canister_inspect_message")
	c.rollback(x)
	if xerr != nil {
		return xerr.reject(c.id)
	}
	if !x.acceptedMessage {
		return rejectNotAccepted(c.id)
	}
	return nil
}

// Tick delivers heartbeats and due global timers to every running canister and waits until
// these executions finished (not the calls they make). A replica server calls it periodically.
func (e *Engine) Tick(ctx context.Context) {
	e.mu.Lock()
	cs := make([]*canister, 0, len(e.canisters))
	for _, c := range e.canisters {
		cs = append(cs, c)
	}
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		c.enqueue(func() {
			defer wg.Done()
			c.systemTasks()
		})
	}
	wg.Wait()
}

// RunTicks calls Tick every interval until ctx ends: the heartbeat and timer clock of a
// replica server.
func (e *Engine) RunTicks(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.Tick(ctx)
		}
	}
}

// systemTasks charges c for its memory and compute allocation when due, and runs the
// heartbeat and, when due, the global timer of c.
func (c *canister) systemTasks() {
	if c.deleted {
		return
	}
	c.chargeAllocation(c.e.cfg.Now())
	if c.status != Running || c.mod == nil {
		return
	}
	if c.mod.has("canister_heartbeat") {
		c.systemTask(apiHeartbeat, "canister_heartbeat")
	}
	if c.timer != 0 && c.timer <= uint64(c.e.cfg.Now().UnixNano()) {
		c.timer = 0 // a timer fires once
		c.e.committed(c)
		if c.mod.has("canister_global_timer") {
			c.systemTask(apiGlobalTimer, "canister_global_timer")
		}
	}
	c.lowMemoryTask()
}

// systemTask runs a heartbeat or global timer, which pays an execution like an update; a
// frozen canister skips it.
func (c *canister) systemTask(typ apiType, export string) {
	m := newMeter(c.e.costs(), c.e.cfg.Limits.forType(typ))
	if _, ok := c.withdraw(nil, m.prepaid); !ok {
		return
	}
	cc := c.newCallContext(origin{kind: originTask}, ManagementCanister().Raw, 0)
	x := c.newExec(typ, cc)
	x.meter = m
	c.execute(x, export)
	c.cycles += m.refund()
	c.finish(cc)
}
