// Command basic is the engine tests' canister. Every method is listed in basic.did; what
// each one does, and what the test should observe, is in its comment.
//
// State: counter, the init/upgrade arguments and the timer count live in the heap (lost on
// upgrade); stable memory holds what the tests write with stable_write plus, after an
// upgrade, the pre_upgrade record at preUpgradeSlot.
package main

import (
	"encoding/binary"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// Heap state.
var (
	counter           uint64
	initArg           *string
	postUpgradeArg    *string
	preUpgradeCounter *uint64 // what pre_upgrade saw, read back by post_upgrade
	timerFired        uint64
	lastTimer         cdk.TimerID
	spinSink          uint64
)

// preUpgradeSlot is where pre_upgrade records the counter: 1 MiB into stable memory (so
// stable memory has 17 pages after an upgrade), out of the way of test data.
const preUpgradeSlot = 1 << 20

// preUpgradeMagic marks a valid pre_upgrade record.
const preUpgradeMagic = "PREUPGRD"

// greet : (text) -> (text) query. Returns "Hello, <name>!". Also the target of relay.
//
//go:wasmexport query.greet
func greet() { cdk.Query(greetHandler) }

func greetHandler(m *cdk.Message) {
	var name string
	m.MustArgs(&name)
	m.Reply("Hello, " + name + "!")
}

// increment : () -> (nat64). Adds one to the heap counter and returns it: the change must
// persist to the next message.
//
//go:wasmexport update.increment
func increment() {
	cdk.Update(func(m *cdk.Message) {
		counter++
		m.Reply(counter)
	})
}

// get : () -> (nat64) query. The heap counter.
//
//go:wasmexport query.get
func get() { cdk.Query(func(m *cdk.Message) { m.Reply(counter) }) }

// query_increment : () -> (nat64) query. Increments the counter in a query and returns the
// new value; a following get must return the old one (queries never persist).
//
//go:wasmexport query.query_increment
func queryIncrement() {
	cdk.Query(func(m *cdk.Message) {
		counter++
		m.Reply(counter)
	})
}

// trap_after_write : (blob) -> (). Increments the counter, writes the blob at stable
// offset 0 (growing stable memory if it is empty), then traps with
// "trap_after_write: deliberate trap". Afterwards counter, stable contents and stable size
// must be as before.
//
//go:wasmexport update.trap_after_write
func trapAfterWrite() {
	cdk.Update(func(m *cdk.Message) {
		var data []byte
		m.MustArgs(&data)
		counter++
		if _, err := cdk.Stable().WriteAt(data, 0); err != nil {
			panic(err)
		}
		cdk.Trap("trap_after_write: deliberate trap")
	})
}

// panic_with : (text) -> (). Panics with the text: the caller must see the trap message
// "panic: <text>".
//
//go:wasmexport update.panic_with
func panicWith() {
	cdk.Update(func(m *cdk.Message) {
		var msg string
		m.MustArgs(&msg)
		panic(msg)
	})
}

// reject_with : (text) -> (). Rejects with the text (reject code 4, CANISTER_REJECT).
//
//go:wasmexport update.reject_with
func rejectWith() {
	cdk.Update(func(m *cdk.Message) {
		var msg string
		m.MustArgs(&msg)
		m.Reject(msg)
	})
}

// stable_write : (nat64, blob) -> (nat64). Writes the blob at the offset, growing stable
// memory as needed; returns the size in pages afterwards.
//
//go:wasmexport update.stable_write
func stableWrite() {
	cdk.Update(func(m *cdk.Message) {
		var off uint64
		var data []byte
		m.MustArgs(&off, &data)
		s := cdk.Stable()
		if _, err := s.WriteAt(data, int64(off)); err != nil {
			m.Reject(err.Error())
			return
		}
		m.Reply(s.Pages())
	})
}

// stable_read : (nat64, nat64) -> (blob) query. Reads up to length bytes at offset
// (fewer at the end of stable memory, none past it).
//
//go:wasmexport query.stable_read
func stableRead() {
	cdk.Query(func(m *cdk.Message) {
		var off, length uint64
		m.MustArgs(&off, &length)
		s := cdk.Stable()
		if size := uint64(s.Size()); off >= size {
			length = 0
		} else {
			length = min(length, size-off)
		}
		buf := make([]byte, length)
		n, _ := s.ReadAt(buf, int64(off))
		m.Reply(buf[:n])
	})
}

// stable_size : () -> (nat64) query. Stable memory size in 64 KiB pages.
//
//go:wasmexport query.stable_size
func stableSize() { cdk.Query(func(m *cdk.Message) { m.Reply(cdk.Stable().Pages()) }) }

// spin : () -> (). Loops forever: the engine must stop it at the update instruction limit
// and roll back (it increments spinSink, a heap variable).
//
//go:wasmexport update.spin
func spin() {
	cdk.Update(func(*cdk.Message) {
		for {
			spinSink++
		}
	})
}

// spin_query : () -> () query. The same at the query instruction limit.
//
//go:wasmexport query.spin_query
func spinQuery() {
	cdk.Query(func(*cdk.Message) {
		for {
			spinSink++
		}
	})
}

// whoami : () -> (principal) query. The caller.
//
//go:wasmexport query.whoami
func whoami() { cdk.Query(func(m *cdk.Message) { m.Reply(m.Caller()) }) }

// self : () -> (principal) query. This canister's id.
//
//go:wasmexport query.self
func self() { cdk.Query(func(m *cdk.Message) { m.Reply(cdk.Self()) }) }

// time : () -> (nat64) query. ic0.time in nanoseconds.
//
//go:wasmexport query.time
func timeNow() { cdk.Query(func(m *cdk.Message) { m.Reply(uint64(cdk.Time().UnixNano())) }) }

// instructions : () -> (nat64) query. performance_counter(0) at the time of the call.
//
//go:wasmexport query.instructions
func instructions() { cdk.Query(func(m *cdk.Message) { m.Reply(cdk.InstructionCounter()) }) }

// collect_garbage : () -> (). Runs two garbage collection cycles, which shrink the stacks of
// goroutines that use little of theirs (the one running the exports among them).
//
//go:wasmexport update.collect_garbage
func collectGarbage() {
	cdk.Update(func(m *cdk.Message) {
		runtime.GC()
		runtime.GC()
		m.Reply()
	})
}

// churn : (nat32) -> (nat64) and churn_query : (nat32) -> (nat64) query. Allocate n KiB
// of garbage in 1 KiB pieces and return the garbage collection cycles completed meanwhile:
// some in an update, none in a query (the CDK turns the collector off in queries, whose
// memory is discarded).
//
//go:wasmexport update.churn
func churn() { cdk.Update(churnHandler) }

//go:wasmexport query.churn_query
func churnQuery() { cdk.Query(churnHandler) }

func churnHandler(m *cdk.Message) {
	var n uint32
	m.MustArgs(&n)
	before := gcCycles()
	for range n {
		churnSink = make([]byte, 1024)
	}
	m.Reply(gcCycles() - before)
}

var churnSink []byte

func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// descend : (nat32) -> (nat64) query. Recurses n frames of about 300 bytes and returns the
// instructions the recursion took: linear in n, unless the goroutine's stack has to grow
// (by copying) on the way down, as it must when the stack the last committed execution left
// is too small.
//
//go:wasmexport query.descend
func descendQuery() {
	cdk.Query(func(m *cdk.Message) {
		var n uint32
		m.MustArgs(&n)
		start := cdk.InstructionCounter()
		descendSink = descend(int(n))
		m.Reply(cdk.InstructionCounter() - start)
	})
}

var descendSink byte

// descend uses a frame of 256 bytes and more per level.
//
//go:noinline
func descend(n int) byte {
	var frame [256]byte
	frame[n%len(frame)] = byte(n)
	if n == 0 {
		return frame[0]
	}
	return descend(n-1) + frame[(n*7)%len(frame)]
}

// print : (text) -> (). Writes the text with ic0.debug_print.
//
//go:wasmexport update.print
func printText() {
	cdk.Update(func(m *cdk.Message) {
		var s string
		m.MustArgs(&s)
		cdk.Print(s)
		m.Reply()
	})
}

// is_controller : (principal) -> (bool) query.
//
//go:wasmexport query.is_controller
func isController() {
	cdk.Query(func(m *cdk.Message) {
		var p principal.Principal
		m.MustArgs(&p)
		m.Reply(cdk.IsController(p))
	})
}

// certify : (blob) -> (). Sets the certified data (at most 32 bytes, else rejects).
//
//go:wasmexport update.certify
func certify() {
	cdk.Update(func(m *cdk.Message) {
		var data []byte
		m.MustArgs(&data)
		if err := cdk.SetCertifiedData(data); err != nil {
			m.Reject(err.Error())
			return
		}
		m.Reply()
	})
}

// certificate : () -> (opt blob) query. The data certificate (present in non-replicated
// queries).
//
//go:wasmexport query.certificate
func certificate() {
	cdk.Query(func(m *cdk.Message) {
		if c, ok := cdk.DataCertificate(); ok {
			m.Reply(&c)
			return
		}
		m.Reply((*[]byte)(nil))
	})
}

// set_timer : (nat64) -> (). Replaces the timer set last by one (cdk.SetTimer) due at that
// IC time in nanoseconds (0: none), which counts its runs in timer_fired. The CDK runs it
// from canister_global_timer through a call to its timer executor.
//
//go:wasmexport update.set_timer
func setTimer() {
	cdk.Update(func(m *cdk.Message) {
		var ns uint64
		m.MustArgs(&ns)
		cdk.ClearTimer(lastTimer)
		if ns != 0 {
			lastTimer = cdk.SetTimer(time.Unix(0, int64(ns)).Sub(cdk.Time()), func() { timerFired++ })
		}
		m.Reply()
	})
}

// timer_fired : () -> (nat64) query. How often the timer of set_timer ran.
//
//go:wasmexport query.timer_fired
func timerFiredQuery() { cdk.Query(func(m *cdk.Message) { m.Reply(timerFired) }) }

// relay : (principal, text, text) -> (text). Calls method (a (text) -> (text) method, e.g.
// greet) of the canister with the text and replies with its answer; rejects with
// "relay: <reject>" if the call is rejected.
//
//go:wasmexport update.relay
func relay() { cdk.Update(relayHandler(false)) }

// relay_trap : (principal, text, text) -> (text). Like relay, but the reply callback
// increments the counter and then traps: the counter must not change, the caller gets the
// trap as a reject, and the cleanup callback runs (pending_calls returns to 0).
//
//go:wasmexport update.relay_trap
func relayTrap() { cdk.Update(relayHandler(true)) }

// composite_relay : (principal, text, text) -> (text) composite_query. relay as a
// composite query (the target method must be a query).
//
//go:wasmexport composite_query.composite_relay
func compositeRelay() { cdk.CompositeQuery(relayHandler(false)) }

func relayHandler(trapInCallback bool) func(*cdk.Message) {
	return func(m *cdk.Message) {
		var target principal.Principal
		var method, arg string
		m.MustArgs(&target, &method, &arg)
		payload, err := candid.Marshal(arg)
		if err != nil {
			panic(err)
		}
		err = cdk.SendWithCallback(cdk.Request{Callee: target, Method: method, Arg: payload},
			func(cb *cdk.Message, r cdk.CallResult) {
				var answer string
				if err := r.Decode(&answer); err != nil {
					cb.Reject("relay: " + err.Error())
					return
				}
				if trapInCallback {
					counter++
					cdk.Trap("relay_trap: deliberate trap in the reply callback")
				}
				cb.Reply(answer)
			})
		if err != nil {
			m.Reject(err.Error())
		}
	}
}

// pending_calls : () -> (nat64) query. Calls made with relay still awaiting an answer.
//
//go:wasmexport query.pending_calls
func pendingCalls() {
	cdk.Query(func(m *cdk.Message) { m.Reply(uint64(cdk.PendingCalls())) })
}

// hooks : () -> (record { init_arg : opt text; post_upgrade_arg : opt text;
// pre_upgrade_counter : opt nat64 }) query. What the lifecycle hooks saw.
//
//go:wasmexport query.hooks
func hooks() {
	type report struct {
		InitArg           *string `ic:"init_arg"`
		PostUpgradeArg    *string `ic:"post_upgrade_arg"`
		PreUpgradeCounter *uint64 `ic:"pre_upgrade_counter"`
	}
	cdk.Query(func(m *cdk.Message) {
		m.Reply(report{InitArg: initArg, PostUpgradeArg: postUpgradeArg, PreUpgradeCounter: preUpgradeCounter})
	})
}

// optionalText decodes an install argument of type (opt text); an empty argument (no
// Candid at all) counts as none.
func optionalText(m *cdk.Message) *string {
	if len(m.ArgData()) == 0 {
		return nil
	}
	var s *string
	m.MustArgs(&s)
	return s
}

// canister_init with (opt text): records the argument (see hooks).
//
//go:wasmexport system.init
func initHook() { cdk.Init(func(m *cdk.Message) { initArg = optionalText(m) }) }

// canister_pre_upgrade: writes preUpgradeMagic and the counter (8 bytes little endian) at
// preUpgradeSlot in stable memory. The heap, counter included, is then lost.
//
//go:wasmexport system.pre_upgrade
func preUpgrade() {
	cdk.PreUpgrade(func() {
		rec := binary.LittleEndian.AppendUint64([]byte(preUpgradeMagic), counter)
		if _, err := cdk.Stable().WriteAt(rec, preUpgradeSlot); err != nil {
			panic(err)
		}
	})
}

// canister_post_upgrade with (opt text): records the argument and reads back what
// pre_upgrade saved (see hooks). The counter starts again at 0.
//
//go:wasmexport system.post_upgrade
func postUpgrade() {
	cdk.PostUpgrade(func(m *cdk.Message) {
		postUpgradeArg = optionalText(m)
		rec := make([]byte, len(preUpgradeMagic)+8)
		if n, _ := cdk.Stable().ReadAt(rec, preUpgradeSlot); n == len(rec) && string(rec[:8]) == preUpgradeMagic {
			c := binary.LittleEndian.Uint64(rec[8:])
			preUpgradeCounter = &c
		}
	})
}

func main() {}
