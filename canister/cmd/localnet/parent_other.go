//go:build !linux

package main

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }

// parentStopping sees nothing but the parent's exit elsewhere than Linux: there is neither
// Pdeathsig nor /proc to see a parent being signalled.
func parentStopping(int) func() string { return func() string { return "" } }
