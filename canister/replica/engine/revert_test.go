package engine

import (
	"context"
	"testing"
)

// TestRevert: a canister goes back to a saved state (what a server does when saving failed),
// or away when it had none; its change count keeps growing.
func TestRevert(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, Config{})
	id := installNew(t, e, "counter.wasm")
	update(t, e, id, "inc", nil)
	saved, err := e.Export(id)
	if err != nil {
		t.Fatal(err)
	}
	update(t, e, id, "inc", nil)
	out, err := e.Submit(ctx, Ingress{Canister: id, Method: "inc", Caller: alice})
	if err != nil {
		t.Fatal(err)
	}
	if out.Seq <= saved.Seq {
		t.Fatalf("seq %d after two more updates, saved at %d", out.Seq, saved.Seq)
	}
	last, err := e.Revert(ctx, id, saved)
	if err != nil || last != out.Seq {
		t.Fatalf("Revert = %d, %v; want the last change undone, %d", last, err, out.Seq)
	}
	if got := state(t, query(t, e, id, "read", nil)); got != [4]uint32{1, 1, 1, 0} {
		t.Fatalf("after the revert: %v, want the saved state (1, 1, 1, 0)", got)
	}
	if got := balanceOf(t, e, id); got != saved.Cycles {
		t.Fatalf("balance %d after the revert, want %d", got, saved.Cycles)
	}
	if got := state(t, update(t, e, id, "inc", nil)); got != [4]uint32{2, 2, 2, 0} {
		t.Fatalf("an update after the revert: %v", got)
	}
	now, err := e.Export(id)
	if err != nil {
		t.Fatal(err)
	}
	if now.Seq <= out.Seq {
		t.Fatalf("seq went back from %d to %d", out.Seq, now.Seq)
	}
	if _, err := e.Revert(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Info(id); err == nil {
		t.Fatal("a canister reverted to no state still exists")
	}
}
