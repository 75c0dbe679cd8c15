package analyzer

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time consumed by the calling OS thread (Linux
// RUSAGE_THREAD), so that a benchmark on a loaded machine can compare work
// rather than waiting. The caller locks its goroutine to the thread.
func threadCPU() time.Duration {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
