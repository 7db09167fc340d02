package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/replica/deploy"
)

// TestCCanister runs a canister compiled from C by clang/wasm-ld (testdata/ccanister): the
// replica must run modules our toolchain did not produce - here with LLVM's layout, a
// non-exported mutable global (the stack pointer) and no Go runtime at all.
func TestCCanister(t *testing.T) {
	module, err := os.ReadFile("testdata/ccanister/counter.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if clang, err := exec.LookPath("clang"); err == nil {
		// Guard the committed module against drifting from its source.
		out := filepath.Join(t.TempDir(), "counter.wasm")
		cmd := exec.Command(clang, "--target=wasm32", "-O2", "-nostdlib", "-fno-builtin", "-Wl,--no-entry", "-Wl,--strip-all", "-o", out, "testdata/ccanister/counter.c")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Logf("clang present but could not build the C canister (lld missing?): %v\n%s", err, b)
		} else if rebuilt, _ := os.ReadFile(out); !bytes.Equal(rebuilt, module) {
			t.Fatal("testdata/ccanister/counter.wasm is stale: run testdata/ccanister/build.sh")
		}
	} else {
		t.Log("clang not installed: the committed counter.wasm is not compared with its source")
	}
	id := newIdentity(t)
	a := newAgent(t, id)
	ids := filepath.Join(t.TempDir(), "ids.json")
	res, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "c", IDsFile: ids, Module: module})
	if err != nil {
		t.Fatal(err)
	}
	c := res.CanisterID
	var n uint64
	for want := uint64(1); want <= 2; want++ {
		if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil || n != want {
			t.Fatalf("increment = %d, %v; want %d", n, err, want)
		}
	}
	if err := a.Call(c, "fail", []any{}, []any{}); err == nil || !strings.Contains(err.Error(), "C canister: deliberate trap") {
		t.Fatalf("fail: %v, want the canister's trap message", err)
	}
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 2 {
		t.Fatalf("get after a trap = %d, %v; want 2 (the trap rolls back)", n, err)
	}
	up, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "c", IDsFile: ids, Module: module})
	if err != nil || up.Mode != deploy.Upgrade {
		t.Fatalf("upgrade: %+v, %v", up, err)
	}
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 2 {
		t.Fatalf("get after upgrade = %d, %v; want 2 (kept through stable memory)", n, err)
	}
}
