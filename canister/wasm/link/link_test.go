package link

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/gocanister/stripe-ic/canister/wasm/validate"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

const testCandid = "service : {\n  greet : () -> (text) query;\n  random : () -> (text);\n}\n"

// goprog is the unlinked Go test canister, built once in TestMain.
var goprog []byte

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "linktest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testdata, _ := filepath.Abs("../testdata")
	goprog, err = wasmtest.Build(testdata, "goprog", tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func linkGoprog(t *testing.T) ([]byte, *Report) {
	t.Helper()
	out, rep, err := Link(goprog, Options{Candid: []byte(testCandid)})
	if err != nil {
		t.Fatalf("Link: %v", err)
	}
	return out, rep
}

func TestLinkedPassesValidation(t *testing.T) {
	out, _ := linkGoprog(t)
	if vs := validate.Check(out); len(vs) > 0 {
		t.Errorf("validate: %v", vs)
	}
	gz, err := Gzip(out)
	if err != nil {
		t.Fatal(err)
	}
	if vs := validate.Check(gz); len(vs) > 0 {
		t.Errorf("validate (gzip): %v", vs)
	}
	tool := wasmtest.Tool(t, "wasm-validate")
	f := filepath.Join(t.TempDir(), "out.wasm")
	if err := os.WriteFile(f, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(tool, f).CombinedOutput(); err != nil {
		t.Errorf("wasm-validate: %v\n%s", err, msg)
	}
}

func TestLinkExportsAndSections(t *testing.T) {
	out, rep := linkGoprog(t)
	m, err := wasm.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range m.Exports {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	want := []string{
		"canister_composite_query last_env", "canister_heartbeat", "canister_init", "canister_post_upgrade",
		"canister_query callback_indices", "canister_query greet", "canister_query init_runs", "canister_query now",
		"canister_update exit", "canister_update panic", "canister_update print", "canister_update random",
		"canister_update seed", "canister_update short_sleep", "canister_update sleep", "memory",
	}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("exports:\n got %q\nwant %q", names, want)
	}
	for _, im := range m.Imports {
		if im.Module != "ic0" {
			t.Errorf("import %s.%s left in the output", im.Module, im.Name)
		}
	}
	if len(m.Customs) != 1 || m.Customs[0].Name != CandidSection || string(m.Customs[0].Data) != testCandid {
		t.Errorf("custom sections = %+v, want only the Candid one", m.Customs)
	}
	// Go writes tens of thousands of data segments; merging leaves a handful.
	if rep.DataBefore < 10000 || rep.DataAfter > 50 || rep.DataAfter != len(m.Data) {
		t.Errorf("data segments %d -> %d (output has %d)", rep.DataBefore, rep.DataAfter, len(m.Data))
	}
	t.Logf("data segments %d -> %d, functions %d -> %d", rep.DataBefore, rep.DataAfter, rep.FuncsBefore, rep.FuncsAfter)
}

// TestLinkDataMergePreservesMemory checks that the merged segments write
// exactly the bytes the original ones did.
func TestLinkDataMergePreservesMemory(t *testing.T) {
	in, err := wasm.Decode(goprog)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := linkGoprog(t)
	m, err := wasm.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	image := func(ds []wasm.Data) []byte {
		var mem []byte
		for _, d := range ds {
			off, ok := wasm.EvalConstI32(d.Offset)
			if !ok {
				t.Fatal("non-constant offset")
			}
			if end := int(off) + len(d.Init); end > len(mem) {
				mem = append(mem, make([]byte, end-len(mem))...)
			}
			copy(mem[off:], d.Init)
		}
		return mem
	}
	if !bytes.Equal(image(in.Data), image(m.Data)) {
		t.Error("merged data segments initialise memory differently")
	}
}

func TestLinkDeterministic(t *testing.T) {
	a, _ := linkGoprog(t)
	b, _ := linkGoprog(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two links of the same input differ")
	}
	ga, _ := Gzip(a)
	gb, _ := Gzip(b)
	if !bytes.Equal(ga, gb) {
		t.Fatal("gzip output differs")
	}
	if mtime := binary.LittleEndian.Uint32(ga[4:8]); mtime != 0 || ga[3] != 0 {
		t.Errorf("gzip header has mtime %d / flags %x, want none", mtime, ga[3])
	}
}

func TestEntryBeforeInitTraps(t *testing.T) {
	out, _ := linkGoprog(t)
	for _, export := range []string{"canister_query greet", "canister_heartbeat", "canister_update random"} {
		c := instantiate(t, out)
		_, err := c.call(export)
		if err == nil || !strings.Contains(err.Error(), MsgNotInitialized) {
			t.Errorf("%s before init: err = %v, want trap %q", export, err, MsgNotInitialized)
		}
	}
}

func TestInitAndPostUpgrade(t *testing.T) {
	out, _ := linkGoprog(t)
	c := instantiate(t, out)
	c.mustCall("canister_init")
	if !strings.Contains(c.printed(), "init ran") {
		t.Errorf("system.init did not run: prints %q", c.ic.prints)
	}
	if got := c.mustCall("canister_query init_runs"); got != "1" {
		t.Errorf("init_runs = %q, want 1", got)
	}
	if got := c.mustCall("canister_query greet"); got != "hello from go" || !c.ic.replied {
		t.Errorf("greet = %q (replied %v)", got, c.ic.replied)
	}
	// post_upgrade starts the runtime too but has no Go hook here.
	c2 := instantiate(t, out)
	c2.mustCall("canister_post_upgrade")
	if got := c2.mustCall("canister_query init_runs"); got != "0" {
		t.Errorf("after post_upgrade init_runs = %q, want 0", got)
	}
	c2.mustCall("canister_heartbeat")
}

func TestWASIReplacements(t *testing.T) {
	out, _ := linkGoprog(t)
	start := func() *canister {
		c := instantiate(t, out)
		c.mustCall("canister_init")
		return c
	}
	t.Run("clock_time_get reads ic0.time", func(t *testing.T) {
		c := start()
		if got, want := c.mustCall("canister_query now"), strconv.FormatUint(c.ic.now, 10); got != want {
			t.Errorf("now = %s, want %s", got, want)
		}
		c.ic.now += 5_000_000_000
		if got, want := c.mustCall("canister_query now"), strconv.FormatUint(c.ic.now, 10); got != want {
			t.Errorf("now = %s, want %s", got, want)
		}
	})
	t.Run("random_get is deterministic", func(t *testing.T) {
		a, b := start(), start()
		ra, rb := a.mustCall("canister_update random"), b.mustCall("canister_update random")
		if len(ra) != 32 || ra != rb {
			t.Errorf("two replicas drew %q and %q", ra, rb)
		}
		if again := a.mustCall("canister_update random"); again == ra {
			t.Error("generator did not advance")
		}
		a.mustCall("canister_update seed")
		b.mustCall("canister_update seed")
		sa, sb := a.mustCall("canister_update random"), b.mustCall("canister_update random")
		if sa != sb || sa == ra {
			t.Errorf("after random_seed: %q and %q (unseeded %q)", sa, sb, ra)
		}
	})
	t.Run("fd_write goes to debug_print", func(t *testing.T) {
		c := start()
		c.ic.prints = nil
		if got := c.mustCall("canister_update print"); got != "ok" {
			t.Errorf("print replied %q", got)
		}
		if p := c.printed(); p != "printed by fmt\nto stderr\n" {
			t.Errorf("debug_print got %q", p)
		}
	})
	t.Run("poll_oneoff traps", func(t *testing.T) {
		// wazero does not roll back a trapped instance: one per call.
		for _, m := range []string{"canister_update sleep", "canister_update short_sleep"} {
			if _, err := start().call(m); err == nil || !strings.Contains(err.Error(), MsgPollOneoff) {
				t.Errorf("%s: err = %v, want %q", m, err, MsgPollOneoff)
			}
		}
	})
	t.Run("a Go panic prints its message, then traps", func(t *testing.T) {
		// The runtime sleeps briefly (usleep -> poll_oneoff) while freezing
		// the world before it prints; that must not trap early.
		c := start()
		c.ic.prints = nil
		if _, err := c.call("canister_update panic"); err == nil {
			t.Error("panic did not trap")
		}
		if p := c.printed(); !strings.Contains(p, "assignment to entry in nil map") {
			t.Errorf("panic message not printed: %q", p)
		}
	})
	t.Run("proc_exit traps", func(t *testing.T) {
		c := start()
		if _, err := c.call("canister_update exit"); err == nil || !strings.Contains(err.Error(), MsgProcExit) {
			t.Errorf("exit: err = %v, want %q", err, MsgProcExit)
		}
	})
}

// TestLinkLarge links the 13 MB stripe-go module and checks the output with
// both validators.
func TestLinkLarge(t *testing.T) {
	out, rep, err := Link(wasmtest.BuildGo(t, "bigprog"), Options{Candid: []byte(testCandid)})
	if err != nil {
		t.Fatal(err)
	}
	if vs := validate.Check(out); len(vs) > 0 {
		t.Errorf("validate: %v", vs)
	}
	f := filepath.Join(t.TempDir(), "big.wasm")
	if err := os.WriteFile(f, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(wasmtest.Tool(t, "wasm-validate"), f).CombinedOutput(); err != nil {
		t.Errorf("wasm-validate: %v\n%s", err, msg)
	}
	t.Logf("%d bytes, %d functions, data segments %d -> %d", len(out), rep.FuncsAfter, rep.DataBefore, rep.DataAfter)
}
