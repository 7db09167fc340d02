package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// services are the child processes, stopped in reverse order. They stay in localnet's
// process group (a Ctrl-C in the terminal reaches them too) and, on Linux, get SIGTERM from
// the kernel if localnet dies without stopping them (Pdeathsig).
type services struct{ procs []*exec.Cmd }

func (s *services) stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		p := s.procs[i]
		if p.Process == nil || p.ProcessState != nil {
			continue
		}
		p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.Process.Kill()
			<-done
		}
	}
}

// start runs a binary with its output in logs/<name>.log.
func (s *services) start(logDir, name, bin string, env []string, args ...string) (*exec.Cmd, error) {
	f, err := os.OpenFile(filepath.Join(logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "\n==== %s: %s %s\n", time.Now().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w (run `make run`, which builds it)", name, err)
	}
	f.Close() // the child has its own copy
	s.procs = append(s.procs, cmd)
	return cmd, nil
}

// stopSignals end the run: Ctrl-C, a supervisor's TERM, a closed terminal's HUP.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// stopContext is cancelled, with the reason as its cause, when localnet gets one of
// stopSignals or its parent process goes away or is being stopped (see watchParent).
func stopContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	go func() {
		select {
		case sig := <-sigs:
			cancel(fmt.Errorf("got %v", sig))
		case <-ctx.Done():
		}
	}()
	watchParent(ctx, cancel)
	return ctx, func() {
		signal.Stop(sigs)
		cancel(errors.New("done"))
	}
}
