//go:build !linux

package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"
)

func childAttr() *syscall.SysProcAttr { return nil }

// watchParent stops the run when the process that started localnet exits (elsewhere than
// Linux there is neither Pdeathsig nor /proc to see a parent being signalled).
func watchParent(ctx context.Context, stop context.CancelCauseFunc) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return
	}
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if os.Getppid() != ppid {
				stop(fmt.Errorf("parent process %d exited", ppid))
				return
			}
		}
	}()
}
