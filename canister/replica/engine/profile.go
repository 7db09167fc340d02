package engine

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/gocanister/stripe-ic/canister/replica/internal/instrument"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// FunctionCost is what one function of a canister's module cost in one execution.
type FunctionCost struct {
	// Name is the function's name in the module's "name" section (icwasm -names keeps it),
	// or "$<index>".
	Name string
	// Self counts the instructions metered in the function's own basic blocks.
	Self int64
	// Total is Self plus what the functions it called cost; a recursive function's inner
	// activations are not counted again.
	Total int64
	// Calls counts the function's activations.
	Calls int64
}

// Profile is one execution's instructions by function (Config.Profile).
type Profile struct {
	// Export is the export that ran, e.g. "canister_query http_request".
	Export string
	// Instructions is what the execution's Wasm code cost (the System API's charges not
	// included).
	Instructions int64
	// Functions are the functions that ran, the highest Self first.
	Functions []FunctionCost
}

// profiler is the wazero function listener behind Config.Profile: every function entry
// and exit reads the instruction counter that the instrumentation decrements, and charges
// the difference since the previous event to the function on top of the call stack.
type profiler struct {
	deliver func(Profile)
	mu      sync.Mutex
	runs    map[api.Module]*profileRun // executions in progress, by instance
}

type profileRun struct {
	export string
	stack  []profileFrame
	last   int64 // the counter at the previous event
	costs  map[string]*FunctionCost
}

type profileFrame struct {
	cost  *FunctionCost
	entry int64 // the counter at entry
}

func newProfiler(deliver func(Profile)) *profiler {
	return &profiler{deliver: deliver, runs: map[api.Module]*profileRun{}}
}

// withProfiler makes a module compiled with the returned context report to p.
func withProfiler(ctx context.Context, p *profiler) context.Context {
	if p == nil {
		return ctx
	}
	return experimental.WithFunctionListenerFactory(ctx, p)
}

// NewFunctionListener implements experimental.FunctionListenerFactory: one listener serves
// every function.
func (p *profiler) NewFunctionListener(api.FunctionDefinition) experimental.FunctionListener {
	return p
}

func counter(mod api.Module) int64 {
	if g := mod.ExportedGlobal(instrument.CounterExport); g != nil {
		return int64(g.Get())
	}
	return 0
}

// Before implements experimental.FunctionListener.
func (p *profiler) Before(_ context.Context, mod api.Module, def api.FunctionDefinition, _ []uint64, _ experimental.StackIterator) {
	c := counter(mod)
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.runs[mod]
	if r == nil {
		r = &profileRun{export: strings.TrimPrefix(def.DebugName(), "."), costs: map[string]*FunctionCost{}}
		if names := def.ExportNames(); len(names) > 0 {
			r.export = names[0]
		}
		p.runs[mod] = r
	} else if n := len(r.stack); n > 0 {
		r.stack[n-1].cost.Self += r.last - c
	}
	r.last = c
	name := strings.TrimPrefix(def.DebugName(), ".")
	fc := r.costs[name]
	if fc == nil {
		fc = &FunctionCost{Name: name}
		r.costs[name] = fc
	}
	fc.Calls++
	r.stack = append(r.stack, profileFrame{cost: fc, entry: c})
}

// After implements experimental.FunctionListener.
func (p *profiler) After(_ context.Context, mod api.Module, _ api.FunctionDefinition, _ []uint64) {
	p.leave(mod)
}

// Abort implements experimental.FunctionListener (a trap unwinds every frame).
func (p *profiler) Abort(_ context.Context, mod api.Module, _ api.FunctionDefinition, _ error) {
	p.leave(mod)
}

func (p *profiler) leave(mod api.Module) {
	c := counter(mod)
	p.mu.Lock()
	r := p.runs[mod]
	if r == nil || len(r.stack) == 0 {
		p.mu.Unlock()
		return
	}
	f := r.stack[len(r.stack)-1]
	f.cost.Self += r.last - c
	r.last = c
	r.stack = r.stack[:len(r.stack)-1]
	outer := true
	for _, g := range r.stack {
		if g.cost == f.cost {
			outer = false
			break
		}
	}
	if outer {
		f.cost.Total += f.entry - c
	}
	if len(r.stack) > 0 {
		p.mu.Unlock()
		return
	}
	delete(p.runs, mod)
	p.mu.Unlock()
	prof := Profile{Export: r.export, Instructions: f.entry - c, Functions: make([]FunctionCost, 0, len(r.costs))}
	for _, fc := range r.costs {
		prof.Functions = append(prof.Functions, *fc)
	}
	sort.Slice(prof.Functions, func(i, j int) bool {
		a, b := prof.Functions[i], prof.Functions[j]
		if a.Self != b.Self {
			return a.Self > b.Self
		}
		return a.Name < b.Name
	})
	p.deliver(prof)
}
