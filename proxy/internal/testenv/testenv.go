// Package testenv starts the real servers the proxy's tests and benchmarks run against:
// redis-server and nginx (Debian packages, installed by `make deps`) and stripe-mock (built
// from the Go tool dependency in proxy/go.mod). Each runs on free loopback ports in a
// temporary directory and is stopped when the test ends.
package testenv

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lookPath fails the test (never skips it) when a required binary is missing.
func lookPath(tb testing.TB, name, pkg string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s not found: run `make deps` (installs the Debian package %s)", name, pkg)
	}
	return p
}

// waitDial waits until addr accepts TCP connections.
func waitDial(tb testing.TB, addr string, cmd *exec.Cmd, exited <-chan struct{}, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			tb.Fatalf("%s exited before listening on %s", filepath.Base(cmd.Path), addr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	tb.Fatalf("%s did not start listening on %s within %v", filepath.Base(cmd.Path), addr, timeout)
}

// run starts cmd and returns a channel closed when it exits.
func run(tb testing.TB, cmd *exec.Cmd) <-chan struct{} {
	tb.Helper()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", filepath.Base(cmd.Path), err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	return exited
}

// Redis is a redis-server child process.
type Redis struct {
	tb          testing.TB
	bin         string
	dir         string
	port        int
	persistence []string
	mu          sync.Mutex
	cmd         *exec.Cmd
}

// StartRedis starts redis-server on a free loopback port without persistence: a restart
// (Kill, Start) comes back empty.
func StartRedis(tb testing.TB) *Redis {
	tb.Helper()
	return startRedis(tb, "--save", "", "--appendonly", "no")
}

// StartRedisAOF starts redis-server with an append-only file synced at every write
// (appendfsync always): a restart comes back with every acknowledged write.
func StartRedisAOF(tb testing.TB) *Redis {
	tb.Helper()
	return startRedis(tb, "--save", "", "--appendonly", "yes", "--appendfsync", "always")
}

func startRedis(tb testing.TB, persistence ...string) *Redis {
	tb.Helper()
	r := &Redis{tb: tb, bin: lookPath(tb, "redis-server", "redis-server"), dir: tb.TempDir(), port: FreePort(tb), persistence: persistence}
	r.Start()
	tb.Cleanup(r.Kill)
	return r
}

// Addr is host:port.
func (r *Redis) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// URL is the redis:// URL.
func (r *Redis) URL() string { return "redis://" + r.Addr() }

// Start (re)starts the server on the same port and directory: empty, or with what its
// append-only file holds.
func (r *Redis) Start() {
	r.tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	args := append([]string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--daemonize", "no", "--loglevel", "warning"}, r.persistence...)
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard // its startup banner is noise; --loglevel warning
	exited := run(r.tb, cmd)
	r.cmd = cmd
	waitDial(r.tb, r.Addr(), cmd, exited, 10*time.Second)
}

// Kill stops the server abruptly (SIGKILL), as a crash would.
func (r *Redis) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	for i := 0; i < 200; i++ { // wait for the port to close
		c, err := net.DialTimeout("tcp", r.Addr(), 50*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	r.cmd = nil
}

// Nginx is an nginx child process configured as a plain reverse proxy.
type Nginx struct {
	Addr string
}

// StartNginx starts nginx on a free loopback port proxying every request to upstream
// (host:port, plain HTTP) over keep-alive connections, as an operator would configure it.
func StartNginx(tb testing.TB, upstream string) *Nginx {
	tb.Helper()
	bin := lookPath(tb, "nginx", "nginx")
	dir := tb.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(tb))
	conf := fmt.Sprintf(`daemon off;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream up { server %[2]s; keepalive 128; }
  server {
    listen %[3]s;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`, dir, upstream, addr)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log"))
	// nginx writes to its error.log; its workers must not inherit the test's output pipes
	// (go test waits for them to close). Its own process group lets cleanup stop the
	// workers too, even if the master dies first.
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	exited := run(tb, cmd)
	tb.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // fast shutdown of master and workers
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	waitDial(tb, addr, cmd, exited, 10*time.Second)
	return &Nginx{Addr: addr}
}

// StripeMock is a stripe-mock child process; HTTPURL serves plain HTTP.
type StripeMock struct {
	HTTPURL string
}

// StartStripeMock builds stripe-mock from proxy/go.mod's tool dependency (the Go build cache
// makes this quick after the first time) and starts it on loopback only.
func StartStripeMock(tb testing.TB) *StripeMock {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "stripe-mock")
	build := exec.Command("go", "build", "-o", bin, "github.com/stripe/stripe-mock")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("build stripe-mock (go tool dependency of proxy/go.mod): %v\n%s", err, out)
	}
	httpAddr := "127.0.0.1:" + strconv.Itoa(FreePort(tb))
	httpsAddr := "127.0.0.1:" + strconv.Itoa(FreePort(tb))
	cmd := exec.Command(bin, "-http-addr", httpAddr, "-https-addr", httpsAddr)
	// stripe-mock logs every request; its output is noise in test logs.
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	exited := run(tb, cmd)
	tb.Cleanup(func() { _ = cmd.Process.Kill() })
	waitDial(tb, httpAddr, cmd, exited, 30*time.Second)
	return &StripeMock{HTTPURL: "http://" + httpAddr}
}
