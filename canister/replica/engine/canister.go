package engine

import (
	"sync"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
)

// Status is a canister's run status, with the values of ic0.canister_status.
type Status uint8

// Canister run states.
const (
	Running  Status = 1
	Stopping Status = 2
	Stopped  Status = 3
)

// statusNames name the run states.
var statusNames = [...]string{Running: "running", Stopping: "stopping", Stopped: "stopped"}

func (s Status) String() string {
	if s >= Running && s <= Stopped {
		return statusNames[s]
	}
	return "unknown"
}

// canister is one canister of the engine. mu serializes everything that touches its state;
// messages additionally go through the FIFO queue run by loop, so that they execute one at a
// time in arrival order, like on the IC. Queries take mu directly.
type canister struct {
	e  *Engine
	id principal.Principal

	qmu    sync.Mutex
	queue  []func()
	closed bool // deleted or engine closed: the queue goroutine ends when the queue is empty
	signal chan struct{}

	mu            sync.Mutex
	deleted       bool
	status        Status
	controllers   []principal.Principal
	cycles        uint64
	mod           *module
	inst          *instance
	spare         *instance // a fresh instance of mod, made after a rollback needed one
	img           image     // committed Wasm state of inst
	stable        []byte
	journal       []undo // stable memory changes of the running execution
	certifiedData []byte
	timer         uint64
	version       uint64
	lastTime      uint64
	nextCC        uint64
	contexts      map[uint64]*callContext
	stopWaiters   []chan struct{}
	lastCharge    time.Time // when memory and compute allocation were last paid for
	// seq counts the changes of persistent state (Config.OnCommit); an ingress answer carries
	// the count at the time it was given, so a server knows which save covers it.
	seq uint64
	// answers are the answers to tagged ingress messages not taken by ExportAnswered yet.
	answers []Answer

	// Settings and what they govern (settings.go, charge.go, logs.go, history.go, snapshot.go).
	settings     Settings
	logs         []LogRecord
	nextLogIdx   uint64
	history      []Change
	historyTotal uint64
	snapshots    []*snapshot
	nextSnapshot uint64
	lowMemory    lowMemoryHook
}

func newCanister(e *Engine, id principal.Principal) *canister {
	c := &canister{
		e: e, id: id, status: Running,
		signal:     make(chan struct{}, 1),
		contexts:   map[uint64]*callContext{},
		settings:   DefaultSettings(),
		lastCharge: e.cfg.Now(),
	}
	go c.loop()
	return c
}

// enqueue schedules f to run with c.mu held, after everything enqueued before. Once the
// queue is closed, f runs on a goroutine of its own (it then finds the canister deleted).
func (c *canister) enqueue(f func()) {
	c.qmu.Lock()
	if c.closed {
		c.qmu.Unlock()
		go func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			f()
		}()
		return
	}
	c.queue = append(c.queue, f)
	c.qmu.Unlock()
	c.wake()
}

func (c *canister) wake() {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// close ends the queue goroutine once it has run what is queued.
func (c *canister) close() {
	c.qmu.Lock()
	c.closed = true
	c.qmu.Unlock()
	c.wake()
}

func (c *canister) loop() {
	for {
		c.qmu.Lock()
		if len(c.queue) == 0 {
			closed := c.closed
			c.qmu.Unlock()
			if closed {
				return
			}
			<-c.signal
			continue
		}
		f := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.qmu.Unlock()
		c.mu.Lock()
		f()
		c.mu.Unlock()
	}
}

// do runs f on c's queue and waits for it.
func (c *canister) do(f func()) {
	done := make(chan struct{})
	c.enqueue(func() {
		defer close(done)
		f()
	})
	<-done
}

// inTurn runs f on canister id in its turn (between its executions) and returns what f
// returns; an unknown canister is refused as e.get refuses it.
func inTurn[T any](e *Engine, id principal.Principal, f func(c *canister) (T, error)) (T, error) {
	c, err := e.get(id)
	if err != nil {
		var zero T
		return zero, err
	}
	var out T
	c.do(func() { out, err = f(c) })
	return out, err
}

// onCanister is inTurn for an f with no result but its error.
func (e *Engine) onCanister(id principal.Principal, f func(c *canister) error) error {
	_, err := inTurn(e, id, func(c *canister) (struct{}, error) { return struct{}{}, f(c) })
	return err
}

// nextTime is the time of a new execution: the host clock, strictly increasing per canister.
func (c *canister) nextTime() uint64 {
	t := uint64(c.e.cfg.Now().UnixNano())
	if t <= c.lastTime {
		t = c.lastTime + 1
	}
	c.lastTime = t
	return t
}

// Stable memory. c.stable always holds the current contents; the journal records what an
// execution overwrote so that rollback can undo it.

type undo struct {
	off  uint64
	old  []byte // nil for a size change
	size int    // previous length, for a size change
}

func (c *canister) stablePages() uint64 { return uint64(len(c.stable)) / protocol.StablePageBytes }

func (c *canister) stableGrow(pages, limit uint64) uint64 {
	old := c.stablePages()
	if pages > limit || old+pages > limit {
		return ^uint64(0)
	}
	if pages == 0 {
		return old
	}
	c.journal = append(c.journal, undo{size: len(c.stable)})
	c.stable = append(c.stable, make([]byte, pages*protocol.StablePageBytes)...)
	return old
}

func (c *canister) stableWrite(off uint64, data []byte) bool {
	end := off + uint64(len(data))
	if end < off || end > uint64(len(c.stable)) {
		return false
	}
	if len(data) == 0 {
		return true
	}
	old := append([]byte(nil), c.stable[off:end]...)
	c.journal = append(c.journal, undo{off: off, old: old})
	copy(c.stable[off:end], data)
	return true
}

func (c *canister) stableRead(off, size uint64) ([]byte, bool) {
	end := off + size
	if end < off || end > uint64(len(c.stable)) {
		return nil, false
	}
	return c.stable[off:end], true
}

// undoStable reverts stable memory to the journal position mark.
func (c *canister) undoStable(mark int) {
	for i := len(c.journal) - 1; i >= mark; i-- {
		u := c.journal[i]
		if u.old == nil {
			c.stable = c.stable[:u.size]
		} else {
			copy(c.stable[u.off:], u.old)
		}
		c.journal[i] = undo{}
	}
	c.journal = c.journal[:mark]
}

// Committing and rolling back executions.

// rollback discards the Wasm and stable memory changes of x. Instances whose memory grew are
// replaced by a fresh instantiation (Wasm memory cannot shrink).
func (c *canister) rollback(x *execution) {
	c.undoStable(x.stableMark)
	if c.inst != nil && c.inst.restorable(&c.img) {
		if err := c.inst.rollbackTo(&c.img); err != nil {
			panic("engine: restoring canister " + c.id.String() + ": " + err.Error())
		}
		return
	}
	c.restoreImage(&c.img)
}

// restoreImage brings c.inst back to img.
func (c *canister) restoreImage(img *image) {
	if c.inst == nil {
		return
	}
	if !c.inst.restorable(img) {
		fresh := c.spare
		c.spare = nil
		if fresh == nil {
			var err error
			if fresh, err = c.e.instantiate(c.e.ctx, c.mod); err != nil {
				// The module instantiated before; failing now means the host is out of memory.
				panic("engine: re-instantiating canister " + c.id.String() + ": " + err.Error())
			}
		}
		c.inst.close()
		c.inst = fresh
		c.prepareSpare()
	}
	if err := c.inst.restore(img); err != nil {
		panic("engine: restoring canister " + c.id.String() + ": " + err.Error())
	}
}

// prepareSpare instantiates c's module in the background, so that the next rollback of an
// execution that grew memory (a query of a Go canister whose heap grows, say) does not wait
// for an instantiation. Only canisters that needed one get a spare.
func (c *canister) prepareSpare() {
	mod := c.mod
	go func() {
		in, err := c.e.instantiate(c.e.ctx, mod)
		if err != nil {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.spare != nil || c.mod != mod {
			in.close()
			return
		}
		c.spare = in
	}()
}

// dropSpare discards the spare instance when the module changes.
func (c *canister) dropSpare() {
	c.spare.close()
	c.spare = nil
}

// commitState makes the Wasm and stable memory state of x the committed state.
func (c *canister) commitState(x *execution) {
	c.inst.commitTo(&c.img)
	c.journal = c.journal[:0]
	c.version++
}

// commit makes x's state and staged effects permanent: the reply, outgoing calls, cycles,
// certified data and timer.
func (c *canister) commit(x *execution) {
	c.commitState(x)
	if x.certSet {
		c.certifiedData = x.certData
	}
	if x.timerSet {
		c.timer = x.timer
	}
	cc := x.cc
	if cc != nil {
		cc.available -= x.accepted
	}
	x.discardPending()
	c.cycles = x.balance
	for _, call := range x.calls {
		cc.outstanding++
		if !x.typ.composite() {
			c.charge(cc, FeeXnet, c.e.costs().Call(uint64(len(call.method)), uint64(len(call.arg))))
		}
		c.e.send(c, cc, call)
	}
	c.e.committed(c) // before answering: the answer carries the count that covers this commit
	c.respondFrom(x)
}

// respondFrom answers x's call context if x replied or rejected.
func (c *canister) respondFrom(x *execution) {
	if x.cc == nil {
		return
	}
	switch {
	case x.replied:
		c.respond(x.cc, result{reply: append([]byte{}, x.replyBuf...)})
	case x.rejected:
		c.respond(x.cc, result{reject: &protocol.Reject{Code: protocol.CanisterReject, Message: x.rejectOut, ErrorCode: protocol.ErrCanisterRejectedMessage}})
	}
}
