package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// The year of BenchmarkReportCommand20k: sites differ as real ones do. Most
// keep their score all year and a few move (a site's maturity steps up or
// down in a month with probability 5 %); most answer every probe and a
// fifth are flaky (3 % of probes fail, as timeouts or 5xx, which makes
// outages). A crawl on the 2nd of each month assesses every site; every
// site is probed once a day. The store is opened as the probe and schedule
// commands open it (default gap cap), so the rollups are the ones a daily
// prober leaves.
//
// Everything about a site is drawn from its own random streams, so the
// history does not depend on the order it is written in: genYearDB writes
// it a block of sites at a time in large transactions (store.Bulk), and
// genYearDBSlow writes it as the commands do, a crawl run at a time and a
// day of probes at a time; TestYearGeneratorsAgree checks that both give
// the same report.

// yearGen draws the year of a list of sites.
type yearGen struct {
	cat     *analyzer.Catalogue
	ts      []egovbench.Target
	inds    []egovbench.Indicator
	weights map[egovbench.Criterion]float64
	days    []time.Time // every day of the year, UTC midnight
	crawls  []time.Time // the crawl days' run start (clock) times
}

func newYearGen(cat *analyzer.Catalogue, sites int) *yearGen {
	g := &yearGen{cat: cat, ts: yearTargets(sites), inds: cat.Indicators(), weights: cat.Weights()}
	first := yearBenchEnd.AddDate(-1, 0, 0)
	for day := first; day.Before(yearBenchEnd); day = day.AddDate(0, 0, 1) {
		g.days = append(g.days, day)
		if day.Day() == 2 {
			g.crawls = append(g.crawls, day.Add(time.Hour))
		}
	}
	return g
}

// assessments is site i's crawl results, one per crawl run (runs[k] is
// the run of crawls[k]).
func (g *yearGen) assessments(i int, runs []int64) []egovbench.Assessment {
	rng := rand.New(rand.NewPCG(5, uint64(i)))
	base := rng.Float64() * 1.1
	offs := make([]float64, len(g.inds))
	for j := range offs {
		offs[j] = rng.Float64()*0.5 - 0.25
	}
	as := make([]egovbench.Assessment, len(g.crawls))
	for k, at := range g.crawls {
		if rng.Float64() < 0.05 {
			base = math.Max(0, math.Min(1.1, base+0.3*rng.NormFloat64()))
		}
		as[k] = synthAssessment(g.ts[i], runs[k], at.Add(time.Duration(i)*100*time.Millisecond), g.cat.Version(),
			g.inds, g.weights, offs, base, rng)
	}
	return as
}

// yearTargets is the benchmark's list: ~500 sites in each of Indonesia's
// 38 provinces.
func yearTargets(sites int) []egovbench.Target {
	provinces := 38
	ts := make([]egovbench.Target, sites)
	for i := range ts {
		ts[i] = egovbench.Target{
			ID: fmt.Sprintf("desa-%05d", i), Name: fmt.Sprintf("Pemerintah Desa %05d", i),
			URL: fmt.Sprintf("https://desa%05d.example.go.id/", i), Level: "desa",
			Region: fmt.Sprintf("Provinsi %02d", i%provinces), Country: "ID", Lang: "id",
		}
	}
	return ts
}

// dailyProbe is site i's probe on day, at an hour that depends on the site
// (so the hour-of-day profile has every hour); a fifth of the sites fail
// 3 % of their probes. It depends only on site and day, so a day added
// later is drawn the same way as the generated ones.
func dailyProbe(i int, t egovbench.Target, day time.Time) egovbench.Probe {
	rng := rand.New(rand.NewPCG(uint64(i), uint64(day.Unix())))
	at := day.Add(time.Duration(i%24)*time.Hour + time.Duration(i%3600)*time.Second)
	total := time.Duration(150+rng.IntN(900)) * time.Millisecond
	p := egovbench.Probe{TargetID: t.ID, At: at, URL: t.URL, Outcome: egovbench.OutcomeOK, HTTPStatus: 200,
		DNS: 5 * time.Millisecond, Connect: 20 * time.Millisecond, TLS: 40 * time.Millisecond,
		TTFB: total / 2, Total: total, Bytes: 40_000, TLSValid: true, TLSExpiry: day.AddDate(0, 3, 0), HTTPSRedirect: true}
	if i%5 == 0 {
		switch x := rng.IntN(100); {
		case x < 2:
			p.Outcome, p.HTTPStatus, p.Total, p.TTFB, p.Bytes, p.Error = egovbench.OutcomeTimeout, 0, 30*time.Second, 0, 0, "timeout"
		case x < 3:
			p.Outcome, p.HTTPStatus = egovbench.OutcomeHTTPError, 502
		}
	}
	return p
}

// dailyProbes is one day of probes of every site.
func dailyProbes(ts []egovbench.Target, day time.Time) []egovbench.Probe {
	ps := make([]egovbench.Probe, len(ts))
	for i, t := range ts {
		ps[i] = dailyProbe(i, t, day)
	}
	return ps
}

// yearBulkSites is how many sites' years one store.Bulk transaction holds:
// about 400,000 probes, whose rows fit in the bulk's page cache.
const yearBulkSites = 1000

// genYearDB writes the year into a new database at path, through a
// temporary file, so an interrupted generation leaves no half-built cache.
// The runs are created first (each at its crawl time, as the crawl command
// creates them), then each block of sites' assessments and probes goes in
// one transaction, then the runs are finished at the time the crawl
// command would have finished them.
func genYearDB(ctx context.Context, path string, cat *analyzer.Catalogue, sites, block int) error {
	g := newYearGen(cat, sites)
	return genYear(ctx, path, g, func(db *store.DB, clock *time.Time) error {
		runs, err := g.createRuns(ctx, db, clock)
		if err != nil {
			return err
		}
		for lo := 0; lo < sites; lo += block {
			hi := min(sites, lo+block)
			err := db.Bulk(ctx, func(b *store.Bulk) error {
				ps := make([]egovbench.Probe, 0, (hi-lo)*len(g.days))
				for i := lo; i < hi; i++ {
					for k, a := range g.assessments(i, runs) {
						*clock = g.crawls[k] // the crawl command saves at the crawl's time
						if err := b.SaveAssessment(a); err != nil {
							return err
						}
					}
					for _, day := range g.days {
						ps = append(ps, dailyProbe(i, g.ts[i], day))
					}
				}
				return b.InsertProbes(ps)
			})
			if err != nil {
				return err
			}
		}
		for k, run := range runs {
			*clock = g.crawls[k]
			if err := db.FinishRun(ctx, run, egovbench.RunDone); err != nil {
				return err
			}
		}
		return nil
	})
}

// genYearDBSlow writes the same year as the commands do: each crawl run's
// assessments one transaction each, each day's probes in one batch, in
// time order. Only for small lists (it is what made the 20,000-site year
// take hours).
func genYearDBSlow(ctx context.Context, path string, cat *analyzer.Catalogue, sites int) error {
	g := newYearGen(cat, sites)
	return genYear(ctx, path, g, func(db *store.DB, clock *time.Time) error {
		ids := make([]string, sites)
		for i, t := range g.ts {
			ids[i] = t.ID
		}
		k := 0
		for _, day := range g.days {
			if k < len(g.crawls) && g.crawls[k].Truncate(24*time.Hour).Equal(day) {
				*clock = g.crawls[k]
				run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
				if err != nil {
					return err
				}
				runs := make([]int64, len(g.crawls))
				runs[k] = run.ID
				for i := range sites {
					if err := db.SaveAssessment(ctx, g.assessments(i, runs)[k]); err != nil {
						return err
					}
				}
				if err := db.FinishRun(ctx, run.ID, egovbench.RunDone); err != nil {
					return err
				}
				k++
			}
			if err := db.InsertProbes(ctx, dailyProbes(g.ts, day)); err != nil {
				return err
			}
		}
		return nil
	})
}

// genYear opens the database with a settable clock, stores the targets,
// lets fill write the history, and moves the file into place.
func genYear(ctx context.Context, path string, g *yearGen, fill func(db *store.DB, clock *time.Time) error) error {
	tmp := path + ".tmp"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	clock := g.days[0]
	db, err := store.Open(ctx, tmp, store.WithClock(func() time.Time { return clock }))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.UpsertTargets(ctx, g.ts); err != nil {
		return err
	}
	if err := fill(db, &clock); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// createRuns creates the year's crawl runs, each at its crawl time.
func (g *yearGen) createRuns(ctx context.Context, db *store.DB, clock *time.Time) ([]int64, error) {
	ids := make([]string, len(g.ts))
	for i, t := range g.ts {
		ids[i] = t.ID
	}
	runs := make([]int64, len(g.crawls))
	for k, at := range g.crawls {
		*clock = at
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
		if err != nil {
			return nil, err
		}
		runs[k] = run.ID
	}
	return runs, nil
}

// addProbeDay stores the probes of the day that starts at day, as one
// round of the prober.
func addProbeDay(ctx context.Context, path string, sites int, day time.Time) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.InsertProbes(ctx, dailyProbes(yearTargets(sites), day)); err != nil {
		return err
	}
	return db.Close()
}

// TestYearGeneratorsAgree: the year written in bulk, a few blocks of
// sites per transaction, gives the very report (pages, figures, data
// tables, manifest) that the same year written as the commands write it
// gives: so what BenchmarkReportCommand20k measures is a report of
// crawled data.
func TestYearGeneratorsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of probes one day at a time")
	}
	ctx := context.Background()
	cat := analyzer.DefaultCatalogue()
	const sites = 12
	dir := t.TempDir()
	slow, bulk := filepath.Join(dir, "slow.db"), filepath.Join(dir, "bulk.db")
	if err := genYearDBSlow(ctx, slow, cat, sites); err != nil {
		t.Fatal(err)
	}
	if err := genYearDB(ctx, bulk, cat, sites, 5); err != nil {
		t.Fatal(err)
	}
	rf := reportFlags{lang: "id", tz: "Asia/Makassar"}
	files := map[string]map[string][]byte{}
	for _, db := range []string{slow, bulk} {
		out := db + ".report"
		if err := runReport(ctx, db, out, cat, rf, yearBenchEnd); err != nil {
			t.Fatal(err)
		}
		files[db] = readTree(t, out)
	}
	a, b := files[slow], files[bulk]
	// The monthly uptime tables are keyed by how many transactions wrote
	// each day (store.DataStamps.Days), which differs between a day at a
	// time and a block of sites' year at a time: those keys are left out
	// (the tables themselves are compared).
	for _, files := range []map[string][]byte{a, b} {
		files["manifest.json"] = withoutUptimeKeys(t, files["manifest.json"])
	}
	if len(a) < sites {
		t.Fatalf("the report has %d files", len(a))
	}
	for name, want := range a {
		got, ok := b[name]
		if !ok {
			t.Errorf("%s: missing from the bulk-written report", name)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s differs between the bulk- and the command-written year", name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("%s: only in the bulk-written report", name)
		}
	}
	// The year is what it says: a crawl a month, a probe a day, outages.
	var uptime []byte
	for name, b := range a {
		if strings.HasPrefix(name, "data/uptime/") {
			_, rows, _ := bytes.Cut(b, []byte("\n"))
			uptime = append(uptime, rows...)
		}
	}
	a["data/uptime/"] = append([]byte("header\n"), uptime...)
	for name, min := range map[string]int{"data/history.csv": sites * 12, "data/uptime/": sites * 365, "data/outages.csv": 1} {
		if n := bytes.Count(a[name], []byte("\n")) - 1; n < min {
			t.Errorf("%s has %d rows, want at least %d", name, n, min)
		}
	}
}

// withoutUptimeKeys is a manifest with the keys of the monthly uptime
// tables blanked (their names stay).
func withoutUptimeKeys(t *testing.T, raw []byte) []byte {
	t.Helper()
	var m struct {
		Version int               `json:"version"`
		Files   map[string]string `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	n := 0
	for name := range m.Files {
		if strings.HasPrefix(filepath.ToSlash(name), "data/uptime/") {
			m.Files[name] = ""
			n++
		}
	}
	if n < 12 {
		t.Errorf("manifest lists %d monthly uptime tables, want a year's", n)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readTree reads every regular file under dir, keyed by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// smallYearDB builds the benchmark's year for a few sites in a test's
// temporary folder and opens it; it is closed when the test ends.
func smallYearDB(t *testing.T, cat *analyzer.Catalogue, sites int) *store.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "year.db")
	if err := genYearDB(ctx, path, cat, sites, sites); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
