package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
)

// TestReportDataTablesIncremental: the report's data tables, and each
// month of the uptime table, are kept (hard-linked) from the previous
// report exactly when their data did not change, and every table, kept or
// written, is what a fresh export at the report's moment gives: the
// monthly uptime files are, in name order, the export's rows of each month
// in the export's order, and there is one for each month it has rows of.
func TestReportDataTablesIncremental(t *testing.T) {
	ctx := context.Background()
	cat := analyzer.DefaultCatalogue()
	const sites = 6
	db := smallYearDB(t, cat, sites)
	rf := reportFlags{lang: "id", tz: "Asia/Makassar"}
	assessed, probed := []string{"latest", "history", "indicators"}, []string{"outages", "hourly"}
	all := []string{"*"}
	// A site added late, probed just before and just after a month's end:
	// the probe after midnight counts its 10 minutes of held time (capped
	// at the default 15) half in each month.
	late := egovbench.Target{ID: "desa-late", Name: "Desa Baru", URL: "https://late.example.go.id/", Level: "desa",
		Region: "Provinsi 01", Country: "ID", Lang: "id"}
	lateProbe := func(at time.Time) egovbench.Probe {
		p := dailyProbe(0, late, at.Truncate(24*time.Hour))
		p.At = at
		return p
	}
	targets := func(rename bool) []egovbench.Target {
		ts := append(yearTargets(sites), late)
		if rename {
			ts[2].Name = "Desa Baru"
		}
		return ts
	}
	day := 24 * time.Hour
	steps := []struct {
		name   string
		change func() error
		now    time.Time
		// The tables ("uptime/YYYY-MM" for a month) that must be written
		// again; the rest are kept. "*": all.
		written []string
	}{
		{"first report", nil, yearBenchEnd, all},
		{"nothing changed", nil, yearBenchEnd, nil},
		{"half an hour later", nil, yearBenchEnd.Add(30 * time.Minute), nil},
		{"the next hour", nil, yearBenchEnd.Add(time.Hour), []string{"hourly"}},
		// The day's probes come after the report's moment: the November
		// table still changes, for the time each site's probe of the day
		// before held.
		{"a day of probes, the clock behind", func() error {
			return db.InsertProbes(ctx, dailyProbes(yearTargets(sites), yearBenchEnd))
		}, yearBenchEnd, append([]string{"uptime/2026-11"}, probed...)},
		{"a day later", nil, yearBenchEnd.Add(25 * time.Hour), append([]string{"uptime/2026-11"}, probed...)},
		{"a late probe in March", func() error {
			p := dailyProbe(1, yearTargets(sites)[1], time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
			p.At = p.At.Add(-time.Minute)
			return db.InsertProbes(ctx, []egovbench.Probe{p})
		}, yearBenchEnd.Add(25 * time.Hour), append([]string{"uptime/2026-03"}, probed...)},
		{"a new site", func() error { return db.UpsertTargets(ctx, targets(false)) }, yearBenchEnd.Add(25 * time.Hour), all},
		{"its probe at the end of September", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{lateProbe(time.Date(2026, 9, 30, 23, 55, 0, 0, time.UTC))})
		}, yearBenchEnd.Add(25 * time.Hour), append([]string{"uptime/2026-09"}, probed...)},
		{"its probe after midnight", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{lateProbe(time.Date(2026, 10, 1, 0, 5, 0, 0, time.UTC))})
		}, yearBenchEnd.Add(25 * time.Hour), append([]string{"uptime/2026-09", "uptime/2026-10"}, probed...)},
		// The first month goes, the second loses its first days.
		{"pruned rollups", func() error {
			_, err := db.PruneRollups(ctx, time.Date(2025, 12, 10, 0, 0, 0, 0, time.UTC))
			return err
		}, yearBenchEnd.Add(25 * time.Hour), append([]string{"uptime/2025-12"}, probed...)},
		{"a crawl", func() error {
			run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"desa-00003"}, 0)
			if err != nil {
				return err
			}
			a := egovbench.Assessment{TargetID: "desa-00003", RunID: run.ID, AssessedAt: yearBenchEnd.Add(25 * time.Hour),
				CatalogueVersion: cat.Version(), Reachable: false, Stage: egovbench.StageNone, Status: egovbench.StatusUnreachable}
			return db.SaveAssessment(ctx, a)
		}, yearBenchEnd.Add(25 * time.Hour), assessed},
		{"a renamed site", func() error { return db.UpsertTargets(ctx, targets(true)) }, yearBenchEnd.Add(day + time.Hour), all},
	}
	prev := ""
	var prevMonths []string
	for k, s := range steps {
		if s.change != nil {
			if err := s.change(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		in, err := reportInput(ctx, db, cat, rf, s.now)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "report")
		if err := writeReport(ctx, db, dir, prev, in, s.now); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		// What a fresh export gives: each table, and the uptime table's
		// rows by month.
		want := map[string][]byte{}
		for _, name := range exportTableNames() {
			fresh := filepath.Join(t.TempDir(), name+".csv")
			if err := writeTableFile(ctx, db, name, fresh, s.now); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(fresh)
			if err != nil {
				t.Fatal(err)
			}
			if name != "uptime" {
				want[name] = b
				continue
			}
			header, rows, _ := bytes.Cut(b, []byte("\n"))
			for _, row := range bytes.SplitAfter(rows, []byte("\n")) {
				if len(row) == 0 {
					continue
				}
				f := strings.Split(string(row), ",")
				m := "uptime/" + f[1][:7]
				if want[m] == nil {
					want[m] = append(append([]byte{}, header...), '\n')
				}
				want[m] = append(want[m], row...)
			}
		}
		got := readDataTables(t, dir)
		var months []string
		for name := range got {
			if strings.HasPrefix(name, "uptime/") {
				months = append(months, name)
			}
		}
		slices.Sort(months)
		if len(months) < 12 {
			t.Errorf("%s: %d months of uptime, want a year's", s.name, len(months))
		}
		for name, w := range want {
			g, ok := got[name]
			if !ok {
				t.Errorf("%s: data/%s.csv missing", s.name, name)
				continue
			}
			if !bytes.Equal(g, w) {
				t.Errorf("%s: data/%s.csv is not what an export at the report's moment gives", s.name, name)
			}
			if bytes.Count(g, []byte("\n")) < 2 {
				t.Errorf("%s: data/%s.csv has no rows", s.name, name)
			}
		}
		for name := range got {
			if want[name] == nil {
				t.Errorf("%s: data/%s.csv holds nothing of the export", s.name, name)
			}
		}
		if s.name == "pruned rollups" && (slices.Contains(months, "uptime/2025-11") || !slices.Equal(prevMonths[1:], months)) {
			t.Errorf("%s: months %v, want those before %v without the first", s.name, months, prevMonths)
		}
		prevMonths = months
		if k == 0 {
			prev = dir
			continue
		}
		written := map[string]bool{}
		for _, name := range s.written {
			written[name] = true
		}
		for name := range got {
			file := filepath.Join(reportDataDir, filepath.FromSlash(name)+".csv")
			a, errA := os.Stat(filepath.Join(prev, file))
			if errA != nil {
				if !written["*"] && !written[name] {
					t.Errorf("%s: %s is new, want it among the kept", s.name, file)
				}
				continue
			}
			b, err := os.Stat(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			if kept := os.SameFile(a, b); kept == (written["*"] || written[name]) {
				t.Errorf("%s: %s kept from the previous report: %v, want %v", s.name, file, kept, !kept)
			}
		}
		prev = dir
	}
}

// readDataTables reads the report's data tables, keyed by their path in
// data/ without .csv ("latest", "uptime/2026-03").
func readDataTables(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	root := filepath.Join(dir, reportDataDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name, ok := strings.CutSuffix(filepath.ToSlash(rel), ".csv")
		if !ok {
			t.Errorf("data/%s is not a table", rel)
		}
		m[name], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
