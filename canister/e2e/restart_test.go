package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// replicaProcess is the replica command running as a child process.
type replicaProcess struct {
	cmd *exec.Cmd
	url string
	out *logBuffer // its standard error: the log
}

// logBuffer collects a child's output while it runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func buildReplica(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "replica")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/replica")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the replica: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startReplica runs the replica binary on state and addr, with further flags args.
func startReplica(t testing.TB, bin, state, addr string, args ...string) *replicaProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", addr, "-state", state}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &replicaProcess{cmd: cmd, out: logs}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("replica exited before listening:\n%s", logs.String())
			}
			if rest, found := strings.CutPrefix(line, "replica listening on "); found {
				p.url = rest
				go func() {
					for range lines {
					}
				}()
				return p
			}
		case <-deadline:
			t.Fatalf("replica did not start within 60 s:\n%s", logs.String())
		}
	}
}

func TestRestartKeepsState(t *testing.T) {
	ours(t, "restarts the replica process")
	bin := buildReplica(t)
	state := filepath.Join(t.TempDir(), "state")
	addr := freeAddr(t)

	p := startReplica(t, bin, state, addr)
	withURL(t, p.url) // the helpers talk to the child process

	id := newIdentity(t)
	a := newAgent(t, id)
	c := install(t, id, gzipped(t, basicModule(t)), `(opt "before")`)
	var n uint64
	for i := 0; i < 3; i++ {
		if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil {
			t.Fatal(err)
		}
	}
	var pages uint64
	if err := a.Call(c, "stable_write", []any{uint64(0), []byte("durable")}, []any{&pages}); err != nil {
		t.Fatal(err)
	}
	rootKey := fetchRootKey(t, p.url)

	// kill -9 right after the acknowledged updates: nothing committed may be lost.
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()

	p = startReplica(t, bin, state, addr)
	setSharedURL(p.url)
	if got := fetchRootKey(t, p.url); got != rootKey {
		t.Fatal("the root key changed across a restart; agents pinned to it would fail")
	}
	a = newAgent(t, id)
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 3 {
		t.Fatalf("counter after kill -9 = %d, %v; want 3", n, err)
	}
	var got []byte
	if err := a.Query(c, "stable_read", []any{uint64(0), uint64(7)}, []any{&got}); err != nil || string(got) != "durable" {
		t.Fatalf("stable memory after kill -9 = %q, %v", got, err)
	}
	if err := a.Call(c, "increment", []any{}, []any{&n}); err != nil || n != 4 {
		t.Fatalf("increment after restart = %d, %v", n, err)
	}

	// A graceful stop (SIGTERM) keeps state too, and new canisters get fresh ids.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("replica exited with %v on SIGTERM:\n%s", err, p.out.String())
	}
	p = startReplica(t, bin, state, addr)
	setSharedURL(p.url)
	a = newAgent(t, id)
	if err := a.Query(c, "get", []any{}, []any{&n}); err != nil || n != 4 {
		t.Fatalf("counter after SIGTERM restart = %d, %v; want 4", n, err)
	}
	c2 := install(t, id, gzipped(t, basicModule(t)), "(null)")
	if bytes.Equal(c2.Raw, c.Raw) {
		t.Fatalf("a new canister reused id %s after restart", c)
	}
}

// withURL points the helpers at another replica for the rest of the test.
func withURL(t *testing.T, url string) {
	old := sharedURL()
	setSharedURL(url)
	t.Cleanup(func() { setSharedURL(old) })
}

func fetchRootKey(t *testing.T, url string) string {
	t.Helper()
	a := newAgent(t, newIdentity(t))
	return fmt.Sprintf("%x", a.GetRootKey())
}

func sharedURL() string       { return shared.url }
func setSharedURL(url string) { shared.url = url }
