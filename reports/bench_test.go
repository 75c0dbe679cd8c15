package reports

import (
	"context"
	"image"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkWrite550 is the speed target: 550 sites, a year of daily runs
// (History and Daily 550 x 365), hourly rollups for the last 30 days.
//
// Besides ns/op it reports cpu-s/op, the process's user+system CPU time per
// report: on a shared machine wall time depends on the neighbours, while
// CPU time divided by the cores available bounds the wall time on an idle one.
func BenchmarkWrite550(b *testing.B) {
	in := synthInput(550, 365, 24*time.Hour, 30, false)
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		dir := b.TempDir()
		c0 := cpuTime(b)
		if err := Write(context.Background(), dir, in); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c0
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

// BenchmarkSiteCharts draws the history figure of one site page with a year
// of daily data: the per-site cost that dominates a large report.
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
		for _, j := range site[:1] {
			if err := runJob(dir, j); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodePNG encodes one slide-sized chart.
func BenchmarkEncodePNG(b *testing.B) {
	in := testInput()
	r := build(&in)
	dir := b.TempDir()
	if err := runJob(dir, chartJob{name: "x.png", draw: r.chartJobs()[1].draw}); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "x.png"))
	if err != nil {
		b.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, image.Point{}, draw.Src)
	pc := (&canvasPool{}).get(chartW, chartH)
	b.ReportAllocs()
	for b.Loop() {
		if err := encodePNG(io.Discard, rgba, pc.zw); err != nil {
			b.Fatal(err)
		}
	}
}
