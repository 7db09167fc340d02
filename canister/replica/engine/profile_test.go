package engine

import (
	"sync"
	"testing"
)

func TestProfile(t *testing.T) {
	var (
		mu       sync.Mutex
		profiles []Profile
		observed []Execution
	)
	e := newEngine(t, Config{
		Profile: func(p Profile) {
			mu.Lock()
			defer mu.Unlock()
			profiles = append(profiles, p)
		},
		Observe: func(x Execution) {
			mu.Lock()
			defer mu.Unlock()
			observed = append(observed, x)
		},
	})
	id := installNew(t, e, "profile.wasm")
	query(t, e, id, "run", nil)

	mu.Lock()
	defer mu.Unlock()
	if len(profiles) != 1 {
		t.Fatalf("%d profiles, want 1 (the query): %+v", len(profiles), profiles)
	}
	p := profiles[0]
	if p.Export != "canister_query run" {
		t.Errorf("export %q, want canister_query run", p.Export)
	}
	costs := map[string]FunctionCost{}
	var self int64
	for i, f := range p.Functions {
		costs[f.Name] = f
		self += f.Self
		if i > 0 && f.Self > p.Functions[i-1].Self {
			t.Errorf("functions not by Self: %+v", p.Functions)
		}
	}
	if self != p.Instructions || p.Instructions <= 0 {
		t.Errorf("Self sums to %d, instructions %d", self, p.Instructions)
	}
	if x := observed[len(observed)-1]; p.Instructions > x.Instructions {
		t.Errorf("profile %d instructions, the execution %d", p.Instructions, x.Instructions)
	}
	want := map[string]int64{"run": 1, "twice": 1, "leaf": 2, "fact": 6}
	for name, calls := range want {
		if c := costs[name]; c.Calls != calls || c.Self <= 0 {
			t.Errorf("%s: %+v, want %d calls and a cost", name, c, calls)
		}
	}
	if run := costs["run"]; run.Total != p.Instructions {
		t.Errorf("run's total %d, want the execution's %d", run.Total, p.Instructions)
	}
	if twice, leaf := costs["twice"], costs["leaf"]; twice.Total != twice.Self+leaf.Total {
		t.Errorf("twice's total %d, want its own %d and leaf's %d", twice.Total, twice.Self, leaf.Total)
	}
	if fact := costs["fact"]; fact.Total != fact.Self {
		t.Errorf("fact's total %d counts its recursion again (self %d)", fact.Total, fact.Self)
	}
}
