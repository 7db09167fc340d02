//go:build !wasip1

package cdk

// Host builds leave the collector alone (gc_wasip1.go says what a canister does).

func (rt *Runtime) discarding(Kind) {}
