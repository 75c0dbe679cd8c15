package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWrite550 is the speed target: 550 sites, a year of daily runs
// (History and Daily 550 x 365), hourly rollups for the last 30 days.
func BenchmarkWrite550(b *testing.B) {
	in := synthInput(550, 365, 24*time.Hour, 30, false)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(context.Background(), b.TempDir(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteSmall is the synthetic test report (12 sites, 10 weekly runs).
func BenchmarkWriteSmall(b *testing.B) {
	in := synthInput(12, 10, 7*24*time.Hour, 30, true)
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(context.Background(), b.TempDir(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSiteCharts draws the three charts of one site page with a year of
// daily data: the per-site cost that dominates a large report.
func BenchmarkSiteCharts(b *testing.B) {
	in := synthInput(3, 365, 24*time.Hour, 1, false)
	r := build(&in)
	jobs := r.chartJobs()
	var site []chartJob
	for _, j := range jobs {
		if len(j.name) > 12 && j.name[:12] == "charts/site-" {
			site = append(site, j)
		}
	}
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, j := range site[:3] {
			if err := runJob(dir, j); err != nil {
				b.Fatal(err)
			}
		}
	}
}
