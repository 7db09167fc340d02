package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

func childAttr() *syscall.SysProcAttr {
	// The kernel tells a child when localnet is gone, however it went (even SIGKILL).
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// parentStopping prepares the Linux part of watchParent and returns its per-tick check.
//
// A supervisor or an IDE stops `make run` by signalling make's process alone. GNU make
// passes SIGTERM on to its children, but on SIGINT and SIGHUP it only resets the signal to
// its default action and waits for its children to finish - which localnet would never do.
// So besides asking the kernel for SIGTERM when the parent exits (PR_SET_PDEATHSIG), the
// check reads the parent's signal masks: a termination signal it caught when localnet
// started and no longer catches (nor ignores) means it is on its way out.
func parentStopping(ppid int) func() string {
	// Best effort: watchParent's poll notices the parent's exit too.
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	watched := sigBit(syscall.SIGINT) | sigBit(syscall.SIGTERM) | sigBit(syscall.SIGHUP)
	caught, _, err := signalMasks(ppid)
	caught &= watched
	return func() string {
		if err != nil || caught == 0 {
			return ""
		}
		now, ignored, err := signalMasks(ppid)
		if err != nil {
			return ""
		}
		return signalNames(caught &^ now &^ ignored)
	}
}

func sigBit(s syscall.Signal) uint64 { return 1 << (uint(s) - 1) }

func signalNames(mask uint64) string {
	var names []string
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		if mask&sigBit(s) != 0 {
			names = append(names, s.String())
		}
	}
	return strings.Join(names, ", ")
}

// signalMasks reads the caught and ignored signal sets of a process (/proc/<pid>/status).
func signalMasks(pid int) (caught, ignored uint64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "SigCgt" && key != "SigIgn") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, key, err)
		}
		if key == "SigCgt" {
			caught = n
		} else {
			ignored = n
		}
		found++
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("/proc/%d/status: no SigCgt/SigIgn", pid)
	}
	return caught, ignored, sc.Err()
}
