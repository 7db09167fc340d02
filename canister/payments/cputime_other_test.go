//go:build !linux

package payments

import "time"

// threadCPU is unavailable here; benchmarks then report wall time only.
func threadCPU() (time.Duration, bool) { return 0, false }
