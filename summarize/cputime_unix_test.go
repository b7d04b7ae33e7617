//go:build unix

package summarize

import (
	"syscall"
	"time"
)

// processCPU returns the process's user+system CPU time, so benchmarks on a shared,
// oversubscribed machine can report CPU per operation next to wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
