package link

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

// tableFunc returns the function in slot idx of table 0 of m.
func tableFunc(t *testing.T, m *wasm.Module, idx uint32) uint32 {
	t.Helper()
	found, fn := false, uint32(0)
	for _, e := range m.Elements {
		if e.Mode != wasm.SegmentActive || e.Table != 0 {
			continue
		}
		off, _ := wasm.EvalConstI32(e.Offset)
		if idx >= uint32(off) && idx < uint32(off)+uint32(len(e.Funcs)) {
			found, fn = true, e.Funcs[idx-uint32(off)]
		}
	}
	if !found {
		t.Fatalf("table slot %d is not initialised", idx)
	}
	return fn
}

// addTableCaller adds an export "test_call_table"(idx, env) that calls
// table 0 slot idx with env, as the IC does with a callback.
func addTableCaller(m *wasm.Module) {
	typ := m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I32}})
	body := new(wasm.Expr).LocalGet(1).LocalGet(0).CallIndirect(typ, 0).End()
	idx := uint32(m.NumImportedFuncs() + len(m.Funcs))
	m.Funcs = append(m.Funcs, m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}}))
	m.Code = append(m.Code, wasm.Code{Body: body.Bytes()})
	m.Exports = append(m.Exports, wasm.Export{Name: "test_call_table", Kind: wasm.ExternFunc, Index: idx})
}

func TestCallbacks(t *testing.T) {
	out, rep := linkGoprog(t)
	m, err := wasm.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Callbacks) != 2 || rep.Callbacks[0].Name != "on_reply" || rep.Callbacks[1].Name != "on_reject" {
		t.Fatalf("callbacks = %+v", rep.Callbacks)
	}
	// Go's own segment ends at the declared size; the callbacks follow it
	// and the declared size grows.
	if rep.Callbacks[0].TableIndex < 4096 || m.Tables[0].Limits.Min != uint64(rep.Callbacks[1].TableIndex)+1 {
		t.Errorf("callback slots %d, %d with table size %d", rep.Callbacks[0].TableIndex, rep.Callbacks[1].TableIndex, m.Tables[0].Limits.Min)
	}
	for _, cb := range rep.Callbacks {
		if fn := tableFunc(t, m, cb.TableIndex); fn != cb.Func {
			t.Errorf("slot %d holds function %d, want callback %s = %d", cb.TableIndex, fn, cb.Name, cb.Func)
		}
		if ft, _ := m.FuncTypeOf(cb.Func); !ft.Equal(typeCallback) {
			t.Errorf("callback %s has type %v", cb.Name, ft)
		}
	}

	// The constant functions tell Go those indices, and calling the slots
	// runs the Go callbacks.
	addTableCaller(m)
	c := instantiate(t, m.Encode())
	c.mustCall("canister_init")
	want := strconv.Itoa(int(rep.Callbacks[0].TableIndex)) + "," + strconv.Itoa(int(rep.Callbacks[1].TableIndex))
	got := c.mustCall("canister_query callback_indices")
	if got != want {
		t.Fatalf("callback_indices = %q, want %q", got, want)
	}
	idx := strings.Split(got, ",")
	for i, wantEnv := range []string{"reply:7", "reject:9"} {
		slot, _ := strconv.Atoi(idx[i])
		env := uint64(7 + 2*i)
		c.mustCall("test_call_table", uint64(slot), env)
		if got := c.mustCall("canister_composite_query last_env"); got != wantEnv {
			t.Errorf("after calling slot %d: last_env = %q, want %q", slot, got, wantEnv)
		}
	}
}

// splitMix64 is the reference generator random_get must reproduce.
func splitMix64(state uint64, n int) []byte {
	var out []byte
	for len(out) < n {
		state += splitMixGamma
		z := state
		z = (z ^ z>>30) * splitMixMul1
		z = (z ^ z>>27) * splitMixMul2
		z ^= z >> 31
		out = binary.LittleEndian.AppendUint64(out, z)
	}
	return out[:n]
}

// TestRandomGetSplitMix64 links a hand-written module and checks the exact
// bytes of random_get after random_seed, including a length that is not a
// multiple of 8.
func TestRandomGetSplitMix64(t *testing.T) {
	src := `(module
  (import "wasi_snapshot_preview1" "random_get" (func $rand (param i32 i32) (result i32)))
  (import "icwasm" "random_seed" (func $seed (param i64)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "update.draw")
    (call $seed (i64.const 42))
    (drop (call $rand (i32.const 100) (i32.const 21)))
    (drop (call $rand (i32.const 121) (i32.const 3)))
    (call $append (i32.const 100) (i32.const 24))
    (call $reply)))`
	out, _, err := Link(wasmtest.Wat(t, src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := instantiate(t, out)
	c.mustCall("canister_init")
	got := []byte(c.mustCall("canister_update draw"))
	// Each call starts a fresh 8-byte word: 21 bytes use 3 words, then 3 more.
	words := splitMix64(42, 32)
	want := append(append([]byte{}, words[:21]...), words[24:27]...)
	if hex.EncodeToString(got) != hex.EncodeToString(want) {
		t.Errorf("random bytes\n got %x\nwant %x", got, want)
	}
}

func TestLinkErrors(t *testing.T) {
	const head = `(module (memory (export "memory") 1) (func $init (export "_initialize")) (func $v) (func $cb (param i32))`
	tests := []struct {
		name, src, want string
	}{
		{"wrong ic0 signature", `(module (import "ic0" "msg_reply" (func (param i32))) (func (export "_initialize")))`,
			"import ic0.msg_reply: the Go //go:wasmimport declaration has type (func (param i32)), the System API requires (func)"},
		{"unknown ic0 function", `(module (import "ic0" "msg_replyy" (func)) (func (export "_initialize")))`,
			"import ic0.msg_replyy: not a System API function"},
		{"unknown import module", `(module (import "env" "f" (func)) (func (export "_initialize")))`,
			`unsupported import module "env"`},
		{"unknown prefix", head + `(export "qeury.x" (func $v)))`, `export "qeury.x": unknown placeholder prefix "qeury."`},
		{"unknown system hook", head + `(export "system.start" (func $v)))`, `unknown placeholder prefix "system."`},
		{"reserved prefix", head + `(export "canister_query x" (func $v)))`, "canister_ prefix is reserved"},
		{"wrong method type", head + `(export "query.x" (func $cb)))`, `export "query.x" has type (func (param i32)), the ABI requires (func)`},
		{"wrong callback type", head + `(export "callback.x" (func $v)))`, `export "callback.x" has type (func), the ABI requires (func (param i32))`},
		{"empty method", head + `(export "update." (func $v)))`, "empty method name"},
		{"duplicate method", head + `(export "update.x" (func $v)) (export "query.x" (func $v)))`, `method "x" already exported`},
		{"callback import without export", `(module (import "icwasm" "callback.nope" (func (result i32))) (func (export "_initialize")))`,
			"no export callback.nope"},
		{"unknown icwasm import", `(module (import "icwasm" "other" (func)) (func (export "_initialize")))`, "unknown icwasm import"},
		{"no _initialize", `(module (func (export "query.x")))`, "no _initialize export"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Link(wasmtest.Wat(t, tc.src), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLinkRejectsWrongGoDeclaration links a Go program whose
// //go:wasmimport ic0 declaration has the wrong type.
func TestLinkRejectsWrongGoDeclaration(t *testing.T) {
	_, _, err := Link(wasmtest.BuildGo(t, "badsig"), Options{})
	want := "import ic0.msg_reply: the Go //go:wasmimport declaration has type (func (param i32)), the System API requires (func)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestRenumbering links a module whose removed imports sit between kept ones
// and checks every kind of function reference still reaches its function:
// calls, element segments in both forms, the start function, exports and
// ref.func in a global initializer.
func TestRenumbering(t *testing.T) {
	src := `(module
  (type $ri (func (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "wasi_snapshot_preview1" "args_get" (func $ag (param i32 i32) (result i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (memory (export "memory") 1)
  (table 4 funcref)
  (global $g funcref (ref.func $nine))
  (elem (i32.const 0) $seven $eight)
  (elem (i32.const 2) funcref (ref.func $nine))
  (start $start)
  (func $seven (result i32) i32.const 7)
  (func $eight (result i32) i32.const 8)
  (func $nine (result i32) i32.const 9)
  (func $start (i32.store (i32.const 4) (call $eight)))
  (func (export "_initialize") (drop (call $y)) (drop (call $ag (i32.const 0) (i32.const 0))))
  (func (export "query.sum")
    (i32.store (i32.const 0)
      (i32.add (i32.add (call_indirect (type $ri) (i32.const 0)) (call_indirect (type $ri) (i32.const 1)))
               (call_indirect (type $ri) (i32.const 2))))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply)))`
	out, rep, err := Link(wasmtest.Wat(t, src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Replaced, ",") != "wasi_snapshot_preview1.sched_yield,wasi_snapshot_preview1.args_get" {
		t.Errorf("replaced = %v", rep.Replaced)
	}
	m, err := wasm.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	// $nine is the third defined function; ic0 msg_reply, msg_reply_data_append
	// and the added trap are the imports.
	wantNine := uint32(m.NumImportedFuncs() + 2)
	r := wasm.NewInstrReader(m.Globals[0].Init)
	var in wasm.Instr
	if err := r.Next(&in); err != nil || in.Op != wasm.OpRefFunc || in.Index != wantNine {
		t.Errorf("global init = %v %d (%v), want ref.func %d", in.Op, in.Index, err, wantNine)
	}
	c := instantiate(t, out)
	c.mustCall("canister_init")
	got := []byte(c.mustCall("canister_query sum"))
	if len(got) != 8 || binary.LittleEndian.Uint32(got) != 24 || binary.LittleEndian.Uint32(got[4:]) != 8 {
		t.Errorf("sum reply = %v, want 24 (7+8+9) and 8 (written by start)", got)
	}
}

func TestKeepNames(t *testing.T) {
	out, rep, err := Link(goprog, Options{KeepNames: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasm.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	cs := m.CustomSection(NameSection)
	if cs == nil {
		t.Fatal("no name section")
	}
	names, err := parseFuncNames(cs.Data)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]uint32{}
	for i, n := range names {
		byName[n] = i
	}
	for _, want := range []string{"ic0.trap", "ic0.msg_reply", "main.onReply", "main.greet", "runtime.gcStart",
		"icwasm:wasi_snapshot_preview1.fd_write", "icwasm:canister_query greet", "icwasm:trap " + MsgPollOneoff} {
		if _, ok := byName[want]; !ok {
			t.Errorf("no function named %q", want)
		}
	}
	// Go names a //go:wasmexport wrapper after its export.
	if got := names[rep.Callbacks[0].Func]; got != "callback.on_reply" {
		t.Errorf("callback %s is named %q", rep.Callbacks[0].Name, got)
	}
	for _, e := range m.Exports {
		if e.Kind == wasm.ExternFunc && names[e.Index] != "icwasm:"+e.Name {
			t.Errorf("export %q is function %d named %q", e.Name, e.Index, names[e.Index])
		}
	}
	// The greet entry calls Go's export wrapper query.greet.
	r := wasm.NewInstrReader(m.Code[byName["icwasm:canister_query greet"]-uint32(m.NumImportedFuncs())].Body)
	var in wasm.Instr
	var calls []string
	for !r.Done() {
		if err := r.Next(&in); err != nil {
			t.Fatal(err)
		}
		if in.Op == wasm.OpCall {
			calls = append(calls, names[in.Index])
		}
	}
	if strings.Join(calls, ",") != "icwasm:trap "+MsgNotInitialized+",query.greet" {
		t.Errorf("greet wrapper calls %q", calls)
	}
	// Names are the only difference: the same code runs.
	c := instantiate(t, out)
	c.mustCall("canister_init")
	if got := c.mustCall("canister_query greet"); got != "hello from go" {
		t.Errorf("greet = %q", got)
	}
}
