package link

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// fakeIC is a tiny ic0 host for wazero: enough System API for the test
// canister (reply, debug_print, trap, time).
type fakeIC struct {
	now     uint64
	reply   []byte
	replied bool
	prints  []string
	trapped string
}

// errTrap carries an ic0.trap message out of wazero.
type errTrap struct{ msg string }

func (e *errTrap) Error() string { return "canister trapped: " + e.msg }

func readMem(m api.Module, src, size uint32) []byte {
	b, ok := m.Memory().Read(src, size)
	if !ok {
		panic(fmt.Errorf("ic0: range [%d, +%d) outside memory", src, size))
	}
	return append([]byte(nil), b...)
}

func (ic *fakeIC) hostModule(r wazero.Runtime) wazero.HostModuleBuilder {
	return r.NewHostModuleBuilder("ic0").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, src, size uint32) {
		ic.reply = append(ic.reply, readMem(m, src, size)...)
	}).Export("msg_reply_data_append").
		NewFunctionBuilder().WithFunc(func(context.Context) { ic.replied = true }).Export("msg_reply").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, src, size uint32) {
		ic.prints = append(ic.prints, string(readMem(m, src, size)))
	}).Export("debug_print").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, src, size uint32) {
		ic.trapped = string(readMem(m, src, size))
		panic(&errTrap{ic.trapped})
	}).Export("trap").
		NewFunctionBuilder().WithFunc(func(context.Context) uint64 { return ic.now }).Export("time")
}

// canister is one instance of a linked module on the fake IC.
type canister struct {
	t   *testing.T
	ic  *fakeIC
	mod api.Module
}

// compileCache shares compiled code between the tests' runtimes: compiling
// the 3 MB test canister takes seconds.
var compileCache = wazero.NewCompilationCache()

// instantiate compiles and instantiates a linked module with a fresh fake IC.
func instantiate(t *testing.T, module []byte) *canister {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(compileCache))
	t.Cleanup(func() { r.Close(ctx) })
	ic := &fakeIC{now: 1_700_000_000_123_456_789}
	if _, err := ic.hostModule(r).Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithName("canister"))
	if err != nil {
		t.Fatalf("instantiating: %v", err)
	}
	return &canister{t: t, ic: ic, mod: mod}
}

// call runs an export and returns its reply (as text); a trap is an error
// carrying the trap message.
func (c *canister) call(export string, args ...uint64) (string, error) {
	c.t.Helper()
	f := c.mod.ExportedFunction(export)
	if f == nil {
		c.t.Fatalf("no export %q", export)
	}
	c.ic.reply, c.ic.replied, c.ic.trapped = nil, false, ""
	if _, err := f.Call(context.Background(), args...); err != nil {
		var tr *errTrap
		if errors.As(err, &tr) {
			return "", tr
		}
		return "", fmt.Errorf("%s: %w", export, err)
	}
	return string(c.ic.reply), nil
}

// mustCall is call that fails the test on a trap.
func (c *canister) mustCall(export string, args ...uint64) string {
	c.t.Helper()
	s, err := c.call(export, args...)
	if err != nil {
		c.t.Fatalf("%s: %v", export, err)
	}
	return s
}

func (c *canister) printed() string { return strings.Join(c.ic.prints, "") }
