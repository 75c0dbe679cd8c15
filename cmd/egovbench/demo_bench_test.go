//go:build unix

package main

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDemo runs the demo as a user runs it (a year of monthly crawls
// and a month of probes, then the report) and reports the CPU time it took
// beside the wall time: the fleet is served in the same process, so on a
// shared machine the CPU time says what the demo costs and the wall time
// what other load adds to it.
func BenchmarkDemo(b *testing.B) {
	ctx := context.Background()
	var wall, cpu time.Duration
	n := 0
	for b.Loop() {
		before := cpuTime(b)
		start := time.Now()
		mustRun(b, ctx, "demo", "--out", b.TempDir(), "--log-level", "warn")
		wall += time.Since(start)
		cpu += cpuTime(b) - before
		n++
	}
	b.ReportMetric(wall.Seconds()/float64(n), "wall-s/op")
	b.ReportMetric(cpu.Seconds()/float64(n), "cpu-s/op")
}

// cpuTime is the user plus system CPU time of this process so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
