package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// Env variables that scale BenchmarkReportCommand550 down for a quick check.
const (
	benchReportSitesEnv = "EGOVBENCH_BENCH_REPORT_SITES"
	benchReportDaysEnv  = "EGOVBENCH_BENCH_REPORT_DAYS"
)

// reportBenchVersion keys the cached database: bump it whenever the
// generator below changes, or a stale file would be measured.
const reportBenchVersion = "v1"

// reportBenchEnd is the fixed end of the generated history (and the "now"
// of the timed report), so a cached database stays valid across runs.
var reportBenchEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkReportCommand550 measures the whole `egovbench report` path on a
// store built through the store API: opening the DB, and reports.WriteWith
// streaming every site's record (latest/previous assessments, stage
// history, daily rollups over all time, outages) and the hourly rollups of
// the last 30 days from the store while it writes.
//
// The database (default 550 sites x 365 daily crawl runs, probes hourly for
// the last 30 days and every 6 h before) takes long to generate, so it is
// cached under os.TempDir() keyed by reportBenchVersion and the scale, and
// copied into b.TempDir() before timing. Run once:
//
//	go test ./cmd/egovbench -run XXX -bench BenchmarkReportCommand550 -benchtime 1x -timeout 2h
func BenchmarkReportCommand550(b *testing.B) {
	sites := envInt(b, benchReportSitesEnv, 550)
	days := envInt(b, benchReportDaysEnv, 365)
	ctx := context.Background()
	cat := analyzer.DefaultCatalogue()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("egovbench-report-bench-%s-%dx%d.db", reportBenchVersion, sites, days))
	if _, err := os.Stat(cached); err != nil {
		start := time.Now()
		if err := genReportDB(ctx, cached, cat, sites, days); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %v", cached, time.Since(start).Round(time.Second))
	} else {
		b.Logf("reusing cached %s", cached)
	}
	source := migratedBenchDB(b, cached)
	rf := reportFlags{lang: "id", tz: "Asia/Makassar"}
	now := reportBenchEnd
	b.ReportAllocs()
	b.ResetTimer()
	var wallT time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		path := filepath.Join(dir, "bench.db")
		if err := copyFile(source, path); err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(dir, "report")
		b.StartTimer()
		t0 := time.Now()
		if err := runReport(ctx, path, out, cat, rf, now); err != nil {
			b.Fatal(err)
		}
		wallT += time.Since(t0)
		b.StopTimer()
		// A report that silently dropped sites would be fast for the wrong reason.
		checkReportSites(b, out, sites)
		b.StartTimer()
	}
	b.StopTimer()
	logReadBreakdown(ctx, b, cached, now)
	n := float64(b.N)
	// After the loop: ResetTimer drops metrics reported before it.
	if st, err := os.Stat(cached); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "db_MB")
	}
	b.ReportMetric(wallT.Seconds()/n, "wall-s/op")
}

// runReport is the report command's work: open, read (streaming) and write,
// the data tables included.
func runReport(ctx context.Context, dbPath, out string, cat *analyzer.Catalogue, rf reportFlags, now time.Time) error {
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	in, err := reportInput(ctx, db, cat, rf, now)
	if err != nil {
		return err
	}
	if err := writeReport(ctx, db, out, out, in, now); err != nil {
		return err
	}
	return db.Close()
}

// checkReportSites fails unless the report has a page for each of the sites.
func checkReportSites(b *testing.B, out string, sites int) {
	b.Helper()
	pages, err := filepath.Glob(filepath.Join(out, "sites", "*.html"))
	if err != nil {
		b.Fatal(err)
	}
	if len(pages) != sites {
		b.Fatalf("report has %d site pages, want %d", len(pages), sites)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		b.Fatal(err)
	}
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// genReportDB writes a history of days daily crawl runs over sites targets
// into a new database at path (through a temporary file, so an interrupted
// generation leaves no half-built cache).
func genReportDB(ctx context.Context, path string, cat *analyzer.Catalogue, sites, days int) error {
	tmp := path + ".tmp"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	first := reportBenchEnd.AddDate(0, 0, -days)
	clock := first
	// Probes every 6 h must hold until the next one, or most of the year
	// would count as unobserved.
	db, err := store.Open(ctx, tmp, store.WithClock(func() time.Time { return clock }), store.WithGapCap(6*time.Hour))
	if err != nil {
		return err
	}
	defer db.Close()
	regions := []string{"Aceh", "Sumatera Utara", "Jawa Barat", "Jawa Tengah", "Jawa Timur",
		"Bali", "Kalimantan Timur", "Sulawesi Selatan", "Nusa Tenggara Timur", "Papua"}
	ts := make([]egovbench.Target, sites)
	ids := make([]string, sites)
	for i := range ts {
		ts[i] = egovbench.Target{
			ID: fmt.Sprintf("kab-%03d", i), Name: fmt.Sprintf("Kabupaten %03d", i),
			URL: fmt.Sprintf("https://www.kab%03d.example.go.id/", i), Level: "regency",
			Region: regions[i%len(regions)], Country: "ID", Lang: "id",
		}
		ids[i] = ts[i].ID
	}
	if err := db.UpsertTargets(ctx, ts); err != nil {
		return err
	}
	inds := cat.Indicators()
	weights := cat.Weights()
	rng := rand.New(rand.NewPCG(1, 2))
	// Each site has a maturity that drifts over the year; an indicator is
	// met when its difficulty (by stage) is below it, with a stable
	// per-site-per-indicator offset so sites differ in which ones they meet.
	base := make([]float64, sites)
	offs := make([][]float64, sites)
	for i := range base {
		base[i] = rng.Float64()
		offs[i] = make([]float64, len(inds))
		for j := range offs[i] {
			offs[i][j] = rng.Float64()*0.5 - 0.25
		}
	}
	for d := range days {
		day := first.AddDate(0, 0, d)
		clock = day.Add(2 * time.Hour)
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
		if err != nil {
			return err
		}
		for i := range sites {
			at := clock.Add(time.Duration(i) * 5 * time.Second)
			m := base[i] + 0.3*float64(d)/float64(days) + 0.05*rng.NormFloat64()
			a := synthAssessment(ts[i], run.ID, at, cat.Version(), inds, weights, offs[i], m, rng)
			if err := db.SaveAssessment(ctx, a); err != nil {
				return err
			}
		}
		if err := db.FinishRun(ctx, run.ID, egovbench.RunDone); err != nil {
			return err
		}
		if err := db.InsertProbes(ctx, synthProbes(ts, day, d >= days-30, rng)); err != nil {
			return err
		}
	}
	if err := db.Close(); err != nil {
		return err
	}
	for _, p := range []string{tmp + "-wal", tmp + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s left after close", p)
		}
	}
	return os.Rename(tmp, path)
}

// synthAssessment builds one target's assessment at maturity m: indicators
// of higher stages are harder; met ones carry 1-2 evidence entries; stage
// is the highest stage with at least half of its indicators met (and every
// lower stage likewise), score the weighted share met per criterion.
func synthAssessment(t egovbench.Target, runID int64, at time.Time, version string, inds []egovbench.Indicator,
	weights map[egovbench.Criterion]float64, offs []float64, m float64, rng *rand.Rand) egovbench.Assessment {
	a := egovbench.Assessment{TargetID: t.ID, RunID: runID, AssessedAt: at, CatalogueVersion: version,
		Reachable: true, PagesAnalyzed: 20 + rng.IntN(30), Indicators: make([]egovbench.IndicatorResult, len(inds))}
	total := map[egovbench.Criterion]int{}
	met := map[egovbench.Criterion]int{}
	stageTotal := map[egovbench.Stage]int{}
	stageMet := map[egovbench.Stage]int{}
	nmet := 0
	for j, ind := range inds {
		r := egovbench.IndicatorResult{ID: ind.ID}
		r.Met = m+offs[j] > float64(ind.Stage)*0.22
		total[ind.Criterion]++
		stageTotal[ind.Stage]++
		if r.Met {
			nmet++
			met[ind.Criterion]++
			stageMet[ind.Stage]++
			for k := range 1 + rng.IntN(2) {
				r.Evidence = append(r.Evidence, egovbench.Evidence{
					PageURL: fmt.Sprintf("%slayanan/%d", t.URL, k),
					Element: "a",
					Text:    fmt.Sprintf("%s bukti %d", ind.NameID, k),
				})
			}
		}
		a.Indicators[j] = r
	}
	a.Stage = egovbench.StageNone
	for _, s := range egovbench.Stages {
		if stageTotal[s] == 0 || 2*stageMet[s] < stageTotal[s] {
			break
		}
		a.Stage = s
	}
	if a.Stage == egovbench.StageNone && nmet > 0 {
		a.Stage = egovbench.StagePresence
	}
	a.CriterionScores = map[string]float64{}
	var sum, wsum float64
	for _, cr := range egovbench.Criteria {
		if total[cr] == 0 {
			continue
		}
		s := float64(int64(1000*float64(met[cr])/float64(total[cr])+0.5)) / 10
		a.CriterionScores[string(cr)] = s
		sum += weights[cr] * s
		wsum += weights[cr]
	}
	if wsum > 0 {
		a.Score = float64(int64(10*sum/wsum+0.5)) / 10
	}
	a.Confidence = 0.5 + 0.4*float64(nmet)/float64(len(inds))
	if a.Stage < egovbench.StageTransaction {
		a.NextSteps = []string{"Sediakan layanan daring", "Publikasikan data terbuka"}
	}
	return a
}

// synthProbes is one day of home-page probes: hourly when hourly is set,
// else every 6 hours; about 2% fail (timeouts and 5xx), which makes outages.
func synthProbes(ts []egovbench.Target, day time.Time, hourly bool, rng *rand.Rand) []egovbench.Probe {
	step := 6 * time.Hour
	if hourly {
		step = time.Hour
	}
	n := int(24 * time.Hour / step)
	ps := make([]egovbench.Probe, 0, n*len(ts))
	for k := range n {
		for i, t := range ts {
			at := day.Add(time.Duration(k)*step + time.Duration(i)*100*time.Millisecond)
			total := time.Duration(150+rng.IntN(900)) * time.Millisecond
			p := egovbench.Probe{TargetID: t.ID, At: at, URL: t.URL, Outcome: egovbench.OutcomeOK, HTTPStatus: 200,
				DNS: 5 * time.Millisecond, Connect: 20 * time.Millisecond, TLS: 40 * time.Millisecond,
				TTFB: total / 2, Total: total, Bytes: 40_000, TLSValid: true, TLSExpiry: day.AddDate(0, 3, 0), HTTPSRedirect: true}
			switch x := rng.IntN(100); {
			case x == 0:
				p.Outcome, p.HTTPStatus, p.Total, p.TTFB, p.Bytes, p.Error = egovbench.OutcomeTimeout, 0, 30*time.Second, 0, 0, "timeout"
			case x == 1:
				p.Outcome, p.HTTPStatus = egovbench.OutcomeHTTPError, 502
			}
			ps = append(ps, p)
		}
	}
	return ps
}

// logReadBreakdown times each store read of reportInput once, outside the
// measurement, to say where the read seconds go.
func logReadBreakdown(ctx context.Context, b *testing.B, path string, now time.Time) {
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	steps := []struct {
		name string
		fn   func() error
	}{
		{"Targets", func() error { _, err := db.Targets(ctx); return err }},
		{"LatestAssessments", func() error { _, err := db.LatestAssessments(ctx); return err }},
		{"PreviousAssessments", func() error { _, err := db.PreviousAssessments(ctx); return err }},
		{"StageHistory", func() error { _, err := db.StageHistory(ctx); return err }},
		{"Rollups(Daily, all)", func() error { _, err := db.Rollups(ctx, store.Daily, time.Time{}, now); return err }},
		{"Rollups(Hourly, 30 d)", func() error { _, err := db.Rollups(ctx, store.Hourly, now.AddDate(0, 0, -30), now); return err }},
		{"Outages(1 y)", func() error { _, err := db.Outages(ctx, now.AddDate(-1, 0, 0), now); return err }},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.fn(); err != nil {
			b.Fatal(err)
		}
		b.Logf("read breakdown: %-22s %v", s.name, time.Since(t0).Round(time.Millisecond))
	}
}

// Env variables of BenchmarkReportCommand20k: one scales it down for a
// quick check; the other keeps the database with the added day at a path,
// to time the report command itself on it (/usr/bin/time -v).
// A third writes a CPU profile of each measured report alone, to
// PREFIX-full.prof and PREFIX-incremental.prof.
const (
	benchReport20kSitesEnv   = "EGOVBENCH_BENCH_REPORT20K_SITES"
	benchReport20kDayDBEnv   = "EGOVBENCH_BENCH_REPORT20K_DAYDB"
	benchReport20kProfileEnv = "EGOVBENCH_BENCH_REPORT20K_CPUPROFILE"
)

// yearBenchVersion keys the cached database of BenchmarkReportCommand20k.
const yearBenchVersion = "v2"

// yearBenchEnd is the end of the generated year: a Thursday, so that the
// incremental report a day later falls in the same week (site figures are
// weekly; the first report of a week redraws them all).
var yearBenchEnd = time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)

// BenchmarkReportCommand20k measures the report command over 20,000 sites
// and a year: a crawl every month (12 assessments of the full catalogue per
// site, with evidence) and one probe a day per site (daily uptime, and the
// hourly rollups of the hour-of-day profile). Sub-benchmarks:
//
//   - full: a report into an empty folder;
//   - incremental: then one more day of probes is stored and a report a
//     day later is written into the same folder (Previous), keeping what
//     did not change.
//
// Each reports wall-s/op, cpu-s/op (user+system of the process) and
// peak-rss-MB (the process's peak resident set during the report, reset
// before it through /proc/self/clear_refs). The database (about 4 GB) is
// built in bulk (genYearDB, some 10 minutes) and cached under
// os.TempDir(). Run once, on an idle machine:
//
//	go test ./cmd/egovbench -run XXX -bench ReportCommand20k -benchtime 1x -timeout 1h
//
// Sites steady all year (same score, every check answered) get a sentence
// instead of a figure; the benchmark logs how many figures were drawn.
func BenchmarkReportCommand20k(b *testing.B) {
	sites := envInt(b, benchReport20kSitesEnv, 20_000)
	ctx := context.Background()
	cat := analyzer.DefaultCatalogue()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("egovbench-year-bench-%s-%d.db", yearBenchVersion, sites))
	if _, err := os.Stat(cached); err != nil {
		start := time.Now()
		if err := genYearDB(ctx, cached, cat, sites, yearBulkSites); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %v", cached, time.Since(start).Round(time.Second))
	} else {
		b.Logf("reusing cached %s", cached)
	}
	rf := reportFlags{lang: "id", tz: "Asia/Makassar"}
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.db")
	if err := copyFile(cached, path); err != nil {
		b.Fatal(err)
	}
	// A cached database of an older schema is migrated here, not in the
	// timed report (the cache itself is left to the binaries it was made by).
	if db, err := store.Open(ctx, path); err != nil {
		b.Fatal(err)
	} else if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	var fullWall float64
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(out)
			b.StartTimer()
			m := measureReport(b, "full", func() error { return runReport(ctx, path, out, cat, rf, yearBenchEnd) })
			fullWall = m.wall
			m.report(b)
		}
		checkReportSites(b, out, sites)
		logFigures(b, out)
	})
	b.Run("incremental", func(b *testing.B) {
		if fullWall == 0 {
			b.Skip("needs the full report first")
		}
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(out)
			if err := runReport(ctx, path, out, cat, rf, yearBenchEnd); err != nil {
				b.Fatal(err)
			}
			// One more day of probes, in a copy so the next loop starts alike.
			day := filepath.Join(b.TempDir(), "day.db")
			if p := os.Getenv(benchReport20kDayDBEnv); p != "" {
				day = p
			}
			if err := copyFile(path, day); err != nil {
				b.Fatal(err)
			}
			if err := addProbeDay(ctx, day, sites, yearBenchEnd); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			m := measureReport(b, "incremental", func() error { return runReport(ctx, day, out, cat, rf, yearBenchEnd.Add(24*time.Hour)) })
			m.report(b)
			b.ReportMetric(m.wall/fullWall, "of-full")
		}
		checkReportSites(b, out, sites)
		logFigures(b, out)
	})
}

type reportMeasure struct{ wall, cpu, rssMB float64 }

func measureReport(b *testing.B, name string, fn func() error) reportMeasure {
	b.Helper()
	if prefix := os.Getenv(benchReport20kProfileEnv); prefix != "" {
		f, err := os.Create(prefix + "-" + name + ".prof")
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	// Reset the peak RSS so that it covers this report only.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset peak RSS: %v", err)
	}
	c0, t0 := cpuTime(b), time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return reportMeasure{wall: time.Since(t0).Seconds(), cpu: (cpuTime(b) - c0).Seconds(), rssMB: peakRSSMB(b)}
}

func (m reportMeasure) report(b *testing.B) {
	b.ReportMetric(m.wall, "wall-s/op")
	b.ReportMetric(m.cpu, "cpu-s/op")
	b.ReportMetric(m.rssMB, "peak-rss-MB")
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

// logFigures says how many site figures a report drew (or kept).
func logFigures(b *testing.B, out string) {
	figs, _ := filepath.Glob(filepath.Join(out, "charts", "site-*.png"))
	pages, _ := filepath.Glob(filepath.Join(out, "sites", "*.html"))
	b.Logf("%d site pages, %d site figures", len(pages), len(figs))
}

// BenchmarkEachSite550 measures the store side of a report alone: streaming
// every site's record (latest and previous assessments in full, stage
// history, a year of daily rollups, outages) from the 550-site year
// database of BenchmarkReportCommand550 (build that first). It reports the
// cost per site and per daily rollup, from which the read time of larger
// lists follows (reports.BenchmarkWrite20k measures the writer alone).
//
//	go test ./cmd/egovbench -run XXX -bench EachSite550 -benchtime 3x
func BenchmarkEachSite550(b *testing.B) {
	ctx := context.Background()
	db := open550(b)
	q := store.SiteQuery{DailyTo: reportBenchEnd, OutagesFrom: reportBenchEnd.AddDate(-1, 0, 0), OutagesTo: reportBenchEnd}
	var sites, daily, points int
	var cpu time.Duration
	b.ReportAllocs()
	for b.Loop() {
		sites, daily, points = 0, 0, 0
		c0 := cpuTime(b)
		err := db.EachSite(ctx, q, func(r egovbench.SiteRecord) error {
			sites++
			daily += len(r.Daily)
			points += len(r.History)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c0
	}
	if sites != 550 || daily == 0 || points != 550*365 {
		b.Fatalf("%d sites, %d daily rollups, %d history points", sites, daily, points)
	}
	n := float64(b.N)
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/op")
	b.ReportMetric(cpu.Seconds()/n/float64(sites)*1e3, "cpu-ms/site")
	b.ReportMetric(float64(daily), "daily-rollups")
}

// open550 opens, read-only, a migrated copy of the 550-site year database
// BenchmarkReportCommand550 caches.
func open550(b *testing.B) *store.DB {
	b.Helper()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("egovbench-report-bench-%s-%dx%d.db", reportBenchVersion, 550, 365))
	if _, err := os.Stat(cached); err != nil {
		b.Skipf("%s missing: run BenchmarkReportCommand550 first", cached)
	}
	db, err := store.Open(context.Background(), migratedBenchDB(b, cached), store.ReadOnly())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkUptimeTable550 measures the report's largest data table alone:
// the uptime table (one row per site and day) of the 550-site year database
// of BenchmarkReportCommand550 (build that first), read from the store and
// written as CSV, as the report and `export --table uptime` write it. It
// reports the cost per row, from which the 20,000-site table follows.
//
//	go test ./cmd/egovbench -run XXX -bench UptimeTable550 -count 6
func BenchmarkUptimeTable550(b *testing.B) {
	ctx := context.Background()
	db := open550(b)
	var cpu time.Duration
	var out countWriter
	b.ReportAllocs()
	for b.Loop() {
		out = countWriter{}
		c0 := cpuTime(b)
		w := bufio.NewWriter(&out)
		if err := uptimeTable(ctx, db, newRowSink(w, "csv"), reportBenchEnd); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c0
	}
	rows := out.lines - 1
	if rows != 550*365 {
		b.Fatalf("%d rows, want %d", rows, 550*365)
	}
	n := float64(b.N)
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/op")
	b.ReportMetric(float64(cpu.Nanoseconds())/n/float64(rows), "cpu-ns/row")
}

// migratedBenchDB returns a copy of a cached benchmark database at this
// binary's schema, made once beside it. The cached file is left as it is:
// opening it would migrate it in place, and a binary of an older schema
// (another branch's benchmark) refuses a newer database. Nor is a
// migration timed.
func migratedBenchDB(b *testing.B, cached string) string {
	b.Helper()
	path := fmt.Sprintf("%s-schema%d.db", strings.TrimSuffix(cached, ".db"), store.SchemaVersion())
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	if err := copyFile(cached, tmp); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(context.Background(), tmp)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("migrated a copy of %s to %s", cached, path)
	return path
}
