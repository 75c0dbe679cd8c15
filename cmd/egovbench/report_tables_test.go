package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// TestReportDataTablesIncremental: the report's data tables are kept
// (hard-linked) from the previous report exactly when their data did not
// change, and every table, kept or written, is what a fresh export at the
// report's moment gives.
func TestReportDataTablesIncremental(t *testing.T) {
	ctx := context.Background()
	cat := analyzer.DefaultCatalogue()
	const sites = 6
	path := filepath.Join(t.TempDir(), "year.db")
	if err := genYearDB(ctx, path, cat, sites, sites); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rf := reportFlags{lang: "id", tz: "Asia/Makassar"}
	assessed, probed := []string{"latest", "history", "indicators"}, []string{"uptime", "outages", "hourly"}
	steps := []struct {
		name    string
		change  func() error
		now     time.Time
		written []string // the tables that must be written again; the rest are kept
	}{
		{"first report", nil, yearBenchEnd, append(assessed, probed...)},
		{"nothing changed", nil, yearBenchEnd, nil},
		{"half an hour later", nil, yearBenchEnd.Add(30 * time.Minute), nil},
		{"the next hour", nil, yearBenchEnd.Add(time.Hour), []string{"hourly"}},
		{"a day of probes", func() error {
			return db.InsertProbes(ctx, dailyProbes(yearTargets(sites), yearBenchEnd))
		}, yearBenchEnd.Add(25 * time.Hour), probed},
		{"a crawl", func() error {
			run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"desa-00003"}, 0)
			if err != nil {
				return err
			}
			a := egovbench.Assessment{TargetID: "desa-00003", RunID: run.ID, AssessedAt: yearBenchEnd.Add(25 * time.Hour),
				CatalogueVersion: cat.Version(), Reachable: false, Stage: egovbench.StageNone, Status: egovbench.StatusUnreachable}
			return db.SaveAssessment(ctx, a)
		}, yearBenchEnd.Add(25 * time.Hour), assessed},
		{"a renamed site", func() error {
			ts := yearTargets(sites)
			ts[2].Name = "Desa Baru"
			return db.UpsertTargets(ctx, ts)
		}, yearBenchEnd.Add(25 * time.Hour), append(assessed, probed...)},
	}
	prev := ""
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
		written := map[string]bool{}
		for _, name := range s.written {
			written[name] = true
		}
		for _, name := range exportTableNames() {
			file := filepath.Join(reportDataDir, name+".csv")
			got, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			fresh := filepath.Join(t.TempDir(), name+".csv")
			if err := writeTableFile(ctx, db, name, fresh, s.now); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(fresh)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: %s is not what an export at the report's moment gives", s.name, file)
			}
			if bytes.Count(got, []byte("\n")) < 2 {
				t.Errorf("%s: %s has no rows", s.name, file)
			}
			if k == 0 {
				continue
			}
			a, errA := os.Stat(filepath.Join(prev, file))
			b, errB := os.Stat(filepath.Join(dir, file))
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			if kept := os.SameFile(a, b); kept == written[name] {
				t.Errorf("%s: %s kept from the previous report: %v, want %v", s.name, file, kept, !written[name])
			}
		}
		prev = dir
	}
}
