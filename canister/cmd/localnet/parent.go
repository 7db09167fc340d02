package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// watchParent stops the run when the process that started localnet (make) exits or, where
// the platform shows it (parentStopping), is being stopped by a signal.
func watchParent(ctx context.Context, stop context.CancelCauseFunc) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return // started by init or a container's entry point: nothing to follow
	}
	stopping := parentStopping(ppid)
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
			if sigs := stopping(); sigs != "" {
				stop(fmt.Errorf("parent process %d was signalled (%s)", ppid, sigs))
				return
			}
		}
	}()
}
