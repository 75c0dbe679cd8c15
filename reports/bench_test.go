package reports

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"gonum.org/v1/plot/vg"
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
	c0 := cpuTime(b)
	for b.Loop() {
		for _, j := range site[:1] {
			if err := runJob(dir, j); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPUPerOp(b, c0)
}

// reportCPUPerOp reports cpu-ms/op, the process's user+system CPU time per
// iteration since c0 (garbage collection included): on a shared machine
// ns/op is the neighbours' load as much as ours.
func reportCPUPerOp(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-c0)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkEncodePNG encodes one slide-sized chart.
func BenchmarkEncodePNG(b *testing.B) {
	in := testInput()
	r := build(&in)
	benchEncode(b, r.chartJobs()[1].draw, chartW, chartH)
}

// BenchmarkEncodeSitePNG encodes one site page's history figure (a year of
// daily data): the PNG part of BenchmarkSiteCharts.
func BenchmarkEncodeSitePNG(b *testing.B) {
	in := synthInput(3, 365, 24*time.Hour, 1, false)
	r := build(&in)
	var job chartJob
	for _, j := range r.chartJobs() {
		if strings.HasPrefix(j.name, "charts/site-") {
			job = j
			break
		}
	}
	benchEncode(b, job.draw, siteFigW, siteFigH)
}

// benchEncode draws a chart once, decodes it back into pixels and times
// encoding them, with a pooled writer as the report's workers have.
func benchEncode(b *testing.B, drawFn func(string) error, w, h vg.Length) {
	b.Helper()
	dir := b.TempDir()
	if err := runJob(dir, chartJob{name: "x.png", draw: drawFn}); err != nil {
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
	pc := (&canvasPool{}).get(w, h)
	b.ReportAllocs()
	c0 := cpuTime(b)
	for b.Loop() {
		if err := encodePNG(io.Discard, rgba, pc.fw); err != nil {
			b.Fatal(err)
		}
	}
	reportCPUPerOp(b, c0)
}

// yearSource generates, one site at a time, what a store holds after a year
// of monthly crawls and one probe a day per site: n sites in 38 regions; a
// site's maturity steps with probability 5 % a month (most sites keep their
// score all year); a fifth of the sites fail 3 % of their probes. Every
// value depends only on the site and the day, so a source with one more
// day (extra) differs from the first only by that day.
type yearSource struct {
	n     int
	end   time.Time // the report's "now"; the year of probes ends the day before
	extra int       // days of probes from end on
	cat   []egovbench.Indicator
}

func yearCatalogue() []egovbench.Indicator {
	// A catalogue as large as the real one (about 60 indicators).
	var cat []egovbench.Indicator
	for k := range 5 {
		for _, ind := range testCatalogue {
			ind.ID = fmt.Sprintf("%s_%d", ind.ID, k)
			cat = append(cat, ind)
		}
	}
	return cat
}

func (s yearSource) targets() []egovbench.Target {
	ts := make([]egovbench.Target, s.n)
	for i := range ts {
		ts[i] = egovbench.Target{ID: fmt.Sprintf("desa-%05d", i), Name: fmt.Sprintf("Pemerintah Desa %05d", i),
			URL: fmt.Sprintf("https://desa%05d.example.go.id/", i), Level: "desa", Region: fmt.Sprintf("Provinsi %02d", i%38)}
	}
	return ts
}

func (s yearSource) input() Input {
	return Input{GeneratedAt: s.end.Add(time.Duration(s.extra) * 24 * time.Hour), Lang: "id", Location: time.FixedZone("WITA", 8*3600),
		Targets: s.targets(), Indicators: s.cat, Frameworks: testFrameworks, CatalogueVersion: "bench", Source: s}
}

func (s yearSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	first := s.end.AddDate(-1, 0, 0)
	for i, t := range s.targets() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		rec := egovbench.SiteRecord{Target: t}
		m := 15 + 70*rng.Float64()
		var run int64
		var prev, last *egovbench.Assessment
		for day := first; day.Before(s.end); day = day.AddDate(0, 0, 1) {
			if day.Day() != 2 {
				continue
			}
			run++
			if rng.Float64() < 0.05 {
				m = clamp(m+20*rng.NormFloat64(), 0, 100)
			}
			at := day.Add(time.Hour + time.Duration(i)*100*time.Millisecond)
			rec.History = append(rec.History, egovbench.StagePoint{TargetID: t.ID, RunID: run, At: at, Stage: stageFor(m), Score: math.Round(m*10) / 10})
			a := yearAssessment(t, run, at, m, s.cat)
			prev, last = last, &a
		}
		rec.Latest, rec.Previous = last, prev
		flaky := i%5 == 0
		var downSince time.Time
		for day := first; day.Before(s.end.AddDate(0, 0, s.extra)); day = day.AddDate(0, 0, 1) {
			drng := rand.New(rand.NewPCG(uint64(i), uint64(day.Unix())))
			at := day.Add(time.Duration(i%24) * time.Hour)
			ro := egovbench.Rollup{TargetID: t.ID, Start: day, Checks: 1}
			if flaky && drng.IntN(100) < 3 {
				ro.DownTime = 24 * time.Hour
				if downSince.IsZero() {
					downSince = at
				}
			} else {
				lat := time.Duration(150+drng.IntN(900)) * time.Millisecond
				ro.Successes, ro.UpTime, ro.LatencySum, ro.LatencyMin, ro.LatencyMax, ro.LatencyP50, ro.LatencyP95 = 1, 24*time.Hour, lat, lat, lat, lat, lat
				if !downSince.IsZero() {
					rec.Outages = append(rec.Outages, egovbench.Outage{TargetID: t.ID, Start: downSince, End: at, Cause: egovbench.OutcomeTimeout})
					downSince = time.Time{}
				}
			}
			rec.Daily = append(rec.Daily, ro)
		}
		if !downSince.IsZero() {
			rec.Outages = append(rec.Outages, egovbench.Outage{TargetID: t.ID, Start: downSince, Cause: egovbench.OutcomeTimeout})
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// EachHourly serves the last 30 days: one probe a day per site, at an hour
// that depends on the site.
func (s yearSource) EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error {
	end := s.end.AddDate(0, 0, s.extra)
	for i, t := range s.targets() {
		for day := end.AddDate(0, 0, -30); day.Before(end); day = day.AddDate(0, 0, 1) {
			lat := 300 * time.Millisecond
			if err := fn(egovbench.Rollup{TargetID: t.ID, Start: day.Add(time.Duration(i%24) * time.Hour), Checks: 1, Successes: 1,
				UpTime: time.Hour, LatencySum: lat, LatencyP50: lat, LatencyP95: lat}); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// yearAssessment is a full assessment at maturity m: indicators of higher
// stages are met only by more mature sites, each met one with evidence.
func yearAssessment(t egovbench.Target, run int64, at time.Time, m float64, cat []egovbench.Indicator) egovbench.Assessment {
	st := stageFor(m)
	a := egovbench.Assessment{TargetID: t.ID, RunID: run, AssessedAt: at, CatalogueVersion: "bench", Reachable: true, Stage: st,
		Score: math.Round(m*10) / 10, Confidence: 0.8, Frameworks: map[string]string{"spbe": fmt.Sprint(max(1, int(st)))},
		CriterionScores: map[string]float64{}, PagesAnalyzed: 20}
	for ci, c := range egovbench.Criteria {
		a.CriterionScores[string(c)] = clamp(m+float64(ci*7-14), 0, 100)
	}
	for k, ind := range cat {
		met := ind.Stage <= st && k%4 != 3
		r := egovbench.IndicatorResult{ID: ind.ID, Met: met}
		if met {
			r.Evidence = []egovbench.Evidence{{PageURL: t.URL + "layanan/" + ind.ID, Element: "a", Text: ind.NameID}}
		}
		a.Indicators = append(a.Indicators, r)
		if !met && ind.Stage == st+1 {
			a.NextSteps = append(a.NextSteps, ind.ID)
		}
	}
	return a
}

// BenchmarkWrite20k is the scale target of the report writer: 20,000 sites
// x a year of monthly crawls and daily uptime (yearSource), streamed.
//
//   - full: a report into an empty folder (target: 2 min, 1 GB peak RSS);
//   - incremental: a report a day later, after one more day of probes, into
//     the folder of the full one (target: 20 % of the full one).
//
// Each reports wall-s/op, cpu-s/op and peak-rss-MB (the process's peak
// resident set during the report, reset before it through
// /proc/self/clear_refs), and logs how many site figures the report has.
// The store's reads are not in it: BenchmarkEachSite550 (cmd/egovbench)
// measures them. EGOVBENCH_BENCH_WRITE_SITES scales it down.
//
//	go test ./reports -run XXX -bench Write20k -benchtime 1x -timeout 1h
func BenchmarkWrite20k(b *testing.B) {
	n := 20_000
	if v := os.Getenv("EGOVBENCH_BENCH_WRITE_SITES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("EGOVBENCH_BENCH_WRITE_SITES=%q", v)
		}
	}
	// A Thursday: the day after is in the same week, so the incremental
	// report is not also the first of a new week (which redraws every
	// site figure, see siteWeekly).
	end := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	src := yearSource{n: n, end: end, cat: yearCatalogue()}
	ctx := context.Background()
	out := filepath.Join(b.TempDir(), "report")
	var fullWall float64
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(out)
			b.StartTimer()
			wall, cpu, rss := measure(b, func() error { return WriteWith(ctx, out, src.input(), WriteOptions{Previous: out}) })
			fullWall = wall
			reportMeasure(b, wall, cpu, rss)
		}
		logSiteFiles(b, out, n)
	})
	b.Run("incremental", func(b *testing.B) {
		if fullWall == 0 {
			b.Skip("needs the full report first")
		}
		next := src
		next.extra = 1
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(out)
			if err := WriteWith(ctx, out, src.input(), WriteOptions{Previous: out}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			wall, cpu, rss := measure(b, func() error { return WriteWith(ctx, out, next.input(), WriteOptions{Previous: out}) })
			reportMeasure(b, wall, cpu, rss)
			b.ReportMetric(wall/fullWall, "of-full")
		}
		logSiteFiles(b, out, n)
	})
}

func measure(b *testing.B, fn func() error) (wall, cpu, rssMB float64) {
	b.Helper()
	runtime.GC()
	// Reset the peak RSS so that it covers this report only.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset peak RSS: %v", err)
	}
	c0, t0 := cpuTime(b), time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0).Seconds(), (cpuTime(b) - c0).Seconds(), peakRSSMB(b)
}

func reportMeasure(b *testing.B, wall, cpu, rss float64) {
	b.ReportMetric(wall, "wall-s/op")
	b.ReportMetric(cpu, "cpu-s/op")
	b.ReportMetric(rss, "peak-rss-MB")
}

// peakRSSMB reads VmHWM, the peak resident set, from /proc/self/status.
func peakRSSMB(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Logf("peak RSS: %v", err)
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// logSiteFiles checks that every site has a page and logs how many figures
// there are.
func logSiteFiles(b *testing.B, out string, n int) {
	pages, _ := filepath.Glob(filepath.Join(out, "sites", "*.html"))
	figs, _ := filepath.Glob(filepath.Join(out, "charts", "site-*.png"))
	if len(pages) != n {
		b.Fatalf("%d site pages, want %d", len(pages), n)
	}
	b.Logf("%d site pages, %d site figures", len(pages), len(figs))
}

// BenchmarkPages renders the pages of a year-long report of 2,000 sites
// (yearSource) into memory: every site page, then the pages about all
// sites (index, ranking pages, changes, methodology). It measures the
// templates alone, without the figures, the files or the pass over the
// sites; site-files writes the site pages into their files as the pool
// does; ns/page and cpu-ns/page (user+system, see BenchmarkWrite550) are
// per page.
func BenchmarkPages(b *testing.B) {
	src := yearSource{n: 2000, end: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC), cat: yearCatalogue()}
	in := src.input()
	r := newReport(&in)
	var sites []pageFile
	err := src.EachSite(context.Background(), func(rec egovbench.SiteRecord) error {
		pg, err := r.addSite(rec)
		if pg != nil {
			sites = append(sites, r.sitePageFile(pg.view))
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	r.finish()
	tmpl, err := parseTemplates()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		pages []pageFile
	}{{"site", sites}, {"all", r.pages()}} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			var bytes int64
			b.ReportAllocs()
			c0 := cpuTime(b)
			for b.Loop() {
				for _, pg := range c.pages {
					buf.Reset()
					if err := renderPage(&buf, tmpl, pg); err != nil {
						b.Fatal(err)
					}
					bytes += int64(buf.Len())
				}
			}
			pages := float64(b.N * len(c.pages))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/pages, "ns/page")
			b.ReportMetric(float64((cpuTime(b)-c0).Nanoseconds())/pages, "cpu-ns/page")
			b.ReportMetric(float64(bytes)/pages, "B/page")
		})
	}
	// The site pages again, each into its file as the pool writes it.
	b.Run("site-files", func(b *testing.B) {
		dir := b.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "sites"), 0o755); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		c0 := cpuTime(b)
		for b.Loop() {
			for _, pg := range sites {
				if err := execPage(tmpl, pg, filepath.Join(dir, pg.file)); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64((cpuTime(b)-c0).Nanoseconds())/float64(b.N*len(sites)), "cpu-ns/page")
	})
}
