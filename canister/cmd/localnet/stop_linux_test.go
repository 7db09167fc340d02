package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The stop tests run the real localnet binary with fake children: this test binary, linked
// as idempotent-proxy and replica, acting as them when fakeDirEnv is set. The fake proxy
// writes its certificate; the fake replica never answers, so localnet is still starting up
// when the test signals it (the moment a stack used to be left behind).
const fakeDirEnv = "LOCALNET_TEST_FAKE_DIR"

// fakeRecord is what a fake child writes about itself to <dir>/<name>.json.
type fakeRecord struct {
	Name string   `json:"name"`
	PID  int      `json:"pid"`
	PPID int      `json:"ppid"`
	Dir  string   `json:"dir"`
	Args []string `json:"args"`
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(fakeDirEnv); dir != "" {
		runFake(dir)
		return
	}
	os.Exit(m.Run())
}

func runFake(dir string) {
	name := filepath.Base(os.Args[0])
	wd, _ := os.Getwd()
	if name == "idempotent-proxy" && len(os.Args) > 1 && os.Args[1] == "token" {
		// localnet signs the canister's proxy token before it starts the proxy.
		fmt.Println("ED25519_PUB_KEY=fake-key")
		fmt.Println("PROXY_AUTHORIZATION='Bearer fake-token'")
		return
	}
	if name == "idempotent-proxy" {
		if err := os.WriteFile(os.Getenv("TLS_CERT_OUT"), []byte("fake certificate\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	b, _ := json.Marshal(fakeRecord{Name: name, PID: os.Getpid(), PPID: os.Getppid(), Dir: wd, Args: os.Args[1:]})
	tmp := filepath.Join(dir, name+".json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err == nil {
		os.Rename(tmp, filepath.Join(dir, name+".json"))
	}
	time.Sleep(time.Hour) // until signalled; SIGTERM's default action ends it
}

// fakeStack is a bin directory with localnet built from this package and the fakes.
type fakeStack struct{ bin, records string }

func newFakeStack(t *testing.T) fakeStack {
	t.Helper()
	s := fakeStack{bin: t.TempDir(), records: t.TempDir()}
	build := exec.Command("go", "build", "-o", filepath.Join(s.bin, "localnet"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building localnet: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"idempotent-proxy", "replica"} {
		if err := os.Symlink(self, filepath.Join(s.bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// env is the environment of localnet (and so of its fakes), without the settings of a make
// that runs these tests (`make test`), which the make started here would take as its own.
func (s fakeStack) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
			env = append(env, kv)
		}
	}
	return append(env, fakeDirEnv+"="+s.records, "STRIPE_SECRET_KEY=")
}

// flags are localnet's flags for a run in state; port 0 is always free, and nothing
// answers the replica's status request there.
func (s fakeStack) flags(state string) []string {
	return []string{"-state", state, "-replica-addr", "127.0.0.1:0", "-proxy-addr", "127.0.0.1:0", "-sandbox-addr", "127.0.0.1:0"}
}

// waitChildren waits until both fakes run and returns their records, killing them (by pid)
// when the test ends in case localnet left them behind.
func (s fakeStack) waitChildren(t *testing.T, out *syncBuffer) map[string]fakeRecord {
	t.Helper()
	recs := map[string]fakeRecord{}
	deadline := time.Now().Add(30 * time.Second)
	for len(recs) < 2 {
		for _, name := range []string{"idempotent-proxy", "replica"} {
			b, err := os.ReadFile(filepath.Join(s.records, name+".json"))
			if err != nil {
				continue
			}
			var r fakeRecord
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			if _, seen := recs[name]; !seen {
				recs[name] = r
				t.Cleanup(func() { syscall.Kill(r.PID, syscall.SIGKILL) })
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fake children did not start; localnet said:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// localnet is waiting for the replica now.
	for !strings.Contains(out.String(), "waiting for the replica") {
		if time.Now().After(deadline) {
			t.Fatalf("localnet is not waiting for the replica:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return recs
}

// gone reports whether a process no longer runs (a zombie no longer runs).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'.
	rest := string(b[bytes.LastIndexByte(b, ')')+1:])
	return strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

func parentOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return ppid
}

func assertGone(t *testing.T, what string, pids map[string]int, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for name, pid := range pids {
		for !gone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("after %s, %s (pid %d) still runs; output:\n%s", what, name, pid, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// waitExit waits for cmd to end and returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd, out *syncBuffer) *os.ProcessState {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not exit; output:\n%s", cmd.Path, out)
		return nil
	}
}

// TestStopsChildrenOnSignal signals localnet itself: every stop signal ends the run cleanly
// and stops the children; SIGKILL, which localnet cannot handle, stops them through the
// kernel's parent-death signal. While the stack starts, canister_ids.json (here left by an
// earlier run) names no canister; a run stopped early puts it back.
func TestStopsChildrenOnSignal(t *testing.T) {
	s := newFakeStack(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			for _, f := range []string{"idempotent-proxy.json", "replica.json"} {
				os.Remove(filepath.Join(s.records, f))
			}
			state := t.TempDir()
			ids := filepath.Join(state, "canister_ids.json")
			const earlier = `{"stripe_backend":{"local":"rwlgt-iiaaa-aaaaa-aaaaa-cai"}}`
			if err := os.WriteFile(ids, []byte(earlier), 0o644); err != nil {
				t.Fatal(err)
			}
			out := &syncBuffer{}
			cmd := exec.Command(filepath.Join(s.bin, "localnet"), append([]string{"-bin", s.bin}, s.flags(state)...)...)
			cmd.Env, cmd.Stdout, cmd.Stderr = s.env(), out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			recs := s.waitChildren(t, out)
			for name, r := range recs {
				if r.PPID != cmd.Process.Pid {
					t.Errorf("%s's parent is %d, want localnet %d", name, r.PPID, cmd.Process.Pid)
				}
			}
			if _, err := os.Stat(ids); !os.IsNotExist(err) {
				t.Errorf("canister_ids.json exists before the canister answers (%v)", err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			st := waitExit(t, cmd, out)
			assertGone(t, sig.String(), map[string]int{"proxy": recs["idempotent-proxy"].PID, "replica": recs["replica"].PID}, out)
			if sig == syscall.SIGKILL {
				return
			}
			if st.ExitCode() != 0 || !strings.Contains(out.String(), "==> stopping (got ") {
				t.Errorf("exit code %d, output:\n%s", st.ExitCode(), out)
			}
			if b, err := os.ReadFile(ids); string(b) != earlier {
				t.Errorf("canister_ids.json after an early stop: %q (%v), want the earlier run's", b, err)
			}
		})
	}
}

// TestMakeRunStopsWithMake runs the Makefile's own `run` recipe (its prerequisites, the
// builds, marked up to date with -o) and signals make's process alone, as supervisors and
// IDEs do: the stack must not outlive make. It also checks that `make run` and `make
// replica` put the replica's state in the same place, at the repository root.
func TestMakeRunStopsWithMake(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed; `make run` needs it, this test too")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatal(err)
	}
	// make ignores SIGINT when it inherits it ignored (a test run in the background of a
	// non-interactive shell); a handler here makes it the default again in the child.
	ign := make(chan os.Signal, 1)
	signal.Notify(ign, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(ign)

	s := newFakeStack(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			for _, f := range []string{"idempotent-proxy.json", "replica.json"} {
				os.Remove(filepath.Join(s.records, f))
			}
			state := t.TempDir()
			out := &syncBuffer{}
			cmd := exec.Command(makeBin, "--no-print-directory", "-C", root, "-o", "canister", "-o", "binaries", "run",
				"TOOLS="+s.bin, "LOCAL="+state, "LOCALNET_FLAGS="+strings.Join(s.flags(state)[2:], " "))
			cmd.Env, cmd.Stdout, cmd.Stderr = s.env(), out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			recs := s.waitChildren(t, out)
			localnet := recs["replica"].PPID
			t.Cleanup(func() { syscall.Kill(localnet, syscall.SIGKILL) })
			if p := parentOf(t, localnet); p != cmd.Process.Pid {
				t.Fatalf("localnet's parent is %d, not make (%d): the recipe must exec it", p, cmd.Process.Pid)
			}
			if got, want := argAfter(recs["replica"].Args, "-state"), filepath.Join(state, "replica"); got != want {
				t.Errorf("make run: replica -state %q, want %q", got, want)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waitExit(t, cmd, out)
			assertGone(t, "make got "+sig.String(), map[string]int{"localnet": localnet,
				"proxy": recs["idempotent-proxy"].PID, "replica": recs["replica"].PID}, out)
		})
	}

	t.Run("make replica uses the same state", func(t *testing.T) {
		os.Remove(filepath.Join(s.records, "replica.json"))
		out := &syncBuffer{}
		cmd := exec.Command(makeBin, "--no-print-directory", "-C", root, "-o", "replica-bin", "replica", "TOOLS="+s.bin)
		cmd.Env, cmd.Stdout, cmd.Stderr = s.env(), out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		var r fakeRecord
		deadline := time.Now().Add(30 * time.Second)
		for {
			b, err := os.ReadFile(filepath.Join(s.records, "replica.json"))
			if err == nil && json.Unmarshal(b, &r) == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("make replica did not start the replica:\n%s", out)
			}
			time.Sleep(50 * time.Millisecond)
		}
		syscall.Kill(r.PID, syscall.SIGTERM)
		waitExit(t, cmd, out)
		// localnet's default -state (.dfx/local) is relative to the root make runs it in.
		got := filepath.Join(r.Dir, argAfter(r.Args, "-state"))
		if want := filepath.Join(root, ".dfx", "local", "replica"); got != want {
			t.Errorf("make replica: state %s, want %s (where make run keeps it)", got, want)
		}
		if r.PPID != cmd.Process.Pid {
			t.Errorf("the replica's parent is %d, not make (%d): the recipe must exec it", r.PPID, cmd.Process.Pid)
		}
	})
}

func argAfter(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
